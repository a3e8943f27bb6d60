// The Rego parser, construct by construct: the tree it builds (printed compactly), operator precedence, rule kinds,
// v0 / v1 / rego.v1 / future.keywords differences, locations, and the error messages with their line:col.
import { describe, expect, it } from "vitest";
import { RegoParseError, type Body, type Expr, type Module, type Rule, type Term } from "../converters/rego/ast.js";
import { MAX_NESTING, parseModule, parseQuery, parseTerm } from "../converters/rego/parser.js";

// ----- a compact printer for assertions ----------------------------------------------------------------------------

const IDENT = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function show(t: Term): string {
  switch (t.type) {
    case "null":
      return "null";
    case "boolean":
      return String(t.value);
    case "number":
      return t.text;
    case "string":
      return JSON.stringify(t.value);
    case "var":
      return t.name;
    case "ref":
      return show(t.head) + t.path.map((p) => (p.type === "string" && IDENT.test(p.value) ? `.${p.value}` : `[${show(p)}]`)).join("");
    case "array":
      return `[${t.items.map(show).join(", ")}]`;
    case "set":
      return t.items.length === 0 ? "set()" : `{${t.items.map(show).join(", ")}}`;
    case "object":
      return `{${t.entries.map(([k, v]) => `${show(k)}: ${show(v)}`).join(", ")}}`;
    case "arraycomp":
      return `[${show(t.head)} | ${showBody(t.body)}]`;
    case "setcomp":
      return `{${show(t.head)} | ${showBody(t.body)}}`;
    case "objectcomp":
      return `{${show(t.key)}: ${show(t.value)} | ${showBody(t.body)}}`;
    case "call":
      return `${t.name}(${t.args.map(show).join(", ")})`;
    case "template":
      return `$<${t.parts.map((p, i) => (typeof p === "string" ? JSON.stringify(p) : `{${show(p)}${showWiths(t.withs?.[i] ?? [])}}`)).join(" ")}>`;
  }
}

function showWiths(withs: readonly { target: Term; value: Term }[]): string {
  return withs.map((w) => ` with ${show(w.target)} as ${show(w.value)}`).join("");
}

function showExpr(e: Expr): string {
  const withs = showWiths(e.with);
  const not = e.negated ? "not " : "";
  switch (e.type) {
    case "term":
      return `${not}${show(e.term)}${withs}`;
    case "some":
      return `some ${e.vars.join(", ")}`;
    case "somein":
      return `some ${e.key ? `${show(e.key)}, ` : ""}${show(e.value)} in ${show(e.domain)}${withs}`;
    case "every":
      return `every ${e.key ? `${show(e.key)}, ` : ""}${show(e.value)} in ${show(e.domain)} { ${showBody(e.body)} }${withs}`;
    case "and":
    case "or":
      return `(${e.operands.map((b) => `{ ${showBody(b)} }`).join(` ${e.type} `)})${withs}`;
    case "notbody":
      return `not { ${showBody(e.body)} }${withs}`;
  }
}

function showBody(b: Body): string {
  return b.map(showExpr).join("; ");
}

function showRule(r: Rule): string {
  const h = r.head;
  const ref = h.ref.map((t, i) => (i === 0 && t.type === "string" ? t.value : t.type === "string" && IDENT.test(t.value) ? `.${t.value}` : `[${show(t)}]`)).join("");
  let s = `${r.default ? "default " : ""}${r.kind} ${ref}`;
  if (h.args) s += `(${h.args.map(show).join(", ")})`;
  if (h.key) s += ` contains ${show(h.key)}`;
  if (h.value) s += ` ${h.assign} ${show(h.value)}`;
  s += ` { ${showBody(r.body)} }`;
  for (const e of r.elses) s += ` else${e.value ? ` = ${show(e.value)}` : ""} { ${showBody(e.body)} }`;
  return s;
}

function rules(src: string, regoVersion: 0 | 1 = 0): string[] {
  return parseModule(src, "t.rego", { regoVersion }).rules.map(showRule);
}

function query(src: string, regoVersion: 0 | 1 = 1): string {
  return showBody(parseQuery(src, "q", { regoVersion }));
}

function term(src: string): string {
  return show(parseTerm(src, "t", { regoVersion: 1 }));
}

/** "line:col: message" of the parse error, or "ok". */
function err(src: string, regoVersion: 0 | 1 = 0): string {
  try {
    parseModule(src, "t.rego", { regoVersion });
    return "ok";
  } catch (e) {
    if (!(e instanceof RegoParseError)) throw e;
    return `${e.loc.line}:${e.loc.col}: ${e.detail}`;
  }
}

function qerr(src: string, regoVersion: 0 | 1 = 1): string {
  try {
    parseQuery(src, "q", { regoVersion });
    return "ok";
  } catch (e) {
    if (!(e instanceof RegoParseError)) throw e;
    return `${e.loc.line}:${e.loc.col}: ${e.detail}`;
  }
}

const P = "package t\n";

// ----- terms and operators -----------------------------------------------------------------------------------------

describe("terms", () => {
  it.each([
    ["null", "null"],
    ["true", "true"],
    ["false", "false"],
    ["1", "1"],
    ["-1", "-1"],
    ["- 1", "-1"],
    ["1.5e3", "1.5e3"],
    ["2E-3", "2E-3"],
    [".5", ".5"],
    ["-.5", "-.5"],
    ["0.25", "0.25"],
    ["0e5", "0e5"],
    ['"a\\tb"', '"a\\tb"'],
    ['"\\u00e9\\ud83d\\ude00"', '"é😀"'],
    ['"\\ud83d"', '"\ufffd"'],
    ['"\\/"', '"/"'],
    ["`raw\\n`", '"raw\\\\n"'],
    ["x", "x"],
    ["_", "_"],
    ["input", "input"],
    ["data.a.b", "data.a.b"],
    ['input.a["b-c"][_][0]', 'input.a["b-c"][_][0]'],
    ["x[y.z]", "x[y.z]"],
    ["[1, 2][0]", "[1, 2][0]"],
    ["{1}", "{1}"],
    ["{}", "{}"],
    ["set()", "set()"],
    ['{"a": 1, [1]: {2}, x: y}', '{"a": 1, [1]: {2}, x: y}'],
    ["[1, 2,]", "[1, 2]"],
    ["[, 1]", "[1]"],
    ["{1, 2,}", "{1, 2}"],
    ["count(x)", "count(x)"],
    ['regex.match("a", x)', 'regex.match("a", x)'],
    ["data.lib.f(x, y)", "data.lib.f(x, y)"],
    ["f()", "f()"],
    ["f(x).y", "f(x).y"],
    ["f(x)[0].z", "f(x)[0].z"],
    ['a.b["c"](1)', "a.b.c(1)"],
    ["[x | x := 1]", "[x | assign(x, 1)]"],
    ["{x | x := 1; x > 0}", "{x | assign(x, 1); gt(x, 0)}"],
    ["{k: v | k := 1\n v := 2}", "{k: v | assign(k, 1); assign(v, 2)}"],
    ["{x + 1: y | x := 1; y := 2}", "{plus(x, 1): y | assign(x, 1); assign(y, 2)}"],
    ["[a | b, c]", "[or(a, b), c]"],
    ["{a | b, c}", "{or(a, b), c}"],
    ["[x + 1 | y]", "[or(plus(x, 1), y)]"],
    ["{[1, 2] | true}", "{[1, 2] | true}"],
    ["(1)", "1"],
    ["(x).y", "x.y"],
    ["(\n  1 +\n  2\n)", "plus(1, 2)"],
    ["[\n  1,\n  2\n]", "[1, 2]"],
  ])("%j", (src, want) => {
    expect(term(src)).toBe(want);
  });
});

describe("operator precedence", () => {
  it.each([
    ["1 + 2 * 3", "plus(1, mul(2, 3))"],
    ["1 * 2 + 3", "plus(mul(1, 2), 3)"],
    ["(1 + 2) * 3", "mul(plus(1, 2), 3)"],
    ["1 - 2 - 3", "minus(minus(1, 2), 3)"],
    ["8 / 4 % 3", "rem(div(8, 4), 3)"],
    ["1 -1", "minus(1, 1)"],
    ["1 - -1", "minus(1, -1)"],
    ["a | b & c", "or(a, and(b, c))"],
    ["a & b | c", "or(and(a, b), c)"],
    ["a | b | c", "or(or(a, b), c)"],
    ["a + b | c", "or(plus(a, b), c)"],
    ["a == b | c", "equal(a, or(b, c))"],
    ["a < b == c", "equal(lt(a, b), c)"],
    ["a != b", "neq(a, b)"],
    ["a <= b", "lte(a, b)"],
    ["a >= b + 1", "gte(a, plus(b, 1))"],
    ["x in xs", "internal.member_2(x, xs)"],
    ["x in xs == y", "internal.member_2(x, equal(xs, y))"],
    ["x in a in b", "internal.member_2(internal.member_2(x, a), b)"],
    ["k, v in xs", "internal.member_3(k, v, xs)"],
    ["f(k, v in xs)", "f(k, internal.member_2(v, xs))"],
    ["x := 1 + 2", "assign(x, plus(1, 2))"],
    ["x = y == z", "eq(x, equal(y, z))"],
    ["x := y in z", "assign(x, internal.member_2(y, z))"],
    ["x := -y.z", "unexpected identifier token: expected number"],
  ])("%j", (src, want) => {
    expect(qerr(src) === "ok" ? query(src) : qerr(src).replace(/^\d+:\d+: /, "")).toBe(want);
  });
});

describe("literals", () => {
  it.each([
    ["not x", "not x"],
    ["not x == 1", "not equal(x, 1)"],
    ["not f(x) with input as 1", "not f(x) with input as 1"],
    ["x with input.a as 1 with data.b as {2}", "x with input.a as 1 with data.b as {2}"],
    ["f(x) with f as g", "f(x) with f as g"],
    ["some x", "some x"],
    ["some x, _, y", "some x, _, y"],
    ["some x in xs", "some x in xs"],
    ["some k, v in xs", "some k, v in xs"],
    ["some [a, b] in xs", "some [a, b] in xs"],
    ["some x in xs with input as 1", "some x in xs with input as 1"],
    ["every x in xs { x > 1 }", "every x in xs { gt(x, 1) }"],
    ["every k, v in {1: 2} { k < v; true }", "every k, v in {1: 2} { lt(k, v); true }"],
    ["x := 1; y := x + 1", "assign(x, 1); assign(y, plus(x, 1))"],
    ["x := 1\ny := 2", "assign(x, 1); assign(y, 2)"],
    ["data.x.p = y", "eq(data.x.p, y)"],
    ["input.x == null", "equal(input.x, null)"],
    ["not.x == 1", "equal(not.x, 1)"],
    ["if[0] == as.b", "unexpected as keyword"],
    ['x := $"a {y} b"', 'assign(x, $<"a " {y} " b">)'],
    ['x := $"{1 + 2}{f(y)}"', "assign(x, $<{plus(1, 2)} {f(y)}>)"],
    ['x := $"\\{y} \\t"', 'assign(x, $<"{y} \\t">)'],
    ["x := $`a\n{y}`", 'assign(x, $<"a\\n" {y}>)'],
    ["x := $`\\{y}\\n`", 'assign(x, $<"{y}\\\\n">)'],
    ['x := $"{ {1} } {$"{a}"}"', 'assign(x, $<{{1}} " " {$<{a}>}>)'],
    ['x := $""', "assign(x, $<>)"],
    ['x := $"a {y with input as 1} {z}"', 'assign(x, $<"a " {y with input as 1} " " {z}>)'],
    ['x := $"{f(y) with f as g with input.a as 2}"', "assign(x, $<{f(y) with f as g with input.a as 2}>)"],
  ])("%j", (src, want) => {
    const e = qerr(src);
    expect(e === "ok" ? query(src) : e.replace(/^\d+:\d+: /, "")).toBe(want);
  });

  it("template strings reject assignments, unifications, negation and declarations", () => {
    expect(qerr('x := $"{y := 1}"')).toBe("1:9: unexpected assignment (':=') in template-string expression");
    expect(qerr('x := $"{y = 1}"')).toBe("1:9: unexpected unification ('=') in template-string expression");
    expect(qerr('x := $"{not y}"')).toBe("1:9: unexpected negation ('not') in template-string expression");
    expect(qerr('x := $"{some y}"')).toBe("1:9: unexpected 'some' in template-string expression");
    expect(qerr('x := $"{}"')).toBe("1:9: unexpected } token");
    expect(qerr('x := $"abc')).toBe("1:6: non-terminated string");
  });
});

// ----- and / or / not { } (experimental keywords) ------------------------------------------------------------------

const LOGIC = "import future.keywords.and\nimport future.keywords.or\nimport future.keywords.not\n";

/** The body of `p if { <src> }` in a v1 module importing the given experimental keywords. */
function logic(src: string, imports = LOGIC): string {
  const e = err(`${P}${imports}p if {\n${src}\n}`, 1);
  if (e !== "ok") return e.replace(/^\d+:\d+: /, "");
  return showBody(parseModule(`${P}${imports}p if {\n${src}\n}`, "t.rego", { regoVersion: 1 }).rules[0]!.body);
}

describe("logical operators (import future.keywords.and / or / not)", () => {
  it.each([
    ["a and b", "({ a } and { b })"],
    ["a or b", "({ a } or { b })"],
    ["a and b and c", "({ a } and { b } and { c })"],
    ["a or b or c", "({ a } or { b } or { c })"],
    ["a and b or c", "({ ({ a } and { b }) } or { c })"],
    ["a or b and c", "({ a } or { ({ b } and { c }) })"],
    ["a and b or c and d", "({ ({ a } and { b }) } or { ({ c } and { d }) })"],
    ["x > 0 and count(y) == 1", "({ gt(x, 0) } and { equal(count(y), 1) })"],
    ["x := 1 and y = 2", "({ assign(x, 1) } and { eq(y, 2) })"],
    ["{ a := 1; a > 0 } and b", "({ assign(a, 1); gt(a, 0) } and { b })"],
    ["a or { b\n c }", "({ a } or { b; c })"],
    ["{ a or b } and { c or d }", "({ ({ a } or { b }) } and { ({ c } or { d }) })"],
    ["{q} and {r}", "({ q } and { r })"],
    ["a and {1} == x", "({ a } and { equal({1}, x) })"],
    ["{1} == x", "equal({1}, x)"],
    ["a and (b or c)", "({ a } and { ({ b } or { c }) })"],
    ["(a or b) and c", "({ ({ a } or { b }) } and { c })"],
    ["(((a or b)))", "({ a } or { b })"],
    ["(1 + 2) * 3 == x and y", "({ equal(mul(plus(1, 2), 3), x) } and { y })"],
    ["a and b with input as 1", "({ a } and { b }) with input as 1"],
    ["(a with input.x as 1) and b", "({ a with input.x as 1 } and { b })"],
    ["(a or b with input as 1)", "({ a } or { b }) with input as 1"],
    ["{ q with input.x as 1 } and r", "({ q with input.x as 1 } and { r })"],
    ["not a or b", "({ not { a } } or { b })"],
    ["not a and not b or c", "({ ({ not { a } } and { not { b } }) } or { c })"],
    ["not (a or b)", "not { ({ a } or { b }) }"],
    ["not { a; b }", "not { a; b }"],
    ["not not a", "not { not { a } }"],
    ["not f(x) with input as 1", "not { f(x) } with input as 1"],
    ["some x in xs; x > 0 or x < -1", "some x in xs; ({ gt(x, 0) } or { lt(x, -1) })"],
    ["every x in xs { x > 0 or x < -1 }", "every x in xs { ({ gt(x, 0) } or { lt(x, -1) }) }"],
    ["y := [x | some x in xs; x > 0 and x < 9]", "assign(y, [x | some x in xs; ({ gt(x, 0) } and { lt(x, 9) })])"],
    ["not some x", "unexpected some keyword: illegal negation of 'some'"],
    ['x := $"{a and b}"', "unexpected 'and' in template-string expression"],
  ])("%j", (src, want) => {
    expect(logic(src)).toBe(want);
  });

  it("each keyword needs its own import", () => {
    expect(logic("a and b", "import future.keywords.and\n")).toBe("({ a } and { b })");
    expect(logic("a or b", "import future.keywords.and\n")).toBe("unexpected identifier token: expected \\n or ; or }");
    expect(logic("not a or b", "import future.keywords.or\n")).toBe("({ not a } or { b })");
    expect(logic("not (a or b)", "import future.keywords.or\n")).toBe("non-terminated expression");
    expect(logic("not f(x)", "import future.keywords.not\n")).toBe("not { f(x) }");
    expect(logic("not f(x)", "")).toBe("not f(x)");
    // `import future.keywords` and v1 bring only the released keywords; without the import `and` is a name
    expect(logic("and := 1; or := 2", "import future.keywords\n")).toBe("assign(and, 1); assign(or, 2)");
    expect(logic("{1} and x", "")).toBe("unexpected identifier token: expected \\n or ; or }");
  });

  it("rule bodies after if, else and default", () => {
    const src = `${P}${LOGIC}p := 1 if input.x > 0 or input.y > 0\n  else := 2 if not { input.z }\nq if { a := 1; a > 0 } and b\nr if not { false }`;
    expect(rules(src, 1)).toEqual([
      "complete p := 1 { ({ gt(input.x, 0) } or { gt(input.y, 0) }) } else = 2 { not { input.z } }",
      "complete q { ({ assign(a, 1); gt(a, 0) } and { b }) }",
      "complete r { not { false } }",
    ]);
  });

  it("locations: the expression starts at its first operand", () => {
    const body = parseModule(`${P}import future.keywords.or\np if {\n  x or\n    { y }\n}`, "t.rego", { regoVersion: 1 }).rules[0]!.body;
    const e = body[0]!;
    expect(e.type).toBe("or");
    expect(e.loc).toEqual({ file: "t.rego", line: 4, col: 3 });
    if (e.type === "or") expect(e.operands[1]![0]!.loc).toEqual({ file: "t.rego", line: 5, col: 7 });
  });
});

// ----- rules ---------------------------------------------------------------------------------------------------------

describe("rules (v0)", () => {
  it.each([
    ["p := 1", ["complete p := 1 {  }"]],
    ["p = 1", ["complete p = 1 {  }"]],
    ["p { true }", ["complete p { true }"]],
    ["p = x { x := 1 }", ["complete p = x { assign(x, 1) }"]],
    ["default p := false", ["default complete p := false {  }"]],
    ["default p = {}", ["default complete p = {} {  }"]],
    ["p[x] { x := 1 }", ["partialset p contains x { assign(x, 1) }"]],
    ['p["a"] { true }', ['partialset p contains "a" { true }']],
    ["p.q { true }", ['partialset p contains "q" { true }']],
    ["p[k] = v { k := 1; v := 2 }", ["partialobject p[k] = v { assign(k, 1); assign(v, 2) }"]],
    ['p["a"] = 1 { true }', ['complete p.a = 1 { true }']],
    ['p.q.r = 1 { true }', ["complete p.q.r = 1 { true }"]],
    ["p[x]", ["partialset p contains x {  }"]],
    ["p.q.r", ["complete p.q.r {  }"]],
    ["p.q[x] = 1", ["partialobject p.q[x] = 1 {  }"]],
    ["f(x) = y { y := x }", ["function f(x) = y { assign(y, x) }"]],
    ["f(x) { x }", ["function f(x) { x }"]],
    ['f("Ki") = 1024', ['function f("Ki") = 1024 {  }']],
    ["f(x)", ["function f(x) = true {  }"]],
    ["f(x) := x", ["function f(x) := x {  }"]],
    ["a.b.f(x) = 1 { x }", ["function a.b.f(x) = 1 { x }"]],
    ["default f(_) = 1", ["default function f(_) = 1 {  }"]],
    ["p { a } { b }", ["complete p { a }", "complete p { b }"]],
    ["f(x) = 1 { x } { not x }", ["function f(x) = 1 { x }", "function f(x) = 1 { not x }"]],
    [
      "p = 1 { a } else = 2 { b } else = 3",
      ["complete p = 1 { a } else = 2 { b } else = 3 {  }"],
    ],
    ["p { a } else { b }", ["complete p { a } else { b }"]],
    ["f(x) = 1 { x } else = 2", ["function f(x) = 1 { x } else = 2 {  }"]],
    ["p { x := 1\n  y := 2; z }", ["complete p { assign(x, 1); assign(y, 2); z }"]],
    ["p {\n  x := [\n    1,\n    2\n  ]\n}", ["complete p { assign(x, [1, 2]) }"]],
    ["p [x] { x }", ["partialset p contains x { x }"]],
    ["as.foo := 1", ["complete as.foo := 1 {  }"]],
  ])("%j", (src, want) => {
    expect(rules(P + src)).toEqual(want);
  });
});

describe("rules (v1)", () => {
  it.each([
    ["p if true", ["complete p { true }"]],
    ["p if { x := 1; x > 0 }", ["complete p { assign(x, 1); gt(x, 0) }"]],
    ["p := 1 if input.x", ["complete p := 1 { input.x }"]],
    ["p if {}", ["complete p { {} }"]],
    ["p if { {1} }", ["complete p { {1} }"]],
    ["p contains x if { x := 1 }", ["partialset p contains x { assign(x, 1) }"]],
    ['p contains "a"', ['partialset p contains "a" {  }']],
    ["a.b contains x if { x := 1 }", ["partialset a.b contains x { assign(x, 1) }"]],
    ["a.b[c] contains x if { x := c }", ["partialset a.b[c] contains x { assign(x, c) }"]],
    ["p[x] if { x := 1 }", ["partialobject p[x] { assign(x, 1) }"]],
    ["p[x] := 2 if { x := 1 }", ["partialobject p[x] := 2 { assign(x, 1) }"]],
    ['p["a"] if true', ["complete p.a { true }"]],
    ['p.q[x].r := 1 if { x := "a" }', ['partialobject p.q[x].r := 1 { assign(x, "a") }']],
    ["p.q.r := 1 if true", ["complete p.q.r := 1 { true }"]],
    ["f(x) := x + 1 if x > 0", ["function f(x) := plus(x, 1) { gt(x, 0) }"]],
    ["f(x) if x", ["function f(x) { x }"]],
    ["p := 1 if { a } else := 2 if { b } else := 3", ["complete p := 1 { a } else = 2 { b } else = 3 {  }"]],
    ["p if a else := false", ["complete p { a } else = false {  }"]],
    ["p := 1 if a else if b", ["complete p := 1 { a } else { b }"]],
    ["p if { a } { b }", ["complete p { a }", "complete p { b }"]],
    ["contains.x := 1", ["complete contains.x := 1 {  }"]],
    ["x := contains(a, b)", ["complete x := contains(a, b) {  }"]],
    ["p if { every x in [1] { x } }", ["complete p { every x in [1] { x } }"]],
  ])("%j", (src, want) => {
    expect(rules(P + src, 1)).toEqual(want);
  });
});

describe("module structure", () => {
  it("package, imports, aliases, version", () => {
    const m: Module = parseModule(
      'package a.b["c-d"]\n\nimport data.lib.x as y\nimport input.foo\nimport future.keywords.in\n\np := 1',
      "m.rego",
    );
    expect(m.package).toEqual(["a", "b", "c-d"]);
    expect(m.imports.map((i) => `${show(i.path)}${i.alias ? ` as ${i.alias}` : ""}`)).toEqual([
      "data.lib.x as y",
      "input.foo",
      "future.keywords.in",
    ]);
    expect(m.regoVersion).toBe(0);
    expect(m.file).toBe("m.rego");
    expect(m.packageLoc).toEqual({ file: "m.rego", line: 1, col: 1 });
    expect(m.imports[1]?.loc).toEqual({ file: "m.rego", line: 4, col: 1 });
  });

  it("import rego.v1 switches to v1 rules", () => {
    const m = parseModule(`${P}import rego.v1\np contains x if { x := 1 }\nq if every x in [1] { x }`, "m.rego");
    expect(m.regoVersion).toBe(1);
    expect(m.rules.map(showRule)).toEqual(["partialset p contains x { assign(x, 1) }", "complete q { every x in [1] { x } }"]);
    expect(parseModule(`${P}p := 1`, "m", { regoVersion: 1 }).regoVersion).toBe(1);
  });

  it("future.keywords imports enable keywords one by one in v0", () => {
    expect(rules(`${P}import future.keywords.if\np if true`)).toEqual(["complete p { true }"]);
    expect(rules(`${P}import future.keywords.contains\nimport future.keywords.if\np contains 1 if true`)).toEqual([
      "partialset p contains 1 { true }",
    ]);
    expect(rules(`${P}import future.keywords.every\np { every x in [1] { x } }`)).toEqual(["complete p { every x in [1] { x } }"]);
    expect(rules(`${P}import future.keywords\np contains x if { some x in [1] }`)).toEqual([
      "partialset p contains x { some x in [1] }",
    ]);
    // `in` is an identifier without the import
    expect(err(`${P}p { x in [1] }`)).toBe("2:7: unexpected identifier token: expected \\n or ; or }");
    expect(rules(`${P}in := 1\nif[x] { x := 1 }`)).toEqual(["complete in := 1 {  }", "partialset if contains x { assign(x, 1) }"]);
  });

  it("a keyword directly followed by . or [ is a ref head", () => {
    expect(rules(`${P}p if { as.foo == 1; foo.as == 2; foo.if.null }\nimport.x := 1\nelse.y := 2`, 1)).toEqual([
      "complete p { equal(as.foo, 1); equal(foo.as, 2); foo.if.null }",
      "complete import.x := 1 {  }",
      "complete else.y := 2 {  }",
    ]);
    expect(parseModule("package foo.as.bar\nimport data.foo.as as y\n", "m", { regoVersion: 1 }).package).toEqual([
      "foo",
      "as",
      "bar",
    ]);
  });
});

// ----- locations -----------------------------------------------------------------------------------------------------

describe("locations", () => {
  const src = `${P}import data.x\n\np[k] = v {\n  k := 1\n  not v with input as 2\n} { x }\n\nf(a) = 1 {\n  a\n} else = 2 {\n  true\n}\n`;
  const m = parseModule(src, "loc.rego");
  const at = (l: { line: number; col: number }): string => `${l.line}:${l.col}`;

  it("rules, heads, bodies, terms", () => {
    const [p, chained, f] = m.rules as [Rule, Rule, Rule];
    expect(at(p.loc)).toBe("4:1");
    expect(at(p.head.loc)).toBe("4:1");
    expect(at(p.head.ref[0]!.loc)).toBe("4:1");
    expect(at(p.head.ref[1]!.loc)).toBe("4:3");
    expect(at(p.head.value!.loc)).toBe("4:8");
    const [e1, e2] = p.body as [Expr, Expr];
    expect(at(e1.loc)).toBe("5:3");
    expect(e1.type === "term" && at(e1.term.loc)).toBe("5:3");
    expect(e1.type === "term" && e1.term.type === "call" && at(e1.term.args[1]!.loc)).toBe("5:8");
    expect(at(e2.loc)).toBe("6:3");
    expect(at(e2.with[0]!.loc)).toBe("6:9");
    expect(at(e2.with[0]!.value.loc)).toBe("6:23");
    expect(at(chained.loc)).toBe("7:3");
    expect(at(f.loc)).toBe("9:1");
    expect(at(f.elses[0]!.loc)).toBe("11:3");
    expect(at(f.elses[0]!.body[0]!.loc)).toBe("12:3");
    expect(at(m.imports[0]!.path.loc)).toBe("2:8");
  });

  it("infix calls sit at their left operand, calls at their name, refs at their head", () => {
    const q = parseQuery("x := \n  a.b + f(1)[0]", "q");
    const assign = (q[0] as Expr & { type: "term" }).term;
    expect(assign.type === "call" && at(assign.loc)).toBe("1:1");
    const plus = assign.type === "call" ? assign.args[1]! : assign;
    expect(at(plus.loc)).toBe("2:3");
    expect(plus.type === "call" && at(plus.args[1]!.loc)).toBe("2:9");
  });

  it("with targets are refs, even a bare function name", () => {
    const [e] = parseQuery("f(x) with f as g with input as {}", "q") as [Expr];
    expect(e.with.map((w) => [w.target.type, show(w.target), w.value.type])).toEqual([
      ["ref", "f", "var"],
      ["ref", "input", "object"],
    ]);
  });

  it("a byte-order mark, CRLF line ends and comments", () => {
    const m = parseModule("\ufeffpackage a # c\r\n\r\n# whole line\r\np := 1 # end\r\n", "m");
    expect(m.packageLoc).toEqual({ file: "m", line: 1, col: 2 });
    expect(at(m.rules[0]!.loc)).toBe("4:1");
    expect(err("package a\np := 1\ufeff")).toBe("2:7: illegal byte-order mark");
    expect(err("package a\np := 1 # \u0000")).toBe("2:8: illegal null character");
  });

  it("columns count UTF-16 code units; tabs count one", () => {
    const q = parseQuery('x := "é😀"; y\t:= 1', "q");
    expect(at(q[1]!.loc)).toBe("1:13");
    expect(err(`${P}p := "😀" +`)).toBe("2:12: unexpected eof token");
  });
});

// ----- errors --------------------------------------------------------------------------------------------------------

describe("errors", () => {
  it.each([
    ["", "1:1: empty module"],
    ["p := 1", "1:1: package expected"],
    ["package", "1:8: unexpected eof token"],
    ["package foo.", "1:13: unexpected eof token: expected identifier"],
    ["package a\npackage b", "2:1: unexpected package"],
    [`${P}p { x := }`, "2:10: unexpected } token"],
    [`${P}p {`, "2:4: unexpected eof token"],
    [`${P}p { }`, "2:5: found empty body"],
    [`${P}p { x y }`, "2:7: unexpected identifier token: expected \\n or ; or }"],
    [`${P}p := [1 2]`, '2:9: unexpected number token: expected "," or "]"'],
    [`${P}p := f(1 2)`, '2:10: unexpected number token: expected "," or ")"'],
    [`${P}p := {"a": 1, "b" 2}`, "2:12: unexpected number token: non-terminated object"],
    [`${P}p := {1 2}`, "2:9: unexpected number token: non-terminated set"],
    [`${P}p := (1`, "2:8: non-terminated expression"],
    [`${P}p := x[1`, "2:9: unexpected eof token: expected ["],
    [`${P}p := x. y`, "2:8: unexpected whitespace token: expected identifier"],
    [`${P}p := x.1`, "2:8: unexpected number token: expected identifier"],
    [`${P}p := 01`, "2:6: unexpected number token: expected number without leading zero"],
    [`${P}p := 1.`, "2:6: expected fraction"],
    [`${P}p := 1e`, "2:6: expected exponent"],
    [`${P}p := 0x1`, "2:6: illegal number format"],
    [`${P}p := 1e999999`, "2:6: number too big"],
    [`${P}p := 1.010034059e-301030`, "2:6: number too big"],
    [`${P}p := 7e3000000000`, "2:6: unexpected number token: invalid float"],
    [`${P}p := 6[null]`, "2:6: illegal ref (head cannot be number)"],
    [`${P}p := "foo".bar`, "2:6: illegal ref (head cannot be string)"],
    [`${P}p := (a.b).c`, "2:7: illegal ref (head cannot be ref)"],
    [`${P}p := foo[]`, "2:10: unexpected ] token"],
    [`${P}p := 'a'`, "2:6: illegal token"],
    [`${P}fo3-4ar := 1`, "2:4: unexpected minus token"],
    [`${P}p := "\\q"`, "2:6: illegal escape sequence"],
    [`${P}p := "abc`, "2:6: non-terminated string"],
    [`${P}p := \`abc`, "2:6: non-terminated string"],
    [`${P}p := "\\uzzzz"`, '2:6: illegal string literal: "\\uzzzz"'],
    [`${P}p := "a\tb\\n"`, '2:6: illegal string literal: "a\tb\\n"'],
    [`${P}p := @`, "2:6: illegal token"],
    [`${P}p := !x`, "2:6: illegal ! character"],
    [`${P}p := $x`, "2:6: illegal $ character"],
    [`${P}p := "a\u0000"`, "2:6: illegal null character"],
    [`${P}p := é`, "2:6: illegal token"],
    [`${P}p+1 { true }`, "2:2: unexpected plus token"],
    [`${P}x == 1`, "2:1: rule name conflicts with built-in function"],
    [`${P}p`, "2:1: var cannot be used for rule name"],
    [`${P}1 = x`, "2:1: number cannot be used for rule name"],
    [`${P}input`, "2:1: refs cannot be used for rule head"],
    [`${P}p; q`, "2:1: multiple expressions cannot be used for rule head"],
    [`${P}not p`, "2:1: negated expressions cannot be used for rule head"],
    [`${P}some p`, "2:1: 'some' declarations cannot be used for rule head"],
    [`${P}p with input as 1`, "2:1: expressions using with keyword cannot be used for rule head"],
    [`${P}default p := x`, "2:1: illegal default rule (value cannot contain var)"],
    [`${P}default p := [input.x]`, "2:1: illegal default rule (value cannot contain ref)"],
    [`${P}default p := [x | x := 1]`, "ok"],
    [`${P}default p[x]`, "2:1: illegal default rule (must have a value)"],
    [`${P}default f(1) := 1`, "2:1: illegal default rule (arguments cannot contain number)"],
    [`${P}default f(x, x) := 1`, "2:1: illegal default rule (arguments cannot be repeated x)"],
    [`${P}p[x] = 1 { true } else = 2`, "2:19: else keyword cannot be used on rules with variables in head"],
    [`${P}p["a"] = 1 { true } else = 2`, "2:21: else keyword cannot be used on multi-value rules"],
    [`${P}p = 1 { true } else = 2 { false } { true }`, "2:35: expected else keyword"],
    [`${P}p = 1 { true } else 2`, "2:21: unexpected number token: expected else value term or rule body"],
    [`${P}import foo.bar`, "2:8: unexpected import path, must begin with one of: {data, future, input, rego}, got: foo (hint: if this is unexpected, try updating OPA)"],
    [`${P}import data.x as y.z`, "2:21: unexpected eof token: expected var"],
    [`${P}import data.x[y]`, "2:15: unexpected var token: expecting string"],
    [`${P}import data.foo.not`, "2:17: unexpected import path, must not end with a keyword, got: not"],
    [`${P}import future.keywords.foo`, "2:8: unexpected keyword, must be one of [and contains every if in not or]"],
    [`${P}import future.stuff`, "2:8: invalid import, must be `future.keywords`"],
    [`${P}import future.keywords as k`, "2:8: `future` imports cannot be aliased"],
    [`${P}import rego.v2`, "2:8: invalid import `rego.v2`, must be `rego.v1`"],
    [`${P}import rego.v1 as r`, "2:8: `rego` imports cannot be aliased"],
    [`${P}p { not some x }`, "2:9: unexpected some keyword: illegal negation of 'some'"],
    [`${P}p { some 1 }`, "2:10: unexpected number token: expected var"],
    [`${P}p { some f(x) }`, "2:15: unexpected } token: expected `x in xs` or `x, y in xs` expression"],
    [`${P}p { x with 1 as 2 }`, "2:12: unexpected number token: expected ident"],
    [`${P}p { x with input 2 }`, "2:18: unexpected number token: expected as keyword"],
    [
      `${P}p { some x in [1] }`,
      "2:12: unexpected identifier token: expected \\n or ; or } (hint: `import future.keywords.in` for `some x in xs` expressions)",
    ],
    [
      `${P}p { every x in [1] { x } }`,
      "2:11: unexpected identifier token: expected \\n or ; or } (hint: `import future.keywords.every` for `every x in xs { ... }` expressions)",
    ],
  ])("%j", (src, want) => {
    expect(err(src)).toBe(want);
  });

  it.each([
    [`${P}p { true }`, "2:1: `if` keyword is required before rule body"],
    [`${P}f(x) { true }`, "2:1: `if` keyword is required before function body"],
    [`${P}p[x] { x := 1 }`, "2:1: `if` keyword is required before rule body"],
    [`${P}p[x]`, "2:1: `contains` keyword is required for partial set rules"],
    [`${P}p.q.r`, "2:1: rule must have value assignment and/or body declaration"],
    [`${P}p := 1 if { true } else { false }`, "2:20: `if` keyword is required before rule body"],
    [`${P}p if { true } { false }`, "ok"],
    [`${P}default p := 1`, "ok"],
    [`${P}contains[x] if { x := 1 }`, "ok"],
    [`${P}contains[x] { x := 1 }`, "2:1: contains keyword cannot be used for rule name"],
    [`${P}p { every x in [1] { x } }`, "2:1: `if` keyword is required before rule body"],
    [`${P}every := 1`, "2:7: unexpected assign token"],
    [`${P}p if { x := 1 } else := 2`, "ok"],
    [`${P}p contains x if { some x in [1] } else := 1`, "2:35: else keyword cannot be used on multi-value rules"],
    [`${P}import rego.v1\nimport future.keywords.in\np if true`, "ok"],
    [`${P}f() := 1`, "ok"],
  ])("v1: %j", (src, want) => {
    expect(err(src, 1)).toBe(want);
  });

  // OPA's own TestRegoV1Import table (v1/ast/parser_test.go): a v0 module with `import rego.v1`; "ok" or the first error
  const V1 = "package test\nimport rego.v1\n";
  it.each([
    ["p contains 1 if 1 == 1", "ok"],
    ["import future.keywords\np contains 1 if {\n\tinput.x == 1\n}", "ok"],
    ["p if {\n\tinput.x == 1\n}", "ok"],
    ["p {\n\tinput.x == 1\n}", "3:1: `if` keyword is required before rule body"],
    ["p := 1", "ok"],
    ["p if {\n\tinput.x == 1\n} else if {\n\tinput.x == 2\n}", "ok"],
    ['p := "foo" if {\n\tinput.x == 1\n} else := "bar" if {\n\tinput.x == 2\n} else := "baz" if input.x == 3\nelse := "qux"', "ok"],
    ['p if {\n\tinput.x == 1\n} else := "baz" if input.x == 3\nelse := "qux"', "ok"],
    ["p if {\n\tinput.x == 1\n} else {\n\tinput.x == 2\n}", "5:3: `if` keyword is required before rule body"],
    ['p := "foo" if {\n\tinput.x == 1\n} else := "bar" {\n\tinput.x == 2\n}', "5:3: `if` keyword is required before rule body"],
    ['p contains "q"', "ok"],
    ['p.q contains "r"', "ok"],
    ["p.q", "3:1: `contains` keyword is required for partial set rules"],
    ["p.q.r", "3:1: rule must have value assignment and/or body declaration"],
    ["p contains input.x", "ok"],
    ["p[input.x]", "3:1: `contains` keyword is required for partial set rules"],
    ["p.q[input.x]", "3:1: rule must have value assignment and/or body declaration"],
    ["p contains x if { x = input.x}", "ok"],
    ["p[x] if { x = input.x}", "ok"],
    ["p[x] { x = input.x}", "3:1: `if` keyword is required before rule body"],
    ["p.q[x] { x = input.x}", "3:1: `if` keyword is required before rule body"],
    ["default allow := false", "ok"],
    ["f(x) := x", "ok"],
    ["f(x) := x if {\n\tx == 1\n}", "ok"],
    ["f(x) := x {\n\tx == 1\n}", "3:1: `if` keyword is required before function body"],
    ["f(x) {\n\tx == 1\n}", "3:1: `if` keyword is required before function body"],
    ["f(x) := x if {\n\tx == 1\n} else := 42", "ok"],
    ["f(x) if {\n\tx == 1\n} else := 42", "ok"],
    ["f(x) if {\n\tx == 1\n} else if {\n\tx == 2\n}", "ok"],
    ["f(x) := x if {\n\tx == 1\n} else := 42 {\n\tx == 2\n}", "5:3: `if` keyword is required before function body"],
    ["f(x) := x if {\n\tx == 1\n} else := 1 if {\n\tx == 2\n} else := 42 {\n\tx == 2\n}", "7:3: `if` keyword is required before function body"],
    ["f(x) := x {\n\tx == 1\n} else := 1 {\n\tx == 2\n} else := 42 {\n\tx == 2\n}", "3:1: `if` keyword is required before function body"],
    ["p {\n\tinput.x == 1\n} {\n\tinput.x == 2\n}", "3:1: `if` keyword is required before rule body"],
    ["p if {\n\tinput.x == 1\n} {\n\tinput.x == 2\n} {\n\tinput.x == 3\n}", "ok"],
    ["p if {\n\tinput.x == 1\n} if {\n\tinput.x == 2\n}", "5:3: unexpected if keyword"],
    ["p contains x if {\n\tx == 1\n} {\n\tx == 2\n}", "ok"],
    ["f(x) if {\n\tx == 1\n} if {\n\tx == 2\n} {\n\tx == 3\n}", "5:3: unexpected if keyword"],
  ])("OPA rego.v1 table: %j", (src, want) => {
    expect(err(V1 + src)).toBe(want);
  });

  // more of OPA's parser tests (TestRule, TestRuleElseKeyword, TestRuleContainsFail, TestEvery, TestPackage, …)
  it.each([
    ["f(_) = y {}", "2:11: found empty body"],
    ['f(x) = y { trim(x, ".", y) ', "2:28: unexpected eof token: expected \\n or ; or }"],
    ['f(_) := { "foo" = "bar" }', "2:17: unexpected eq token: non-terminated set"],
    ["default f :=", "2:13: unexpected eof token"],
    ["p { true; false; }", "2:18: unexpected } token"],
    ["default 0[0", "2:1: unexpected default keyword"],
    ["default a[0]", "2:1: illegal default rule (must have a value)"],
    ["default a = b.c.d", "2:1: illegal default rule (value cannot contain ref)"],
    ["default a = g(x)", "2:1: illegal default rule (value cannot contain call)"],
    ["default f([x]) = 1", "2:1: illegal default rule (arguments cannot contain array)"],
    ["{ a := 1 }", "2:5: unexpected assign token: non-terminated set"],
    ["a-b = x { x := 1 }", "2:2: unexpected minus token"],
    ['p { a = "foo"bar }', "2:14: unexpected identifier token: expected \\n or ; or }"],
    ["p[1] { false } else { true }", "2:16: else keyword cannot be used on multi-value rules"],
    ["p { false } { false } else { true }", "2:23: unexpected else keyword"],
    ["p { false } else { false } { true }", "2:28: expected else keyword"],
    ["package foo[x]", "2:13: unexpected var token: expecting string"],
    ["package 42", "2:9: unexpected number token"],
    ["package e().s", "2:9: unexpected call token: expecting var"],
    ["import input as A(", "2:19: unexpected eof token"],
    ["import rego", "2:8: invalid import `rego`, must be `rego.v1`"],
    ["import rego.v1.bar", "2:8: invalid import `rego.v1.bar`, must be `rego.v1`"],
    ["import future.keywords.in as xyz", "2:8: `future` imports cannot be aliased"],
    ["import not", "2:8: unexpected import path, must begin with one of: {data, future, input, rego}, got: not (hint: if this is unexpected, try updating OPA)"],
    ["import data.foo as not", "2:20: unexpected not keyword: expected var"],
    ["q(0).r(0) { true }", "2:11: unexpected { token: rule head ref q(0).r invalid"],
    ["p { every x in xs }", "2:11: unexpected identifier token: expected \\n or ; or }"],
    ["p { some internal.member_2() }", "2:30: unexpected } token: illegal domain"],
    [
      "p { not every x in xs { true } }",
      "2:15: unexpected identifier token: expected \\n or ; or } (hint: `import future.keywords.every` for `every x in xs { ... }` expressions)",
    ],
  ])("OPA parser tests (v0): %j", (src, want) => {
    expect(err(P + src)).toBe(want);
  });

  it.each([
    ["p contains x if { every 10 in xs { true } }", "2:34: unexpected { token: expected value to be a variable"],
    ["p contains x if { every 10, x in xs { true } }", "2:37: unexpected { token: expected key to be a variable"],
    ["p if { every f(10) }", "2:20: unexpected } token: expected `x[, y] in xs { ... }` expression"],
    ["p if { every x in xs }", "2:22: unexpected } token: missing body"],
    ["p if { every x in xs { + } }", "2:24: unexpected plus token"],
    ["p if { not every x in xs { true } }", "2:12: unexpected every keyword: illegal negation of 'every'"],
    ["p(a) contains x { x := a }", "2:6: unexpected contains keyword: the contains keyword can only be used with multi-value rule definitions (e.g., p contains <VALUE> { ... })"],
    ["p() contains x { x := 1 }", "2:5: unexpected contains keyword: the contains keyword can only be used with multi-value rule definitions (e.g., p contains <VALUE> { ... })"],
    ["a.b.c contains 1 if false\nelse := 2", "3:1: else keyword cannot be used on multi-value rules"],
    ["a.b[x] := 1 if false\nelse := 2", "3:1: else keyword cannot be used on rules with variables in head"],
    ["a.b[x].c := 1 if false\nelse := 2", "3:1: else keyword cannot be used on rules with variables in head"],
    ["a := 1 if false\nelse := 2", "ok"],
  ])("OPA parser tests (v1): %j", (src, want) => {
    expect(err(P + src, 1)).toBe(want);
  });

  it("OPA's shorthand rules from bodies (TestRuleFromBodyRefs)", () => {
    expect(rules(`${P}foo["bar"] = 12\nfoo[1]\nfoo.one\ntest[arr[0]]\nfoo.bar["baz"]\nf() = 1`)).toEqual([
      'complete foo.bar = 12 {  }',
      "partialset foo contains 1 {  }",
      'partialset foo contains "one" {  }',
      "partialset test contains arr[0] {  }",
      "complete foo.bar.baz {  }",
      "complete f = 1 {  }",
    ]);
    expect(rules(`${P}foo.bar[x] = "buz"\nfoo.bar(x) = y\nfoo.bar["baz"] := true\nfoo.bar[i].baz if { i := 1 }\nf() if { x := 1 }`, 1)).toEqual([
      'partialobject foo.bar[x] = "buz" {  }',
      "function foo.bar(x) = y {  }",
      "complete foo.bar.baz := true {  }",
      "partialobject foo.bar[i].baz { assign(i, 1) }",
      "complete f { assign(x, 1) }",
    ]);
    expect(rules(`${P}foo.bar[x] { x = 1 }\ndefault a\n_ { x == 1 }`)).toEqual([
      "partialobject foo.bar[x] { eq(x, 1) }",
      "default complete a {  }",
      "complete _ { equal(x, 1) }",
    ]);
  });

  it("the v1 checks apply under import rego.v1 in a v0 module", () => {
    expect(err(`${P}import rego.v1\np { true }`)).toBe("3:1: `if` keyword is required before rule body");
    expect(err(`${P}import rego.v1\np[x] if { x := 1 }\nq contains 1`)).toBe("ok");
  });

  it("queries", () => {
    expect(qerr("")).toBe("1:1: empty query");
    expect(qerr("x := ")).toBe("1:6: unexpected eof token");
    expect(qerr("x := 1 y := 2")).toBe("ok");
    expect(query("x in xs", 0)).toBe("x; in; xs");
    expect(query("x := 1; y := x + 1\nz := y")).toBe("assign(x, 1); assign(y, plus(x, 1)); assign(z, y)");
  });

  it("errors carry the file name and print like opa parse", () => {
    try {
      parseModule("package a\np := }", "dir/x.rego");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RegoParseError);
      expect((e as RegoParseError).message).toBe("dir/x.rego:2:6: rego_parse_error: unexpected } token");
    }
  });

  it("deep nesting gives a located error, not a stack overflow", () => {
    for (const open of ["[", "{", "(", "[x | ", "{x | y := ", "f(", "{x: ", "x[", "a + (", '$"{'])
      expect(err(`${P}p { x := ${open.repeat(10_000)}`)).toMatch(/^2:\d+: max parsing recursion depth exceeded$/);
    expect(err(`${P}p { not ${"[".repeat(10_000)} }`)).toMatch(/^2:\d+: max parsing recursion depth exceeded$/);
    const ok = `${P}p := ${"[".repeat(MAX_NESTING - 5)}${"]".repeat(MAX_NESTING - 5)}`;
    expect(err(ok)).toBe("ok");
    // long operator chains nest the tree too (left-associative), so they count towards the limit
    expect(err(`${P}p := ${"1 + ".repeat(MAX_NESTING - 5)}1`)).toBe("ok");
    expect(err(`${P}p := ${"1 + ".repeat(20_000)}1`)).toMatch(/max parsing recursion depth exceeded$/);
    expect(err(`${P}p { ${"x in ".repeat(20_000)}y }`, 1)).toMatch(/max parsing recursion depth exceeded$/);
  });
});
