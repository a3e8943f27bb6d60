// Kyverno context entries → model values / VAP params (converters/kyverno/lower/context.ts), end to end: the
// entries are lowered, a deny block is lowered by lowerConditions with the entries' resolver, the rule `!deny` is
// emitted by emitRules into a VAP (paramKind v1 ConfigMap when the entries use one) with a binding carrying the
// paramRef, and our VAP engine decides: deny = the conditions hold, admit = they do not, error = Kyverno's rule
// error. Expectations come from Kyverno's Go source: pkg/engine/context/loaders/variable.go (value / jmesPath /
// default, "evaluated to nil"), configmap.go (namespace default, {data, metadata}), pkg/engine/context/deferred.go
// (entries load when a query mentions them, earlier entries only). The corpus section measures every INDEX.tsv rule
// with context entries (rule level and inside foreach).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { lowerConditions } from "../converters/kyverno/lower/conditions.js";
import { lowerContext, type ContextParams, type LowerContextOptions } from "../converters/kyverno/lower/context.js";
import { LowerGap } from "../converters/kyverno/lower/jmespath.js";
import { isClusterPolicy, type Conditions, type ContextEntry, type ForEach, type JsonValue } from "../converters/kyverno/model.js";
import { parseKyvernoDocuments } from "../converters/kyverno/parse.js";
import { parseDocuments } from "../src/input/yaml.js";
import { emitRules } from "../src/emit/policy.js";
import type { Match, Rule } from "../src/ir/model.js";
import { evaluate } from "../src/vap/engine.js";
import { requestForObject } from "../src/vap/load.js";
import type { KObject, MatchResources, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from "../src/vap/types.js";
import { corpusPath, haveCorpus } from "./support/corpus.js";

// ---------------------------------------------------------------------------------------------------------------
// harness

type Outcome = "deny" | "admit" | "error";
const MATCH_ALL: Match = { kinds: [{ group: "*", version: "*", kind: "*" }], operations: ["CREATE", "UPDATE"] };
const PROV = { file: "test.yaml", line: 1 };

const variable = (name: string, spec: { value?: JsonValue; jmesPath?: string; default?: JsonValue }): ContextEntry => ({ name, kind: "variable", spec: spec as JsonValue });
const configMap = (name: string, cmName: string, namespace?: string): ContextEntry => ({ name, kind: "configMap", spec: { name: cmName, ...(namespace !== undefined ? { namespace } : {}) } });
const cm = (name: string, namespace: string, data?: Record<string, string>): KObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace }, ...(data ? { data } : {}) });
const pod = (meta: Record<string, unknown> = {}, spec: Record<string, unknown> = {}): KObject =>
  ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default", ...meta }, spec: { containers: [{ name: "app", image: "nginx" }], ...spec } }) as KObject;

function vap(rule: Rule, params: ContextParams | undefined): { policy: ValidatingAdmissionPolicy; binding: ValidatingAdmissionPolicyBinding } {
  const parts = emitRules([rule], MATCH_ALL, { targetVersion: "1.36" });
  const policy: ValidatingAdmissionPolicy = {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    metadata: { name: "kyverno-context" },
    spec: {
      failurePolicy: "Fail",
      ...(params ? { paramKind: params.paramKind } : {}),
      matchConstraints: parts.matchConstraints as unknown as MatchResources,
      matchConditions: parts.matchConditions,
      variables: parts.variables,
      validations: parts.validations.map((v) => ({ expression: v.expression, message: v.message })),
    },
  };
  const binding: ValidatingAdmissionPolicyBinding = {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicyBinding",
    metadata: { name: "kyverno-context-binding" },
    spec: { policyName: "kyverno-context", validationActions: ["Deny"], ...(params ? { paramRef: params.paramRef } : {}) },
  };
  return { policy, binding };
}

interface Case {
  object?: KObject;
  /** ConfigMaps in the cluster (VAP param objects). */
  configMaps?: KObject[];
  opts?: Partial<LowerContextOptions>;
}

/** Lower entries + deny block, emit, evaluate: does the deny block hold (deny), not hold (admit), or error? */
function run(entries: ContextEntry[], deny: Conditions, c: Case = {}): Outcome {
  const lc = lowerContext(entries, { rule: "r", ...c.opts });
  const weaker = lc.gaps.filter((g) => g.effect === "weaker");
  if (weaker.length) throw new Error(`unexpected gaps: ${JSON.stringify(weaker)}`);
  const pred = lowerConditions(deny, lc.scope);
  const rule: Rule = { id: "r", field: "deny", check: { k: "not", of: pred }, message: { text: "denied" }, provenance: PROV, gaps: [] };
  const { policy, binding } = vap(rule, lc.params);
  const d = evaluate({ policies: [policy], bindings: [binding], params: c.configMaps ?? [], request: requestForObject(c.object ?? pod()) });
  if (d.verdict === "deny" || d.verdict === "admit" || d.verdict === "error") return d.verdict;
  throw new Error(`unexpected verdict ${d.verdict}: ${JSON.stringify(d.messages)}`);
}

const eq = (key: JsonValue, value: JsonValue, operator = "Equals"): Conditions => ({ all: [{ key, operator, value }] });

/** Gap ids of lowering the entries (all effects). */
const gapIds = (entries: ContextEntry[], opts: Partial<LowerContextOptions> = {}): string[] => lowerContext(entries, { rule: "r", ...opts }).gaps.map((g) => g.id);

/** The LowerGap id lowerConditions raises with the entries' resolver, or undefined. */
function conditionsGap(entries: ContextEntry[], cs: Conditions): string | undefined {
  try {
    lowerConditions(cs, lowerContext(entries, { rule: "r" }).scope);
    return undefined;
  } catch (e) {
    if (e instanceof LowerGap) return e.id;
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// variable entries (variable.go loadVariable)

const labelled = pod({ labels: { app: "web", team: "" } });
const VARIABLE_CASES: [string, ContextEntry[], Conditions, KObject, Outcome][] = [
  ["value: literal string", [variable("v", { value: "foo" })], eq("{{ v }}", "foo"), pod(), "deny"],
  ["value: literal string, no match", [variable("v", { value: "foo" })], eq("{{ v }}", "bar"), pod(), "admit"],
  ["value: a whole variable keeps its type (string)", [variable("v", { value: "{{ request.object.metadata.name }}" })], eq("{{ v }}", "p"), pod(), "deny"],
  ["value: a whole variable keeps its type (map)", [variable("v", { value: "{{ request.object.metadata.labels }}" })], eq("{{ v.app }}", "web"), labelled, "deny"],
  ["value: embedded variables are text", [variable("v", { value: "{{ request.object.metadata.namespace }}/{{ request.object.metadata.name }}" })], eq("{{ v }}", "default/p"), pod(), "deny"],
  ["value: literal list, AnyIn", [variable("allowed", { value: ["p", "q"] })], eq("{{ request.object.metadata.name }}", "{{ allowed }}", "AnyIn"), pod(), "deny"],
  ["value: literal list, AnyIn (no member)", [variable("allowed", { value: ["x", "y"] })], eq("{{ request.object.metadata.name }}", "{{ allowed }}", "AnyIn"), pod(), "admit"],
  ["value: map with variables inside", [variable("m", { value: { n: "{{ request.object.metadata.name }}", k: "fixed" } })], { all: [{ key: "{{ m.n }}", operator: "Equals", value: "p" }, { key: "{{ m.k }}", operator: "Equals", value: "fixed" }] }, pod(), "deny"],
  ["value: list with variables inside", [variable("l", { value: ["{{ request.object.metadata.name }}", "z"] })], eq("{{ length(l) }}", 2), pod(), "deny"],
  ["value: literal number", [variable("n", { value: 3 })], eq("{{ n }}", 2, "GreaterThan"), pod(), "deny"],
  // a substitution error in the value fails the entry: not swallowed by a later `||` (the load fails first)
  ["value: Unknown key fails the entry", [variable("t", { value: "{{ request.object.metadata.labels.owner }}" })], eq("{{ t }}", "x"), labelled, "error"],
  ["value: Unknown key fails the entry even under ||", [variable("t", { value: "{{ request.object.metadata.labels.owner }}" })], eq("{{ t || 'none' }}", "none"), labelled, "error"],
  ["value: Unknown key fails the entry even in a function", [variable("t", { value: "{{ request.object.metadata.labels.owner }}" })], eq("{{ length(t || '') }}", 0), labelled, "error"],
  ["value: the same key present", [variable("t", { value: "{{ request.object.metadata.labels.app }}" })], eq("{{ t || 'none' }}", "web"), labelled, "deny"],
  ["value: a null result fails the entry (evaluated to nil)", [variable("t", { value: "{{ request.object.metadata.labels.owner || `null` }}" })], eq("{{ t || 'none' }}", "none"), labelled, "error"],
  ["value: default is unused", [variable("t", { value: "{{ request.object.metadata.labels.app }}", default: "d" })], eq("{{ t }}", "web"), labelled, "deny"],
  ["value: an empty string is a value (not nil)", [variable("t", { value: "{{ request.object.metadata.labels.team }}" })], eq("{{ t }}", ""), labelled, "deny"],
  ["value: a whole variable keeps its type (number)", [variable("n", { value: "{{ length(request.object.spec.containers) }}" })], eq("{{ n }}", 0, "GreaterThan"), pod(), "deny"],
  ["jmesPath: `||` inside the query swallows Unknown key", [variable("o", { jmesPath: "request.object.metadata.labels.owner || 'x'" })], eq("{{ o }}", "x"), labelled, "deny"],
  // deferred loading: an entry that would fail is not loaded unless a query mentions it
  ["deferred: an unreferenced failing entry is never loaded", [variable("t", { value: "{{ request.object.metadata.labels.owner }}" })], eq("{{ request.object.metadata.name }}", "p"), labelled, "deny"],
  ["deferred: a failing entry after a false condition of `all` is not loaded", [variable("t", { value: "{{ request.object.metadata.labels.owner }}" })], { all: [{ key: "{{ request.object.metadata.name }}", operator: "Equals", value: "nope" }, { key: "{{ t }}", operator: "Equals", value: "x" }] }, labelled, "admit"],
  ["deferred: a failing entry before a false condition of `all` errors", [variable("t", { value: "{{ request.object.metadata.labels.owner }}" })], { all: [{ key: "{{ t }}", operator: "Equals", value: "x" }, { key: "{{ request.object.metadata.name }}", operator: "Equals", value: "nope" }] }, labelled, "error"],
  ["deferred: a failing entry after a true condition of `any` is not loaded", [variable("t", { value: "{{ request.object.metadata.labels.owner }}" })], { any: [{ key: "{{ request.object.metadata.name }}", operator: "Equals", value: "p" }, { key: "{{ t }}", operator: "Equals", value: "x" }] }, labelled, "deny"],
  // jmesPath over the whole context: an error or null → default; none → the entry fails
  ["jmesPath: query over the context", [variable("app", { jmesPath: "request.object.metadata.labels.app" })], eq("{{ app }}", "web"), labelled, "deny"],
  ["jmesPath: Unknown key, no default → fails", [variable("o", { jmesPath: "request.object.metadata.labels.owner" })], eq("{{ o || 'x' }}", "x"), labelled, "error"],
  ["jmesPath: Unknown key → default", [variable("o", { jmesPath: "request.object.metadata.labels.owner", default: "nobody" })], eq("{{ o }}", "nobody"), labelled, "deny"],
  ["jmesPath: present → the value, not the default", [variable("o", { jmesPath: "request.object.metadata.labels.app", default: "nobody" })], eq("{{ o }}", "web"), labelled, "deny"],
  ["jmesPath: null result → default", [variable("c", { jmesPath: "request.object.spec.containers[?name == 'zzz'] | [0]", default: { name: "none" } })], eq("{{ c.name }}", "none"), pod(), "deny"],
  ["jmesPath: null result, no default → fails", [variable("c", { jmesPath: "request.object.spec.containers[?name == 'zzz'] | [0]" })], eq("{{ c.name || '' }}", ""), pod(), "error"],
  ["jmesPath: a projection (list value)", [variable("names", { jmesPath: "request.object.spec.containers[].name" })], eq("app", "{{ names }}", "AnyIn"), pod(), "deny"],
  ["jmesPath: a filter projection", [variable("names", { jmesPath: "request.object.spec.containers[?image == 'nginx'].name" })], eq("{{ length(names) }}", 1), pod(), "deny"],
  ["jmesPath: an empty list is a value (not nil)", [variable("names", { jmesPath: "request.object.spec.containers[?image == 'none'].name" })], eq("{{ length(names) }}", 0), pod(), "deny"],
  ["jmesPath: false is a value (not nil)", [variable("b", { jmesPath: "contains(request.object.metadata.name, 'zz')", default: true })], eq("{{ b }}", false), pod(), "deny"],
  // value + jmesPath: the query runs over the value; a failing or null query fails the entry (no default)
  ["value + jmesPath: query over the value", [variable("v", { value: { a: { b: "x" } }, jmesPath: "a.b" })], eq("{{ v }}", "x"), pod(), "deny"],
  ["value + jmesPath: over a substituted value", [variable("v", { value: "{{ request.object.spec.containers }}", jmesPath: "[].name" })], eq("app", "{{ v }}", "AnyIn"), pod(), "deny"],
  ["value + jmesPath: Unknown key → fails", [variable("v", { value: { a: {} }, jmesPath: "a.b" })], eq("{{ v || 'x' }}", "x"), pod(), "error"],
  // default only
  ["default only", [variable("d", { default: "dflt" })], eq("{{ d }}", "dflt"), pod(), "deny"],
  ["default substituted", [variable("d", { default: "{{ request.object.metadata.name }}" })], eq("{{ d }}", "p"), pod(), "deny"],
  ["default: its substitution error fails the entry even when unused", [variable("o", { jmesPath: "request.object.metadata.labels.app", default: "{{ request.object.metadata.labels.owner }}" })], eq("{{ o }}", "web"), labelled, "error"],
  // later entries read earlier ones (substituted at load time)
  ["chain: value reads an earlier entry", [variable("n", { jmesPath: "request.object.metadata.name" }), variable("full", { value: "{{ n }}-suffix" })], eq("{{ full }}", "p-suffix"), pod(), "deny"],
  ["chain: jmesPath over an earlier entry", [variable("cs", { jmesPath: "request.object.spec.containers" }), variable("names", { jmesPath: "cs[].image" })], eq("nginx", "{{ names }}", "AnyIn"), pod(), "deny"],
  ["chain: an earlier failing entry fails the later one", [variable("o", { jmesPath: "request.object.metadata.labels.owner" }), variable("x", { value: "{{ o || 'y' }}" })], eq("{{ x }}", "y"), labelled, "error"],
  ["chain: a later entry of the same name replaces the earlier one", [variable("v", { value: "one" }), variable("v", { value: "{{ v }}-two" })], eq("{{ v }}", "one-two"), pod(), "deny"],
];

describe("variable entries", () => {
  it.each(VARIABLE_CASES)("%s", (_n, entries, deny, object, want) => {
    expect(run(entries, deny, { object })).toBe(want);
  });

  it("a failing entry read inside a function, before a deciding condition, is evaluated first (not absorbed by CEL's `&&`)", () => {
    // Kyverno evaluates `all` in order: the first condition's load error is the rule's error. conditions.ts touches
    // every side whose value holds the error value (here inside length()) before the operator.
    const t = [variable("t", { value: "{{ request.object.metadata.labels.owner }}" })];
    const deny: Conditions = { all: [{ key: "{{ length(t) }}", operator: "GreaterThan", value: 0 }, { key: "{{ request.operation }}", operator: "Equals", value: "DELETE" }] };
    expect(run(t, deny, { object: labelled })).toBe("error");
    expect(run(t, deny, { object: pod({ labels: { owner: "me" } }) })).toBe("admit");
    // with a second condition that can fail itself, the block is chained in order and the error surfaces
    const chained: Conditions = { all: [deny.all![0]!, { key: "{{ request.object.metadata.name }}", operator: "Equals", value: "nope" }] };
    expect(run(t, chained, { object: labelled })).toBe("error");
  });

  it("value + jmesPath + default is a gap (a failing query takes the default, a null one fails: not told apart)", () => {
    expect(gapIds([variable("v", { value: { a: 1 }, jmesPath: "a", default: 0 })])).toEqual(["kyverno.context.variable.value-jmespath-default"]);
  });

  it("a reference to a later entry is a gap (deferred loaders see earlier entries only)", () => {
    expect(gapIds([variable("a", { value: "{{ b }}" }), variable("b", { value: "x" })])).toEqual(["kyverno.jmespath.variable"]);
  });

  it("a jmesPath with variables in it is substituted as text first (into a raw string literal)", () => {
    const v = [variable("v", { jmesPath: "request.object.spec.containers[?name == '{{ request.object.metadata.name }}']" })];
    expect(gapIds(v)).toEqual([]);
    expect(run(v, eq("{{ length(v) }}", 0), { object: pod() })).toBe("deny");
    expect(run(v, eq("{{ length(v) }}", 1), { object: pod({}, { containers: [{ name: "p", image: "nginx" }] }) })).toBe("deny");
    // the inner variable's Unknown key fails the entry
    const w = [variable("w", { jmesPath: "request.object.spec.containers[?name == '{{ request.object.metadata.labels.owner }}']" })];
    expect(run(w, eq("{{ length(w) }}", 0), { object: labelled })).toBe("error");
  });

  it("an entry whose lowering is a gap is unresolved, also for later references", () => {
    const lc = lowerContext([variable("s", { jmesPath: "sum(request.object.spec.containers[].name)" }), variable("t", { value: "{{ s }}" })], { rule: "r" });
    expect(lc.gaps.map((g) => [g.id, g.effect])).toEqual([["kyverno.jmespath.function.sum", "weaker"], ["kyverno.jmespath.variable", "weaker"]]);
    expect(lc.resolve("s")).toBeUndefined();
    expect(lc.resolve("t")).toBeUndefined();
  });

  it("fallible entries are marked err (evaluated before the operator); infallible ones are plain values", () => {
    const lc = lowerContext([variable("a", { value: "x" }), variable("b", { jmesPath: "request.object.metadata.name" }), variable("c", { jmesPath: "request.object.metadata.labels.app", default: "" })], { rule: "r" });
    expect(lc.resolve("a")).toMatchObject({ v: { k: "lit", value: "x" }, err: false });
    expect(lc.resolve("b")?.err).toBe(true);
    expect(lc.resolve("c")?.err).toBe(false);
  });

  it("foreach scope: entries read `element` of the enclosing foreach", () => {
    const lc = lowerContext([variable("img", { value: "{{ element.image }}" })], { rule: "r", scope: { element: { element: "el" } } });
    expect(lc.gaps).toEqual([]);
    expect(lc.resolve("img")?.err).toBe(true);
    expect(JSON.stringify(lc.resolve("img")?.v)).toContain('{"k":"path","path":{"root":{"k":"var","name":"el"},"segs":[{"k":"field","name":"image"}]}}');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// configMap entries (configmap.go) → params

describe("configMap entries → VAP params", () => {
  const entry = configMap("cfg", "policy-config", "default");
  const nameIsForbidden = eq("{{ request.object.metadata.name }}", "{{ cfg.data.forbidden }}");
  const CASES: [string, ContextEntry[], Conditions, Case, Outcome][] = [
    ["data key read (the value is the glob)", [entry], nameIsForbidden, { configMaps: [cm("policy-config", "default", { forbidden: "p" })] }, "deny"],
    ["data key read, other value", [entry], nameIsForbidden, { configMaps: [cm("policy-config", "default", { forbidden: "q" })] }, "admit"],
    ["data key read, glob", [entry], nameIsForbidden, { configMaps: [cm("policy-config", "default", { forbidden: "p*" })] }, "deny"],
    ["the ConfigMap of the named namespace, not the request's", [entry], nameIsForbidden, { object: pod({ namespace: "prod" }), configMaps: [cm("policy-config", "default", { forbidden: "q" }), cm("policy-config", "prod", { forbidden: "p" })] }, "admit"],
    ["missing data key: Unknown key → error", [entry], eq("{{ cfg.data.other }}", "x"), { configMaps: [cm("policy-config", "default", { forbidden: "p" })] }, "error"],
    ["missing data key under || → default", [entry], eq("{{ cfg.data.other || 'none' }}", "none"), { configMaps: [cm("policy-config", "default", { forbidden: "p" })] }, "deny"],
    ["data values are strings (contains)", [entry], eq("{{ contains(cfg.data.forbidden, 'x') }}", true), { configMaps: [cm("policy-config", "default", { forbidden: "axb" })] }, "deny"],
    ["metadata is ObjectMeta", [entry], eq("{{ cfg.metadata.name }}", "policy-config"), { configMaps: [cm("policy-config", "default", {})] }, "deny"],
    // a ConfigMap without data: Kyverno's entry.data is null (entry.data.k null); the VAP's params.data is absent
    // (error) — part of the stricter kyverno.context.configMap.not-found gap
    ["ConfigMap without data: data key → error (Kyverno: null)", [entry], eq("{{ cfg.data.forbidden }}", "x"), { configMaps: [cm("policy-config", "default")] }, "error"],
    ["ConfigMap without data: data key under || → default (both)", [entry], eq("{{ cfg.data.forbidden || 'none' }}", "none"), { configMaps: [cm("policy-config", "default")] }, "deny"],
    ["missing ConfigMap → error (parameterNotFoundAction Deny, failurePolicy Fail)", [entry], nameIsForbidden, { configMaps: [] }, "error"],
    ["ConfigMap in another namespace only → error", [entry], nameIsForbidden, { configMaps: [cm("policy-config", "prod", { forbidden: "p" })] }, "error"],
    ["namespace {{request.namespace}}: the request's namespace", [configMap("cfg", "policy-config", "{{request.namespace}}")], nameIsForbidden, { object: pod({ namespace: "prod" }), configMaps: [cm("policy-config", "default", { forbidden: "q" }), cm("policy-config", "prod", { forbidden: "p" })] }, "deny"],
    ["namespace {{request.namespace}}: missing there → error", [configMap("cfg", "policy-config", "{{ request.namespace }}")], nameIsForbidden, { object: pod({ namespace: "prod" }), configMaps: [cm("policy-config", "default", { forbidden: "p" })] }, "error"],
    ["namespace omitted: default (ClusterPolicy)", [configMap("cfg", "policy-config")], nameIsForbidden, { object: pod({ namespace: "prod" }), configMaps: [cm("policy-config", "default", { forbidden: "p" })] }, "deny"],
    ["namespace omitted: the Policy's namespace", [configMap("cfg", "policy-config")], nameIsForbidden, { object: pod({ namespace: "team" }), opts: { policyNamespace: "team" }, configMaps: [cm("policy-config", "default", { forbidden: "q" }), cm("policy-config", "team", { forbidden: "p" })] }, "deny"],
    ["a variable reads the ConfigMap", [entry, variable("f", { jmesPath: "cfg.data.forbidden", default: "none" })], eq("{{ request.object.metadata.name }}", "{{ f }}"), { configMaps: [cm("policy-config", "default", { forbidden: "p" })] }, "deny"],
    ["a variable's default when the key is missing", [entry, variable("f", { jmesPath: "cfg.data.other", default: "none" })], eq("{{ f }}", "none"), { configMaps: [cm("policy-config", "default", { forbidden: "p" })] }, "deny"],
    ["two entries, one ConfigMap", [entry, configMap("again", "policy-config", "default")], eq("{{ again.data.forbidden }}", "{{ cfg.data.forbidden }}"), { configMaps: [cm("policy-config", "default", { forbidden: "p" })] }, "deny"],
  ];
  it.each(CASES)("%s", (_n, entries, deny, c, want) => {
    expect(run(entries, deny, c)).toBe(want);
  });

  it("params: paramKind v1 ConfigMap, paramRef {name, namespace, Deny}; a stricter gap for the missing-ConfigMap case", () => {
    const lc = lowerContext([entry], { rule: "r" });
    expect(lc.params).toEqual({ paramKind: { apiVersion: "v1", kind: "ConfigMap" }, paramRef: { name: "policy-config", namespace: "default", parameterNotFoundAction: "Deny" } });
    expect(lc.gaps.map((g) => [g.id, g.effect])).toEqual([["kyverno.context.configMap.not-found", "stricter"]]);
    expect(lowerContext([configMap("c", "x", "{{request.namespace}}")], { rule: "r" }).params?.paramRef).toEqual({ name: "x", parameterNotFoundAction: "Deny" });
  });

  it("the policy's params carried over from an earlier rule: same ConfigMap → no new gap; another → gap", () => {
    const first = lowerContext([entry], { rule: "a" }).params!;
    expect(lowerContext([configMap("c", "policy-config", "default")], { rule: "b", params: first }).gaps).toEqual([]);
    const other = lowerContext([configMap("c", "other", "default")], { rule: "b", params: first });
    expect(other.gaps.map((g) => [g.id, g.effect])).toEqual([["kyverno.context.configMap.second", "weaker"]]);
    expect(other.resolve("c")).toBeUndefined();
    expect(other.params).toBe(first);
  });

  it("a rule left out by another entry takes no params and gets no missing-ConfigMap caveat", () => {
    const lc = lowerContext([entry, { name: "ext", kind: "apiCall", spec: { urlPath: "/api/v1/pods" } }], { rule: "r" });
    expect(lc.gaps.map((g) => g.id)).toEqual(["kyverno.context.apiCall"]);
    expect(lc.params).toBeUndefined();
  });

  it("names and namespaces computed per request (other than request.namespace) are gaps", () => {
    expect(gapIds([configMap("c", "{{ request.object.metadata.name }}", "default")])).toEqual(["kyverno.context.configMap.dynamic-name"]);
    expect(gapIds([configMap("c", "x", "{{ request.object.metadata.labels.env }}")])).toEqual(["kyverno.context.configMap.dynamic-namespace"]);
    expect(gapIds([configMap("c", "x", "other")], { policyNamespace: "team" })).toEqual(["kyverno.context.configMap.cross-namespace"]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// entries with no VAP form

describe("apiCall, globalReference, imageRegistry", () => {
  it.each([
    ["apiCall", { urlPath: "/api/v1/namespaces" }],
    ["globalReference", { name: "gce" }],
    ["imageRegistry", { reference: "{{ element.image }}" }],
  ] as const)("%s → a weaker gap naming the entry; references to it are conditions gaps", (kind, spec) => {
    const lc = lowerContext([{ name: "ext", kind, spec }], { rule: "r" });
    expect(lc.gaps).toEqual([{ id: `kyverno.context.${kind}`, rule: "r", reason: expect.stringContaining(`context entry ext (${kind})`), effect: "weaker" }]);
    expect(lc.resolve("ext")).toBeUndefined();
    expect(conditionsGap([{ name: "ext", kind, spec }], eq("{{ ext }}", "x"))).toBe("kyverno.jmespath.variable");
  });
});

// ---------------------------------------------------------------------------------------------------------------
// corpus: every INDEX.tsv policy rule with context entries (rule level; foreach level counted apart)

interface CorpusRule {
  /** INDEX.tsv path (one policy). */
  policy: string;
  at: string;
  context: ContextEntry[];
  foreachContext: ContextEntry[];
  conditions: Conditions[];
}

function corpusRules(): CorpusRule[] {
  const rows = readFileSync(corpusPath("kyverno/INDEX.tsv"), "utf8").trim().split("\n").slice(1).map((l) => l.split("\t"));
  const out: CorpusRule[] = [];
  for (const c of rows) {
    const file = corpusPath(`kyverno/${c[11]!}`);
    const p = parseKyvernoDocuments(parseDocuments(readFileSync(file, "utf8"), file), { ignoreOtherKinds: true }).find((x) => x.name === c[1]);
    if (!p || !isClusterPolicy(p)) continue;
    for (const r of p.rules) {
      const fe: ContextEntry[] = [];
      const walk = (fs: ForEach[] | undefined): void => {
        for (const f of fs ?? []) {
          fe.push(...f.context);
          walk(f.foreach);
        }
      };
      walk(r.validate?.foreach);
      if (!r.context.length && !fe.length) continue;
      const conditions = [r.preconditions, r.validate?.deny?.conditions].filter((x): x is Conditions => !!x);
      out.push({ policy: c[0]!, at: `${c[0]} ${r.name}`, context: r.context, foreachContext: fe, conditions });
    }
  }
  return out;
}

describe.skipIf(!haveCorpus("kyverno-lower-context", "kyverno"))("corpus rules with context entries", () => {
  it("entries by kind, rules lowered without a gap, gap reasons", () => {
    const rules = corpusRules();
    const entries: Record<string, number> = {};
    const foreachEntries: Record<string, number> = {};
    const contextGaps: Record<string, number> = {};
    const conditionGaps: Record<string, number> = {};
    const lowered: string[] = [];
    const withConditions: string[] = [];
    // the policy's params are carried from rule to rule, as convert.ts must (one paramRef per VAP binding)
    const policyParams = new Map<string, ContextParams>();
    for (const r of rules) {
      for (const e of r.context) entries[e.kind] = (entries[e.kind] ?? 0) + 1;
      for (const e of r.foreachContext) foreachEntries[e.kind] = (foreachEntries[e.kind] ?? 0) + 1;
      if (!r.context.length) continue;
      const carried = policyParams.get(r.policy);
      const lc = lowerContext(r.context, { rule: r.at, ...(carried ? { params: carried } : {}) });
      if (lc.params) policyParams.set(r.policy, lc.params);
      for (const g of lc.gaps) contextGaps[g.id] = (contextGaps[g.id] ?? 0) + 1;
      if (lc.gaps.some((g) => g.effect === "weaker")) continue;
      lowered.push(r.at);
      // the rule's preconditions and deny conditions with the entries' resolver
      const ids = r.conditions.flatMap((cs) => {
        try {
          lowerConditions(cs, lc.scope);
          return [];
        } catch (e) {
          if (!(e instanceof LowerGap)) throw e;
          return [e.id];
        }
      });
      for (const id of ids) conditionGaps[id] = (conditionGaps[id] ?? 0) + 1;
      if (!ids.length) withConditions.push(r.at);
    }
    const report = {
      rules: rules.length,
      rulesWithRuleContext: rules.filter((r) => r.context.length).length,
      entries,
      foreachEntries,
      contextLowered: lowered,
      params: Object.fromEntries([...policyParams].map(([k, p]) => [k, `${p.paramRef.namespace ?? "{{request.namespace}}"}/${p.paramRef.name}`])),
      contextGaps,
      conditionsLowered: withConditions,
      conditionGaps,
    };
    console.log(`[kyverno-lower-context] ${JSON.stringify(report, null, 1)}`);
    expect(report).toEqual(CORPUS_EXPECTED);
  });
});

/** Measured on the shared corpus (kyverno/policies @ b9c4317c copy). */
const CORPUS_EXPECTED = {
  rules: 29,
  rulesWithRuleContext: 20,
  entries: { apiCall: 16, configMap: 6, variable: 1 },
  foreachEntries: { imageRegistry: 6, apiCall: 3 },
  contextLowered: [
    "other/allowed-pod-priorities validate-pod-priority",
    "other/exclude-namespaces-dynamically exclude-namespaces-dynamically",
    "other/exclude-namespaces-dynamically exclude-namespaces-dynamically-pods",
    "other/exclude-namespaces-dynamically exclude-namespaces-dynamically-cronjobs",
    "other/require-emptydir-requests-limits check-emptydir-requests-limits",
    "other/restrict-service-account validate-service-account",
  ],
  params: {
    "other/allowed-pod-priorities": "default/allowed-pod-priorities",
    "other/exclude-namespaces-dynamically": "default/namespace-filters",
    "other/restrict-service-account": "staging/sa-map",
  },
  contextGaps: { "kyverno.context.apiCall": 16, "kyverno.context.configMap.not-found": 3 },
  conditionsLowered: [
    "other/exclude-namespaces-dynamically exclude-namespaces-dynamically",
    "other/exclude-namespaces-dynamically exclude-namespaces-dynamically-pods",
    "other/exclude-namespaces-dynamically exclude-namespaces-dynamically-cronjobs",
    "other/require-emptydir-requests-limits check-emptydir-requests-limits",
  ],
  // allowed-pod-priorities: lowered here without the rule's kinds, its key (priorityClassName || '') is of unknown
  // kind; with them (the converter) it is a string and the AnyNotIn lowers
  conditionGaps: { "kyverno.condition.AnyNotIn.dynamic-value": 1, "kyverno.jmespath.value-projection": 1 },
};
