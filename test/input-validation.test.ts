// Validation of what we read (src/vap/validate-input.ts + api-schema.ts): every object the real kube-apiserver 1.36
// accepted in the golden corpus passes with no issue (and so does every request it was sent); each defect below —
// a wrong type, an unknown field, or a rule of the API server's validation (pkg/apis/admissionregistration/validation)
// — is one located issue naming the line of the field.
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { parseDocuments } from "../src/input/yaml.js";
import { inputObjectIssues } from "../src/vap/validate-input.js";
import { checkRequestDocument, ObjectValidationError } from "../src/vap/validate-input.js";
import { haveCorpus, readCorpusJsonl } from "./support/corpus.js";

type Json = Record<string, unknown>;

/** YAML as kubectl reads it (YAML 1.1: strings such as "yes" are written quoted). */
const yamlOf = (o: unknown): string => stringify(o, { version: "1.1" });
const docsOf = (objects: readonly unknown[]) => parseDocuments(objects.map(yamlOf).join("---\n"), "in.yaml", { schema: "kubectl" });

const requestIssues = (doc: unknown): string[] => {
  try {
    checkRequestDocument(docsOf([doc])[0]!);
    return [];
  } catch (e) {
    if (e instanceof ObjectValidationError) return e.message.split("\n");
    throw e;
  }
};

describe.skipIf(!haveCorpus("input-validation", "golden/vap-verdicts.jsonl", "golden/gatekeeper-vap-verdicts.jsonl"))(
  "objects and requests the real API server accepted pass with no issue",
  () => {
    it.each(["golden/vap-verdicts.jsonl", "golden/gatekeeper-vap-verdicts.jsonl"])("%s", (file) => {
      const cases = readCorpusJsonl<{ objects: unknown[]; request: Json }>(file);
      const seen = new Set<string>();
      const objects = cases.flatMap((c) => c.objects).filter((o) => !seen.has(JSON.stringify(o)) && !!seen.add(JSON.stringify(o)));
      expect(objects.length).toBeGreaterThan(50);
      // The golden objects went through the 1.36 plugin, not the API's create validation: one of them carries a
      // message with line breaks, which ValidateValidatingAdmissionPolicy refuses (validateValidation: hasNewlines).
      const known = file.includes("gatekeeper") ? [] : [/k10-validate-ns-by-preset-label: spec\.validations\[0\]\.message: message must not contain line breaks$/];
      const issues = inputObjectIssues(docsOf(objects), { compileMutating: true });
      expect(issues).toHaveLength(known.length);
      known.forEach((re, i) => expect(issues[i]).toMatch(re));
      const requests = cases.map((c) => ({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: c.request }));
      expect(requests.flatMap(requestIssues)).toEqual([]);
    });
  },
);

const rules = [{ apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments"] }];
const vap = (spec: Json, name = "p"): Json => ({
  apiVersion: "admissionregistration.k8s.io/v1",
  kind: "ValidatingAdmissionPolicy",
  metadata: { name },
  spec: { matchConstraints: { resourceRules: rules }, validations: [{ expression: "true" }], ...spec },
});
const binding = (spec: Json): Json => ({
  apiVersion: "admissionregistration.k8s.io/v1",
  kind: "ValidatingAdmissionPolicyBinding",
  metadata: { name: "b" },
  spec: { policyName: "p", validationActions: ["Deny"], ...spec },
});
const map = (spec: Json): Json => ({
  apiVersion: "admissionregistration.k8s.io/v1beta1",
  kind: "MutatingAdmissionPolicy",
  metadata: { name: "m" },
  spec: { matchConstraints: { resourceRules: rules }, mutations: [{ patchType: "JSONPatch", jsonPatch: { expression: "[]" } }], ...spec },
});
const sel = (expr: Json): Json => ({ matchExpressions: [expr] });

/** [what, object, the expected first issue after `in.yaml:LINE: `]. */
const DEFECTS: [string, Json, RegExp][] = [
  ["spec a list", { ...vap({}), spec: [1] }, /^ValidatingAdmissionPolicy p: spec: must be a map, not a list$/],
  ["validations a number", vap({ validations: 5 }), /^ValidatingAdmissionPolicy p: spec\.validations: must be a list, not an integer$/],
  ["expression a boolean (kubectl reads `yes`)", vap({ validations: [{ expression: true }] }), /spec\.validations\[0\]\.expression: must be a string, not a boolean$/],
  ["unknown spec field", vap({ validation: [] }), /spec\.validation: unknown field "validation"$/],
  ["unknown metadata field", { ...vap({}), metadata: { name: "p", label: {} } }, /metadata\.label: unknown field "label"$/],
  ["label value a number", { ...vap({}), metadata: { name: "p", labels: { tier: 1 } } }, /metadata\.labels\.tier: must be a string, not an integer$/],
  ["operations a string", vap({ matchConstraints: { resourceRules: [{ ...rules[0], operations: "CREATE" }] } }), /resourceRules\[0\]\.operations: must be a list, not a string$/],
  ["an operation that does not exist", vap({ matchConstraints: { resourceRules: [{ ...rules[0], operations: ["PATCH"] }] } }), /operations\[0\]: Unsupported value: "PATCH"/],
  ["'*' among other API groups", vap({ matchConstraints: { resourceRules: [{ ...rules[0], apiGroups: ["*", "apps"] }] } }), /apiGroups: if '\*' is present, must not specify other API groups$/],
  ["'*/*' among other resources", vap({ matchConstraints: { resourceRules: [{ ...rules[0], resources: ["*/*", "pods"] }] } }), /resources: if '\*\/\*' is present, must not specify other resources$/],
  ["pods/* with pods/log", vap({ matchConstraints: { resourceRules: [{ ...rules[0], resources: ["pods/*", "pods/log"] }] } }), /resources\[1\]: if 'pods\/\*' is present, must not specify pods\/log$/],
  ["a resource name with a slash", vap({ matchConstraints: { resourceRules: [{ ...rules[0], resourceNames: ["a/b"] }] } }), /resourceNames\[0\]: may not contain '\/'$/],
  ["a scope that does not exist", vap({ matchConstraints: { resourceRules: [{ ...rules[0], scope: "Namespace" }] } }), /scope: Unsupported value: "Namespace"/],
  ["no resourceRules", vap({ matchConstraints: {} }), /matchConstraints\.resourceRules: resourceRules is required$/],
  ["a selector operator that does not exist", vap({ matchConstraints: { resourceRules: rules, objectSelector: sel({ key: "a", operator: "Equals", values: ["x"] }) } }), /objectSelector\.matchExpressions\[0\]\.operator: Unsupported value: "Equals"/],
  ["In without values", vap({ matchConstraints: { resourceRules: rules, namespaceSelector: sel({ key: "a", operator: "In" }) } }), /values: must be specified when `operator` is 'In' or 'NotIn'$/],
  ["Exists with values", vap({ matchConstraints: { resourceRules: rules, namespaceSelector: sel({ key: "a", operator: "Exists", values: ["x"] }) } }), /values: may not be specified when `operator` is 'Exists' or 'DoesNotExist'$/],
  ["a selector label value with a space", vap({ matchConstraints: { resourceRules: rules, objectSelector: { matchLabels: { app: "a b" } } } }), /objectSelector\.matchLabels\.app: a label value must be/],
  ["matchPolicy Fuzzy", vap({ matchConstraints: { resourceRules: rules, matchPolicy: "Fuzzy" } }), /matchPolicy: Unsupported value: "Fuzzy"/],
  ["failurePolicy Block", vap({ failurePolicy: "Block" }), /spec\.failurePolicy: Unsupported value: "Block"/],
  ["paramKind without kind", vap({ paramKind: { apiVersion: "v1" } }), /spec\.paramKind\.kind: Required value$/],
  ["paramKind with a bad group", vap({ paramKind: { apiVersion: "Example_Com/v1", kind: "Thing" } }), /spec\.paramKind\.apiVersion: group /],
  ["a variable named `in`", vap({ variables: [{ name: "in", expression: "1" }] }), /spec\.variables\[0\]\.name: name is not a valid CEL identifier: "in"$/],
  ["two matchConditions with one name", vap({ matchConditions: [{ name: "a", expression: "true" }, { name: "a", expression: "true" }] }), /matchConditions\[1\]\.name: Duplicate value: "a"$/],
  ["an empty messageExpression", vap({ validations: [{ expression: "true", messageExpression: "  " }] }), /messageExpression: must be non-empty if specified$/],
  ["a reason that does not exist", vap({ validations: [{ expression: "true", reason: "Teapot" }] }), /reason: Unsupported value: "Teapot"/],
  ["a message with a line break", vap({ validations: [{ expression: "true", message: "a\nb" }] }), /message: message must not contain line breaks$/],
  ["two audit annotations with one key", vap({ auditAnnotations: [{ key: "k", valueExpression: "'a'" }, { key: "k", valueExpression: "'b'" }] }), /auditAnnotations\[1\]\.key: Duplicate value: "k"$/],
  ["an audit annotation key with a space", vap({ auditAnnotations: [{ key: "a b", valueExpression: "'a'" }] }), /auditAnnotations\[0\]\.key: name part must consist of/],
  ["21 audit annotations", vap({ auditAnnotations: Array.from({ length: 21 }, (_, i) => ({ key: `k${i}`, valueExpression: "'a'" })) }), /spec\.auditAnnotations: must not have more than 20 auditAnnotations/],
  ["a policy name with capitals", vap({}, "Bad"), /metadata\.name: a lowercase RFC 1123 subdomain/],
  ["binding: validationActions a string", binding({ validationActions: "Deny" }), /spec\.validationActions: must be a list, not a string$/],
  ["binding: validationActions [Block]", binding({ validationActions: ["Block"] }), /spec\.validationActions\[0\]: Unsupported value: "Block"/],
  ["binding: Deny and Warn", binding({ validationActions: ["Deny", "Warn"] }), /spec\.validationActions: validationActions must not contain both Deny and Warn$/],
  ["binding: no validationActions", binding({ validationActions: [] }), /spec\.validationActions: validationActions is required/],
  ["binding: no policyName", binding({ policyName: "" }), /spec\.policyName: name is required$/],
  ["binding: paramRef with name and selector", binding({ paramRef: { name: "a", selector: {}, parameterNotFoundAction: "Deny" } }), /spec\.paramRef\.name: name and selector are mutually exclusive$/],
  ["binding: paramRef without name or selector", binding({ paramRef: { parameterNotFoundAction: "Deny" } }), /spec\.paramRef: one of name or selector must be specified$/],
  ["binding: paramRef without parameterNotFoundAction", binding({ paramRef: { name: "a" } }), /spec\.paramRef\.parameterNotFoundAction: Required value$/],
  ["binding: unknown paramRef field", binding({ paramRef: { nme: "a" } }), /spec\.paramRef\.nme: unknown field "nme"$/],
  ["MAP: a patchType that does not exist", map({ mutations: [{ patchType: "Merge", jsonPatch: { expression: "[]" } }] }), /spec\.mutations\[0\]\.patchType: Unsupported value: "Merge"/],
  ["MAP: a mutation that does not compile", map({ mutations: [{ patchType: "JSONPatch", jsonPatch: { expression: "[" } }] }), /spec\.mutations\[0\]\.jsonPatch\.expression: compilation failed/],
  ["MAP: reinvocationPolicy Always", map({ reinvocationPolicy: "Always" }), /spec\.reinvocationPolicy: Unsupported value: "Always"/],
  ["a param object without a name", { apiVersion: "v1", kind: "ConfigMap", metadata: {}, data: { a: "b" } }, /^ConfigMap: metadata\.name: Required value/],
  ["an object without kind", { apiVersion: "v1", metadata: { name: "x" } }, /^object x: kind: Required value$/],
  ["an object whose metadata is a string", { apiVersion: "v1", kind: "ConfigMap", metadata: "x" }, /^ConfigMap: metadata: must be a map, not a string$/],
];

describe("what the API server would refuse is one located issue", () => {
  it.each(DEFECTS)("%s", (_what, obj, want) => {
    const issues = inputObjectIssues(docsOf([obj]), { compileMutating: true });
    expect(issues.length, issues.join("\n")).toBeGreaterThan(0);
    const [, , rest] = /^in\.yaml:(\d+): (.*)$/s.exec(issues[0]!) ?? [];
    expect(rest).toMatch(want);
  });

  // the line is the field's: the item of a list index, the key of a field, the deepest existing node of a missing one
  it.each([
    ["an operation that does not exist", 13],
    ["pods/* with pods/log", 16],
    ["a resource name with a slash", 17],
    ["paramKind without kind", 18],
    ["binding: validationActions [Block]", 8],
    ["binding: validationActions a string", 7],
    ["unknown spec field", 18],
  ] as const)("%s: line %i", (what, line) => {
    const obj = DEFECTS.find(([w]) => w === what)![1];
    expect(inputObjectIssues(docsOf([obj]))[0]).toMatch(new RegExp(`^in\\.yaml:${line}: `));
  });

  it("a valid policy, binding, MAP and param have none", () => {
    const objects = [vap({ variables: [{ name: "x", expression: "1" }] }), binding({ paramRef: { selector: {}, parameterNotFoundAction: "Allow" } }), map({ mutations: [{ patchType: "ApplyConfiguration", applyConfiguration: { expression: 'Object{metadata: Object.metadata{labels: {"a": "b"}}}' } }] }), { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "b" } }];
    expect(inputObjectIssues(docsOf(objects), { compileMutating: true })).toEqual([]);
  });
});

describe("requests", () => {
  const review = (request: Json): Json => ({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request });
  const object = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" } };
  it.each([
    ["an unknown operation", review({ operation: "CREAT", object }), /request\.operation: Unsupported value: "CREAT"/],
    ["userInfo.groups a string", review({ operation: "CREATE", object, userInfo: { username: "u", groups: "a" } }), /request\.userInfo\.groups: must be a list, not a string$/],
    ["an unknown request field", review({ operation: "CREATE", object, objekt: object }), /request\.objekt: unknown field "objekt"$/],
    ["an object without a name", review({ operation: "CREATE", object: { apiVersion: "v1", kind: "Pod" } }), /request\.object\.metadata\.name: Required value/],
    ["a bare object without apiVersion", { kind: "Pod", metadata: { name: "p" } }, /^in\.yaml:\d+: Pod p: apiVersion: Required value$/],
  ] as [string, Json, RegExp][])("%s", (_what, doc, want) => {
    const issues = requestIssues(doc);
    expect(issues[0]).toMatch(want);
  });

  it("a well-formed AdmissionReview and a bare object have none", () => {
    expect(requestIssues(review({ operation: "UPDATE", object, oldObject: object, userInfo: { username: "u", groups: ["g"], extra: { k: ["v"] } }, dryRun: false }))).toEqual([]);
    expect(requestIssues(object)).toEqual([]);
  });
});
