// The VAP engine's per-request shortcuts give the answers of the plain algorithms they replace: prepared matchers
// vs `matches`, variable outcomes replayed from a VariableStore vs evaluated anew in each composition context (values,
// errors, charged costs and their order), the object conversions vs the reference conversions, and whole decisions
// that do not depend on what the engine prepared or cached before (changed arrays, ObjectCache or none).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Activation } from "../src/cel/env.js";
import { CelMap, fromJSON, type MapKey, type Value } from "../src/cel/values.js";
import { compilePolicy } from "../src/vap/compilepolicy.js";
import { evaluate, ObjectCache, type EvaluateInput } from "../src/vap/engine.js";
import { kindRegistry } from "../src/vap/kinds.js";
import { requestForObject } from "../src/vap/load.js";
import { compileMatcher, matches, type MatchContext } from "../src/vap/match.js";
import { fromJSONKeeping, objectToCel } from "../src/vap/objects.js";
import type { AdmissionRequest, KObject, MatchResources, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from "../src/vap/types.js";
import { LazyVariables, VariableStore } from "../src/vap/variables.js";

// ---------------------------------------------------------------------------------------------------------------
// Values compared by shape: maps as ordered entries, int64 apart from doubles

type Canon = string | number | boolean | null | Canon[] | { map: [string, Canon][] } | { int: string } | { other: string };

function canon(v: Value): Canon {
  if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  if (typeof v === "bigint") return { int: v.toString() };
  if (Array.isArray(v)) return (v as readonly Value[]).map(canon);
  if (v instanceof CelMap) return { map: [...v.rawEntries()].map(([k, x]) => [String(k), canon(x)] as [string, Canon]) };
  return { other: String(v) };
}

/** fromJSON as it was written before the fast path (Object.entries, Array.map). */
function referenceFromJSON(v: unknown): Value {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case "boolean":
    case "string":
      return v;
    case "number":
      return Number.isInteger(v) ? BigInt(v) : v;
    case "bigint":
      return v;
  }
  if (Array.isArray(v)) return v.map(referenceFromJSON);
  const m = new Map<MapKey, Value>();
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (x === null || x === undefined) continue;
    m.set(k, referenceFromJSON(x));
  }
  return new CelMap(m);
}

/** fromJSONKeeping as it was written before (keep nulls at dotted paths, descend where a kept path lies below). */
function referenceKeeping(v: unknown, keep: ReadonlySet<string>, at = ""): Value {
  if (!keep.size || v === null || typeof v !== "object") return referenceFromJSON(v);
  if (Array.isArray(v)) return referenceFromJSON(v);
  const m = new Map<MapKey, Value>();
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const p = at ? `${at}.${k}` : k;
    if (x === null || x === undefined) {
      if (x === null && keep.has(p)) m.set(k, null);
      continue;
    }
    const sub = [...keep].some((q) => q.startsWith(`${p}.`));
    m.set(k, sub ? referenceKeeping(x, keep, p) : referenceFromJSON(x));
  }
  return new CelMap(m);
}

const keyArb = fc.constantFrom("a", "b", "a.b", "spec", "containers", "0", "10", "x-y", "constructor");
const jsonArb: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { maxDepth: 4, depthIdentifier: "json" },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -2000, max: 2000 }),
    fc.constantFrom(0.5, -0, 1e21, 2 ** 53, -1),
    fc.string({ maxLength: 3 }),
    fc.array(tie("v"), { maxLength: 3 }),
    fc.dictionary(keyArb, tie("v"), { maxKeys: 4 }),
  ),
})).v;

describe("object conversion", () => {
  it("fromJSON gives the reference conversion", () => {
    fc.assert(
      fc.property(jsonArb, (j) => {
        expect(canon(fromJSON(j))).toEqual(canon(referenceFromJSON(j)));
      }),
      { numRuns: 400 },
    );
  });

  it("fromJSON reads own enumerable keys only, in Object.entries order", () => {
    const proto = { inherited: 1 };
    const o = Object.assign(Object.create(proto) as Record<string, unknown>, { b: 1, 2: "two", a: null, 1: "one" });
    Object.defineProperty(o, "hidden", { value: 5, enumerable: false });
    expect(canon(fromJSON(o))).toEqual(canon(referenceFromJSON(o)));
    expect([...(fromJSON(o) as CelMap).rawEntries().keys()]).toEqual(["1", "2", "b"]);
  });

  it("fromJSONKeeping gives the reference conversion, dotted keys included", () => {
    const keepArb = fc.uniqueArray(fc.constantFrom("a", "a.b", "spec.containers", "a.b.a", "b", "spec", "a.b.b"), { maxLength: 3 });
    fc.assert(
      fc.property(jsonArb, keepArb, (j, keep) => {
        const k = new Set(keep);
        expect(canon(fromJSONKeeping(j, k))).toEqual(canon(referenceKeeping(j, k)));
      }),
      { numRuns: 400 },
    );
  });

  it("objectToCel keeps the nulls of non-omitempty fields of built-in kinds only", () => {
    const podNull = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: null, initContainers: null } } as unknown as KObject;
    expect(canon(objectToCel(podNull))).toEqual({ map: [["apiVersion", "v1"], ["kind", "Pod"], ["metadata", { map: [["name", "p"]] }], ["spec", { map: [["containers", null]] }]] });
    const role = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: null, rules: null } as unknown as KObject;
    expect(canon(objectToCel(role))).toEqual({ map: [["apiVersion", "rbac.authorization.k8s.io/v1"], ["kind", "ClusterRole"], ["rules", null]] });
    const cm = { apiVersion: "v1", kind: "ConfigMap", rules: null, spec: { containers: null } } as unknown as KObject;
    expect(canon(objectToCel(cm))).toEqual({ map: [["apiVersion", "v1"], ["kind", "ConfigMap"], ["spec", { map: [] }]] });
  });

  it("objectToCel gives the reference keeping conversion, with and without kept nulls present", () => {
    const keeps: Record<string, string[]> = { "v1/Pod": ["spec.containers"], "rbac.authorization.k8s.io/v1/ClusterRole": ["rules"], "discovery.k8s.io/v1/EndpointSlice": ["endpoints"] };
    const valueArb = fc.oneof(fc.constant(null), jsonArb);
    const objects = fc.record({
      apiVersion: fc.constantFrom("v1", "rbac.authorization.k8s.io/v1", "discovery.k8s.io/v1"),
      kind: fc.constantFrom("Pod", "ClusterRole", "EndpointSlice", "ConfigMap"),
      spec: fc.oneof(valueArb, fc.record({ containers: valueArb, b: valueArb }, { requiredKeys: [] })),
      rules: valueArb,
      endpoints: valueArb,
    }, { requiredKeys: ["apiVersion", "kind"] });
    fc.assert(
      fc.property(objects, (o) => {
        const keep = new Set(keeps[`${o.apiVersion}/${o.kind}`] ?? []);
        expect(canon(objectToCel(o as unknown as KObject))).toEqual(canon(referenceKeeping(o, keep)));
      }),
      { numRuns: 600 },
    );
  });

  it("an ObjectCache converts an object once and gives what objectToCel gives", () => {
    const cache = new ObjectCache();
    const pod: KObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: null } as unknown as Record<string, unknown> };
    const a = objectToCel(pod, cache);
    expect(objectToCel(pod, cache)).toBe(a);
    expect(canon(a)).toEqual(canon(objectToCel(pod)));
    expect(canon(cache.json(pod))).toEqual(canon(fromJSON(pod)));
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Prepared matchers

describe("compileMatcher gives the answers of matches", () => {
  const namespaces: KObject[] = [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "default", labels: { "kubernetes.io/metadata.name": "default" } } },
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "prod", labels: { "kubernetes.io/metadata.name": "prod", env: "prod" } } },
  ];
  const ctx: MatchContext = { kinds: kindRegistry(), namespaces: new Map(namespaces.map((n) => [n.metadata!.name!, n])) };
  const objects: KObject[] = [
    { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default", labels: { app: "x" } } },
    { apiVersion: "v1", kind: "Pod", metadata: { name: "q", namespace: "prod" } },
    { apiVersion: "v1", kind: "Pod", metadata: { name: "r", namespace: "gone" } },
    { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d", namespace: "prod", labels: { app: "y" } } },
    { apiVersion: "v1", kind: "Node", metadata: { name: "n" } },
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "prod", labels: { env: "prod" } } },
  ];
  const reqArb: fc.Arbitrary<AdmissionRequest> = fc
    .record({
      obj: fc.constantFrom(...objects),
      op: fc.constantFrom("CREATE", "UPDATE", "DELETE", "CONNECT"),
      sub: fc.constantFrom(undefined, "status", "scale"),
    })
    .map(({ obj, op, sub }) => ({ ...requestForObject(obj, { operation: op as AdmissionRequest["operation"] }), ...(sub ? { subResource: sub } : {}) }));
  const list = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T[] | undefined> => fc.option(fc.array(a, { maxLength: 3 }), { nil: undefined });
  const ruleArb = fc.record(
    {
      operations: list(fc.constantFrom("*", "CREATE", "UPDATE", "DELETE")),
      apiGroups: list(fc.constantFrom("*", "", "apps", "extensions")),
      apiVersions: list(fc.constantFrom("*", "v1", "v1beta1")),
      resources: list(fc.constantFrom("*", "pods", "deployments", "nodes", "namespaces", "pods/status", "*/scale", "*/*", "pods/*")),
      scope: fc.constantFrom("*", "Namespaced", "Cluster") as fc.Arbitrary<"*" | "Namespaced" | "Cluster">,
      resourceNames: list(fc.constantFrom("p", "d", "n", "prod")),
    },
    { requiredKeys: [] },
  );
  const selArb = fc.option(
    fc.oneof(
      fc.record({ matchLabels: fc.dictionary(fc.constantFrom("env", "app", "kubernetes.io/metadata.name"), fc.constantFrom("prod", "x", "default")) }),
      fc.record({ matchExpressions: fc.array(fc.record({ key: fc.constantFrom("env", "app"), operator: fc.constantFrom("In", "NotIn", "Exists", "DoesNotExist", "Bogus") as fc.Arbitrary<"In">, values: fc.array(fc.constantFrom("prod", "x")) }), { maxLength: 2 }) }),
    ),
    { nil: undefined },
  );
  const mrArb: fc.Arbitrary<MatchResources> = fc.record(
    {
      namespaceSelector: selArb,
      objectSelector: selArb,
      resourceRules: list(ruleArb),
      excludeResourceRules: list(ruleArb),
      matchPolicy: fc.constantFrom("Exact", "Equivalent") as fc.Arbitrary<"Exact" | "Equivalent">,
    },
    { requiredKeys: [] },
  ) as fc.Arbitrary<MatchResources>;
  const outcome = (f: () => unknown): unknown => {
    try {
      return f();
    } catch (e) {
      return { threw: (e as Error).message };
    }
  };

  it("on generated MatchResources and requests", () => {
    fc.assert(
      fc.property(mrArb, fc.array(reqArb, { minLength: 1, maxLength: 4 }), (mr, reqs) => {
        const m = compileMatcher(mr);
        for (const r of reqs) expect(outcome(() => m(r, ctx))).toEqual(outcome(() => matches(mr, r, ctx)));
      }),
      { numRuns: 600 },
    );
  });

  it("on shapes the API server would refuse (falls back to the plain matcher, errors included)", () => {
    const r = requestForObject(objects[0]!);
    const odd = [
      { resourceRules: [{ operations: "CREATE", apiGroups: [""], apiVersions: ["v1"], resources: ["pods"] }] },
      { resourceRules: [null] },
      { resourceRules: [{ operations: ["*"], apiGroups: ["*"], apiVersions: ["*"], resources: [5] }] },
      { excludeResourceRules: "pods", resourceRules: [] },
      { namespaceSelector: "x" },
      "not an object",
    ] as unknown as MatchResources[];
    for (const mr of odd) expect(outcome(() => compileMatcher(mr)(r, ctx))).toEqual(outcome(() => matches(mr, r, ctx)));
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Variables replayed from a VariableStore

describe("VariableStore: a later composition context charges what evaluating anew would", () => {
  const vap = (variables: { name: string; expression: string }[], exprs: string[]): ValidatingAdmissionPolicy => ({
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    metadata: { name: "vars" },
    spec: {
      matchConstraints: { resourceRules: [{ apiGroups: ["*"], apiVersions: ["*"], operations: ["*"], resources: ["*"] }] },
      variables,
      validations: exprs.map((expression) => ({ expression })),
    },
  });
  const variables = [
    { name: "items", expression: "object.spec.items" },
    { name: "sum", expression: "variables.items.map(i, i * 2).filter(i, i > 2).size()" },
    { name: "missing", expression: "object.spec.nope" },
    { name: "usesMissing", expression: "variables.sum > 0 && variables.missing == 1" },
    { name: "bad", expression: "1 +" },
    { name: "nested", expression: "[variables.sum, variables.items.size()]" },
    { name: "heavy", expression: "variables.items.all(i, variables.items.all(j, variables.items.all(k, i + j + k >= 0)))" },
    { name: "sum", expression: "variables.items.size() + 1" },
  ];
  const exprs = [
    "variables.nested[0] >= 0",
    "variables.usesMissing",
    "variables.bad == 1",
    "variables.heavy",
    "variables.sum >= 0",
    "size(variables.items) > 0 || variables.missing == 2",
    "variables.items.size() == 3",
  ];
  const cp = compilePolicy(vap(variables, exprs));
  const object = fromJSON({ spec: { items: [1, 2, 3] } });

  /** One composition context reading `order` (indices into the validations): per expression its outcome and the
   *  variable cost charged after it, plus the observed (index, cost) pairs. */
  function run(order: number[], store?: VariableStore): { steps: unknown[]; observed: [number, number][] } {
    const observed: [number, number][] = [];
    let act: Activation = {};
    const lv = new LazyVariables(cp.variables, () => act, (i, c) => void observed.push([i, c]), store);
    act = { object, oldObject: null, variables: lv };
    const steps = order.map((i) => {
      const c = cp.validations[i]!.compiled;
      if (!c.ok) return { compileError: true };
      const r = c.program.evaluate(act);
      return { ok: r.ok, value: r.ok ? canon(r.value) : r.error.message, cost: r.cost, variables: lv.takeCost() };
    });
    return { steps, observed };
  }

  it("for every pair of access orders", () => {
    const orderArb = fc.array(fc.integer({ min: 0, max: exprs.length - 1 }), { maxLength: 6 });
    fc.assert(
      fc.property(orderArb, orderArb, orderArb, (first, second, third) => {
        const store = new VariableStore(cp.variables);
        const fresh = [run(first), run(second), run(third)];
        const shared = [run(first, store), run(second, store), run(third, store)];
        expect(shared).toEqual(fresh);
      }),
      { numRuns: 300 },
    );
  });

  it("a context without the authorizer re-evaluates variables that mention it", () => {
    const withAuthz = compilePolicy(vap([{ name: "a", expression: "authorizer.group('').resource('pods').check('get').allowed()" }], ["variables.a"]));
    const store = new VariableStore(withAuthz.variables);
    expect(store.forContext(false)).not.toBe(store);
    expect(new VariableStore(cp.variables).forContext(false)).not.toBe(store);
    const plain = new VariableStore(cp.variables);
    expect(plain.forContext(false)).toBe(plain);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Whole decisions

const podOf = (name: string, spec: Record<string, unknown>, labels: Record<string, string> = {}): KObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "default", labels },
  spec,
});

const policy = (name: string, spec: Partial<ValidatingAdmissionPolicy["spec"]>): ValidatingAdmissionPolicy => ({
  apiVersion: "admissionregistration.k8s.io/v1",
  kind: "ValidatingAdmissionPolicy",
  metadata: { name },
  spec: {
    matchConstraints: { resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["pods"] }] },
    ...spec,
  },
});

const binding = (name: string, policyName: string, extra: Partial<ValidatingAdmissionPolicyBinding["spec"]> = {}): ValidatingAdmissionPolicyBinding => ({
  apiVersion: "admissionregistration.k8s.io/v1",
  kind: "ValidatingAdmissionPolicyBinding",
  metadata: { name },
  spec: { policyName, validationActions: ["Deny"], ...extra },
});

const clone = <T>(x: T): T => structuredClone(x);

describe("decisions do not depend on what the engine kept from earlier requests", () => {
  const policies = [
    policy("b-limits", {
      variables: [{ name: "cs", expression: "object.spec.containers" }],
      validations: [{ expression: "variables.cs.all(c, has(c.resources))", messageExpression: "'containers: ' + string(size(variables.cs))" }],
      auditAnnotations: [{ key: "n", valueExpression: "string(size(variables.cs))" }],
    }),
    policy("a-labels", {
      matchConditions: [{ name: "not-system", expression: "request.namespace != 'kube-system'" }],
      validations: [{ expression: "has(object.metadata.labels) && 'app' in object.metadata.labels", reason: "Forbidden" }],
    }),
    policy("c-ns", { validations: [{ expression: "namespaceObject.metadata.name == 'default'" }] }),
  ];
  const bindings = [binding("b1", "b-limits", { validationActions: ["Warn", "Audit"] }), binding("a1", "a-labels"), binding("a0", "a-labels", { matchResources: { objectSelector: { matchLabels: { tier: "web" } } } })];
  const requests = [
    requestForObject(podOf("ok", { containers: [{ name: "c", resources: {} }] }, { app: "x" })),
    requestForObject(podOf("bad", { containers: [{ name: "c" }, { name: "d", resources: {} }] }, { tier: "web" }), { operation: "UPDATE" }),
    requestForObject(podOf("none", { containers: [] })),
  ];
  const fresh = (p: ValidatingAdmissionPolicy[], b: ValidatingAdmissionPolicyBinding[], r: AdmissionRequest): unknown =>
    evaluate({ policies: clone(p), bindings: clone(b), request: clone(r), expressionCosts: true });

  it("with the same arrays, after they change, and with an ObjectCache", () => {
    const ps = [...policies];
    const bs = [...bindings];
    const objects = new ObjectCache();
    const check = (): void => {
      for (const r of requests) {
        const want = fresh(ps, bs, r);
        expect(evaluate({ policies: ps, bindings: bs, request: r, expressionCosts: true })).toEqual(want);
        expect(evaluate({ policies: ps, bindings: bs, request: r, expressionCosts: true, objects })).toEqual(want);
      }
    };
    check();
    bs.push(binding("c1", "c-ns", { validationActions: ["Deny"] }));
    check();
    bs[0] = { ...bs[0]!, metadata: { name: "z1" } };
    check();
    bs[1]!.spec.policyName = "c-ns";
    check();
    ps[0]!.metadata!.name = "d-limits";
    check();
    ps.pop();
    check();
  });

  it("UPDATE with one object as object and oldObject", () => {
    const pod = podOf("same", { containers: [{ name: "c" }] });
    const r = requestForObject(pod, { operation: "UPDATE" });
    expect(r.oldObject).toBe(r.object);
    const p = [policy("same", { validations: [{ expression: "object == oldObject && oldObject.spec.containers.size() == 1" }] })];
    expect(evaluate({ policies: p, bindings: [], request: r }).verdict).toBe("admit");
  });

  it("messageExpressions see the authorizer-free outcome of variables that use the authorizer", () => {
    const p = [
      policy("authz", {
        variables: [{ name: "allowed", expression: "authorizer.group('').resource('pods').check('create').allowed()" }],
        validations: [{ expression: "variables.allowed", message: "static", messageExpression: "'allowed: ' + string(variables.allowed)" }],
      }),
    ];
    const r = requestForObject(podOf("p", { containers: [] }), { userInfo: { username: "u", groups: [] } });
    // in the messageExpression's context the authorizer is unbound: the variable fails there, the message falls back
    expect(evaluate({ policies: p, bindings: [], request: r }).messages).toEqual(["static"]);
    const admin = requestForObject(podOf("p", { containers: [] }), { userInfo: { username: "root", groups: ["system:masters"] } });
    expect(evaluate({ policies: p, bindings: [], request: admin }).verdict).toBe("admit");
    const q = [
      policy("no-authz", {
        variables: [{ name: "n", expression: "size(object.spec.containers)" }],
        validations: [{ expression: "variables.n > 0", message: "static", messageExpression: "'containers: ' + string(variables.n)" }],
      }),
    ];
    const input: EvaluateInput = { policies: q, bindings: [], request: r, expressionCosts: true };
    const d = evaluate(input);
    expect(d.messages).toEqual(["containers: 0"]);
    // the variable is charged in both contexts, as the API server evaluates it in each
    const costs = d.results[0]!.expressionCosts!;
    expect(d.cost).toBe(2 * costs["spec.variables[0].expression"]! + costs["spec.validations[0].expression"]! + costs["spec.validations[0].messageExpression"]!);
  });
});
