// The emitter's shortening rewrites of issue #7 (src/emit/shorten.ts, the typed folds of simplify.ts, schema.ts /
// typing.ts, the hoisted names of hoist.ts, lower.ts's glob matcher): per row an expression (CEL text, parsed into
// the emitter's tree), the types the caller knows (a Pod's `object`, or none), the text it must become, and inputs on
// which the original and the rewritten expression must give the same outcome — value or evaluation error — in our
// CEL. Typed rows take only objects the API server could hold (schema-valid: what it has validated before
// admission); every row takes the awkward ones it allows (absent fields, empty lists, a present null where Go
// encodes one, non-maps where the type does not rule them out). Rows that must NOT be rewritten give their own text.
import { describe, expect, it } from "vitest";
import { C, type BinOp, type CExpr } from "../src/emit/ast.js";
import { hoist } from "../src/emit/hoist.js";
import { context, lowerVal } from "../src/emit/lower.js";
import { objectType, POD_TEMPLATE, type Ty } from "../src/emit/schema.js";
import { simplifyWith } from "../src/emit/simplify.js";
import { flat, unparse } from "../src/emit/unparse.js";
import type { Expr } from "../src/cel/ast.js";
import { parse } from "../src/cel/parser.js";
import { CelError, toJSON, type Value } from "../src/cel/values.js";
import type { Json } from "../src/ir/model.js";
import { admissionEnv, compileAdmission } from "../src/vap/celenv.js";
import { objectToCel } from "../src/vap/objects.js";
import type { KObject } from "../src/vap/types.js";

// ---------------------------------------------------------------------------------------------------------------
// CEL text → the emitter's tree (macros left as calls, as the emitter builds them)

const BIN: Record<string, BinOp> = { "_==_": "==", "_!=_": "!=", "_<_": "<", "_<=_": "<=", "_>_": ">", "_>=_": ">=", "@in": "in", "_+_": "+", "_-_": "-", "_*_": "*", "_/_": "/", "_%_": "%" };

function toC(e: Expr): CExpr {
  switch (e.k) {
    case "lit":
      return C.lit(typeof e.value === "bigint" ? Number(e.value) : (e.value as Json));
    case "ident":
      return C.id(e.name);
    case "select":
      return C.sel(toC(e.operand), e.field, e.optional);
    case "list":
      return C.list(e.elems.map(toC));
    case "call": {
      const a = e.args.map(toC);
      if (BIN[e.fn]) return C.bin(BIN[e.fn]!, a[0]!, a[1]!);
      if (e.fn === "!_") return C.not(a[0]!);
      if (e.fn === "_&&_") return C.and(a[0]!, a[1]!);
      if (e.fn === "_||_") return C.or(a[0]!, a[1]!);
      if (e.fn === "_?_:_") return C.cond(a[0]!, a[1]!, a[2]!);
      if (e.fn === "_[_]") return C.idx(a[0]!, a[1]!);
      if (e.fn === "_[?_]") return C.idx(a[0]!, a[1]!, true);
      return C.call(e.fn, a, e.target ? toC(e.target) : undefined);
    }
    default:
      throw new Error(`not in the emitter's tree: ${e.k}`);
  }
}

const cel = (s: string): CExpr => toC(parse(s, { macros: new Set() }).expr);

// ---------------------------------------------------------------------------------------------------------------
// Evaluation

type Outcome = { value: unknown } | { error: true };

const env = admissionEnv({ version: "1.35", hasParams: false, hasAuthorizer: false, variables: [] });

/** The outcome of `source` on `object` (a Pod-shaped object is converted as the admission engine does). */
function run(source: string, object: Json): Outcome {
  const c = compileAdmission(env, source);
  if (!c.ok) throw new Error(`${source} does not compile: ${c.error}`);
  const o = object as unknown as KObject;
  const value: Value = o && typeof o === "object" && !Array.isArray(o) ? objectToCel({ apiVersion: "v1", kind: "Pod", ...o }) : (null as Value);
  try {
    return { value: toJSON(c.program.eval({ object: value, oldObject: null, request: objectToCel({ operation: "CREATE", kind: { group: "", version: "v1", kind: "Pod" } } as unknown as KObject) })) };
  } catch (e) {
    if (e instanceof CelError) return { error: true };
    throw e;
  }
}

const POD: ReadonlyMap<string, Ty> = new Map([["object", objectType([{ group: "", kind: "Pod" }], false)]]);
const NONE: ReadonlyMap<string, Ty> = new Map();

interface Row {
  name: string;
  before: string;
  after: string;
  /** The types the caller knows (default: none). */
  types?: ReadonlyMap<string, Ty>;
  inputs: Json[];
}

// containers a Pod may hold (schema-valid)
const pods = (...cs: Json[]): Json[] => [{ spec: { containers: cs } }];
const sc = (s: Json): Json => ({ name: "c", securityContext: s });

const ROWS: Row[] = [
  // -- rewrites that need an operand that cannot fail: only where it cannot
  {
    name: "an orValue chain through an untyped field may fail (`.?` on a string): `all(v, true)` keeps it",
    before: "object.?spec.?foo.?bar.orValue([]).all(v, true)",
    after: "object.?spec.?foo.?bar.orValue([]).all(v, true)",
    types: POD,
    inputs: [{ spec: { foo: "s" } }, { spec: { foo: { bar: [1] } } }, { spec: {} }],
  },
  {
    name: "an orValue chain through typed maps cannot fail: `all(v, true)` is true",
    before: "object.?spec.?securityContext.?supplementalGroups.orValue([]).all(v, true)",
    after: "true",
    types: POD,
    inputs: [{ spec: { securityContext: { supplementalGroups: [1] } } }, { spec: {} }],
  },
  {
    name: "a `request` field the request may omit (name) is no error-free test: the conditional stays",
    before: "request.name == 'a' ? object.spec.hostNetwork : false",
    after: "request.name == 'a' ? object.spec.hostNetwork : false",
    types: POD,
    inputs: [{ spec: { hostNetwork: false } }, { spec: {} }],
  },
  {
    name: "`request.operation` is always present: the conditional is a conjunction",
    before: "request.operation == 'CREATE' ? object.spec.hostNetwork : false",
    after: "request.operation == 'CREATE' && object.spec.hostNetwork",
    types: POD,
    inputs: [{ spec: { hostNetwork: false } }, { spec: { hostNetwork: true } }, { spec: {} }],
  },
  // -- typed leaves (schema.ts): Kyverno compares leaves as strings; the field's type makes that a typed comparison
  {
    name: "string() of a string field is the field (compared with a literal)",
    before: "object.spec.containers.all(c, string(c.image) == 'nginx')",
    after: "object.spec.containers.all(c, c.image == 'nginx')",
    types: POD,
    inputs: [...pods({ name: "a", image: "nginx" }), ...pods({ name: "a", image: "redis" }), ...pods({ name: "a" }), ...pods()],
  },
  {
    name: "string() of a bool field compared with 'false' is its negation",
    before: "object.spec.containers.all(c, string(c.securityContext.privileged) == 'false')",
    after: "object.spec.containers.all(c, !c.securityContext.privileged)",
    types: POD,
    inputs: [...pods(sc({ privileged: true })), ...pods(sc({ privileged: false })), ...pods(sc({})), ...pods({ name: "c" })],
  },
  {
    name: "string() of an int field compared with a canonical decimal is an int comparison",
    before: "string(object.spec.securityContext.runAsUser) != '0'",
    after: "object.spec.securityContext.runAsUser != 0",
    types: POD,
    inputs: [{ spec: { securityContext: { runAsUser: 0 } } }, { spec: { securityContext: { runAsUser: 1000 } } }, { spec: {} }],
  },
  {
    name: "not for a non-canonical decimal ('00' is never an int's string)",
    before: "string(object.spec.securityContext.runAsUser) != '00'",
    after: "string(object.spec.securityContext.runAsUser) != '00'",
    types: POD,
    inputs: [{ spec: { securityContext: { runAsUser: 0 } } }, { spec: {} }],
  },
  {
    name: "nor without types (an untyped value may be a string '0' or an int)",
    before: "string(object.spec.x) == 'true'",
    after: "string(object.spec.x) == 'true'",
    inputs: [{ spec: { x: true } }, { spec: { x: "true" } }, { spec: { x: 1 } }, { spec: {} }],
  },
  {
    name: "size() of a string at least 1 is `!= ''` (a label value is a string on every kind)",
    before: "size(string(object.metadata.labels['app'])) >= 1",
    after: "object.metadata.labels['app'] != ''",
    types: POD,
    inputs: [{ metadata: { labels: { app: "x" } } }, { metadata: { labels: { app: "" } } }, { metadata: {} }],
  },
  {
    name: "Kyverno's `>0` on an int field: only '0' is a duration, an int's decimal a quantity",
    before:
      "object.spec.securityContext.runAsUser == '>0' || (string(object.spec.securityContext.runAsUser).matches('^[-+]?(0|((\\\\d+\\\\.?\\\\d*|\\\\.\\\\d+)(ns|us|µs|μs|ms|s|m|h))+)$') ? duration(string(object.spec.securityContext.runAsUser)) > duration('0') : isQuantity(string(object.spec.securityContext.runAsUser)) && quantity(string(object.spec.securityContext.runAsUser)).compareTo(quantity('0')) > 0)",
    after: "object.spec.securityContext.runAsUser > 0",
    types: POD,
    inputs: [0, 1, -1, 1000, 9007199254740991].map((u): Json => ({ spec: { securityContext: { runAsUser: u } } })).concat([{ spec: {} }]),
  },
  {
    name: "not without the type (an untyped value may be a string such as '1h')",
    before:
      "string(object.spec.x).matches('^[-+]?(0|((\\\\d+\\\\.?\\\\d*|\\\\.\\\\d+)(ns|us|µs|μs|ms|s|m|h))+)$') ? duration(string(object.spec.x)) > duration('0') : isQuantity(string(object.spec.x)) && quantity(string(object.spec.x)).compareTo(quantity('0')) > 0",
    after:
      "string(object.spec.x).matches('^[-+]?(0|((\\\\d+\\\\.?\\\\d*|\\\\.\\\\d+)(ns|us|µs|μs|ms|s|m|h))+)$') ? duration(string(object.spec.x)) > duration('0') : isQuantity(string(object.spec.x)) && quantity(string(object.spec.x)).compareTo(quantity('0')) > 0",
    inputs: [{ spec: { x: 0 } }, { spec: { x: "1h" } }, { spec: { x: "2Gi" } }, { spec: { x: "abc" } }, { spec: {} }],
  },
  // -- presence guards absorbed by a sibling (shorten.ts guardsIntoDefaults without a plain read)
  {
    name: "`!has(c.a) || !c.?a.?b.hasValue() || …`: the first disjunct implies the second (c a container: a map)",
    before: "object.spec.containers.all(c, !has(c.securityContext) || !c.?securityContext.?procMount.hasValue() || c.securityContext.procMount == 'Default')",
    after: "object.spec.containers.all(c, c.?securityContext.?procMount.orValue('Default') == 'Default')",
    types: POD,
    inputs: [...pods(sc({ procMount: "Default" })), ...pods(sc({ procMount: "Unmasked" })), ...pods(sc({})), ...pods({ name: "c" }), { spec: { containers: null } }],
  },
  {
    name: "not where the base may be a non-map (has() of a string's field is false, `.?` on it an error)",
    before: "object.spec.l.all(c, !has(c.a) || !c.?a.?b.hasValue())",
    after: "object.spec.l.all(c, !has(c.a) || !c.?a.?b.hasValue())",
    inputs: [{ spec: { l: ["s"] } }, { spec: { l: [{ a: { b: 1 } }] } }, { spec: { l: [{}] } }],
  },
  {
    name: "a guard absorbed by a conjunction of longer chains, where the guard cannot err (a container's fields)",
    before: "object.spec.containers.all(c, !c.?securityContext.?seLinuxOptions.hasValue() || !c.?securityContext.?seLinuxOptions.?role.hasValue() && !c.?securityContext.?seLinuxOptions.?user.hasValue())",
    after: "object.spec.containers.all(c, !c.?securityContext.?seLinuxOptions.?role.hasValue() && !c.?securityContext.?seLinuxOptions.?user.hasValue())",
    types: POD,
    inputs: [...pods(sc({ seLinuxOptions: { role: "r" } })), ...pods(sc({ seLinuxOptions: {} })), ...pods(sc({})), ...pods({ name: "c" })],
  },
  {
    name: "not where that conjunction is not the guard's value when absent (`has(x.a) && !x.?a.?b.hasValue()`)",
    before: "has(object.spec) && !object.?spec.?x.hasValue()",
    after: "has(object.spec) && !object.?spec.?x.hasValue()",
    inputs: [{}, { spec: {} }, { spec: { x: 1 } }, { spec: "s" }],
  },
  // -- guards into orValue defaults (shorten.ts guardsIntoDefaults with a plain read)
  {
    name: "`!o.hasValue() || p == 'L'` → `o.orValue(d) == 'L'` (d makes the read true, the shortest such)",
    before: "!object.?spec.?x.hasValue() || object.spec.x == 'L'",
    after: "object.?spec.?x.orValue('L') == 'L'",
    inputs: [{}, { spec: {} }, { spec: { x: "L" } }, { spec: { x: "M" } }, { spec: { x: 1 } }, { spec: "s" }, { spec: { x: { y: 1 } } }],
  },
  {
    name: "`o.hasValue() && p != ''` → `o.orValue('') != ''`",
    before: "object.?metadata.?labels[?'team'].hasValue() && object.metadata.labels['team'] != ''",
    after: "object.?metadata.?labels[?'team'].orValue('') != ''",
    inputs: [{}, { metadata: {} }, { metadata: { labels: {} } }, { metadata: { labels: { team: "" } } }, { metadata: { labels: { team: "a" } } }, { metadata: { labels: "s" } }],
  },
  {
    name: "a bool field (by type) as the read itself: `!o.hasValue() || !p` → `!o.orValue(false)`",
    before: "object.spec.containers.all(c, !c.?securityContext.?privileged.hasValue() || !c.securityContext.privileged)",
    after: "object.spec.containers.all(c, !c.?securityContext.?privileged.orValue(false))",
    types: POD,
    inputs: [...pods(sc({ privileged: true })), ...pods(sc({ privileged: false })), ...pods(sc({})), ...pods({ name: "c" })],
  },
  {
    name: "a list field (by type) ranged over: `!o.hasValue() || p.all(…)` → `o.orValue([]).all(…)`",
    before: "!object.?spec.?initContainers.hasValue() || object.spec.initContainers.all(c, c.name != 'x')",
    after: "object.?spec.?initContainers.orValue([]).all(c, c.name != 'x')",
    types: POD,
    inputs: [{ spec: {} }, { spec: { initContainers: [] } }, { spec: { initContainers: [{ name: "x" }] } }, { spec: { initContainers: [{ name: "y" }] } }],
  },
  {
    name: "not without a type or a use that fixes one (`string(p)` takes anything: orValue('') may not type-check)",
    before: "!object.?spec.?x.hasValue() || string(object.spec.x) == 'L'",
    after: "!object.?spec.?x.hasValue() || string(object.spec.x) == 'L'",
    inputs: [{}, { spec: { x: "L" } }, { spec: { x: 1 } }],
  },
  {
    name: "not where the read's static type matters (`p == null` would not type-check as a string)",
    before: "object.?spec.?x.hasValue() && (object.spec.x == 'a' || object.spec.x == null)",
    after: "object.?spec.?x.hasValue() && (object.spec.x == 'a' || object.spec.x == null)",
    inputs: [{}, { spec: { x: "a" } }, { spec: { x: "b" } }],
  },
  {
    name: "not where the default would be longer than the guard",
    before: "has(object.metadata) && object.metadata.name != 'a-rather-long-name-that-would-be-repeated-as-the-default'",
    after: "has(object.metadata) && object.metadata.name != 'a-rather-long-name-that-would-be-repeated-as-the-default'",
    types: POD,
    inputs: [{ metadata: { name: "x" } }, {}],
  },
  // -- conditionals
  {
    name: "`o.hasValue() ? p : dyn(null)` is `o.orValue(dyn(null))`",
    before: "size(object.?spec.?podSelector.hasValue() ? object.spec.podSelector.map(k, k) : dyn(null)) != 0",
    after: "size(object.?spec.?podSelector.orValue(dyn(null))) != 0",
    types: new Map([["object", objectType([{ group: "networking.k8s.io", kind: "NetworkPolicy" }], false)]]),
    inputs: [{ spec: { podSelector: {} } }, { spec: { podSelector: { matchLabels: { a: "b" } } } }, { spec: {} }],
  },
  {
    name: "`c ? x : false` with a test that cannot err is `c && x`",
    before: "request.operation == 'UPDATE' ? object.spec.x == 1 : false",
    after: "request.operation == 'UPDATE' && object.spec.x == 1",
    inputs: [{}, { spec: { x: 1 } }],
  },
  {
    name: "not with a test that can err (`error ? x : false` errs, `error && false` is false)",
    before: "object.spec.y == 1 ? object.spec.x == 1 : false",
    after: "object.spec.y == 1 ? object.spec.x == 1 : false",
    inputs: [{}, { spec: { y: 1, x: 2 } }],
  },
  {
    name: "`size([x]) == 1 ? p(x) : false` (evaluate x first) is `p(x)` when p errs wherever x does",
    before: "size([object.spec.x]) == 1 ? !('a' in object.spec.x) : false",
    after: "!('a' in object.spec.x)",
    inputs: [{}, { spec: { x: ["a"] } }, { spec: { x: ["b"] } }],
  },
  {
    name: "`has(x.f) ? y(x.f) : [][0]` is `y(x.f)`; a quantifier over `m.map(k, k)` ranges over m",
    before: "(has(object.spec) ? object.spec.map(k, k) : [][0]).exists(e, e == 'tls')",
    after: "'tls' in object.spec",
    inputs: [{}, { spec: { tls: 1 } }, { spec: { other: 1 } }, { spec: ["tls"] }, { spec: "s" }],
  },
  {
    name: "`'k' in (c ? x : [])` with a test that cannot err is `c && 'k' in x`",
    before: "object.spec.containers.exists(c, 'requests' in (has(c.resources) ? c.resources : []))",
    after: "object.spec.containers.exists(c, has(c.resources) && 'requests' in c.resources)",
    types: POD,
    inputs: [...pods({ name: "a", resources: { requests: { cpu: "1" } } }), ...pods({ name: "a", resources: {} }), ...pods({ name: "a" })],
  },
  {
    name: "`o.orValue(dyn(null)) == null` of a never-null field (by type) is `!o.hasValue()`",
    before: "object.?spec.?volumes.orValue(dyn(null)) == null",
    after: "!object.?spec.?volumes.hasValue()",
    types: POD,
    inputs: [{ spec: {} }, { spec: { volumes: [] } }, { spec: { volumes: [{ name: "v" }] } }],
  },
  {
    name: "not for a field Go may encode as a present null (a Pod's containers)",
    before: "object.?spec.?containers.orValue(dyn(null)) == null",
    after: "object.?spec.?containers.orValue(dyn(null)) == null",
    types: POD,
    inputs: [{ spec: {} }, { spec: { containers: null } }, { spec: { containers: [{ name: "c" }] } }],
  },
  // -- comparisons a sibling implies, equalities as lists, negations pushed in
  {
    name: "Kyverno's `!v` pattern: `x == '!v' || string(x) != 'v'` is `string(x) != 'v'`",
    before: "object.spec.x == '!localhost' || string(object.spec.x) != 'localhost'",
    after: "string(object.spec.x) != 'localhost'",
    inputs: [{}, { spec: { x: "!localhost" } }, { spec: { x: "localhost" } }, { spec: { x: 1 } }, { spec: { x: ["l"] } }],
  },
  {
    name: "not where the sibling is true at that literal (`'!*:latest'.endsWith(':latest')`)",
    before: "object.spec.x != '!*:latest' && object.spec.x.endsWith(':latest')",
    after: "object.spec.x != '!*:latest' && object.spec.x.endsWith(':latest')",
    inputs: [{}, { spec: { x: "!*:latest" } }, { spec: { x: "a:latest" } }],
  },
  {
    name: "`x == 'a' || x == 'b'` is `x in ['a', 'b']`; `x != 'a' && x != 'b'` is `!(x in ['a', 'b'])`",
    before: "(object.spec.type == 'RuntimeDefault' || object.spec.type == 'Localhost') && object.spec.kind != 'A' && object.spec.kind != 'B'",
    after: "object.spec.type in ['RuntimeDefault', 'Localhost'] && !(object.spec.kind in ['A', 'B'])",
    inputs: [{}, { spec: { type: "Localhost", kind: "C" } }, { spec: { type: "x", kind: "A" } }, { spec: { type: 1, kind: 2 } }],
  },
  {
    name: "a literal of another kind than the field's (by type) is unequal wherever the field is read",
    before: "object.spec.securityContext.runAsUser == '>0' || object.spec.securityContext.runAsUser > 0",
    after: "object.spec.securityContext.runAsUser > 0",
    types: POD,
    inputs: [{ spec: { securityContext: { runAsUser: 0 } } }, { spec: { securityContext: { runAsUser: 5 } } }, { spec: {} }],
  },
  {
    name: "`!l.exists(v, !p)` is `l.all(v, p)`; `!(a || b)` is `!a && !b` where shorter",
    before: "!(object.spec.l.exists(v, !(v in ['a'])) || object.spec.m.exists(v, v == 'b'))",
    after: "object.spec.l.all(v, v == 'a') && !('b' in object.spec.m)",
    inputs: [{}, { spec: { l: ["a"], m: ["c"] } }, { spec: { l: ["b"], m: [] } }, { spec: { l: [], m: ["b"] } }, { spec: { l: "s", m: [] } }],
  },
];

describe("emit-shorten: each rewrite keeps the outcome (errors included) and shortens the text", () => {
  it.each(ROWS)("$name", (row) => {
    const out = simplifyWith(cel(row.before), [], row.types ?? NONE);
    expect(flat(out)).toBe(row.after);
    if (row.after !== row.before) expect(row.after.length).toBeLessThan(row.before.length);
    for (const input of row.inputs) expect(run(row.after, input), `${row.after} on ${JSON.stringify(input)}`).toEqual(run(row.before, input));
  });

  it("the outcomes the rows compare differ where they should (the harness can fail)", () => {
    expect(run("object.spec.x == 'L'", {})).toEqual({ error: true });
    expect(run("object.?spec.?x.orValue('L') == 'L'", {})).toEqual({ value: true });
    expect(run("object.?spec.?x.orValue('L') == 'L'", { spec: { x: "M" } })).toEqual({ value: false });
    // a wrong default would show: the guard's value where the field is absent is not what `orValue('x')` gives
    expect(run("object.?spec.?x.orValue('x') == 'L'", {})).not.toEqual(run("!object.?spec.?x.hasValue() || object.spec.x == 'L'", {}));
  });
});

describe("typing (typing.ts) of the names the rewrites rely on", () => {
  it("a comprehension variable over a typed list is its element type: has() on it is a map's", () => {
    const e = cel("object.spec.containers.all(c, has(c.securityContext) && c.?securityContext.?privileged.hasValue())");
    expect(flat(simplifyWith(e, [], POD))).toBe("object.spec.containers.all(c, c.?securityContext.?privileged.hasValue())");
    expect(flat(simplifyWith(e, [], NONE))).toBe(flat(e));
  });

  it("a name rebound by an inner macro is not the outer one", () => {
    // `c` inside the inner all() ranges over strings: has(c.x) there is not a container's
    const e = cel("object.spec.containers.all(c, c.args.all(c, !has(c.x) || !c.?x.?y.hasValue()))");
    expect(flat(simplifyWith(e, [], POD))).toBe(flat(e));
  });

  it("a value that may be null (the pod on DELETE) is not a map by type", () => {
    const e = cel("!has(variables.pod.spec) || !variables.pod.?spec.?x.hasValue()");
    const podType = (nullable: boolean): ReadonlyMap<string, Ty> => new Map([["variables.pod", nullable ? { oneOf: [POD_TEMPLATE, "null"] } : POD_TEMPLATE]]);
    expect(flat(simplifyWith(e, [], podType(false)))).toBe("!variables.pod.?spec.?x.hasValue()");
    expect(flat(simplifyWith(e, [], podType(true)))).toBe(flat(e));
    // has() of a null's field is false, `.?` on null an error: the two differ there
    expect(run("!has(object.spec) || !object.?spec.?x.hasValue()", null)).not.toEqual(run("!object.?spec.?x.hasValue()", null));
  });
});

describe("hoisting names and literal lists (hoist.ts)", () => {
  const names = (exprs: string[]): string[] => hoist(exprs.map(cel), []).variables.map((v) => `${v.name}=${flat(v.expr)}`);

  it("a long literal list used twice becomes `values`", () => {
    const list = "['container_t', 'container_init_t', 'container_kvm_t', 'spc_t']";
    expect(names([`object.spec.a in ${list}`, `object.spec.b in ${list}`])).toEqual([`values=${list}`]);
  });

  it("a negated presence test is named `no…`, a failing-fields list `…Failures`", () => {
    expect(names(["!object.?spec.?initContainers.hasValue() && object.x", "!object.?spec.?initContainers.hasValue() || object.y"])).toEqual(["noInitContainers=!object.?spec.?initContainers.hasValue()"]);
    expect(names(["(has(object.spec.template) ? [] : ['spec.template']).join(', ')", "size(has(object.spec.template) ? [] : ['spec.template'])"])).toEqual(["templateFailures=has(object.spec.template) ? [] : ['spec.template']"]);
  });
});

describe("the runtime glob matcher (lower.ts): a metacharacter test as `'…'.contains(ch)`", () => {
  const glob = flat(lowerVal({ k: "call", fn: "globRegex", args: [{ k: "path", path: { root: { k: "object" }, segs: [{ k: "field", name: "g" }] } }] }, context({ envVersion: "1.35" })));

  it("reads as a contains() test", () => {
    expect(glob).toContain("'\\\\.+()|[]{}^$'.contains(ch)");
  });

  it.each(["a*b", "a?c", "x.y+(z)|[q]{r}^$\\", "", "ünï*cödé"])("matches as the list form does: %j", (g) => {
    const listForm = glob.replace("'\\\\.+()|[]{}^$'.contains(ch)", () => "ch in ['\\\\', '.', '+', '(', ')', '|', '[', ']', '{', '}', '^', '$']");
    for (const s of ["ab", "a-b", "abc", "x.y+(z)|[q]{r}^$\\", "", "ünïXcödé", "xxy+(z)|[q]{r}^$\\"]) {
      const probe = (re: string): Outcome => run(`'${s.replace(/\\/g, "\\\\")}'.matches(${re})`, { g });
      expect(probe(glob), `${g} vs ${s}`).toEqual(probe(listForm));
    }
  });
});

describe("printing", () => {
  it("a wrapped method chain keeps each continuation call at one indentation", () => {
    const s = "object.metadata.annotations['some-long-annotation-name-for-testing-the-wrap'].replace('m', '').matches('^[0-9]+(\\\\.[0-9]+)?$')";
    const text = unparse(cel(s));
    expect(text.split("\n").length).toBeGreaterThan(1);
    expect(cel(text.replace(/\n\s*/g, ""))).toEqual(cel(s));
  });
});
