// Gatekeeper ConstraintTemplate / Constraint model: what parses, what Gatekeeper rejects (with file:line), Rego
// line mapping back to the YAML file, parameter defaulting and schema checks.
import { describe, expect, it } from "vitest";
import { InputError, parseDocuments } from "../src/input/yaml.js";
import {
  applyDefaults,
  checkConstraintForTemplate,
  constraintParameters,
  parseConstraint,
  parseTemplate,
  regoFileLine,
  regoModules,
  schemaErrors,
  templateEngine,
  templateForConstraint,
} from "../converters/rego/gatekeeper/model.js";

const tdoc = (text: string) => parseTemplate(parseDocuments(text, "t.yaml")[0]!, text);
const cdoc = (text: string) => parseConstraint(parseDocuments(text, "c.yaml")[0]!);

function thrown(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error("expected an InputError");
}

const TEMPLATE = `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8sdisallowedtags
spec:
  crd:
    spec:
      names:
        kind: K8sDisallowedTags
      validation:
        openAPIV3Schema:
          type: object
          properties:
            tags:
              type: array
              items:
                type: string
            mode:
              type: string
              default: strict
            nested:
              type: object
              properties:
                flag:
                  type: boolean
                  default: true
  targets:
    - target: admission.k8s.gatekeeper.sh
      operations: [CREATE, UPDATE]
      rego: |
        package k8sdisallowedtags
        violation[{"msg": msg}] {
          msg := "x"
        }
      libs:
        - |
          package lib.helpers
          f(x) = x
      code:
        - engine: K8sNativeValidation
          source:
            generateVAP: true
            failurePolicy: Ignore
            matchCondition:
              - name: only-pods
                expression: 'true'
            variables:
              - name: containers
                expression: 'object.spec.containers'
            validations:
              - expression: 'true'
                messageExpression: '"x"'
`;

describe("ConstraintTemplate", () => {
  it("parses the legacy and multi-engine forms with lines", () => {
    const t = tdoc(TEMPLATE);
    expect(t.name).toBe("k8sdisallowedtags");
    expect(t.kind).toBe("K8sDisallowedTags");
    expect(t.targets[0]!.operations).toEqual(["CREATE", "UPDATE"]);
    const rego = t.targets[0]!.rego!;
    expect(rego.fromLegacyFields).toBe(true);
    expect(rego.version).toBe("v0");
    // `rego: |` sits on line 30: the module's first line is line 31.
    expect(rego.template.line).toBe(31);
    expect(rego.template.text.split("\n")[0]).toBe("package k8sdisallowedtags");
    expect(regoFileLine(rego.template, 3)).toBe(33);
    expect(rego.libs[0]!.line).toBe(37);
    expect(regoFileLine(rego.libs[0]!, 2)).toBe(38);
    const cel = t.targets[0]!.cel!;
    expect(cel.failurePolicy).toBe("Ignore");
    expect(cel.generateVAP).toBe(true);
    expect(cel.matchConditions).toEqual([{ name: "only-pods", expression: "true", line: 45 }]);
    expect(cel.variables.map((v) => v.name)).toEqual(["containers"]);
    expect(cel.validations[0]!.messageExpression).toBe('"x"');
    expect(cel.ignoredFields).toEqual([]);
    expect(tdoc(TEMPLATE.replace("matchCondition:", "matchConditions:")).targets[0]!.cel!).toMatchObject({ matchConditions: [], ignoredFields: ["matchConditions"] });
    expect(templateEngine(t)).toBe("K8sNativeValidation");
    expect(templateEngine(t, { k8sNativeValidation: false })).toBe("Rego");
    expect(regoModules(t)!.modules.map((m) => m.role)).toEqual(["template", "lib"]);
  });

  it("takes version v1 from code[Rego] and lets the legacy field override it (losing the version)", () => {
    const code = `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8sx}
spec:
  crd: {spec: {names: {kind: K8sX}}}
  targets:
  - target: admission.k8s.gatekeeper.sh
    code:
    - engine: Rego
      source:
        version: v1
        rego: |
          package k8sx
          violation contains {"msg": "m"} if true
`;
    const t = tdoc(code);
    expect(t.targets[0]!.rego!.version).toBe("v1");
    expect(t.targets[0]!.rego!.template.line).toBe(13);
    const both = code.replace("    code:", '    rego: "package legacy"\n    code:');
    const t2 = tdoc(both);
    expect(t2.targets[0]!.rego!.version).toBe("v0");
    expect(t2.targets[0]!.rego!.template.text).toBe("package legacy");
    expect(t2.targets[0]!.rego!.template.line).toBe(8);
  });

  it.each<[string, string, string, number]>([
    ["name ≠ lowercase kind", "metadata:\n  name: k8sdisallowedtags", "metadata:\n  name: other", 4],
    ["missing kind", "        kind: K8sDisallowedTags", "        kind: ''", 9],
    ["unknown target", "- target: admission.k8s.gatekeeper.sh", "- target: audit.example.com", 28],
    ["two targets", "  targets:\n", "  targets:\n    - target: admission.k8s.gatekeeper.sh\n", 27],
    ["reserved variable", "- name: containers", "- name: anyObject", 48],
    ["reserved match condition prefix", "- name: only-pods", "- name: gatekeeper_internal_x", 45],
    ["bad failure policy", "failurePolicy: Ignore", "failurePolicy: Sometimes", 43],
    ["unsupported version", "templates.gatekeeper.sh/v1", "templates.gatekeeper.sh/v2", 1],
    ["libs not strings", "        - |\n          package lib.helpers\n          f(x) = x\n", "        - 3\n", 36],
  ])("rejects: %s (file:line)", (_n, from, to, line) => {
    const e = thrown(() => tdoc(TEMPLATE.replace(from, to)));
    expect(e.file).toBe("t.yaml");
    expect(e.line).toBe(line);
  });

  it("the name check ignores case, as Gatekeeper's EqualFold does", () => {
    expect(tdoc(TEMPLATE.replace("name: k8sdisallowedtags", "name: K8sDisallowedTags")).name).toBe("K8sDisallowedTags");
  });

  it("a code entry of engine Rego without rego is an error", () => {
    const text = `apiVersion: templates.gatekeeper.sh/v1beta1
kind: ConstraintTemplate
metadata: {name: k8sx}
spec:
  crd: {spec: {names: {kind: K8sX}}}
  targets:
  - target: admission.k8s.gatekeeper.sh
    code:
    - engine: Rego
      source:
        libs: []
`;
    expect(thrown(() => tdoc(text)).message).toBe("t.yaml:10: rego source missing required field: rego");
  });
});

const CONSTRAINT = `apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sDisallowedTags
metadata:
  name: container-image-must-not-have-latest-tag
spec:
  enforcementAction: dryrun
  match:
    kinds:
      - apiGroups: [""]
        kinds: ["Pod"]
    namespaces: ["default", "kube-*"]
    excludedNamespaces: ["*-system"]
    scope: Namespaced
    name: "nginx-*"
    labelSelector:
      matchLabels: {app: web}
      matchExpressions:
        - {key: tier, operator: In, values: [a, b]}
    namespaceSelector:
      matchExpressions:
        - {key: env, operator: Exists}
  parameters:
    tags: ["latest"]
    nested: {}
`;

describe("Constraint", () => {
  it("parses match, action and parameters", () => {
    const c = cdoc(CONSTRAINT);
    expect(c.kind).toBe("K8sDisallowedTags");
    expect(c.enforcementAction).toBe("dryrun");
    expect(c.match).toEqual({
      kinds: [{ apiGroups: [""], kinds: ["Pod"] }],
      namespaces: ["default", "kube-*"],
      excludedNamespaces: ["*-system"],
      scope: "Namespaced",
      name: "nginx-*",
      labelSelector: { matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "In", values: ["a", "b"] }] },
      namespaceSelector: { matchExpressions: [{ key: "env", operator: "Exists" }] },
    });
    expect(cdoc(CONSTRAINT.replace("  enforcementAction: dryrun\n", "")).enforcementAction).toBe("deny");
    expect(cdoc(CONSTRAINT.replace(/ {2}match:[\s\S]*?(?= {2}parameters)/, "  match: null\n")).match).toBeUndefined();
  });

  it.each<[string, string, string, number]>([
    ["constraints.gatekeeper.sh/v1 is not a supported version", "constraints.gatekeeper.sh/v1beta1", "constraints.gatekeeper.sh/v1", 1],
    ["name not a DNS subdomain", "name: container-image-must-not-have-latest-tag", "name: Bad_Name", 4],
    ["name over 63 characters", "name: container-image-must-not-have-latest-tag", `name: ${"a".repeat(64)}`, 4],
    ["missing name", "  name: container-image-must-not-have-latest-tag\n", "  labels: {}\n", 3],
    ["namespace glob in the middle", '"kube-*"]', '"ku*be"]', 11],
    ["uppercase namespace", '["*-system"]', '["Kube"]', 12],
    ["bad selector operator", "operator: In", "operator: Has", 15],
    ["In without values", "operator: In, values: [a, b]", "operator: In", 15],
    ["Exists with values", "operator: Exists", "operator: Exists, values: [x]", 19],
    ["bad label value", "matchLabels: {app: web}", "matchLabels: {app: -web}", 15],
    ["bad source", "    scope: Namespaced\n", "    source: Mutated\n", 13],
    ["scoped without scopedEnforcementActions", "enforcementAction: dryrun", "enforcementAction: scoped", 6],
    ["kinds not a list", '      - apiGroups: [""]\n        kinds: ["Pod"]\n', "      Pod\n", 8],
  ])("rejects: %s (file:line)", (_n, from, to, line) => {
    const text = CONSTRAINT.replace(from, to);
    expect(text).not.toBe(CONSTRAINT);
    const e = thrown(() => cdoc(text));
    expect(e.file).toBe("c.yaml");
    expect(e.line).toBe(line);
  });

  it("scopedEnforcementActions", () => {
    const c = cdoc(
      CONSTRAINT.replace(
        "enforcementAction: dryrun",
        "enforcementAction: scoped\n  scopedEnforcementActions:\n    - action: warn\n      enforcementPoints:\n        - name: gator.gatekeeper.sh\n        - name: vap.k8s.io",
      ),
    );
    expect(c.scopedEnforcementActions).toEqual([{ action: "warn", enforcementPoints: ["gator.gatekeeper.sh", "vap.k8s.io"] }]);
  });
});

describe("constraint ↔ template", () => {
  const t = tdoc(TEMPLATE);
  it("finds the template by lowercase kind and checks the parameters", () => {
    const c = cdoc(CONSTRAINT);
    expect(templateForConstraint(c, [t])).toBe(t);
    expect(() => checkConstraintForTemplate(c, t)).not.toThrow();
    const bad = cdoc(CONSTRAINT.replace('tags: ["latest"]', "tags: latest"));
    const e = thrown(() => checkConstraintForTemplate(bad, t));
    expect(e.line).toBe(23);
    expect(e.detail).toMatch(/^schema validation failed: spec\.parameters\.tags: in body must be of type array/);
    const other = cdoc(CONSTRAINT.replace("kind: K8sDisallowedTags", "kind: K8sOther"));
    expect(templateForConstraint(other, [t])).toBeUndefined();
    expect(thrown(() => checkConstraintForTemplate(other, t)).detail).toBe('template "k8sother" not found');
  });

  it("input.parameters: defaults applied to present objects, {} when absent", () => {
    expect(constraintParameters(cdoc(CONSTRAINT), t)).toEqual({ tags: ["latest"], mode: "strict", nested: { flag: true } });
    expect(constraintParameters(cdoc(CONSTRAINT.replace(/ {2}parameters:[\s\S]*$/, "")), t)).toEqual({});
    expect(constraintParameters({ parameters: null }, t)).toEqual({});
  });

  it.each<[string, unknown, object, string[]]>([
    ["integer accepts whole numbers only", 1.5, { type: "integer" }, ['in body must be of type integer: "number"']],
    ["enum", "c", { type: "string", enum: ["a", "b"] }, ['Unsupported value: "c": supported values: "a", "b"']],
    ["required", {}, { type: "object", required: ["x"], properties: { x: { type: "string" } } }, ["Required value"]],
    ["int-or-string", true, { "x-kubernetes-int-or-string": true }, ['in body must be of type integer or string: "boolean"']],
    ["nested items", { a: [1, "x"] }, { type: "object", properties: { a: { type: "array", items: { type: "string" } } } }, ['in body must be of type string: "number"']],
    ["additionalProperties", { a: 1 }, { type: "object", additionalProperties: { type: "string" } }, ['in body must be of type string: "number"']],
    ["null needs nullable", null, { type: "string" }, ['in body must be of type string: "null"']],
    ["ok", { a: "x" }, { type: "object", properties: { a: { type: "string" } } }, []],
  ])("schema: %s", (_n, value, schema, messages) => {
    expect(schemaErrors(value as never, schema as never).map((e) => e.message)).toEqual(messages);
  });

  it("defaulting fills array items and additionalProperties", () => {
    const schema = { type: "object", properties: { xs: { type: "array", items: { type: "object", properties: { on: { type: "boolean", default: false } } } } }, additionalProperties: { type: "object", properties: { n: { type: "integer", default: 1 } } } };
    expect(applyDefaults({ xs: [{}, { on: true }], extra: {} }, schema as never)).toEqual({ xs: [{ on: false }, { on: true }], extra: { n: 1 } });
  });
});
