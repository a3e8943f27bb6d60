// Table-driven unit tests of the offline VAP engine: matching (rules, wildcards, subresources, exclude, selectors,
// Equivalent), params, matchConditions vs failurePolicy, lazy variables, messages, validationActions, auditAnnotations.
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { evaluate, type EvaluateInput } from "../src/vap/engine.js";
import { validatePolicy } from "../src/vap/compilepolicy.js";
import { kindRegistry } from "../src/vap/kinds.js";
import { requestForObject, requestFromDocument, splitDocuments } from "../src/vap/load.js";
import { matches, selectorMatches, type MatchContext } from "../src/vap/match.js";
import type {
  AdmissionRequest,
  KObject,
  LabelSelector,
  MatchResources,
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
  ValidatingAdmissionPolicySpec,
  ValidatingAdmissionPolicyBindingSpec,
} from "../src/vap/types.js";

const pod = (name: string, labels: Record<string, string> = {}, spec: Record<string, unknown> = {}, namespace = "default"): KObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace, labels },
  spec: { containers: [{ name: "c", image: "nginx" }], ...spec },
});

const nsObj = (name: string, labels: Record<string, string> = {}): KObject => ({
  apiVersion: "v1",
  kind: "Namespace",
  metadata: { name, labels: { "kubernetes.io/metadata.name": name, ...labels } },
});

const policy = (name: string, spec: Partial<ValidatingAdmissionPolicySpec>): ValidatingAdmissionPolicy => ({
  apiVersion: "admissionregistration.k8s.io/v1",
  kind: "ValidatingAdmissionPolicy",
  metadata: { name },
  spec: {
    matchConstraints: { resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["pods"] }] },
    ...spec,
  },
});

const binding = (name: string, spec: Partial<ValidatingAdmissionPolicyBindingSpec> & { policyName: string }): ValidatingAdmissionPolicyBinding => ({
  apiVersion: "admissionregistration.k8s.io/v1",
  kind: "ValidatingAdmissionPolicyBinding",
  metadata: { name },
  spec: { validationActions: ["Deny"], ...spec },
});

const ctx = (namespaces: KObject[] = [nsObj("default"), nsObj("prod", { env: "prod" })]): MatchContext => ({
  kinds: kindRegistry(),
  namespaces: new Map(namespaces.map((n) => [n.metadata!.name!, n])),
});

const req = (o: Partial<AdmissionRequest> & { object?: KObject | null }): AdmissionRequest => ({
  ...requestForObject(o.object ?? pod("p")),
  ...o,
});

// ---------------------------------------------------------------------------------------------------------------

describe("label selectors", () => {
  const cases: [string, LabelSelector | undefined, Record<string, string>, boolean][] = [
    ["undefined matches all", undefined, {}, true],
    ["empty matches all", {}, { a: "1" }, true],
    ["matchLabels hit", { matchLabels: { a: "1" } }, { a: "1", b: "2" }, true],
    ["matchLabels miss", { matchLabels: { a: "1" } }, { a: "2" }, false],
    ["In hit", { matchExpressions: [{ key: "a", operator: "In", values: ["1", "2"] }] }, { a: "2" }, true],
    ["In absent", { matchExpressions: [{ key: "a", operator: "In", values: ["1"] }] }, {}, false],
    ["NotIn absent matches", { matchExpressions: [{ key: "a", operator: "NotIn", values: ["1"] }] }, {}, true],
    ["NotIn present value", { matchExpressions: [{ key: "a", operator: "NotIn", values: ["1"] }] }, { a: "1" }, false],
    ["Exists", { matchExpressions: [{ key: "a", operator: "Exists" }] }, { a: "" }, true],
    ["Exists miss", { matchExpressions: [{ key: "a", operator: "Exists" }] }, {}, false],
    ["DoesNotExist", { matchExpressions: [{ key: "a", operator: "DoesNotExist" }] }, { b: "1" }, true],
    ["DoesNotExist miss", { matchExpressions: [{ key: "a", operator: "DoesNotExist" }] }, { a: "1" }, false],
    ["labels AND expressions", { matchLabels: { a: "1" }, matchExpressions: [{ key: "b", operator: "Exists" }] }, { a: "1" }, false],
  ];
  it.each(cases)("%s", (_n, sel, labels, want) => expect(selectorMatches(sel, labels)).toBe(want));
});

describe("resource rule matching", () => {
  const rule = (r: Partial<NonNullable<MatchResources["resourceRules"]>[number]>): MatchResources => ({
    resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["pods"], ...r }],
  });
  const deploy: KObject = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d", namespace: "default" } };
  const cm: KObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm", namespace: "default" } };
  const node: KObject = { apiVersion: "v1", kind: "Node", metadata: { name: "n1" } };
  const cases: [string, MatchResources, AdmissionRequest, boolean][] = [
    ["exact pods CREATE", rule({}), req({}), true],
    ["operation mismatch", rule({}), req({ operation: "DELETE" }), false],
    ["operation *", rule({ operations: ["*"] }), req({ operation: "DELETE" }), true],
    ["group mismatch", rule({ apiGroups: ["apps"] }), req({}), false],
    ["group *", rule({ apiGroups: ["*"] }), req({}), true],
    ["version *", rule({ apiVersions: ["*"] }), req({}), true],
    ["resource * (no subresources)", rule({ resources: ["*"] }), req({}), true],
    ["resource * vs subresource", rule({ resources: ["*"] }), req({ subResource: "status" }), false],
    ["pods/status vs status", rule({ resources: ["pods/status"] }), req({ subResource: "status" }), true],
    ["pods/status vs main resource", rule({ resources: ["pods/status"] }), req({}), false],
    ["pods vs status subresource", rule({ resources: ["pods"] }), req({ subResource: "status" }), false],
    ["pods/* vs status", rule({ resources: ["pods/*"] }), req({ subResource: "status" }), true],
    ["*/scale", rule({ apiGroups: ["apps"], resources: ["*/scale"], operations: ["UPDATE"] }), req({ object: deploy, operation: "UPDATE", subResource: "scale" }), true],
    ["*/scale vs status", rule({ apiGroups: ["apps"], resources: ["*/scale"] }), req({ object: deploy, subResource: "status" }), false],
    ["*/* any subresource", rule({ resources: ["*/*"] }), req({ subResource: "exec" }), true],
    ["*/* main resource", rule({ resources: ["*/*"] }), req({}), true],
    ["resourceNames hit", rule({ resourceNames: ["p"] }), req({}), true],
    ["resourceNames miss", rule({ resourceNames: ["other"] }), req({}), false],
    ["scope Namespaced vs pod", rule({ scope: "Namespaced" }), req({}), true],
    ["scope Cluster vs pod", rule({ scope: "Cluster" }), req({}), false],
    ["scope Cluster vs node", rule({ resources: ["nodes"], scope: "Cluster" }), req({ object: node }), true],
    ["scope Namespaced vs node", rule({ resources: ["nodes"], scope: "Namespaced" }), req({ object: node }), false],
    ["exclude wins", { ...rule({}), excludeResourceRules: [{ apiGroups: [""], apiVersions: ["*"], operations: ["*"], resources: ["pods"] }] }, req({}), false],
    ["exclude by name", { ...rule({}), excludeResourceRules: [{ apiGroups: [""], apiVersions: ["*"], operations: ["*"], resources: ["pods"], resourceNames: ["p"] }] }, req({}), false],
    ["exclude other name", { ...rule({}), excludeResourceRules: [{ apiGroups: [""], apiVersions: ["*"], operations: ["*"], resources: ["pods"], resourceNames: ["q"] }] }, req({}), true],
    ["no resourceRules = everything", {}, req({ object: cm }), true],
    ["Equivalent: extensions/v1beta1 rule matches apps/v1", rule({ apiGroups: ["extensions"], apiVersions: ["v1beta1"], resources: ["deployments"] }), req({ object: deploy }), true],
    ["Exact: extensions/v1beta1 rule misses apps/v1", { ...rule({ apiGroups: ["extensions"], apiVersions: ["v1beta1"], resources: ["deployments"] }), matchPolicy: "Exact" }, req({ object: deploy }), false],
    ["Equivalent default only across same resource", rule({ apiGroups: ["apps"], apiVersions: ["*"], resources: ["replicasets"] }), req({ object: deploy }), false],
  ];
  it.each(cases)("%s", (_n, mr, r, want) => expect(matches(mr, r, ctx()).matches).toBe(want));

  it("Equivalent reports the matched kind/resource", () => {
    const out = matches(rule({ apiGroups: ["extensions"], apiVersions: ["v1beta1"], resources: ["deployments"] }), req({ object: deploy }), ctx());
    expect(out).toEqual({
      matches: true,
      gvr: { group: "extensions", version: "v1beta1", resource: "deployments" },
      gvk: { group: "extensions", version: "v1beta1", kind: "Deployment" },
    });
  });
});

describe("namespace and object selectors", () => {
  const base: MatchResources = { resourceRules: [{ apiGroups: ["*"], apiVersions: ["*"], operations: ["*"], resources: ["*"] }] };
  const prodSel: LabelSelector = { matchLabels: { env: "prod" } };
  const nsReq = (labels: Record<string, string>): AdmissionRequest => req({ object: { apiVersion: "v1", kind: "Namespace", metadata: { name: "newns", labels } } });
  const node: KObject = { apiVersion: "v1", kind: "Node", metadata: { name: "n1" } };
  const cases: [string, MatchResources, AdmissionRequest, boolean][] = [
    ["namespaceSelector hit", { ...base, namespaceSelector: prodSel }, req({ object: pod("p", {}, {}, "prod") }), true],
    ["namespaceSelector miss", { ...base, namespaceSelector: prodSel }, req({ object: pod("p") }), false],
    ["namespaceSelector NotIn by name", { ...base, namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["default"] }] } }, req({ object: pod("p") }), false],
    ["Namespace object matched by its own labels", { ...base, namespaceSelector: prodSel }, nsReq({ env: "prod" }), true],
    ["Namespace object own labels miss", { ...base, namespaceSelector: prodSel }, nsReq({ env: "dev" }), false],
    ["cluster-scoped object never filtered", { ...base, namespaceSelector: prodSel }, req({ object: node }), true],
    ["objectSelector new object", { ...base, objectSelector: { matchLabels: { app: "x" } } }, req({ object: pod("p", { app: "x" }) }), true],
    ["objectSelector miss", { ...base, objectSelector: { matchLabels: { app: "x" } } }, req({ object: pod("p", { app: "y" }) }), false],
    [
      "objectSelector old object matches",
      { ...base, objectSelector: { matchLabels: { app: "x" } } },
      req({ object: pod("p", { app: "y" }), oldObject: pod("p", { app: "x" }), operation: "UPDATE" }),
      true,
    ],
    ["objectSelector null object never matches (DoesNotExist)", { ...base, objectSelector: { matchExpressions: [{ key: "a", operator: "DoesNotExist" }] } }, req({ object: null, oldObject: null, operation: "DELETE" }), false],
  ];
  it.each(cases)("%s", (_n, mr, r, want) => expect(matches(mr, r, ctx()).matches).toBe(want));
});

// ---------------------------------------------------------------------------------------------------------------
// Engine: these need the CEL front end.

const run = (i: Partial<EvaluateInput> & { request: AdmissionRequest }) =>
  evaluate({ policies: [], bindings: [], namespaces: [nsObj("default"), nsObj("prod", { env: "prod" })], ...i });

describe("engine decisions", () => {
  const noPrivileged = policy("no-priv", {
    validations: [{ expression: "object.spec.containers.all(c, !has(c.securityContext) || c.securityContext.privileged != true)", message: "privileged not allowed " }],
  });
  const privPod = pod("p", {}, { containers: [{ name: "c", image: "nginx", securityContext: { privileged: true } }] });

  it("admit / deny with message (trimmed) / skip when unmatched", () => {
    expect(run({ policies: [noPrivileged], request: req({}) }).verdict).toBe("admit");
    const d = run({ policies: [noPrivileged], request: req({ object: privPod }) });
    expect(d.verdict).toBe("deny");
    expect(d.messages).toEqual(["privileged not allowed"]);
    expect(d.results[0]).toMatchObject({ policy: "no-priv", binding: null, params: null, verdict: "deny" });
    expect(d.apiError).toEqual({
      message: `pods "p" is forbidden: ValidatingAdmissionPolicy 'no-priv' denied request: privileged not allowed`,
      code: 422,
      reason: "Invalid",
    });
    const cm = requestForObject({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } });
    const s = run({ policies: [noPrivileged], request: cm });
    expect(s.verdict).toBe("skip");
    expect(s.results[0]?.skipReason).toBe("matchConstraints");
  });

  const msgCases: [string, { expression?: string; message?: string; messageExpression?: string; reason?: string }, string, number?][] = [
    ["messageExpression wins", { messageExpression: "'bad ' + object.metadata.name", message: "static" }, "bad p"],
    ["messageExpression error falls back to message", { messageExpression: "object.metadata.nope", message: "static" }, "static"],
    ["messageExpression empty falls back", { messageExpression: "'  '", message: "static" }, "static"],
    ["no message: failed expression", { expression: " false " }, "failed expression: false"],
    ["messageExpression error, no message", { messageExpression: "object.nope" }, "failed expression: false"],
    ["reason Forbidden gives 403", { message: "m", reason: "Forbidden" }, "m", 403],
  ];
  it.each(msgCases)("%s", (_n, v, want, code) => {
    const p = policy("m", { validations: [{ expression: "false", ...v }] });
    const d = run({ policies: [p], request: req({}) });
    expect(d.verdict).toBe("deny");
    expect(d.messages).toEqual([want]);
    expect(d.apiError?.code).toBe(code ?? 422);
  });

  it("evaluation error → failurePolicy (Fail rejects with error text, Ignore admits)", () => {
    const spec = { validations: [{ expression: "object.spec.nope == 1" }] };
    const fail = run({ policies: [policy("e", spec)], request: req({}) });
    expect(fail.verdict).toBe("error");
    expect(fail.messages).toEqual(["expression 'object.spec.nope == 1' resulted in error: no such key: nope"]);
    const ign = run({ policies: [policy("e", { ...spec, failurePolicy: "Ignore" })], request: req({}) });
    expect(ign.verdict).toBe("admit");
    expect(ign.messages).toEqual([]);
  });

  it("compile error → every request hits failurePolicy; validatePolicy names field and column", () => {
    const p = policy("c", { validations: [{ expression: "true" }, { expression: "object.x ==" }] });
    const d = run({ policies: [p], request: req({}) });
    expect(d.verdict).toBe("error");
    const syntax =
      "Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}";
    const detail = `compilation failed: ERROR: <input>:1:12: ${syntax}\n | object.x ==\n | ...........^`;
    expect(d.messages).toEqual([`compilation error: ${detail}`]);
    expect(validatePolicy(p, "p.yaml")).toEqual([
      { policy: "c", file: "p.yaml", field: "spec.validations[1].expression", line: 1, column: 12, message: syntax, detail },
    ]);
    expect(validatePolicy(noPrivileged)).toEqual([]);
  });

  it("validation must be bool: type error at compile time", () => {
    const p = policy("t", { validations: [{ expression: "1 + 1" }] });
    expect(run({ policies: [p], request: req({}) }).messages).toEqual(["compilation error: must evaluate to bool but got int"]);
  });

  const mcCases: [string, string[], "Fail" | "Ignore", string][] = [
    ["all true → evaluate", ["true", "1 == 1"], "Fail", "deny"],
    ["one false → skip", ["true", "false"], "Fail", "skip"],
    ["false beats error", ["object.nope", "false"], "Fail", "skip"],
    ["error under Fail → error", ["object.nope", "true"], "Fail", "error"],
    ["error under Ignore → skip", ["object.nope", "true"], "Ignore", "skip"],
    ["two errors aggregate", ["object.nope", "object.spec.nope2"], "Fail", "error"],
  ];
  it.each(mcCases)("matchConditions: %s", (_n, conds, fp, want) => {
    const p = policy("mc", {
      failurePolicy: fp,
      matchConditions: conds.map((expression, i) => ({ name: `c${i}`, expression })),
      validations: [{ expression: "false", message: "no" }],
    });
    const d = run({ policies: [p], request: req({}) });
    expect(d.verdict).toBe(want);
    if (want === "skip") expect(d.results[0]?.skipReason).toBe("matchConditions");
    if (want === "error" && conds.length === 2 && conds[1] === "true") {
      expect(d.messages).toEqual(["expression 'object.nope' resulted in error: no such key: nope"]);
    } else if (want === "error") {
      expect(d.messages).toEqual([
        "[expression 'object.nope' resulted in error: no such key: nope, expression 'object.spec.nope2' resulted in error: no such key: nope2]",
      ]);
    }
  });

  it("variables are lazy: an erroring unused variable does not fail; a used one surfaces where used", () => {
    const vars = [
      { name: "bad", expression: "object.spec.nope" },
      { name: "name", expression: "object.metadata.name" },
      { name: "greeting", expression: "'hi ' + variables.name" },
    ];
    const ok = policy("v", { variables: vars, validations: [{ expression: "variables.greeting == 'hi p'" }] });
    expect(run({ policies: [ok], request: req({}) }).verdict).toBe("admit");
    const used = policy("v", { variables: vars, validations: [{ expression: "variables.bad == 1" }] });
    const d = run({ policies: [used], request: req({}) });
    expect(d.verdict).toBe("error");
    expect(d.messages).toEqual([
      `expression 'variables.bad == 1' resulted in error: composited variable "bad" fails to evaluate: no such key: nope`,
    ]);
    // absorbed by || like any CEL error
    const absorbed = policy("v", { variables: vars, validations: [{ expression: "true || variables.bad == 1" }] });
    expect(run({ policies: [absorbed], request: req({}) }).verdict).toBe("admit");
  });

  it("validationActions Warn and Audit do not reject; Deny does", () => {
    const p = policy("w", { validations: [{ expression: "false", message: "nope" }] });
    const warn = run({ policies: [p], bindings: [binding("w-b", { policyName: "w", validationActions: ["Warn", "Audit"] })], request: req({}) });
    expect(warn.verdict).toBe("admit");
    expect(warn.messages).toEqual([]);
    expect(warn.warnings).toEqual(["Validation failed for ValidatingAdmissionPolicy 'w' with binding 'w-b': nope"]);
    expect(JSON.parse(warn.results[0]!.auditAnnotations["validation.policy.admission.k8s.io/validation_failure"]!)).toEqual([
      { message: "nope", policy: "w", binding: "w-b", expressionIndex: 0, validationActions: ["Warn", "Audit"] },
    ]);
    const deny = run({ policies: [p], bindings: [binding("w-b", { policyName: "w", validationActions: ["Deny", "Audit"] })], request: req({}) });
    expect(deny.verdict).toBe("deny");
    expect(deny.apiError?.message).toBe(`pods "p" is forbidden: ValidatingAdmissionPolicy 'w' with binding 'w-b' denied request: nope`);
  });

  it("auditAnnotations: {policy}/{key}, null and empty omitted, wrong type is an error", () => {
    const p = policy("a", {
      validations: [{ expression: "true" }],
      auditAnnotations: [
        { key: "name", valueExpression: "'pod ' + object.metadata.name" },
        { key: "none", valueExpression: "null" },
        { key: "empty", valueExpression: "' '" },
      ],
    });
    const d = run({ policies: [p], request: req({}) });
    expect(d.verdict).toBe("admit");
    expect(d.results[0]?.auditAnnotations).toEqual({ "a/name": "pod p" });
    const typed = run({ policies: [policy("t", { validations: [{ expression: "true" }], auditAnnotations: [{ key: "k", valueExpression: "dyn(1)" }] })], request: req({}) });
    expect(typed.verdict).toBe("error");
    expect(typed.messages).toEqual(["valueExpression 'dyn(1)' resulted in unsupported return type: int. Return type must be either string or null."]);
    const compiled = run({ policies: [policy("t", { validations: [{ expression: "true" }], auditAnnotations: [{ key: "k", valueExpression: "1" }] })], request: req({}) });
    expect(compiled.messages).toEqual(["compilation error: must evaluate to one of [string null_type] but got int"]);
    const ignored = run({ policies: [policy("t", { failurePolicy: "Ignore", validations: [{ expression: "true" }], auditAnnotations: [{ key: "k", valueExpression: "object.nope" }] })], request: req({}) });
    expect(ignored.verdict).toBe("admit");
  });

  it("binding matchResources narrows the policy", () => {
    const p = policy("n", { validations: [{ expression: "false" }] });
    const b = binding("n-b", { policyName: "n", matchResources: { namespaceSelector: { matchLabels: { env: "prod" } } } });
    expect(run({ policies: [p], bindings: [b], request: req({}) }).verdict).toBe("skip");
    expect(run({ policies: [p], bindings: [b], request: req({ object: pod("p", {}, {}, "prod"), namespace: "prod" }) }).verdict).toBe("deny");
  });

  it("authorizer: default allows system:masters; a decision function; requestResource; not in messageExpression", () => {
    const p = policy("az", {
      validations: [
        {
          expression: "authorizer.requestResource.check('create').allowed() && authorizer.group('').resource('secrets').namespace('default').check('get').allowed()",
          messageExpression: "authorizer.path('/x').check('get').reason()",
          message: "not allowed",
        },
      ],
    });
    expect(run({ policies: [p], request: req({}) }).verdict).toBe("admit");
    const plain = req({ userInfo: { username: "bob", groups: ["system:authenticated"] } });
    const d = run({ policies: [p], request: plain });
    expect(d.verdict).toBe("deny");
    expect(d.messages).toEqual(["not allowed"]); // messageExpression may not use the authorizer: compile error → fallback
    const seen: string[] = [];
    const onlyPods = run({
      policies: [p],
      request: plain,
      authorizer: (a) => {
        seen.push(`${a.user.username} ${a.verb} ${a.group}/${a.resource} ${a.namespace}/${a.name}`);
        return { decision: a.resource === "pods" || a.resource === "secrets" ? "allow" : "noopinion" };
      },
    });
    expect(onlyPods.verdict).toBe("admit");
    expect(seen).toEqual(["bob create /pods default/p", "bob get /secrets default/"]);
  });

  it("policies are visited by name; several results", () => {
    const a = policy("b-second", { validations: [{ expression: "false", message: "B" }] });
    const b = policy("a-first", { validations: [{ expression: "false", message: "A" }] });
    const d = run({ policies: [a, b], request: req({}) });
    expect(d.results.map((r) => r.policy)).toEqual(["a-first", "b-second"]);
    expect(d.messages).toEqual(["A", "B"]);
  });
});

describe("params", () => {
  const cmParam = (name: string, ns: string | undefined, data: Record<string, string>, labels: Record<string, string> = {}): KObject => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, ...(ns ? { namespace: ns } : {}), labels },
    data,
  });
  const p = policy("max", {
    paramKind: { apiVersion: "v1", kind: "ConfigMap" },
    validations: [{ expression: "params == null || object.metadata.name != params.data.forbidden", messageExpression: "'name ' + object.metadata.name + ' forbidden by ' + params.metadata.name" }],
  });
  const params = [
    cmParam("cfg", "default", { forbidden: "p" }, { team: "a" }),
    cmParam("cfg2", "default", { forbidden: "q" }, { team: "a" }),
    cmParam("cfg", "prod", { forbidden: "other" }),
  ];
  const cases: [string, ValidatingAdmissionPolicyBinding["spec"]["paramRef"], AdmissionRequest, string, string[], (string | null)[]][] = [
    ["by name, namespace defaults to the request's", { name: "cfg", parameterNotFoundAction: "Deny" }, req({}), "deny", ["name p forbidden by cfg"], ["default/cfg"]],
    ["by name in another namespace", { name: "cfg", namespace: "prod", parameterNotFoundAction: "Deny" }, req({}), "admit", [], ["prod/cfg"]],
    ["selector with several params (ANDed)", { selector: { matchLabels: { team: "a" } }, parameterNotFoundAction: "Deny" }, req({}), "deny", ["name p forbidden by cfg"], ["default/cfg", "default/cfg2"]],
    ["selector {} = all in namespace", { selector: {}, parameterNotFoundAction: "Allow" }, req({}), "deny", ["name p forbidden by cfg"], ["default/cfg", "default/cfg2"]],
    ["not found + Allow → skip", { name: "missing", parameterNotFoundAction: "Allow" }, req({}), "skip", [], [null]],
    ["not found + Deny → failurePolicy", { name: "missing", parameterNotFoundAction: "Deny" }, req({}), "error", ["failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction"], [null]],
  ];
  it.each(cases)("%s", (_n, paramRef, request, verdict, messages, labels) => {
    const d = run({ policies: [p], bindings: [binding("max-b", { policyName: "max", paramRef })], params, request });
    expect(d.verdict).toBe(verdict);
    expect(d.messages).toEqual(messages);
    expect(d.results.map((r) => r.params)).toEqual(labels);
  });

  it("no paramRef → params null", () => {
    const d = run({ policies: [p], bindings: [binding("max-b", { policyName: "max" })], params, request: req({}) });
    expect(d.verdict).toBe("admit");
    expect(d.results[0]?.params).toBeNull();
  });

  it("namespaced paramKind with a cluster-scoped request and no namespace → configuration error", () => {
    const node = requestForObject({ apiVersion: "v1", kind: "Node", metadata: { name: "n" } });
    const pn = policy("maxn", { ...p.spec, matchConstraints: { resourceRules: [{ apiGroups: [""], apiVersions: ["*"], operations: ["*"], resources: ["nodes"] }] } });
    const d = run({ policies: [pn], bindings: [binding("b", { policyName: "maxn", paramRef: { name: "cfg", parameterNotFoundAction: "Allow" } })], params, request: node });
    expect(d.verdict).toBe("error");
    expect(d.messages).toEqual(["failed to configure binding: cannot use namespaced paramRef in policy binding that matches cluster-scoped resources"]);
  });

  it("unknown paramKind → failurePolicy (Fail: error, Ignore: skip)", () => {
    const spec = { ...p.spec, paramKind: { apiVersion: "example.com/v1", kind: "Missing" } };
    const d = run({ policies: [policy("u", spec)], request: req({}) });
    expect(d.verdict).toBe("error");
    expect(d.messages).toEqual(["failed to configure policy: failed to find resource referenced by paramKind: 'example.com/v1, Kind=Missing'"]);
    expect(d.apiError?.message).toBe(
      `pods "p" is forbidden: ValidatingAdmissionPolicy 'u' denied request: failed to configure policy: failed to find resource referenced by paramKind: 'example.com/v1, Kind=Missing'`,
    );
    expect(run({ policies: [policy("u", { ...spec, failurePolicy: "Ignore" })], request: req({}) }).verdict).toBe("skip");
  });

  it("implicit binding uses the param object of the kind", () => {
    const d = run({ policies: [p], params: [cmParam("only", "default", { forbidden: "p" })], request: req({}) });
    expect(d.verdict).toBe("deny");
    expect(d.results[0]).toMatchObject({ binding: null, params: "default/only" });
  });
});

describe("kinds", () => {
  const crd: KObject = {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "widgets.example.com" },
    spec: { group: "example.com", scope: "Cluster", names: { kind: "Widget", plural: "widgetz" }, versions: [{ name: "v1" }, { name: "v2" }] },
  };
  const cases: [string, KObject, KObject[], { resource: string; namespace?: string }][] = [
    ["core namespaced defaults to default", { apiVersion: "v1", kind: "Service", metadata: { name: "s" } }, [], { resource: "services", namespace: "default" }],
    ["cluster-scoped built-in", { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "r" } }, [], { resource: "clusterroles" }],
    ["irregular plural", { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "i", namespace: "web" } }, [], { resource: "ingresses", namespace: "web" }],
    ["well-known CRD", { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", metadata: { name: "g" } }, [], { resource: "gitrepositories", namespace: "default" }],
    ["CRD gives plural and scope", { apiVersion: "example.com/v2", kind: "Widget", metadata: { name: "w" } }, [crd], { resource: "widgetz" }],
    ["unknown kind: guessed plural, cluster-scoped without namespace", { apiVersion: "x.io/v1", kind: "Policy", metadata: { name: "p" } }, [], { resource: "policies" }],
  ];
  it.each(cases)("%s", (_n, obj, crds, want) => {
    const r = requestForObject(obj, { crds });
    expect(r.resource.resource).toBe(want.resource);
    expect(r.namespace).toBe(want.namespace);
  });
  it("CRD versions are equivalent for matchPolicy Equivalent", () => {
    const w = requestForObject({ apiVersion: "example.com/v2", kind: "Widget", metadata: { name: "w" } }, { crds: [crd] });
    const mr: MatchResources = { resourceRules: [{ apiGroups: ["example.com"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["widgetz"] }] };
    expect(matches(mr, w, { ...ctx(), kinds: kindRegistry([crd]) })).toMatchObject({ matches: true, gvk: { version: "v1", kind: "Widget" } });
    expect(matches({ ...mr, matchPolicy: "Exact" }, w, { ...ctx(), kinds: kindRegistry([crd]) }).matches).toBe(false);
  });
});

describe("loading fixtures", () => {
  it("splits documents and builds requests from bare objects and AdmissionReviews", () => {
    const dir = path.resolve(process.cwd(), "fixtures/vap");
    const docs = parseAllDocuments(readFileSync(path.join(dir, "params-policy.yaml"), "utf8")).map((d) => d.toJS() as unknown);
    const s = splitDocuments(docs);
    expect([s.policies.length, s.bindings.length, s.namespaces.length, s.crds.length, s.params.length]).toEqual([1, 1, 1, 1, 2]);
    const bare = requestFromDocument(parseAllDocuments(readFileSync(path.join(dir, "replicas-deployment.yaml"), "utf8"))[0]!.toJS());
    expect(bare).toMatchObject({
      operation: "CREATE",
      namespace: "default",
      kind: { group: "apps", version: "v1", kind: "Deployment" },
      resource: { group: "apps", version: "v1", resource: "deployments" },
      userInfo: { username: "kubernetes-admin", groups: ["system:masters", "system:authenticated"] },
    });
    expect(bare.object?.metadata?.namespace).toBe("default");
    const d = evaluate({ ...s, request: bare });
    expect(d.verdict).toBe("deny");
    expect(d.messages).toEqual(["replicas 7 exceeds 5 for team blue"]);
    const review = requestFromDocument(parseAllDocuments(readFileSync(path.join(dir, "review-update.yaml"), "utf8"))[0]!.toJS());
    expect(review.operation).toBe("UPDATE");
    expect(evaluate({ ...s, request: review }).verdict).toBe("admit");
  });
});
