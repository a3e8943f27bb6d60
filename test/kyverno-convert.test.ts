// migrate kyverno, policy level (converters/kyverno/convert.ts): autogen forms lowered once over `variables.pod`
// (and kept per form where Kyverno's textual rewrite does not reach a reference), kind tests dropped where
// matchConstraints already says them, and rule context entries wired in — a ConfigMap becomes the VAP's paramKind
// and the binding's paramRef, and `kyverno test` values `<entry>.data.<key>` become that ConfigMap in replay.
// Each case converts an inline policy and runs the VAP through our VAP engine on Pods and their controllers.
import { describe, expect, it } from "vitest";
import { convertKyvernoPolicies } from "../converters/kyverno/convert.js";
import { parseKyvernoDocuments } from "../converters/kyverno/parse.js";
import { replayKyvernoSuite } from "../converters/kyverno/replay.js";
import type { KyvernoSuite } from "../converters/kyverno/testsuite.js";
import { parseDocuments } from "../src/input/yaml.js";
import { evaluate } from "../src/vap/engine.js";
import { requestForObject } from "../src/vap/load.js";
import type { KObject, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from "../src/vap/types.js";

const policyOf = (yaml: string) => parseKyvernoDocuments(parseDocuments(yaml, "policy.yaml"));

function convert(yaml: string) {
  const conv = convertKyvernoPolicies(policyOf(yaml));
  const vap = conv.manifests.find((m) => (m as KObject).kind === "ValidatingAdmissionPolicy") as ValidatingAdmissionPolicy;
  const binding = conv.manifests.find((m) => (m as KObject).kind === "ValidatingAdmissionPolicyBinding") as ValidatingAdmissionPolicyBinding;
  const verdict = (obj: KObject, params: KObject[] = []): string =>
    evaluate({ policies: [vap], bindings: [{ ...binding, spec: { ...binding.spec, validationActions: ["Deny"] } }], params, request: requestForObject(obj) }).verdict;
  return { conv, vap, binding, verdict };
}

const podSpec = (image: string, labels: Record<string, string> = {}) => ({ metadata: { labels }, spec: { containers: [{ name: "c", image }] } });
const pod = (image: string, labels: Record<string, string> = {}, own: Record<string, string> = {}): KObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default", labels: { ...own, ...labels } }, spec: podSpec(image).spec });
const deployment = (image: string, template: Record<string, string> = {}, own: Record<string, string> = {}): KObject =>
  ({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d", namespace: "default", labels: own }, spec: { selector: {}, template: podSpec(image, template) } }) as KObject;
const cronJob = (image: string): KObject =>
  ({ apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "c", namespace: "default" }, spec: { schedule: "* * * * *", jobTemplate: { spec: { template: podSpec(image) } } } }) as KObject;

const LATEST = `
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: no-latest}
spec:
  validationFailureAction: Enforce
  rules:
  - name: no-latest
    match: {any: [{resources: {kinds: [Pod]}}]}
    preconditions:
      all:
      - key: "{{ request.object.metadata.labels.skip || '' }}"
        operator: NotEquals
        value: "yes"
    validate:
      message: no latest
      pattern:
        spec:
          containers:
          - image: "!*:latest"
`;

// `request."object"` is not rewritten by Kyverno's autogen: controllers read their own labels
const QUOTED = LATEST.replace("request.object.metadata.labels.skip", 'request.\\"object\\".metadata.labels.skip');

describe("autogen forms in one rule", () => {
  it("one validation over variables.pod, chosen by kind; no kind test when matchConstraints says it", () => {
    const { conv, vap } = convert(LATEST);
    expect(conv.status).toBe("converted");
    expect(vap.spec.validations).toHaveLength(1);
    const pod = vap.spec.variables?.find((v) => v.name === "pod");
    expect(pod?.expression).toContain("object.spec.jobTemplate.spec.template");
    expect(JSON.stringify(vap.spec)).not.toContain("request.kind.group");
  });
  it.each([
    ["Pod with latest", "deny", pod("nginx:latest")],
    ["Pod pinned", "admit", pod("nginx:1.25")],
    ["Pod skipped by its label", "admit", pod("nginx:latest", { skip: "yes" })],
    ["Deployment with latest", "deny", deployment("nginx:latest")],
    ["Deployment pinned", "admit", deployment("nginx:1.25")],
    ["Deployment skipped by its template label", "admit", deployment("nginx:latest", { skip: "yes" })],
    ["Deployment: its own label does not skip", "deny", deployment("nginx:latest", {}, { skip: "yes" })],
    ["CronJob with latest", "deny", cronJob("nginx:latest")],
    ["CronJob pinned", "admit", cronJob("nginx:1.25")],
  ])("%s → %s", (_name, want, obj) => {
    expect(convert(LATEST).verdict(obj)).toBe(want);
  });
  it("a reference Kyverno's rewrite does not reach keeps the rule per form (controllers read their own labels)", () => {
    const { vap, verdict } = convert(QUOTED);
    expect(vap.spec.variables?.some((v) => v.name === "pod")).toBe(false);
    expect(vap.spec.validations?.length).toBeGreaterThan(1);
    expect(verdict(deployment("nginx:latest", {}, { skip: "yes" }))).toBe("admit");
    expect(verdict(deployment("nginx:latest", { skip: "yes" }))).toBe("deny");
  });
});

const CONFIGMAP = `
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: allowed-registry}
spec:
  validationFailureAction: Enforce
  rules:
  - name: registry
    context:
    - name: settings
      configMap: {name: registry-settings, namespace: platform}
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: wrong registry
      deny:
        conditions:
          all:
          - key: "{{ request.object.spec.containers[0].image }}"
            operator: NotEquals
            value: "{{ settings.data.image }}"
`;

describe("context configMap → params", () => {
  const settings = (image: string): KObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "registry-settings", namespace: "platform" }, data: { image } });
  it("paramKind ConfigMap, paramRef with the entry's name and namespace, parameterNotFoundAction Deny", () => {
    const { vap, binding, conv } = convert(CONFIGMAP);
    expect(vap.spec.paramKind).toEqual({ apiVersion: "v1", kind: "ConfigMap" });
    expect(binding.spec.paramRef).toEqual({ name: "registry-settings", namespace: "platform", parameterNotFoundAction: "Deny" });
    expect(conv.gaps.map((g) => g.id)).toEqual(["kyverno.context.configMap.not-found"]);
  });
  it.each([
    ["matching image", "nginx:1", "nginx:1", "admit"],
    ["other image", "nginx:2", "nginx:1", "deny"],
    ["no ConfigMap (a binding error: failurePolicy)", "nginx:1", undefined, "error"],
  ])("%s", (_n, image, allowed, want) => {
    const { verdict } = convert(CONFIGMAP);
    expect(verdict(pod(image), allowed === undefined ? [] : [settings(allowed)])).toBe(want);
  });
  it("a rule left out for another gap brings no params and no ConfigMap caveat", () => {
    const conv = convertKyvernoPolicies(policyOf(CONFIGMAP.replace('value: "{{ settings.data.image }}"', 'value: "{{ settings.data.\\"{{request.namespace}}\\" }}"')));
    expect(conv.status).toBe("unsupported");
    expect(conv.gaps.map((g) => g.id)).toEqual(["kyverno.variable.nested"]);
  });
  it("replay builds the ConfigMap from the suite's values (<entry>.data.<key>)", () => {
    const policies = policyOf(CONFIGMAP);
    const resources = [{ ...pod("nginx:1"), metadata: { name: "good", namespace: "default" } }, { ...pod("nginx:2"), metadata: { name: "bad", namespace: "default" } }] as KObject[];
    const suite: KyvernoSuite = {
      name: "t",
      file: "kyverno-test.yaml",
      policyFiles: [],
      resources: resources.map((object, line) => ({ object, file: "resources.yaml", line })),
      results: [
        { policy: "allowed-registry", rule: "registry", resources: ["good"], kind: "Pod", result: "pass", line: 1 },
        { policy: "allowed-registry", rule: "registry", resources: ["bad"], kind: "Pod", result: "fail", line: 1 },
      ],
      values: { globalValues: {}, namespaceSelector: [], policies: [{ name: "allowed-registry", rules: [{ name: "registry", values: { "settings.data.image": "nginx:1" } }], resources: [] }] },
    };
    const cases = replayKyvernoSuite(suite, policies);
    expect(cases.map((c) => [c.resource, c.vap, c.kyverno, c.pass])).toEqual([
      ["default/good", "admit", "pass", true],
      ["default/bad", "deny", "fail", true],
    ]);
  });
});

const VPOL = (autogen: string) => `
apiVersion: policies.kyverno.io/v1
kind: ValidatingPolicy
metadata: {name: vpol-latest}
spec:
  validationActions: [Deny]${autogen}
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: [v1]
      operations: [CREATE, UPDATE]
      resources: [pods]
  validations:
  - expression: "object.spec.containers.all(c, !c.image.endsWith(':latest')) && object.metadata.namespace != 'forbidden'"
    message: no latest
`;

describe("ValidatingPolicy autogen (Kyverno's pod controllers)", () => {
  it.each([
    ["default: every controller", "", [["Pod", "deny"], ["Deployment", "deny"], ["CronJob", "deny"]]],
    ["controllers: [deployments]", "\n  autogen: {podControllers: {controllers: [deployments]}}", [["Pod", "deny"], ["Deployment", "deny"], ["CronJob", "skip"]]],
    ["controllers: [] turns it off", "\n  autogen: {podControllers: {controllers: []}}", [["Pod", "deny"], ["Deployment", "skip"], ["CronJob", "skip"]]],
  ])("%s", (_n, autogen, want) => {
    const { conv, verdict } = convert(VPOL(autogen));
    expect(conv.status).toBe("converted");
    const objs: Record<string, KObject> = { Pod: pod("nginx:latest"), Deployment: deployment("nginx:latest"), CronJob: cronJob("nginx:latest") };
    expect(want.map(([kind]) => [kind, verdict(objs[kind!]!)])).toEqual(want);
  });
  it("object.metadata.namespace stays the workload's own (Kyverno protects it)", () => {
    const { vap } = convert(VPOL(""));
    expect(vap.spec.validations?.[0]?.expression).toContain("object.metadata.namespace != 'forbidden'");
    expect(vap.spec.validations?.[0]?.expression).toContain("variables.podSpec.containers");
  });
});

describe("rule-level failureAction overrides the policy's", () => {
  const MIXED = `
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: mixed}
spec:
  validationFailureAction: Audit
  rules:
  - name: audited
    match: {any: [{resources: {kinds: [Service]}}]}
    validate: {message: a, pattern: {spec: {type: ClusterIP}}}
  - name: enforced
    match: {any: [{resources: {kinds: [Service]}}]}
    validate: {failureAction: Enforce, message: e, pattern: {metadata: {labels: {team: "?*"}}}}
`;
  it("one VAP + binding per action: the policy's action keeps the name, the override gets a suffix", () => {
    const conv = convertKyvernoPolicies(policyOf(MIXED));
    expect(conv.status).toBe("converted");
    const bindings = conv.manifests.filter((m) => (m as KObject).kind === "ValidatingAdmissionPolicyBinding") as ValidatingAdmissionPolicyBinding[];
    expect(bindings.map((b) => [b.spec.policyName, b.spec.validationActions])).toEqual([
      ["cpol-mixed-enforce", ["Deny"]],
      ["cpol-mixed", ["Audit", "Warn"]],
    ]);
    const vaps = conv.manifests.filter((m) => (m as KObject).kind === "ValidatingAdmissionPolicy") as ValidatingAdmissionPolicy[];
    expect(vaps.map((v) => v.spec.validations?.map((x) => x.message))).toEqual([["e: metadata.labels.team"], ["a: spec.type"]]);
  });
});

describe("allowExistingViolations (an Enforce rule on UPDATE skips when the old object also violates)", () => {
  const withOld = (obj: KObject, old: KObject, yaml = LATEST): string => {
    const { vap, binding } = convert(yaml);
    return evaluate({ policies: [vap], bindings: [{ ...binding, spec: { ...binding.spec, validationActions: ["Deny"] } }], request: requestForObject(obj, { operation: "UPDATE", oldObject: old }) }).verdict;
  };
  it.each([
    ["new and old violate: skipped", "nginx:latest", "nginx:latest", LATEST, "admit"],
    ["only the new one violates", "nginx:latest", "nginx:1.25", LATEST, "deny"],
    ["neither violates", "nginx:1.25", "nginx:1.0", LATEST, "admit"],
    ["allowExistingViolations: false", "nginx:latest", "nginx:latest", LATEST.replace("message: no latest", "message: no latest\n      allowExistingViolations: false"), "deny"],
  ])("%s → %s", (_n, image, oldImage, yaml, want) => {
    expect(withOld(pod(image), pod(oldImage), yaml)).toBe(want);
    expect(withOld(deployment(image), deployment(oldImage), yaml)).toBe(want);
  });
  it("the old object is evaluated as its CREATE (its own preconditions decide)", () => {
    expect(withOld(pod("nginx:latest"), pod("nginx:latest", { skip: "yes" }))).toBe("deny");
  });
});

describe("validated strings (no runtime wildcard matching) and pod templates", () => {
  const NAMED = `
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: no-abc}
spec:
  validationFailureAction: Enforce
  rules:
  - name: no-abc
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: reserved name
      deny:
        conditions:
          any:
          - key: "{{ request.object.metadata.name }}"
            operator: AnyIn
            value: [abc]
`;
  const named = (name: string, template?: string): KObject => {
    const d = deployment("nginx:1");
    const spec = d.spec as { template: { metadata: Record<string, unknown> } };
    return { ...d, metadata: { ...d.metadata, name }, spec: { ...spec, template: { ...spec.template, metadata: { ...spec.template.metadata, ...(template ? { name: template } : {}) } } } } as KObject;
  };
  it.each([
    ["Pod named abc", { ...pod("nginx:1"), metadata: { name: "abc", namespace: "default" } } as KObject, "deny"],
    ["Pod named abd", { ...pod("nginx:1"), metadata: { name: "abd", namespace: "default" } } as KObject, "admit"],
    // a template's metadata.name is not validated: Kyverno matches `a*` as a wildcard against `abc`
    ["Deployment whose template is named a*", named("d", "a*"), "deny"],
    ["Deployment whose template is named x", named("d", "x"), "admit"],
  ])("%s → %s", (_n, obj, want) => {
    expect(convert(NAMED).verdict(obj)).toBe(want);
  });
});

// a rule lowered once for all autogen forms (object = pod or template) with a context entry of volume names read
// against volumeMount names: both are validated names of the PodSpec (lower/validated.ts), so no runtime glob
const EMPTYDIR = `
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: emptydir-mounts}
spec:
  validationFailureAction: Enforce
  rules:
  - name: r
    match: {any: [{resources: {kinds: [Pod]}}]}
    context:
    - name: emptydirnames
      variable:
        jmesPath: request.object.spec.volumes[?contains(keys(@), 'emptyDir')].name
    validate:
      message: m
      foreach:
      - list: "request.object.spec.[initContainers, containers][]"
        preconditions:
          any:
          - key: "{{ element.volumeMounts[].name }}"
            operator: AnyIn
            value: "{{ emptydirnames }}"
        pattern:
          resources: {limits: {ephemeral-storage: "?*"}}
`;

describe("validated PodSpec names across autogen forms and context entries", () => {
  const c = convert(EMPTYDIR);
  const withMount = (limits: Record<string, string>, volume: Record<string, unknown>) => ({
    volumes: [{ name: "scratch", ...volume }],
    containers: [{ name: "c", image: "x", volumeMounts: [{ name: "scratch", mountPath: "/s" }], resources: { limits } }],
  });
  const podOf = (spec: Record<string, unknown>): KObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec }) as KObject;
  const deployOf = (spec: Record<string, unknown>): KObject => ({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d", namespace: "default" }, spec: { selector: {}, template: { spec } } }) as KObject;
  it("emits no runtime glob", () => {
    expect(JSON.stringify(c.vap.spec)).not.toContain(".matches(");
  });
  it.each([
    ["Pod: emptyDir mount without the limit", podOf(withMount({}, { emptyDir: {} })), "deny"],
    ["Pod: emptyDir mount with the limit", podOf(withMount({ "ephemeral-storage": "1Gi" }, { emptyDir: {} })), "admit"],
    ["Pod: a configMap mount", podOf(withMount({}, { configMap: { name: "c" } })), "admit"],
    ["Deployment: emptyDir mount without the limit", deployOf(withMount({}, { emptyDir: {} })), "deny"],
    ["Deployment: emptyDir mount with the limit", deployOf(withMount({ "ephemeral-storage": "1Gi" }, { emptyDir: {} })), "admit"],
  ] as const)("%s → %s", (_n, obj, want) => {
    expect(c.verdict(obj)).toBe(want);
  });
});

describe("validate.cel paramKind/paramRef → the VAP's paramKind and the binding's paramRef", () => {
  const CEL_PARAMS = (ref: string) => `
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: max-replicas}
spec:
  validationFailureAction: Enforce
  rules:
  - name: replicas
    match: {any: [{resources: {kinds: [Deployment]}}]}
    validate:
      cel:
        paramKind: {apiVersion: v1, kind: ConfigMap}
        paramRef: ${ref}
        expressions:
        - expression: "object.spec.replicas <= int(params.data.max)"
          message: too many replicas
`;
  const limits = (max: string): KObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "limits", namespace: "default" }, data: { max } });
  const replicas = (n: number): KObject => ({ ...deployment("nginx:1"), spec: { ...(deployment("nginx:1").spec as object), replicas: n } }) as KObject;
  it("paramKind and paramRef carried over", () => {
    const { vap, binding, conv } = convert(CEL_PARAMS("{name: limits, namespace: default, parameterNotFoundAction: Deny}"));
    expect(conv.status).toBe("converted");
    expect(vap.spec.paramKind).toEqual({ apiVersion: "v1", kind: "ConfigMap" });
    expect(binding.spec.paramRef).toEqual({ name: "limits", namespace: "default", parameterNotFoundAction: "Deny" });
  });
  it.each([
    ["within the limit", 3, "5", "admit"],
    ["over the limit", 7, "5", "deny"],
  ])("%s → %s", (_n, n, max, want) => {
    expect(convert(CEL_PARAMS("{name: limits, namespace: default}")).verdict(replicas(n), [limits(max)])).toBe(want);
  });
  it("a paramRef naming nothing stays a gap", () => {
    expect(convert(CEL_PARAMS("{namespace: default}")).conv.gaps.map((g) => g.id)).toEqual(["kyverno.cel.params"]);
  });
});

describe("namespace selectors with Exists / DoesNotExist", () => {
  const SELECTED = (operator: string): string => `
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: tiered-no-latest}
spec:
  validationFailureAction: Enforce
  rules:
  - name: no-latest
    match:
      any:
      - resources:
          kinds: [Pod]
          namespaceSelector: {matchExpressions: [{key: tier, operator: ${operator}}]}
    validate:
      message: no latest
      pattern:
        spec:
          containers:
          - image: "!*:latest"
`;
  // a key test on namespaceObject's labels (not \`labels[k] != null\`, which does not compile against
  // map<string, string> on the API server: every request was rejected with a compile error)
  it.each<[string, Record<string, string>, string]>([
    ["Exists", { tier: "a" }, "deny"],
    ["Exists", {}, "admit"],
    ["DoesNotExist", { tier: "a" }, "admit"],
    ["DoesNotExist", {}, "deny"],
  ])("%s, namespace labels %j: %s", (operator, labels, want) => {
    const { conv, vap, binding } = convert(SELECTED(operator));
    expect(conv.status).toBe("converted");
    const namespaces: KObject[] = [{ apiVersion: "v1", kind: "Namespace", metadata: { name: "default", labels } }];
    const d = evaluate({ policies: [vap], bindings: [{ ...binding, spec: { ...binding.spec, validationActions: ["Deny"] } }], namespaces, request: requestForObject(pod("nginx:latest")) });
    expect(d.verdict).toBe(want);
  });
});
