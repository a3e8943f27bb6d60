// migrate kyverno, policy level (converters/kyverno/convert.ts): autogen forms lowered once over `variables.pod`
// (and kept per form where Kyverno's textual rewrite does not reach a reference), kind tests dropped where
// matchConstraints already says them, and rule context entries wired in — a ConfigMap becomes the VAP's paramKind
// and the binding's paramRef, and `kyverno test` values `<entry>.data.<key>` become that ConfigMap in replay.
// Each case converts an inline policy and runs the VAP through our VAP engine on Pods and their controllers.
import { describe, expect, it } from "vitest";
import { convertKyvernoPolicies } from "../converters/kyverno/convert.js";
import { lowerKyvernoCelFunctions, usesKyvernoFunction } from "../converters/kyverno/lower/kyverno-cel.js";
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
    const conv = convertKyvernoPolicies(policyOf(CONFIGMAP.replace('value: "{{ settings.data.image }}"', 'value: "{{ sum(settings.data.image) }}"')));
    expect(conv.status).toBe("unsupported");
    expect(conv.gaps.map((g) => g.id)).toEqual(["kyverno.jmespath.function.sum"]);
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

describe("per-request variables in a pattern (argo applicationset-name-matches-project)", () => {
  const NAME_IS_PROJECT = `
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: applicationset-name-matches-project}
spec:
  validationFailureAction: Enforce
  rules:
  - name: match-name
    match: {any: [{resources: {kinds: [ApplicationSet]}}]}
    validate:
      message: The name must match the project.
      pattern:
        spec:
          template:
            spec:
              project: "{{request.object.metadata.name}}"
`;
  const appSet = (name: string | undefined, project: unknown): KObject =>
    ({ apiVersion: "argoproj.io/v1alpha1", kind: "ApplicationSet", metadata: { ...(name === undefined ? {} : { name }), namespace: "argocd" }, spec: { template: { spec: project === undefined ? {} : { project } } } }) as KObject;
  // pattern.Validate against the substituted name: validateString with equality (durations, then quantities, else
  // the formatted value); a missing project is nil ("0" for durations and quantities); a substitution error (no
  // name) is the rule's error; a name Kyverno would parse as a pattern (operators, wildcards, ranges) is left to an
  // evaluation error (stricter)
  it.each<[string, string | undefined, unknown, string]>([
    ["equal", "guestbook", "guestbook", "admit"],
    ["different", "bad-guestbook", "default", "deny"],
    ["missing project", "guestbook", undefined, "deny"],
    ["quantities compare as such", "1000", "1k", "admit"],
    ["durations compare as such", "1h", "60m", "admit"],
    ["a missing project is the zero duration", "0s", undefined, "admit"],
    ["a number formatted", "5", 5, "admit"],
    ["a bool formatted", "true", true, "admit"],
    ["no name: the substitution fails", undefined, "x", "error"],
    ["a name with |: a pattern at run time (stricter)", "a|b", "a", "error"],
    ["a name with a wildcard (stricter)", "a*", "abc", "error"],
  ])("%s: name %j, project %j → %s", (_n, name, project, want) => {
    const { conv, verdict } = convert(NAME_IS_PROJECT);
    expect(conv.status).toBe("converted");
    expect(verdict(appSet(name, project))).toBe(want);
  });
  it("variables in keys, lists or $( ) references stay a gap", () => {
    const inList = NAME_IS_PROJECT.replace('project: "{{request.object.metadata.name}}"', 'projects: ["{{request.object.metadata.name}}"]');
    const reference = NAME_IS_PROJECT.replace('"{{request.object.metadata.name}}"', '"$(./../name)"');
    for (const yaml of [inList, reference]) expect(convert(yaml).conv.gaps.map((g) => g.id)).toEqual(["kyverno.pattern.variables"]);
  });
});

describe("request.oldObject and allowExistingViolations (the old object's re-check sees no old object)", () => {
  const LABEL_FROZEN = `
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: label-frozen}
spec:
  validationFailureAction: Enforce
  rules:
  - name: frozen
    match: {any: [{resources: {kinds: [ConfigMap]}}]}
    validate:
      message: label a is frozen
      deny:
        conditions:
          any:
          - key: "{{ request.object.metadata.labels.a || '' }}"
            operator: NotEquals
            value: "{{ request.oldObject.metadata.labels.a || '' }}"
`;
  const cm = (a?: string): KObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "default", ...(a === undefined ? {} : { labels: { a } }) } });
  // the re-check runs the rule on the old object as a CREATE with a null old object: an old object carrying the
  // label fails it too, so changing an existing label is skipped (admitted); adding one is denied
  it.each<[string, string | undefined, string | undefined, "CREATE" | "UPDATE", string]>([
    ["unchanged", "1", "1", "UPDATE", "admit"],
    ["changed: the old object violated too", "1", "2", "UPDATE", "admit"],
    ["added", undefined, "1", "UPDATE", "deny"],
    ["removed: the old object violated too", "1", undefined, "UPDATE", "admit"],
    ["CREATE with the label (no old object)", undefined, "1", "CREATE", "deny"],
    ["CREATE without", undefined, undefined, "CREATE", "admit"],
  ])("%s: %j → %j on %s → %s", (_n, before, after, operation, want) => {
    const { conv, vap, binding } = convert(LABEL_FROZEN);
    expect(conv.status).toBe("converted");
    const request = requestForObject(cm(after), { operation, ...(operation === "UPDATE" ? { oldObject: cm(before) } : {}) });
    const verdict = evaluate({ policies: [vap], bindings: [{ ...binding, spec: { ...binding.spec, validationActions: ["Deny"] } }], request }).verdict;
    // a rule skipped (the old object violated too) admits like a pass
    expect(verdict === "skip" ? "admit" : verdict).toBe(want);
  });
});

describe("parseServiceAccount (Kyverno's user library) in a ValidatingPolicy, written in plain CEL", () => {
  const SA_POLICY = (condition: string): string => `
apiVersion: policies.kyverno.io/v1
kind: ValidatingPolicy
metadata: {name: limit-configmap-for-sa}
spec:
  validationActions: [Deny]
  matchConstraints:
    resourceRules:
    - {apiGroups: [""], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [configmaps]}
  matchConditions:
  - name: serviceaccount-filter
    expression: "${condition}"
  validations:
  - expression: "false"
    message: protected
`;
  const configMap: KObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "default" } };
  const verdictFor = (condition: string, username: string): string => {
    const { conv, vap, binding } = convert(SA_POLICY(condition));
    expect(conv.status).toBe("converted");
    return evaluate({ policies: [vap], bindings: [{ ...binding, spec: { ...binding.spec, validationActions: ["Deny"] } }], request: requestForObject(configMap, { userInfo: { username, groups: [] } }) }).verdict;
  };
  // pkg/cel/libs/user/impl.go: "system:serviceaccount:" + NS + ":" + NAME (the name keeps later colons); any other
  // username gives empty fields
  it.each<[string, string, string]>([
    ["system:serviceaccount:another-namespace:another-developer", "another-namespace", "another-developer"],
    ["system:serviceaccount:foo:bar:baz", "foo", "bar:baz"],
    ["system:serviceaccount:foo:", "foo", ""],
    ["system:serviceaccount:foo", "", ""],
    ["something-else:123", "", ""],
    ["system:serviceaccount:", "", ""],
    ["System:serviceaccount:a:b", "", ""],
  ])("%j → namespace %j, name %j", (username, ns, name) => {
    expect(verdictFor(`parseServiceAccount(request.userInfo.username).Namespace == '${ns}'`, username)).toBe("deny");
    expect(verdictFor(`user.parseServiceAccount(request.userInfo.username).Name == '${name}'`, username)).toBe("deny");
    expect(verdictFor(`parseServiceAccount(request.userInfo.username).Name == 'zz${name}'`, username)).toBe("skip");
  });
  it("any other use of the result is a named gap, not a compile error", () => {
    const { conv } = convert(SA_POLICY("parseServiceAccount(request.userInfo.username) != null"));
    expect(conv.status).toBe("unsupported");
    expect(conv.gaps.map((g) => g.id)).toEqual(["kyverno.cel.library"]);
    expect(conv.gaps[0]!.reason).toContain("parseServiceAccount");
  });
});

describe("Kyverno CEL functions written in plain CEL (lower/kyverno-cel.ts)", () => {
  it.each<[string, string]>([
    ["parseServiceAccount(request.userInfo.username).Name", "(request.userInfo.username.startsWith('system:serviceaccount:') && request.userInfo.username.split(':').size() >= 4 ? request.userInfo.username.split(':', 4)[3] : '')"],
    ["user.parseServiceAccount(variables.u).Namespace == 'a'", "(variables.u.startsWith('system:serviceaccount:') && variables.u.split(':').size() >= 4 ? variables.u.split(':', 4)[2] : '') == 'a'"],
    ["parseServiceAccount(x + ')').Name", "((x + ')').startsWith('system:serviceaccount:') && (x + ')').split(':').size() >= 4 ? (x + ')').split(':', 4)[3] : '')"],
    // not a call of the library function, or not read right away: left as written
    ["object.parseServiceAccount(x).Name", "object.parseServiceAccount(x).Name"],
    ["parseServiceAccount(x)", "parseServiceAccount(x)"],
    ["parseServiceAccount(x).NameSpace", "parseServiceAccount(x).NameSpace"],
  ])("%s", (text, want) => {
    expect(lowerKyvernoCelFunctions(text)).toBe(want);
    expect(usesKyvernoFunction(want) !== undefined).toBe(want.includes("parseServiceAccount(") && !want.startsWith("object."));
  });
});

describe("messages of a rule lowered once for all autogen forms", () => {
  it("read as written (no internal markers)", () => {
    const { vap } = convert(LATEST.replace("message: no latest", "message: 'image {{ request.object.spec.containers[0].image }} is latest'"));
    const text = vap.spec.validations!.map((v) => v.message ?? "").join("\n");
    expect(text).toContain("{{ request.object.spec.containers[0].image }}");
    expect(text).not.toContain("zzpod");
  });
});

describe("a gap points at the rule field it comes from", () => {
  const text = `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: located
spec:
  validationFailureAction: Enforce
  rules:
    - name: lookup
      match:
        any:
          - resources: {kinds: [Pod]}
      context:
        - name: first
          variable: {value: 1}
        - name: remote
          apiCall: {urlPath: /api/v1/namespaces}
      validate:
        deny: {}
    - name: roles
      match:
        any:
          - resources: {kinds: [Pod]}
      exclude:
        any:
          - clusterRoles: [cluster-admin]
      validate:
        message: named
        pattern:
          metadata: {name: "?*"}
    - name: mutating
      match:
        any:
          - resources: {kinds: [Pod]}
      mutate:
        patchStrategicMerge: {metadata: {labels: {a: b}}}
`;
  const gaps = convertKyvernoPolicies(parseKyvernoDocuments(parseDocuments(text, "located.yaml")), {}).gaps;
  it.each([
    ["kyverno.context.apiCall", 15],
    ["kyverno.match", 23],
    ["kyverno.mutate", 34],
  ])("%s → line %i", (id, line) => {
    expect(gaps.find((g) => g.id === id)).toMatchObject({ line, file: "located.yaml" });
  });
});
