// The interpreter's fast paths change speed, never results: `all`/`exists` planned as one loop and `x == 'const'`
// charged inline must give the same value, error and runtime cost — at every cost limit, so also the same step
// crossing it — as the generic fold and the generic binary call. The generic plans are obtained from the same
// checked AST with the quantifier macros renamed (the loop only recognises `all`/`exists`) and with an equality cost
// rule that always defers but does not declare what it charges two strings (which disables the inline charge).
import { describe, expect, it } from "vitest";
import type { Expr } from "../src/cel/ast.js";
import { check } from "../src/cel/checker.js";
import type { CallCostEstimator } from "../src/cel/cost.js";
import { macrosFor, resolveNamespaces, type Activation, type Env } from "../src/cel/env.js";
import { interpret, type Evaluation } from "../src/cel/interp.js";
import { parse } from "../src/cel/parser.js";
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
    generic: interpret({ source, expr: renameMacros(resolved.expr) }, genericEnv, checked),
  };
}

const show = (r: Evaluation): unknown => (r.ok ? { value: toJSON(r.value), cost: r.cost } : { error: r.error.message, cost: r.cost });

const POD = fromJSON({
  metadata: { name: "web", labels: { app: "web", tier: "frontend", "app.kubernetes.io/name": "web" }, annotations: { "example.com/owner": "team-a" } },
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
  it.each([...QUANTIFIERS, ...EQUALITIES])("%s: same value or error, same cost at every limit", (source) => {
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
});
