// Kyverno validate.foreach → rule model (converters/kyverno/lower/foreach.ts), evaluated end to end: lowerForEach →
// a model Rule {check: !fails} → emitRules (target 1.36) → ValidatingAdmissionPolicy → our VAP engine. Kyverno's
// outcomes map to verdicts: pass / skip / no response → admit; fail → deny; error → error or deny (both block under
// failurePolicy Fail). `applies` is checked separately (a rule {check: !applies} denies iff Kyverno gives a rule
// response). Expectations come from Kyverno's Go source (validate_resource.go validateForEach / validateElements,
// utils/foreach.go EvaluateList / AddElementToContext) and its foreach tests (pkg/engine/validation_test.go
// Test_foreach_*), ported with their names. The corpus section lowers every validate.foreach rule of the shared
// Kyverno corpus and asserts the counts.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { lowerForEach, type ForEachLowering } from "../converters/kyverno/lower/foreach.js";
import { LowerGap, T } from "../converters/kyverno/lower/jmespath.js";
import { isClusterPolicy, type ForEach } from "../converters/kyverno/model.js";
import { parseKyvernoDocuments } from "../converters/kyverno/parse.js";
import { loadKyvernoSuite } from "../converters/kyverno/testsuite.js";
import { emitRules } from "../src/emit/policy.js";
import { parseDocuments } from "../src/input/yaml.js";
import { P, path, root, type Match, type Pred, type Rule } from "../src/ir/model.js";
import { buildVap, buildVapBinding } from "../src/vap/build.js";
import { validatePolicy } from "../src/vap/compilepolicy.js";
import { evaluate } from "../src/vap/engine.js";
import { requestForObject } from "../src/vap/load.js";
import type { KObject, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from "../src/vap/types.js";
import { corpusPath, haveCorpus } from "./support/corpus.js";

// ---------------------------------------------------------------------------------------------------------------
// harness

const PROV = { file: "test.yaml", line: 1 };
const MATCH: Match = { kinds: [{ group: "*", version: "*", kind: "*" }], operations: ["CREATE", "UPDATE"] };

/** Kyverno's rule outcome: pass, fail, error, or no rule response ("none"). */
type Kyverno = "pass" | "fail" | "error" | "none";

function lower(fe: ForEach[]): ForEachLowering {
  return lowerForEach(fe, { at: path(root.object), rule: "check", provenance: PROV });
}

function compile(check: Pred): { policy: ValidatingAdmissionPolicy; binding: ValidatingAdmissionPolicyBinding; cel: string } {
  const rule: Rule = { id: "check", field: "foreach", check, message: { text: "denied" }, provenance: PROV, gaps: [] };
  const parts = emitRules([rule], MATCH, { targetVersion: "1.36" });
  const policy = buildVap({ name: "kyverno-foreach", ...parts }) as unknown as ValidatingAdmissionPolicy;
  const binding = buildVapBinding({ name: "kyverno-foreach-binding", policyName: "kyverno-foreach", actions: ["Deny"] }) as unknown as ValidatingAdmissionPolicyBinding;
  const issues = validatePolicy(policy);
  if (issues.length) throw new Error(`generated VAP does not compile: ${issues.map((i) => `${i.field}: ${i.message}`).join("; ")}\n${JSON.stringify(parts, null, 1)}`);
  const vars = parts.variables.map((v) => `${v.name} = ${v.expression}\n`).join("");
  return { policy, binding, cel: vars + parts.validations.map((v) => v.expression).join("\n") };
}

function verdict(check: Pred, obj: KObject): string {
  const { policy, binding } = compile(check);
  return evaluate({ policies: [policy], bindings: [binding], request: requestForObject(obj) }).verdict;
}

/** What our VAP says for Kyverno's outcome, and whether a rule response exists. */
function run(fe: ForEach[], obj: KObject): { kyverno: Kyverno; gaps: string[] } {
  const low = lower(fe);
  const fails = verdict(P.not(low.fails), obj);
  const applies = verdict(P.not(low.applies), obj);
  const gaps = low.gaps.map((g) => g.id);
  if (fails === "admit") return { kyverno: applies === "admit" ? "none" : "pass", gaps };
  if (fails === "deny") {
    expect(applies, "a failing rule gives a response").not.toBe("admit");
    return { kyverno: "fail", gaps };
  }
  if (fails === "error") return { kyverno: "error", gaps };
  throw new Error(`unexpected verdict ${fails}`);
}

const outcome = (fe: ForEach[], obj: KObject): Kyverno => run(fe, obj).kyverno;

function gapOf(fe: ForEach[]): string | undefined {
  try {
    lower(fe);
    return undefined;
  } catch (e) {
    if (e instanceof LowerGap) return e.id;
    throw e;
  }
}

const fe = (x: Partial<ForEach> & { list: string }): ForEach => ({ context: [], ...x });
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const pod = (spec: { [k: string]: Json }, meta: { [k: string]: Json } = {}): KObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default", ...meta }, spec }) as KObject;
const deploy = (containers: Json[]): KObject => ({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "test", namespace: "default" }, spec: { template: { spec: { containers } } } }) as KObject;
const c = (name: string, image = "nginx", extra: { [k: string]: Json } = {}): Json => ({ name, image, ...extra });

// ---------------------------------------------------------------------------------------------------------------
// Kyverno's own foreach tests (pkg/engine/validation_test.go)

describe("Kyverno Test_foreach_* (validation_test.go)", () => {
  const tpl = "request.object.spec.template.spec.containers";
  it("Test_foreach_container_pass", () => {
    const obj = deploy([c("pod1-valid", "nginx/nginx:v1"), c("pod2-valid", "nginx/nginx:v2"), c("pod3-valid", "nginx/nginx:v3")]);
    expect(outcome([fe({ list: tpl, pattern: { name: "*-valid" } })], obj)).toBe("pass");
  });
  it("Test_foreach_container_fail", () => {
    const obj = deploy([c("pod1-valid", "nginx/nginx:v1"), c("pod2-invalid", "nginx/nginx:v2"), c("pod3-valid", "nginx/nginx:v3")]);
    expect(outcome([fe({ list: tpl, pattern: { name: "*-valid" } })], obj)).toBe("fail");
  });
  it("Test_foreach_container_deny_fail / _success: regex_match('{{element.image}}', …) takes a computed regex (gap); the direct form", () => {
    // the nested variable itself lowers (substituted first); the image as the regular expression is not modelled
    const nested = fe({ list: tpl, deny: { conditions: { all: [{ key: "{{ regex_match('{{element.image}}', 'docker.io') }}", operator: "Equals", value: false }] } } });
    expect(gapOf([nested])).toBe("kyverno.jmespath.function.regex_match.dynamic");
    // the same test with the element as the subject: some image lacks docker.io → fail (both Kyverno tests expect fail)
    const direct = fe({ list: tpl, deny: { conditions: { all: [{ key: "{{ regex_match('docker.io', element.image) }}", operator: "Equals", value: false }] } } });
    expect(outcome([direct], deploy([c("pod1-valid", "nginx/nginx:v1"), c("pod2-invalid", "docker.io/nginx/nginx:v2")]))).toBe("fail");
    expect(outcome([direct], deploy([c("a", "docker.io/nginx/nginx:v1"), c("b", "docker.io/nginx/nginx:v2")]))).toBe("pass");
  });
  it("Test_foreach_container_deny_error: an unknown function (Kyverno: error) is a gap", () => {
    const bad = fe({ list: tpl, deny: { conditions: { all: [{ key: "{{ regex_match_INVALID(request.object.metadata.name, 'docker.io') }}", operator: "Equals", value: false }] } } });
    expect(gapOf([bad])).toBe("kyverno.jmespath.function.regex_match_INVALID");
  });
  it("Test_foreach_context_preconditions(_fail): per-element context entries are a gap", () => {
    const x = fe({
      list: tpl,
      context: [{ name: "img", kind: "configMap", spec: { name: "mycmap", namespace: "default" } }],
      preconditions: { all: [{ key: "{{element.name}}", operator: "In", value: ["podvalid"] }] },
      deny: { conditions: { all: [{ key: "{{ element.image }}", operator: "NotEquals", value: "{{ img.data.{{ element.name }} }}" }] } },
    });
    expect(gapOf([x])).toBe("kyverno.foreach.context");
  });
  it("Test_foreach_context_preconditions without the context: preconditions select the elements", () => {
    const obj = deploy([c("podvalid", "nginx/nginx:v1"), c("podinvalid", "nginx/nginx:v2")]);
    const only = (names: string[]): ForEach =>
      fe({ list: tpl, preconditions: { all: [{ key: "{{element.name}}", operator: "In", value: names }] }, deny: { conditions: { all: [{ key: "{{ element.image }}", operator: "NotEquals", value: "nginx/nginx:v1" }] } } });
    expect(outcome([only(["podvalid"])], obj)).toBe("pass");
    expect(outcome([only(["podvalid", "podinvalid"])], obj)).toBe("fail");
    expect(outcome([only(["other"])], obj)).toBe("none");
  });
  it("Test_foreach_element_validation: {{ element.name }} in a pattern is a stricter gap", () => {
    const r = run([fe({ list: "request.object.spec.containers", pattern: { name: "{{ element.name }}" } })], pod({ containers: [c("nginx1"), c("nginx2")] }));
    expect(r.gaps).toContain("kyverno.pattern.variables");
    expect(r.kyverno).toBe("fail"); // Kyverno: pass; the VAP denies every request with an element (stricter, named)
  });
  it("Test_foreach_skip_initContainer_pass: an absent list (Unknown key) skips its block", () => {
    const x = [fe({ list: tpl, pattern: { image: "nginx" } }), fe({ list: "request.object.spec.template.spec.initContainers", pattern: { image: "trusted-registry.io/*" } })];
    expect(outcome(x, deploy([c("podvalid", "nginx")]))).toBe("pass");
  });
  it("Test_foreach_validate_nested: nested foreach over element.http.paths", () => {
    const rule = (path: string): Json => ({ host: "foo.bar.com", http: { paths: [{ pathType: "Prefix", path, backend: { service: { name: "s", port: { number: 80 } } } }] } });
    const ing = (...rules: Json[]): KObject => ({ apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "i", namespace: "default" }, spec: { rules } }) as KObject;
    const x = [fe({ list: "request.object.spec.rules", foreach: [fe({ list: "element.http.paths", pattern: { path: "/" } })] })];
    expect(outcome(x, ing(rule("/"), rule("/")))).toBe("pass");
    expect(outcome(x, ing(rule("/"), rule("/x")))).toBe("fail");
    // a rule without http: the nested list is Unknown key → that element has no response; none at all → no response
    expect(outcome(x, ing({ host: "a" }, rule("/")))).toBe("pass");
    expect(outcome(x, ing({ host: "a" }))).toBe("none");
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Semantics (validate_resource.go, utils/foreach.go)

const containers = "request.object.spec.containers";
const denyIf = (key: Json, operator: string, value: Json): Pick<ForEach, "deny"> => ({ deny: { conditions: { all: [{ key, operator, value }] } } });

// Element values of unknown kind and nested variables in foreach deny conditions (jmespath.ts dispatch; Kyverno's
// vars.go substitutes `'{{element.name}}'` into the outer expression first; jpfContains / jpfToString)
const ing = (...rules: Json[]): KObject => ({ apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "i", namespace: "default" }, spec: { rules } }) as KObject;
const vol = (name: string, hostPath?: string): Json => (hostPath === undefined ? { name, emptyDir: {} } : { name, hostPath: { path: hostPath } });
const mount = (name: string, readOnly?: boolean): Json => ({ name, mountPath: "/m", ...(readOnly === undefined ? {} : { readOnly }) });
const READONLY_HOSTPATH = fe({
  list: "request.object.spec.volumes[?hostPath][]",
  deny: {
    conditions: {
      any: [
        {
          key: "{{ request.object.spec.[containers, initContainers, ephemeralContainers][].volumeMounts[?name == '{{element.name}}'][] | length(@) }}",
          operator: "NotEquals",
          value: "{{ request.object.spec.[containers, initContainers, ephemeralContainers][].volumeMounts[?name == '{{element.name}}' && readOnly] [] | length(@) }}",
        },
      ],
    },
  },
});
const HOSTPATH_DATA = fe({ list: "request.object.spec.volumes[?hostPath].hostPath", ...denyIf("{{ element.path | to_string(@) | split(@, '/') | [1] }}", "NotEquals", "data") });
const WILDCARD_HOST = fe({ list: "request.object.spec.rules", ...denyIf("{{ contains(element.host, '*') }}", "Equals", true) });
const CSR_RULES = fe({ list: "request.object.rules[?resources.contains(@,'certificatesigningrequests/approval')]", ...denyIf("{{ contains(element.verbs[], '*') }}", "Equals", true) });
const clusterRole = (...rules: Json[]): KObject => ({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "r" }, rules }) as KObject;

const DISPATCH_CASES: [string, ForEach, KObject, Kyverno][] = [
  ["nested variable per element: every mount of a hostPath volume read-only", READONLY_HOSTPATH, pod({ containers: [c("a", "x", { volumeMounts: [mount("h", true)] })], volumes: [vol("h", "/x")] }), "pass"],
  ["nested variable per element: a read-write mount", READONLY_HOSTPATH, pod({ containers: [c("a", "x", { volumeMounts: [mount("h", true)] }), c("b", "x", { volumeMounts: [mount("h")] })], volumes: [vol("h", "/x")] }), "fail"],
  ["nested variable per element: another volume's mount is not counted", READONLY_HOSTPATH, pod({ containers: [c("a", "x", { volumeMounts: [mount("h", true), mount("e")] })], volumes: [vol("h", "/x"), vol("e")] }), "pass"],
  ["nested variable per element: no hostPath volume, no element", READONLY_HOSTPATH, pod({ containers: [c("a", "x", { volumeMounts: [mount("e")] })], volumes: [vol("e")] }), "none"],
  ["to_string of a string element field", HOSTPATH_DATA, pod({ containers: [c("a")], volumes: [vol("h", "/data/x")] }), "pass"],
  ["to_string of a string element field: other directory", HOSTPATH_DATA, pod({ containers: [c("a")], volumes: [vol("h", "/etc")] }), "fail"],
  ["contains on a string element field", WILDCARD_HOST, ing({ host: "*.x.com" }), "fail"],
  ["contains on a string element field: no wildcard", WILDCARD_HOST, ing({ host: "a.x.com" }, { host: "b.x.com" }), "pass"],
  ["contains on a missing element field: a type error", WILDCARD_HOST, ing({ http: {} }), "error"],
  ["contains in the list filter (list field) and on element.verbs[]", CSR_RULES, clusterRole({ resources: ["certificatesigningrequests/approval"], verbs: ["*"] }), "fail"],
  ["contains in the list filter: other resources are no element", CSR_RULES, clusterRole({ resources: ["pods"], verbs: ["*"] }), "none"],
  ["`resources.contains(@, …)` on a rule without resources: NotFound, the rule is dropped (no type error)", CSR_RULES, clusterRole({ nonResourceURLs: ["/healthz"], verbs: ["get"] }, { resources: ["certificatesigningrequests/approval"], verbs: ["*"] }), "fail"],
  ["contains in the list filter on a number: a type error, the whole block is skipped", CSR_RULES, clusterRole({ resources: 5, verbs: ["*"] }, { resources: ["certificatesigningrequests/approval"], verbs: ["*"] }), "none"],
  ["contains in the list filter: a string resources field is a substring test", CSR_RULES, clusterRole({ resources: "certificatesigningrequests/approval,x", verbs: ["get"] }), "pass"],
];

describe("element values of unknown kind, nested variables", () => {
  it.each(DISPATCH_CASES)("%s", (_n, block, obj, want) => {
    expect(outcome([block], obj)).toBe(want);
  });

  it("a precondition AnyIn against a computed list: its run-time glob regexes cannot fail (no precondition-error gap)", () => {
    const x = fe({
      list: "request.object.spec.containers",
      preconditions: { any: [{ key: "{{ element.volumeMounts[].name }}", operator: "AnyIn", value: "{{ request.object.spec.volumes[?emptyDir].name }}" }] },
      pattern: { resources: { limits: { "ephemeral-storage": "?*" } } },
    });
    const p = (limits: Json): KObject => pod({ containers: [c("a", "x", { volumeMounts: [{ name: "e*", mountPath: "/m" }], resources: { limits } })], volumes: [{ name: "e1", emptyDir: { medium: "Memory" } }] });
    const ok = run([x], p({ "ephemeral-storage": "1Gi" }));
    expect(ok).toEqual({ kyverno: "pass", gaps: [] });
    expect(outcome([x], p({}))).toBe("fail");
    expect(outcome([x], pod({ containers: [c("a", "x", { volumeMounts: [{ name: "h", mountPath: "/m" }] })], volumes: [{ name: "e1", emptyDir: { medium: "Memory" } }] }))).toBe("none");
    // (an empty `emptyDir: {}` is JMESPath-false: `[?emptyDir]` drops it)
    expect(outcome([x], pod({ containers: [c("a", "x", { volumeMounts: [{ name: "e1", mountPath: "/m" }] })], volumes: [{ name: "e1", emptyDir: {} }] }))).toBe("none");
  });
});

describe("lists", () => {
  it("empty list and Unknown key: no rule response", () => {
    const x = [fe({ list: "request.object.spec.initContainers", ...denyIf("{{ element.name }}", "Equals", "bad") })];
    expect(outcome(x, pod({ containers: [c("a")] }))).toBe("none");
    expect(outcome(x, pod({ containers: [c("a")], initContainers: [] }))).toBe("none");
    expect(outcome(x, pod({ containers: [c("a")], initContainers: [c("bad")] }))).toBe("fail");
    expect(outcome(x, pod({ containers: [c("a")], initContainers: [c("good")] }))).toBe("pass");
  });
  it("several blocks: any failing block fails the rule; a pass in one and nothing in another passes", () => {
    const x = [fe({ list: containers, ...denyIf("{{ element.name }}", "Equals", "bad") }), fe({ list: "request.object.spec.initContainers", ...denyIf("{{ element.name }}", "Equals", "bad") })];
    expect(outcome(x, pod({ containers: [c("a")] }))).toBe("pass");
    expect(outcome(x, pod({ containers: [c("a")], initContainers: [c("bad")] }))).toBe("fail");
    expect(outcome(x, pod({ containers: [c("bad")], initContainers: [c("a")] }))).toBe("fail");
  });
  it("multi-select flatten: spec.[initContainers, containers][] (missing items contribute nothing)", () => {
    const x = [fe({ list: "request.object.spec.[initContainers, ephemeralContainers, containers][]", ...denyIf("{{ element.image }}", "Equals", "k8s.gcr.io/*") })];
    expect(outcome(x, pod({ containers: [c("a")] }))).toBe("pass");
    expect(outcome(x, pod({ containers: [c("a")], initContainers: [c("i", "k8s.gcr.io/pause")] }))).toBe("fail");
    expect(outcome(x, pod({ containers: [c("a", "k8s.gcr.io/x")] }))).toBe("fail");
  });
  it("filter projection: volumes[?hostPath].hostPath (elements are the projected maps)", () => {
    const x = [fe({ list: "request.object.spec.volumes[?hostPath].hostPath", ...denyIf("{{ element.path }}", "NotEquals", "/data*") })];
    const vols = (...v: Json[]): KObject => pod({ containers: [c("a")], volumes: v });
    expect(outcome(x, vols({ name: "e", emptyDir: {} }))).toBe("none");
    expect(outcome(x, vols({ name: "h", hostPath: { path: "/data/x" } }))).toBe("pass");
    expect(outcome(x, vols({ name: "h", hostPath: { path: "/data/x" } }, { name: "g", hostPath: { path: "/etc" } }))).toBe("fail");
    expect(outcome(x, pod({ containers: [c("a")] }))).toBe("none");
  });
  it("a list of scalars: element is the string", () => {
    const x = [fe({ list: "request.object.spec.hosts", ...denyIf("{{ element }}", "Equals", "*.evil.com") })];
    const vs = (...hosts: string[]): KObject => ({ apiVersion: "networking.istio.io/v1", kind: "VirtualService", metadata: { name: "v", namespace: "default" }, spec: { hosts } }) as KObject;
    expect(outcome(x, vs("a.com", "b.com"))).toBe("pass");
    expect(outcome(x, vs("a.com", "x.evil.com"))).toBe("fail");
  });
  it("a map value is one element (EvaluateList wraps a non-list)", () => {
    const x = [fe({ list: "request.object.metadata.labels", ...denyIf("{{ element.team || '' }}", "Equals", "") })];
    expect(outcome(x, pod({ containers: [c("a")] }, { labels: { team: "x" } }))).toBe("pass");
    expect(outcome(x, pod({ containers: [c("a")] }, { labels: { app: "x" } }))).toBe("fail");
    expect(outcome(x, pod({ containers: [c("a")] }))).toBe("none");
  });
  it("`|| `[]``: a missing list is no element", () => {
    const x = [fe({ list: "request.object.spec.initContainers || `[]`", ...denyIf("{{ element.name }}", "Equals", "bad") })];
    expect(outcome(x, pod({ containers: [c("a")] }))).toBe("none");
    expect(outcome(x, pod({ containers: [c("a")], initContainers: [c("bad")] }))).toBe("fail");
  });
  it("a computed list (containers[0].ports): Unknown key anywhere in it skips the block", () => {
    const x = [fe({ list: "request.object.spec.containers[0].ports", ...denyIf("{{ element.containerPort }}", "Equals", 22) })];
    expect(outcome(x, pod({ containers: [c("a")] }))).toBe("none");
    expect(outcome(x, pod({ containers: [] }))).toBe("none");
    expect(outcome(x, pod({}))).toBe("none");
    expect(outcome(x, pod({ containers: [c("a", "x", { ports: [{ containerPort: 80 }] })] }))).toBe("pass");
    expect(outcome(x, pod({ containers: [c("a", "x", { ports: [{ containerPort: 80 }, { containerPort: 22 }] })] }))).toBe("fail");
    expect(run(x, pod({})).gaps).toEqual([]);
  });
  it("{{ }} in a list is a gap (Kyverno queries the text as JMESPath)", () => {
    expect(gapOf([fe({ list: "{{ request.object.spec.containers }}", ...denyIf("a", "Equals", "a") })])).toBe("kyverno.foreach.list-variables");
  });
});

describe("elements", () => {
  it("elementIndex (two-variable comprehension)", () => {
    const x = [fe({ list: containers, ...denyIf("{{ elementIndex }}", "GreaterThan", 1) })];
    expect(outcome(x, pod({ containers: [c("a"), c("b")] }))).toBe("pass");
    expect(outcome(x, pod({ containers: [c("a"), c("b"), c("c")] }))).toBe("fail");
  });
  it("nested: element0 / element1 / elementIndex0", () => {
    const x = [
      fe({
        list: containers,
        foreach: [
          fe({
            list: "element.ports",
            deny: {
              conditions: {
                all: [
                  { key: "{{ element0.name }}", operator: "Equals", value: "web" },
                  { key: "{{ element1.containerPort }}", operator: "Equals", value: 80 },
                  { key: "{{ elementIndex0 }}", operator: "Equals", value: 1 },
                ],
              },
            },
          }),
        ],
      }),
    ];
    const port = (n: number): Json => ({ containerPort: n });
    expect(outcome(x, pod({ containers: [c("web", "x", { ports: [port(80)] })] }))).toBe("pass"); // index 0
    expect(outcome(x, pod({ containers: [c("a"), c("web", "x", { ports: [port(8080), port(80)] })] }))).toBe("fail");
    expect(outcome(x, pod({ containers: [c("a"), c("api", "x", { ports: [port(80)] })] }))).toBe("pass");
    expect(outcome(x, pod({ containers: [c("a"), c("b")] }))).toBe("none"); // no ports anywhere: no element applied
  });
  it("preconditions: false skips the element; an evaluation error ignores it", () => {
    const x = [
      fe({
        list: containers,
        preconditions: { all: [{ key: "{{ element.securityContext.privileged }}", operator: "Equals", value: true }] },
        ...denyIf("{{ element.name }}", "NotEquals", "allowed"),
      }),
    ];
    const priv = (v: boolean): Json => ({ privileged: v });
    // no securityContext: Unknown key in the precondition → element ignored (not an error)
    expect(outcome(x, pod({ containers: [c("a")] }))).toBe("none");
    expect(outcome(x, pod({ containers: [c("a", "x", { securityContext: priv(false) })] }))).toBe("none");
    expect(outcome(x, pod({ containers: [c("a"), c("allowed", "x", { securityContext: priv(true) })] }))).toBe("pass");
    expect(outcome(x, pod({ containers: [c("a"), c("b", "x", { securityContext: priv(true) })] }))).toBe("fail");
    expect(run(x, pod({ containers: [c("a")] })).gaps).toEqual([]);
  });
  it("preconditions: any/all order with errors (the first error wins in any)", () => {
    const x = (any: { key: Json; operator: string; value: Json }[]): ForEach[] => [fe({ list: containers, preconditions: { any }, ...denyIf("a", "Equals", "a") })];
    const err = { key: "{{ element.securityContext.privileged }}", operator: "Equals", value: true };
    const yes = { key: "{{ element.name }}", operator: "Equals", value: "a" };
    // any: [err, yes] → error → ignored; any: [yes, err] → true → deny applies
    expect(outcome(x([err, yes]), pod({ containers: [c("a")] }))).toBe("none");
    expect(outcome(x([yes, err]), pod({ containers: [c("a")] }))).toBe("fail");
  });
  it("deny conditions: an Unknown key is a rule error", () => {
    const x = [fe({ list: containers, ...denyIf("{{ element.securityContext.privileged }}", "Equals", true) })];
    expect(outcome(x, pod({ containers: [c("a")] }))).toBe("error");
    expect(outcome(x, pod({ containers: [c("a", "x", { securityContext: { privileged: false } })] }))).toBe("pass");
    expect(outcome(x, pod({ containers: [c("a", "x", { securityContext: { privileged: true } })] }))).toBe("fail");
    // another element fails first: Kyverno stops at the failure (deny either way)
    expect(["fail", "error"]).toContain(outcome(x, pod({ containers: [c("a", "x", { securityContext: { privileged: true } }), c("b")] })));
  });
  it("deny without conditions denies every element", () => {
    const x = [fe({ list: containers, deny: {} })];
    expect(outcome(x, pod({ containers: [c("a")] }))).toBe("fail");
    expect(outcome(x, pod({ containers: [] }))).toBe("none");
  });
  it("pattern: conditional anchor skip → element not applied", () => {
    const x = [fe({ list: containers, pattern: { "(name)": "web*", image: "registry.io/*" } })];
    expect(outcome(x, pod({ containers: [c("api")] }))).toBe("none");
    expect(outcome(x, pod({ containers: [c("api"), c("web1", "registry.io/w")] }))).toBe("pass");
    expect(outcome(x, pod({ containers: [c("api"), c("web1", "docker.io/w")] }))).toBe("fail");
  });
  it("anyPattern", () => {
    const x = [fe({ list: containers, anyPattern: [{ image: "a/*" }, { image: "b/*" }] })];
    expect(outcome(x, pod({ containers: [c("x", "a/1"), c("y", "b/2")] }))).toBe("pass");
    expect(outcome(x, pod({ containers: [c("x", "a/1"), c("y", "c/2")] }))).toBe("fail");
  });
  it("elementScope: false checks the pattern against the resource", () => {
    const x = [fe({ list: containers, elementScope: false, pattern: { metadata: { labels: { app: "?*" } } } })];
    expect(outcome(x, pod({ containers: [c("a")] }, { labels: { app: "x" } }))).toBe("pass");
    expect(outcome(x, pod({ containers: [c("a")] }))).toBe("fail");
    expect(outcome(x, pod({ containers: [] }))).toBe("none");
  });
  it("scalar elements: a pattern checks the resource; elementScope: true is a rule error", () => {
    const vs = (...hosts: string[]): KObject => ({ apiVersion: "networking.istio.io/v1", kind: "VirtualService", metadata: { name: "v", namespace: "default" }, spec: { hosts } }) as KObject;
    // `spec.hosts[?@ != 'x']` is a filter stream of strings (elements known not to be maps)
    const scoped = [fe({ list: "request.object.spec.hosts[?@ != 'x']", elementScope: true, pattern: { spec: { hosts: "?*" } } })];
    expect(outcome(scoped, vs("a.com"))).toBe("fail");
    expect(outcome(scoped, vs("x"))).toBe("none");
  });
  it("nested, non-scoped inner level: the pattern checks the outer element", () => {
    const x = [fe({ list: containers, foreach: [fe({ list: "element.args", elementScope: false, pattern: { image: "ok/*" } })] })];
    expect(outcome(x, pod({ containers: [c("a", "ok/1", { args: ["x"] })] }))).toBe("pass");
    expect(outcome(x, pod({ containers: [c("a", "bad/1", { args: ["x"] })] }))).toBe("fail");
    expect(outcome(x, pod({ containers: [c("a", "bad/1")] }))).toBe("none");
  });
  it("a block without deny/pattern/foreach applies to nothing", () => {
    expect(outcome([fe({ list: containers })], pod({ containers: [c("a")] }))).toBe("none");
  });
});

describe("options", () => {
  it("failurePolicy Ignore: a pattern that may error is a stricter gap", () => {
    const x = [fe({ list: containers, pattern: { "(name)": "web*", image: "a/*" } })];
    const low = lowerForEach(x, { at: path(root.object), rule: "check", provenance: PROV, failurePolicy: "Ignore" });
    expect(low.gaps.map((g) => [g.id, g.effect])).toEqual([["kyverno.pattern.error-ignored", "stricter"]]);
    expect(lower(x).gaps).toEqual([]);
  });
  it("deleteRequests: request.object is a gap", () => {
    const x = [fe({ list: containers, ...denyIf("a", "Equals", "a") })];
    expect(() => lowerForEach(x, { at: path(root.object), rule: "check", provenance: PROV, deleteRequests: true })).toThrow(LowerGap);
  });
  it("rule-level context variables through `resolve`", () => {
    const x = [fe({ list: containers, ...denyIf("{{ element.image }}", "AnyNotIn", "{{ allowed }}") })];
    expect(gapOf(x)).toBe("kyverno.jmespath.variable");
    const low = lowerForEach(x, { at: path(root.object), rule: "check", provenance: PROV, resolve: (n) => (n === "allowed" ? { k: "val", v: { k: "lit", value: ["nginx", "busybox"] }, ty: T.list(T.str), err: false } : undefined) });
    expect(verdict(P.not(low.fails), pod({ containers: [c("a", "nginx")] }))).toBe("admit");
    expect(verdict(P.not(low.fails), pod({ containers: [c("a", "nginx"), c("b", "redis")] }))).toBe("deny");
  });
});

describe("emitted CEL", () => {
  it("reads as a quantifier over the list", () => {
    const low = lower([fe({ list: containers, ...denyIf("{{ element.image }}", "Equals", "k8s.gcr.io/*") })]);
    const cel = compile(P.not(low.fails)).cel;
    // `!list.exists(el0, p)` reads as `list.all(el0, !p)` (src/emit/simplify.ts pushNot)
    expect(cel).toContain("object.?spec.?containers.orValue([]).all(el0,");
    expect(cel).toContain("el0.image.startsWith('k8s.gcr.io/')");
  });
});

// ---------------------------------------------------------------------------------------------------------------
// corpus: every validate.foreach rule of the policies INDEX.tsv lists with validate.foreach

interface CorpusReport {
  policies: number;
  rules: number;
  lowered: number;
  loweredWithGaps: number;
  gaps: Record<string, number>;
}

/** FOREACH_CEL=1 prints each rule's CEL and each gap's message. */
function corpusForeach(): CorpusReport {
  const index = readFileSync(corpusPath("kyverno/INDEX.tsv"), "utf8").split("\n").filter((l) => l.trim());
  const header = index[0]!.split("\t");
  const col = (n: string): number => header.indexOf(n);
  const rows = index.slice(1).map((l) => l.split("\t")).filter((r) => /validate\.foreach/.test(r[col("rule_kinds")] ?? ""));
  const report: CorpusReport = { policies: rows.length, rules: 0, lowered: 0, loweredWithGaps: 0, gaps: {} };
  const count = (id: string): void => void (report.gaps[id] = (report.gaps[id] ?? 0) + 1);
  for (const r of rows) {
    const file = corpusPath(`kyverno/${r[col("policy_file")]!}`);
    const docs = parseDocuments(readFileSync(file, "utf8"), file);
    for (const p of parseKyvernoDocuments(docs, { ignoreOtherKinds: true })) {
      if (!isClusterPolicy(p)) continue;
      for (const rule of p.rules) {
        const list = rule.validate?.foreach;
        if (!list) continue;
        report.rules++;
        let low: ForEachLowering;
        try {
          low = lowerForEach(list, { at: path(root.object), rule: rule.name, provenance: { file, line: rule.source.line } });
        } catch (e) {
          if (!(e instanceof LowerGap)) throw new Error(`${file} ${rule.name}: ${(e as Error).message}`);
          count(e.id);
          if (process.env["FOREACH_CEL"]) console.log(`${r[0]} ${rule.name}: [${e.id}] ${e.message}`);
          continue;
        }
        // the emitter must accept it, and the VAP must compile
        const cel = compile(P.not(low.fails)).cel;
        if (process.env["FOREACH_CEL"]) console.log(`${r[0]} ${rule.name}:\n${cel}`);
        if (low.gaps.length) {
          report.loweredWithGaps++;
          for (const g of new Set(low.gaps.map((g) => g.id))) count(g);
        } else report.lowered++;
      }
    }
  }
  return report;
}

/** Kyverno's autogen text rewrite of a foreach (notes §4): `request.object.spec` → `…spec.template.spec`, … */
function autogenForEach(list: ForEach[], kind: string): ForEach[] {
  const inner = kind === "Pod" ? "" : kind === "CronJob" ? "spec.jobTemplate.spec.template." : "spec.template.";
  let text = JSON.stringify(list);
  for (const f of ["spec", "metadata"]) text = text.split(`request.object.${f}`).join(`request.object.${inner}${f}`);
  return JSON.parse(text) as ForEach[];
}

const CONTROLLERS = ["Pod", "Deployment", "DaemonSet", "StatefulSet", "ReplicaSet", "Job", "ReplicationController", "CronJob"];
const OPERATION_IDIOM = /^\{\{\s*request\.operation\s*\|\|\s*'BACKGROUND'\s*\}\}$/;

/** Replay the `kyverno test` suites of the lowered Pod foreach rules (Pod and autogen forms) through the VAP. */
function replaySuites(): { cases: number; agree: number; mismatches: string[] } {
  const index = readFileSync(corpusPath("kyverno/INDEX.tsv"), "utf8").split("\n").filter((l) => l.trim());
  const header = index[0]!.split("\t");
  const col = (n: string): number => header.indexOf(n);
  const out = { cases: 0, agree: 0, mismatches: [] as string[] };
  for (const r of index.slice(1).map((l) => l.split("\t")).filter((x) => /validate\.foreach/.test(x[col("rule_kinds")] ?? ""))) {
    const file = corpusPath(`kyverno/${r[col("policy_file")]!}`);
    const policies = parseKyvernoDocuments(parseDocuments(readFileSync(file, "utf8"), file), { ignoreOtherKinds: true }).filter(isClusterPolicy);
    for (const tf of (r[col("test_files")] ?? "").split(",").filter(Boolean)) {
      const suite = loadKyvernoSuite(corpusPath(`kyverno/${tf}`));
      for (const p of policies) {
        for (const rule of p.rules) {
          const list = rule.validate?.foreach;
          const kinds = (rule.match.any ?? []).flatMap((f) => f.resources?.kinds ?? []);
          const pre = rule.preconditions;
          const preOk = !pre || (!pre.any && (pre.all ?? []).every((x) => typeof x.key === "string" && OPERATION_IDIOM.test(x.key) && x.operator === "NotEquals" && x.value === "DELETE"));
          if (!list || rule.validate?.deny || !kinds.every((k) => k === "Pod") || !preOk || rule.context.length || rule.exclude) continue;
          if (gapOf(list) !== undefined) continue;
          for (const e of suite.results.filter((x) => x.policy === p.name && [rule.name, `autogen-${rule.name}`, `autogen-cronjob-${rule.name}`].includes(x.rule ?? ""))) {
            for (const name of e.resources) {
              for (const res of suite.resources.filter((x) => x.object.metadata?.name === name.split("/").pop())) {
                const kind = res.object.kind ?? "";
                if (!CONTROLLERS.includes(kind)) continue;
                const low = lower(autogenForEach(list, kind));
                const v = verdict(P.not(low.fails), res.object);
                const admitted = v === "admit";
                const want = e.result === "pass" || e.result === "skip";
                out.cases++;
                if (admitted === want) out.agree++;
                else out.mismatches.push(`${p.name}/${e.rule} ${kind}/${name}: kyverno ${e.result}, VAP ${v}`);
              }
            }
          }
        }
      }
    }
  }
  return out;
}

describe.skipIf(!haveCorpus("kyverno-lower-foreach", "kyverno/INDEX.tsv"))("corpus validate.foreach rules", () => {
  it("lowers the measured share without a gap; gap reasons counted", () => {
    const report = corpusForeach();
    console.log(`[kyverno-lower-foreach] ${JSON.stringify(report, null, 1)}`);
    expect(report).toEqual(CORPUS_EXPECTED);
  });
  it("the lowered rules agree with their `kyverno test` suites (Pod and autogen forms)", () => {
    const r = replaySuites();
    console.log(`[kyverno-lower-foreach] suites: ${JSON.stringify(r, null, 1)}`);
    expect(r.mismatches).toEqual([]);
    expect(r.cases).toBe(SUITE_CASES);
  });
});

/** Suite cases (results × resources, Pod and autogen forms) of the lowered rules: disallow-latest-tag, require-drop-all,
 *  require-drop-cap-net-raw, restrict-deprecated-registry, restrict-adding-capabilities. */
const SUITE_CASES = 37;

/** Measured on the shared corpus (INDEX.tsv rows whose rule_kinds include validate.foreach). */
const CORPUS_EXPECTED: CorpusReport = {
  policies: 23,
  rules: 27,
  lowered: 14,
  loweredWithGaps: 0,
  gaps: {
    // per-element context: imageRegistry (6), apiCall (3)
    "kyverno.foreach.context": 9,
    // rule-level context variables read inside the foreach (namespacesWithPriorityLabel, nsregistries, emptydirnames,
    // and ensure-production-matches-staging's apiCall entry read through a nested variable)
    "kyverno.jmespath.variable": 4,
  },
};
