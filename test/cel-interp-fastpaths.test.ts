// The interpreter's fast paths change speed, never results: `all`/`exists` planned as one loop, `x == 'const'`
// charged inline, `map`/`filter` run as one appending loop, chains of string `+` and list `+` as one node, and
// optional selection chains (`x.?a.?b` with `orValue`/`hasValue`/`value`/`or(…).orValue`, `optMap(…).orValue`)
// without intermediate Optionals must give the same value, error and runtime cost — at every cost limit, so also the
// same step crossing it — as the generic plans. Those are obtained from the same checked AST with the quantifier
// macros renamed (the loop only recognises `all`/`exists`), with an equality cost rule that always defers but does
// not declare what it charges two strings (which disables the inline charge), and with the interpreter's
// `fastPaths: false` (which plans the other forms generically).
import { describe, expect, it } from "vitest";
import type { Expr } from "../src/cel/ast.js";
import { check } from "../src/cel/checker.js";
import type { CallCostEstimator } from "../src/cel/cost.js";
import { macrosFor, resolveNamespaces, type Activation, type Env } from "../src/cel/env.js";
import { interpret, type Evaluation } from "../src/cel/interp.js";
import { parse } from "../src/cel/parser.js";
import type { Overload } from "../src/cel/registry.js";
import { fromJSON, toJSON } from "../src/cel/values.js";
import { admissionEnv } from "../src/vap/celenv.js";

const env = admissionEnv({ version: "1.36", hasParams: false, hasAuthorizer: false, variables: [] });

/** Same costs, but `==`/`!=` no longer say what they charge for two strings. */
const deferEquality: CallCostEstimator = (fn) => (fn === "_==_" || fn === "_!=_" ? { fn: () => undefined } : undefined);
const genericEnv: Env = { ...env, costEstimators: [deferEquality, ...env.costEstimators] };

function renameMacros(e: Expr): Expr {
  const r = renameMacros;
  switch (e.k) {
    case "lit":
    case "ident":
      return e;
    case "select":
      return { ...e, operand: r(e.operand) };
    case "call":
      return { ...e, target: e.target && r(e.target), args: e.args.map(r) };
    case "list":
      return { ...e, elems: e.elems.map(r) };
    case "map":
      return { ...e, entries: e.entries.map((m) => ({ ...m, key: r(m.key), value: r(m.value) })) };
    case "struct":
      return { ...e, fields: e.fields.map((f) => ({ ...f, value: r(f.value) })) };
    case "comp":
      return {
        ...e,
        macro: `${e.macro}-generic`,
        iterRange: r(e.iterRange),
        accuInit: r(e.accuInit),
        loopCondition: r(e.loopCondition),
        loopStep: r(e.loopStep),
        result: r(e.result),
      };
  }
}

function plans(source: string): { fast: ReturnType<typeof interpret>; generic: ReturnType<typeof interpret> } {
  const parsed = parse(source, { macros: macrosFor(env.version) });
  const resolved = { source, expr: resolveNamespaces(parsed.expr, env) };
  const checked = check(resolved, env);
  expect(checked.issues, source).toEqual([]);
  return {
    fast: interpret(resolved, env, checked),
    generic: interpret({ source, expr: renameMacros(resolved.expr) }, genericEnv, checked, { fastPaths: false }),
  };
}

const show = (r: Evaluation): unknown => (r.ok ? { value: toJSON(r.value), cost: r.cost } : { error: r.error.message, cost: r.cost });

const POD = fromJSON({
  metadata: { name: "web", hi: "\ud83d", lo: "\ude00", labels: { app: "web", tier: "frontend", "app.kubernetes.io/name": "web" }, annotations: { "example.com/owner": "team-a" } },
  spec: {
    containers: [
      { name: "app", image: "registry.example.com/app:1", ports: [{ containerPort: 80 }] },
      { name: "side", image: "docker.io/side:latest", securityContext: { privileged: true } },
    ],
    replicas: 0,
  },
});
const act: Activation = { object: POD, oldObject: null, params: null };

const QUANTIFIERS = [
  "object.spec.containers.all(c, c.image.startsWith('registry.example.com/'))",
  "object.spec.containers.exists(c, has(c.securityContext) && c.securityContext.privileged)",
  "object.spec.containers.all(c, c.securityContext.privileged == false)", // error on one element, false on none
  "object.spec.containers.exists(c, c.securityContext.privileged)", // error, then true: absorbed
  "object.spec.containers.all(c, c.name == 'app' || c.securityContext.privileged)",
  "[1, 0, 2].all(x, 10 / x > 1)",
  "[1, 0, 2].all(x, 10 / x > 100)", // error then false: false absorbs
  "[0, 1].exists(x, 10 / x > 5)",
  "[0].exists(x, 10 / x > 5)",
  "[0, 0].exists(x, 10 / x > 5)", // two errors: the first one stays
  "[dyn(1), dyn('a')].all(x, x > 0)",
  "[dyn('a'), dyn(1)].exists(x, x > 0)",
  "dyn([1]).all(x, x)", // a non-bool predicate
  "dyn(['a']).exists(x, x)",
  "[].all(x, x > 0) && ![].exists(x, x > 0)",
  "[1, 2, 3].all(i, v, i < v) && [1, 2, 3].exists(i, v, i == 2 && v == 3)",
  "{'a': 1, 'b': 0}.all(k, v, 10 / v > 1)",
  "{'a': 1, 'b': 0}.exists(k, v, k == 'b' || 10 / v > 1)",
  "{1: 'a', 2: 'b'}.exists(k, k == 2)",
  "{1u: 'a', 2u: 'b'}.all(k, type(k) == uint)",
  "{true: 1}.exists(k, k)",
  "object.metadata.labels.all(k, object.metadata.labels[k].size() > 2)",
  "object.metadata.labels.exists(k, v, k.startsWith('app.') && v == 'web')",
  "object.metadata.annotations.exists(k, k == 'example.com/owner')",
  "[[1], [2, 0]].all(l, l.exists(x, 10 / x == 10))",
  "[[1], [2, 0]].exists(l, l.all(x, 10 / x == 5))",
  "object.spec.missing.all(x, x)",
  "object.spec.replicas.all(x, x)", // not a list or map
  "object.spec.containers.all(c, c.ports.exists(p, p.containerPort == 80))",
];

const LIST_MACROS = [
  "object.spec.containers.filter(c, c.?securityContext.?privileged.orValue(false)).map(c, 'containers[' + c.name + ']')",
  "object.spec.containers.map(c, c.name)",
  "object.spec.containers.map(c, has(c.ports), c.name + '!')",
  "object.spec.containers.filter(c, c.securityContext.privileged)", // error on the first element, true on the second
  "object.spec.containers.map(c, c.securityContext.privileged)", // error, then a value
  "[1, 0, 2].map(x, 10 / x)",
  "[0, 1].map(x, 10 / x)",
  "[1, 2, 0].map(x, 10 / x)",
  "[1, 0, 2].filter(x, 10 / x > 1)",
  "[1, 0].filter(x, 10 / x > 20)", // error, then false: the error stays
  "[0, 1].filter(x, 10 / x == 10)", // error, then true: the element is evaluated, the error stays
  "[0, 0].filter(x, 10 / x == 10)", // two errors: the last one
  "[0, 1, 2].map(x, x > 0, 10 / x)",
  "[0, 1, 2].map(x, x == 0, 10 / x)",
  "[0, 1, 2].map(x, 10 / x > 1, x)",
  "[1, 0].map(x, 10 / x > 1, 10 / (x - 1))",
  "[dyn(1), dyn('a')].filter(x, x)", // a non-bool predicate
  "[dyn(true), dyn(1), dyn(false)].filter(x, x)",
  "dyn([true, false]).map(x, x, x)",
  "[1, 2, 3].map(x, 'c')", // a constant element: its list is folded
  "[1, 2, 3].filter(x, x > 1).map(x, x * 2) + [4].map(x, x)",
  "[[1, 0], [2]].map(l, l.map(x, 10 / x))",
  "[1, 2].map(x, [3, 4].map(y, x + y))",
  "[1, 2].map(x, [3, 4].filter(y, y > x).size())",
  "[].map(x, x) + [].filter(x, x)",
  "{'a': 1, 'b': 2}.map(k, k + 'x')",
  "{'a': 1, 'b': 0}.filter(k, 10 / {'a': 1, 'b': 0}[k] > 1)",
  "{1u: 'a', 2u: 'b'}.map(k, type(k))",
  "{1: 'a', 2: 'b'}.filter(k, k > 1)",
  "object.metadata.labels.filter(k, k.startsWith('app'))",
  "object.metadata.labels.map(k, object.metadata.labels[k])",
  "object.spec.replicas.map(x, x)", // not a list or map
  "object.spec.missing.filter(x, x)",
  "lists.range(30).map(x, x * x)",
  "lists.range(30).filter(x, x % 3 == 0).map(x, [x])",
];

const CONCATENATIONS = [
  "'containers[' + string(object.spec.containers[0].name) + '].securityContext.privileged'",
  "object.spec.containers.map(c, 'containers[' + c.name + ']')",
  "'a' + 'b' + 'c' + 'd'",
  "'' + '' + 'x' + ''",
  "'😀' + '😀é' + 'abcdefgh' + '😀'",
  "object.metadata.hi + object.metadata.lo + 'abcdefghi'", // a surrogate pair forms across the seam: 10 code points
  "object.metadata.hi + 'abcdefghi' + object.metadata.lo", // none forms
  "'abcdefgh' + object.metadata.hi + object.metadata.lo + 'a'",
  "object.metadata.hi + object.metadata.hi + object.metadata.lo + object.metadata.lo + 'abcdefgh'",
  "'' + object.metadata.lo + 'abcdefghi'",
  "object.metadata.hi + '' + object.metadata.lo + 'abcdefghi'",
  "'a' + object.metadata.missing + 'b'",
  "object.metadata.missing + 'b' + 'c'",
  "'a' + 'b' + object.metadata.missing",
  "object.metadata.missing + object.spec.missing + 'c'",
  "'a' + dyn(1) + 'b'",
  "dyn(1) + 'a' + 'b'",
  "'a' + string(10 / 0) + 'b' + string(1 / 0)",
  "object.metadata.annotations['example.com/owner'] + ' a long constant string that is over sixty-four code points long, with é and 😀 in it' + object.metadata.name",
  "'x' + ('y' + object.metadata.name) + 'z'",
  // long results are remembered for the next measure of the same string (join's cost rule, the next concatenation)
  "'> ' + ['😀 a long constant string that is over sixty-four code points long, é: ' + object.metadata.name].join(', ')",
  "'> ' + [object.metadata.hi + object.metadata.lo + ' a long constant string that is over sixty-four code points long'].join('; ')",
  "'> ' + object.spec.containers.map(c, 'containers[' + c.name + '] a long constant string that is over sixty-four points').join(', ')",
  "('y' + object.metadata.name).size() + size('a' + 'b' + object.metadata.name)",
];

const LIST_CONCATENATIONS = [
  "[1] + [2, 3] + [] + [4]",
  "[] + [] + []",
  "[] + [1] + []",
  "object.spec.containers + [] + object.spec.containers",
  "object.spec.containers.map(c, c.name) + (object.spec.replicas > 0 ? [] : ['none']) + ['x']",
  "[1] + object.spec.missing + [2]",
  "object.spec.missing + [1] + object.spec.nope",
  "[1] + [2] + [1 / 0]",
  "[1, 2].map(x, 10 / (x - 1)) + [3] + [4]",
  "[1] + dyn(2) + [3]", // not a list: the dispatch fails
  "dyn(2) + [1] + [3]",
  "[1] + [2] + dyn('a')",
  "([1] + [2] + [3]).size() + size([4] + ([5] + [6]))",
];

const OPTIONAL_CHAINS = [
  "object.?spec.?containers.orValue([]).size()",
  "object.spec.containers[0].?securityContext.?privileged.orValue(false)",
  "object.spec.containers[1].?securityContext.?privileged.orValue(false) == true",
  "object.spec.containers.map(c, c.?securityContext.?privileged.orValue(false))",
  "object.spec.containers.filter(c, c.?securityContext.?privileged.hasValue())",
  "object.spec.containers.map(c, c.?ports.orValue([]).map(p, p.?containerPort.orValue(0)))",
  "object.?metadata.?name.value()",
  "object.?metadata.?nope.value()", // optional.none() dereference
  "object.?metadata.?name.?x.orValue('d')", // a string has no fields: no such key
  "object.?spec.?replicas.?x.hasValue()",
  "object.?spec.?replicas.?x.value()",
  "object.?missing.?x.orValue(1)", // absent: the rest of the chain is not looked at
  "object.?missing.?x.hasValue()",
  "object.?missing.orValue(object.?spec.?containers.orValue([])).size()",
  "optional.of(object.spec).?containers.orValue([]).size()",
  "optional.none().?a.?b.orValue(2)",
  "dyn({'a': optional.none()}).?a.?b.hasValue()", // an optional stored in a map is a value: no such key
  "dyn({'a': optional.of({'b': 1})}).?a.?b.orValue(0)",
  "dyn(1).?a.orValue(0)",
  "(object.spec.replicas > 0 ? object.spec : object.metadata).?name.orValue('x')",
  "(object.spec.replicas == 0 ? object.spec : object.metadata).?name.orValue('x')",
  "object.spec.?containers.?missing.orValue('x')",
  "object.spec.missing.?containers.orValue('x')", // the operand fails
  "object.?spec.?containers.optMap(c, c.size()).orValue(0)",
  "object.?metadata.?labels.?app.optMap(v, v + '!').orValue('')",
  "object.?spec.?containers.or(optional.of([])).value().size()",
  "[object.?spec.?containers, object.?spec.?missing].map(o, o.hasValue())",
  "object.?metadata.?labels.?app.orValue(1 / 0)", // the alternative is not evaluated
  "object.?metadata.?labels.?nope.orValue(1 / 0)",
  // `.or(o).orValue(v)` on a chain
  "object.spec.containers.map(c, c.?securityContext.?privileged.or(optional.of(false)).orValue(true))",
  "object.?spec.?nope.or(object.?metadata.?name).orValue('x')",
  "object.?spec.?nope.or(object.?metadata.?nope).orValue('x')",
  "object.?spec.?nope.or(dyn(1)).orValue('x')", // not an optional: the `or` fails
  "object.?metadata.?name.or(dyn(1)).orValue('x')",
  "object.?spec.?replicas.?x.or(optional.none()).orValue(1)",
  "object.?spec.?nope.or(object.spec.missing).orValue('x')",
  // optMap(…).orValue(v) and the same conditional written out
  "object.?metadata.?name.optMap(n, n + '!').orValue('none')",
  "object.?metadata.?nope.optMap(n, n + '!').orValue('none')",
  "object.?metadata.?name.optMap(n, 1 / 0).orValue(1)", // the bound value fails: optional.of is charged
  "object.spec.containers.map(c, c.?securityContext.?privileged.optMap(p, p == true).orValue(false))",
  "optional.of(1).optMap(x, x + 1).orValue(0)",
  "object.?metadata.?labels.?app.optMap(a, a.size()).orValue(object.?metadata.?nope.optMap(n, n.size()).orValue(-1))",
  "(object.spec.replicas > 0 ? optional.of(1) : optional.none()).orValue(2)",
  "(object.spec.replicas == 0 ? optional.of(1) : optional.none()).orValue(2)",
  "(dyn(1) ? optional.of(1) : optional.none()).orValue(2)", // a non-bool condition
  "(object.spec.missing ? optional.of(1) : optional.none()).orValue(2)",
];

const EQUALITIES = [
  "object.metadata.name == 'web'",
  "object.metadata.name != 'web'",
  "'web' == object.metadata.name",
  "'a much longer constant string, over ten code points' == object.metadata.name",
  "object.metadata.labels['app.kubernetes.io/name'] == 'web-but-a-longer-value-than-ten'",
  "object.metadata.missing == 'x'",
  "'x' != object.metadata.missing",
  "object.spec.replicas == 'x'",
  "'x' == object.spec.replicas",
  "object.spec.containers == 'x'",
  "object.metadata.labels.exists(k, k == 'tier')",
  "object.spec.containers.all(c, c.name != '😀😀😀😀😀😀😀😀😀😀😀😀')",
  "object.metadata.labels.exists(k, k == 'é😀é😀é😀é😀é😀é😀é😀')",
];

describe("interpreter fast paths agree with the generic plans", () => {
  const SHAPES = [...QUANTIFIERS, ...LIST_MACROS, ...CONCATENATIONS, ...LIST_CONCATENATIONS, ...OPTIONAL_CHAINS, ...EQUALITIES];
  it.each(SHAPES)("%s: same value or error, same cost at every limit", (source) => {
    const { fast, generic } = plans(source);
    const full = generic.evaluate(act);
    expect(show(fast.evaluate(act)), "unlimited").toEqual(show(full));
    for (let limit = 0; limit <= full.cost + 1; limit++) {
      expect(show(fast.evaluate(act, limit)), `limit ${limit}`).toEqual(show(generic.evaluate(act, limit)));
    }
  });

  it("the fast paths are taken for these shapes (the comparison is not between two generic plans)", () => {
    // exists: the loop never calls `!_`, the generic fold does once per element
    let nots = 0;
    const notSpy = env.overloads.get("!_")!.map((o) => ({ ...o, impl: (...a: Parameters<NonNullable<typeof o.impl>>) => (nots++, o.impl!(...a)) }));
    const spied: Env = { ...env, overloads: new Map([...env.overloads, ["!_", notSpy]]) };
    const src = "object.metadata.labels.exists(k, k == 'nope')";
    const parsed = parse(src, { macros: macrosFor(env.version) });
    const resolved = { source: src, expr: resolveNamespaces(parsed.expr, spied) };
    const checked = check(resolved, spied);
    interpret(resolved, spied, checked)(act);
    expect(nots).toBe(0);
    interpret({ source: src, expr: renameMacros(resolved.expr) }, spied, checked)(act);
    expect(nots).toBe(3);
    // `==` against a constant: two strings are charged inline, other operands through the rule
    let ruled = 0;
    const counting: CallCostEstimator = (fn) => (fn === "_==_" ? { fn: () => (ruled++, undefined), strings: "defer" } : undefined);
    const counted: Env = { ...env, costEstimators: [counting, ...env.costEstimators] };
    for (const [source, calls] of [["object.metadata.name == 'web'", 0], ["object.spec.replicas == 'web'", 1]] as const) {
      const p = parse(source, { macros: macrosFor(env.version) });
      const r = { source, expr: resolveNamespaces(p.expr, counted) };
      ruled = 0;
      interpret(r, counted, check(r, counted))(act);
      expect(ruled, source).toBe(calls);
    }
  });

  it("the fused plans are taken: map/filter loops, `+` chains and optional chains call no overload the generic plans call", () => {
    const calls = new Map<string, number>();
    const spy = (name: string, ids: readonly string[]): [string, Overload[]] => [
      name,
      env.overloads.get(name)!.map((o) =>
        ids.includes(o.id) ? { ...o, impl: (...a: Parameters<NonNullable<typeof o.impl>>) => (calls.set(o.id, (calls.get(o.id) ?? 0) + 1), o.impl!(...a)) } : o,
      ),
    ];
    const spied: Env = {
      ...env,
      overloads: new Map([
        ...env.overloads,
        spy("_+_", ["add_list", "add_string"]),
        spy("hasValue", ["optional_hasValue"]),
        spy("value", ["optional_value"]),
        spy("optional.of", ["optional_of"]),
        spy("optional.none", ["optional_none"]),
      ]),
    };
    const count = (source: string, fastPaths: boolean): Record<string, number> => {
      const parsed = parse(source, { macros: macrosFor(env.version) });
      const resolved = { source, expr: resolveNamespaces(parsed.expr, spied) };
      calls.clear();
      interpret(resolved, spied, check(resolved, spied), { fastPaths }).evaluate(act);
      return Object.fromEntries(calls);
    };
    const cases: [string, Record<string, number>][] = [
      ["object.spec.containers.filter(c, c.?securityContext.?privileged.orValue(false)).map(c, c.name)", { add_list: 2 }],
      ["object.spec.containers.map(c, 'containers[' + c.name + ']')", { add_list: 2, add_string: 4 }],
      ["[1] + [2, 3] + [] + [4]", { add_list: 3 }],
      ["object.?spec.?containers.hasValue() && object.?metadata.?name.value() == 'web'", { optional_hasValue: 1, optional_value: 1 }],
      ["object.?metadata.?name.optMap(n, n + '!').orValue('') == 'web!' && object.?metadata.?nope.optMap(n, n).orValue('') == ''", {
        optional_hasValue: 2,
        optional_value: 1,
        optional_of: 1,
        optional_none: 1,
        add_string: 1,
      }],
    ];
    for (const [source, generic] of cases) {
      expect(count(source, false), source).toEqual(generic);
      expect(count(source, true), source).toEqual({});
    }
  });
});
