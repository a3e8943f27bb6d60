// The emitter's size-reducing rewrites (src/emit/simplify.ts, operations.ts, the globRegex call of lower.ts): each
// row gives an expression, the text it must become, and inputs on which the original and the rewritten expression
// must give the same outcome (value or evaluation error) in our CEL — including the awkward ones (non-map values
// where a map is read, null branches, absent fields).
import { describe, expect, it } from "vitest";
import { admissionEnv, compileAdmission } from "../src/vap/celenv.js";
import { C, type CExpr } from "../src/emit/ast.js";
import { assumeOperations } from "../src/emit/operations.js";
import { simplify, simplifyWith } from "../src/emit/simplify.js";
import { flat } from "../src/emit/unparse.js";
import { context, lowerVal } from "../src/emit/lower.js";
import { CelError, fromJSON, toJSON } from "../src/cel/values.js";
import type { Json } from "../src/ir/model.js";

type Outcome = { value: unknown } | { error: true };

function run(source: string, object: Json, operation = "CREATE"): Outcome {
  const c = compileAdmission(admissionEnv({ version: "1.35", hasParams: false, hasAuthorizer: false, variables: [] }), source);
  if (!c.ok) throw new Error(`${source} does not compile: ${c.error}`);
  try {
    return { value: toJSON(c.program.eval({ object: fromJSON(object), oldObject: null, request: fromJSON({ operation }) })) };
  } catch (e) {
    if (e instanceof CelError) return { error: true };
    throw e;
  }
}

const obj = C.id("object");
const sel = (of: CExpr, ...fields: string[]): CExpr => fields.reduce((x, f) => C.sel(x, f), of);
const opt = (of: CExpr, ...fields: string[]): CExpr => fields.reduce((x, f) => C.sel(x, f, true), of);
const has = (e: CExpr): CExpr => C.call("has", [e]);
const hasValue = (e: CExpr): CExpr => C.method(e, "hasValue");

interface Row {
  name: string;
  expr: CExpr;
  want: string;
  inputs: Json[];
}

const ROWS: Row[] = [
  {
    name: "a has() guard on object implied by a longer optional chain beside it",
    expr: C.and(has(sel(obj, "metadata")), hasValue(C.idx(opt(obj, "metadata", "labels"), C.lit("a"), true))),
    want: "object.?metadata.?labels[?'a'].hasValue()",
    inputs: [{}, { metadata: "x" }, { metadata: { labels: "s" } }, { metadata: { labels: { a: 1 } } }, { metadata: { labels: {} } }],
  },
  {
    name: "the negated form in a disjunction",
    expr: C.or(C.not(has(sel(obj, "spec"))), C.not(hasValue(opt(obj, "spec", "x"))), C.bin("==", sel(obj, "spec", "x"), C.lit(1))),
    want: "object.?spec.?x.orValue(1) == 1",
    inputs: [{}, { spec: 3 }, { spec: {} }, { spec: { x: 1 } }, { spec: { x: 2 } }],
  },
  {
    name: "a shorter optional chain is implied by a longer one",
    expr: C.and(hasValue(opt(obj, "a")), hasValue(opt(obj, "a", "b"))),
    want: "object.?a.?b.hasValue()",
    inputs: [{}, { a: 1 }, { a: {} }, { a: { b: null } }],
  },
  {
    name: "has() on an element that may be a string is kept (has() is false there, `.?` an error)",
    expr: C.macro(sel(obj, "items"), "exists", ["e"], [C.or(C.not(has(sel(C.id("e"), "spec"))), C.not(hasValue(opt(C.id("e"), "spec", "x"))))]),
    want: "object.items.exists(e, !has(e.spec) || !e.?spec.?x.hasValue())",
    inputs: [{ items: ["a"] }, { items: [{ spec: { x: 1 } }] }, { items: [{}] }],
  },
  {
    name: "a plain step where the guard reads `.?` is not implied (it errors where the guard is false)",
    expr: C.and(hasValue(opt(obj, "a")), hasValue(opt(sel(obj, "a"), "b"))),
    want: "object.?a.hasValue() && object.a.?b.hasValue()",
    inputs: [{}, { a: { b: 1 } }],
  },
  {
    name: "a nullable bool compared with true: the comparison moves into the branches",
    expr: C.bin("==", C.cond(has(sel(obj, "a")), C.bin("in", C.lit("x"), sel(obj, "a")), C.call("dyn", [C.lit(null)])), C.T),
    want: "has(object.a) && 'x' in object.a",
    inputs: [{}, { a: ["x"] }, { a: ["y"] }, { a: "str" }, { a: { x: 1 } }],
  },
  {
    name: "a comparison that would stay in a branch is not pushed (it could lose the dyn typing)",
    expr: C.bin("!=", C.cond(has(sel(obj, "a")), C.list([sel(obj, "a")]), C.call("dyn", [C.lit(null)])), C.lit(null)),
    want: "(has(object.a) ? [object.a] : dyn(null)) != null",
    inputs: [{}, { a: 1 }],
  },
  {
    name: "bool == true is the bool; != true its negation",
    expr: C.and(C.bin("==", C.bin("in", C.lit("x"), sel(obj, "a")), C.T), C.bin("!=", C.call("has", [sel(obj, "b")]), C.T)),
    want: "'x' in object.a && !has(object.b)",
    inputs: [{ a: ["x"] }, { a: [] }, { a: ["x"], b: 1 }, {}],
  },
  {
    name: "exists(v, v == literal) is `in`; `in` looks through map(k, k), also under a has() guard",
    expr: C.macro(C.cond(has(sel(obj, "r")), C.cond(has(sel(obj, "r")), C.macro(sel(obj, "r"), "map", ["k"], [C.id("k")]), C.call("dyn", [C.lit(null)])), C.lit([])), "exists", ["v"], [C.bin("==", C.id("v"), C.lit("requests"))]),
    want: "has(object.r) && 'requests' in object.r",
    inputs: [{}, { r: { requests: 1 } }, { r: { limits: 1 } }, { r: ["requests"] }, { r: [] }, { r: "requests" }, { r: 5 }],
  },
  {
    name: "`in` keeps map(k, k) on a comprehension variable (`c in v` could bind v's type to a list of strings)",
    expr: C.macro(C.macro(sel(obj, "vols"), "filter", ["v"], [C.bin("in", C.lit("emptyDir"), C.macro(C.id("v"), "map", ["k"], [C.id("k")]))]), "map", ["v"], [C.method(opt(C.id("v"), "name"), "orValue", C.lit(""))]),
    want: "object.vols.filter(v, 'emptyDir' in v.map(k, k)).map(v, v.?name.orValue(''))",
    inputs: [{ vols: [{ name: "a", emptyDir: {} }, { name: "b" }] }],
  },
  {
    name: "a list literal compared with null; `in` a one-element literal list",
    expr: C.and(C.bin("!=", C.list([sel(obj, "a")]), C.call("dyn", [C.lit(null)])), C.bin("==", C.lit([1]), C.lit(null)), C.bin("in", sel(obj, "b"), C.lit(["x"]))),
    want: "false",
    inputs: [{}, { a: 1, b: "x" }],
  },
  {
    name: "pure functions of literals fold (the checker would refuse duration('') in the branch they guard)",
    expr: C.and(C.method(C.lit(""), "matches", C.lit("^[0-9]+s$")), C.bin("==", C.call("duration", [C.lit("")]), C.call("duration", [C.lit("1s")]))),
    want: "false",
    inputs: [{}],
  },
  {
    name: "isQuantity of a literal",
    expr: C.or(C.call("isQuantity", [C.lit("1Gi")]), C.call("isQuantity", [C.lit("")])),
    want: "true",
    inputs: [{}],
  },
];

describe("emitter rewrites keep the outcome and shorten the text", () => {
  it.each(ROWS)("$name", (row) => {
    const out = simplify(row.expr);
    expect(flat(out)).toBe(row.want);
    for (const input of row.inputs) {
      // the original may not compile where it holds a constant the checker refuses; then only the rewrite is run
      let before: Outcome | undefined;
      try {
        before = run(flat(row.expr), input);
      } catch {
        before = undefined;
      }
      if (before) expect(run(flat(out), input), `${flat(row.expr)} on ${JSON.stringify(input)}`).toEqual(before);
      else expect(() => run(flat(out), input)).not.toThrow();
    }
  });

  it("a has() guard on a variable is dropped only when the caller vouches that it is a map", () => {
    const pod = sel(C.id("variables"), "pod");
    const e = C.and(has(sel(pod, "spec")), hasValue(opt(pod, "spec", "containers")));
    expect(flat(simplify(e))).toBe("has(variables.pod.spec) && variables.pod.?spec.?containers.hasValue()");
    expect(flat(simplifyWith(e, ["variables.pod"]))).toBe("variables.pod.?spec.?containers.hasValue()");
  });
});

describe("assumeOperations: what the matchConstraints' operations decide", () => {
  const op = sel(C.id("request"), "operation");
  const is = (o: string): CExpr => C.bin("==", op, C.lit(o));
  it.each<[string, CExpr, string[], string]>([
    ["a disjunction covering every operation", C.or(is("CREATE"), is("UPDATE")), ["CREATE", "UPDATE"], "true"],
    ["an operation the policy never sees", C.and(is("DELETE"), sel(obj, "x")), ["CREATE", "UPDATE"], "false"],
    ["a conjunct narrows the others", C.and(is("CREATE"), C.not(C.and(is("UPDATE"), sel(obj, "x")))), ["CREATE", "UPDATE"], "request.operation == 'CREATE'"],
    ["a failed disjunct narrows the rest", C.or(is("CREATE"), C.and(is("UPDATE"), sel(obj, "x"))), ["CREATE", "UPDATE"], "request.operation == 'CREATE' || object.x"],
    ["`in` a list holding every operation", C.bin("in", op, C.lit(["CREATE", "UPDATE", "DELETE"])), ["CREATE", "UPDATE"], "true"],
    ["`!=` an operation never seen", C.bin("!=", op, C.lit("CONNECT")), ["CREATE"], "true"],
    ["a wildcard decides nothing", C.or(is("CREATE"), is("UPDATE")), ["*"], "request.operation in ['CREATE', 'UPDATE']"],
  ])("%s", (_name, e, ops, want) => {
    const out = simplify(assumeOperations(e, ops));
    expect(flat(out)).toBe(want);
    for (const o of ops.filter((x) => x !== "*")) for (const input of [{ x: true }, { x: false }]) expect(run(flat(out), input, o), `${o} ${JSON.stringify(input)}`).toEqual(run(flat(e), input, o));
  });
});

describe("globRegex: the anchored RE2 of a glob computed at run time", () => {
  const GLOBS = ["*", "A?L", "AL*", "a.b", "(x)|[y]", "x\\y", "{1}^$+", "", "?*", "ALL"];
  const SUBJECTS = ["ALL", "a.b", "axb", "(x)|[y]", "x\\y", "{1}^$+", "", "A\nL"];
  const globMatch = (g: string, s: string): boolean => new RegExp(`^${[...g].map((c) => (c === "*" ? "[\\s\\S]*" : c === "?" ? "[\\s\\S]" : c.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&"))).join("")}$`, "u").test(s);
  it.each(["1.35", "1.28"])("env %s: matches as go-wildcard does", (env) => {
    const re = lowerVal({ k: "call", fn: "globRegex", args: [{ k: "path", path: { root: { k: "object" }, segs: [{ k: "field", name: "g" }] } }] }, context({ envVersion: env }));
    const source = `object.s.matches(${flat(re)})`;
    expect(source.includes("split('')")).toBe(env === "1.35");
    for (const g of GLOBS) for (const s of SUBJECTS) expect(run(source, { g, s }), `${JSON.stringify(g)} vs ${JSON.stringify(s)}`).toEqual({ value: globMatch(g, s) });
  });
});
