// The ValidatingAdmissionPolicy Gatekeeper itself generates from a template's hand-written CEL (`code[]` entry of
// engine K8sNativeValidation), with the binding it generates for one Constraint and the Constraint as the API server
// stores it (the binding's param). Used to replay the template's own CEL as a third opinion beside our conversion of
// the Rego and the Rego itself; never used for conversion.
//
// Shape, after Gatekeeper's pkg/drivers/k8scel/transform/make_vap_objects.go and cel_snippets.go (master):
//  * policy `gatekeeper-<template name>`, paramKind constraints.gatekeeper.sh/v1beta1 + the CRD kind;
//  * matchConstraints: Gatekeeper's fallback when it has no webhook configuration to copy — every resource, CREATE
//    and UPDATE (so a DELETE or CONNECT request never reaches the policy);
//  * matchConditions: the template's `matchCondition` entries first, then Gatekeeper's four matchers over the
//    Constraint's spec.match evaluated on `params` (excluded namespaces, namespaces, name, kinds). Global excluded /
//    exempted namespaces (Config resource, --exempt-namespace) and webhook match conditions are not added: there are
//    none in a gator run;
//  * variables: `anyObject` and `params` (= params.spec.parameters or null) first, then the template's variables;
//  * validations verbatim; failurePolicy from the source, else Fail (--default-k8s-native-validation-failure-policy);
//  * binding `gatekeeper-<lowercase kind>-<constraint>` (truncated to 253 with an 8-hex sha256 suffix), paramRef to
//    the Constraint by name with parameterNotFoundAction Allow, matchResources objectSelector = spec.match.labelSelector
//    and namespaceSelector = spec.match.namespaceSelector, validationActions from the enforcement action (deny → Deny,
//    warn → Warn, dryrun → Audit); `forReplay` forces [Deny] as a gator run reports violations whatever the action.
import { createHash } from "node:crypto";
import { evaluate } from "../../../src/vap/engine.js";
import { requestFromDocument } from "../../../src/vap/load.js";
import type { KObject, NamedExpression, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding, ValidationAction, Verdict } from "../../../src/vap/types.js";
import { constraintParameters, CONSTRAINT_GROUP, type CelCode, type Constraint, type ConstraintTemplate } from "./model.js";

export interface GatekeeperCelVap {
  policy: ValidatingAdmissionPolicy;
  binding: ValidatingAdmissionPolicyBinding;
  /** The Constraint as stored (parameters defaulted from the template's schema): the binding's param. */
  params: KObject;
  /** The template's `generateVAP` (undefined = Gatekeeper's --default-create-vap-for-templates, true since v3.20). */
  generateVAP?: boolean;
}

/** The K8sNativeValidation source of a template, if any. */
export function templateCel(template: ConstraintTemplate): CelCode | undefined {
  return template.targets.find((t) => t.cel)?.cel;
}

// Gatekeeper's matchers (cel_snippets.go). Globs become regexes by replacing `*` with `.*` — valid because the CRD
// pattern only allows a leading / trailing `*`. `oldObject` is there so a DELETE (object null) still matches.
const MATCH_KINDS = `!has(params.spec) ? true : (
  !has(params.spec.match) ? true : (
    !has(params.spec.match.kinds) ? true : (
      params.spec.match.kinds.exists(groupskinds,
        (!has(groupskinds.kinds) || size(groupskinds.kinds) == 0 || "*" in groupskinds.kinds || request.kind.kind in groupskinds.kinds) &&
        (!has(groupskinds.apiGroups) || size(groupskinds.apiGroups) == 0 || "*" in groupskinds.apiGroups || request.kind.group in groupskinds.apiGroups)
      )
    )
  )
)`;

const MATCH_NAME = `!has(params.spec) ? true : (
  !has(params.spec.match) ? true : (
    !has(params.spec.match.name) ? true : (
      [object, oldObject].exists(obj,
        obj != null && (
          (has(obj.metadata.generateName) && obj.metadata.generateName != "" && params.spec.match.name.endsWith("*") && string(obj.metadata.generateName).matches("^" + string(params.spec.match.name).replace("*", ".*") + "$")) ||
          (has(obj.metadata.name) && string(obj.metadata.name).matches("^" + string(params.spec.match.name).replace("*", ".*") + "$"))
        )
      )
    )
  )
)`;

/** Namespaces (`negate` false) or excludedNamespaces (`negate` true): cluster-scoped objects always match. */
const matchNamespaces = (field: "namespaces" | "excludedNamespaces", negate: boolean): string => `!has(params.spec) ? true : (
  !has(params.spec.match) ? true : (
    !has(params.spec.match.${field}) ? true : (
      [object, oldObject].exists(obj,
        obj != null && (
          !has(obj.metadata.namespace) || obj.metadata.namespace == "" ? true : (
            ${negate ? "!" : ""}params.spec.match.${field}.exists(nsMatcher,
              (string(obj.metadata.namespace).matches("^" + string(nsMatcher).replace("*", ".*") + "$"))
            )
          )
        )
      )
    )
  )
)`;

/** Gatekeeper's own match conditions, in its order (AllMatchersV1Beta1). */
export const GATEKEEPER_MATCHERS: readonly NamedExpression[] = [
  { name: "gatekeeper_internal_match_excluded_namespaces", expression: matchNamespaces("excludedNamespaces", true) },
  { name: "gatekeeper_internal_match_namespaces", expression: matchNamespaces("namespaces", false) },
  { name: "gatekeeper_internal_match_name", expression: MATCH_NAME },
  { name: "gatekeeper_internal_match_kinds", expression: MATCH_KINDS },
];

/** The variables Gatekeeper binds before the template's (AllVariablesV1Beta1). */
export const GATEKEEPER_VARIABLES: readonly NamedExpression[] = [
  { name: "anyObject", expression: 'has(request.operation) && request.operation == "DELETE" && object == null ? oldObject : object' },
  { name: "params", expression: "!has(params.spec) ? null : !has(params.spec.parameters) ? null : params.spec.parameters" },
];

const DNS1123_SUBDOMAIN_MAX = 253;

/** GetVAPBindingName: `gatekeeper-<lowercase kind>-<name>`, cut to 253 characters with an 8-hex sha256 suffix. */
export function gatekeeperBindingName(kind: string, constraintName: string): string {
  const name = `gatekeeper-${kind.toLowerCase()}-${constraintName}`;
  if (name.length <= DNS1123_SUBDOMAIN_MAX) return name;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 8);
  return `${name.slice(0, DNS1123_SUBDOMAIN_MAX - hash.length - 1).replace(/[-.]+$/, "")}-${hash}`;
}

const ACTIONS: Record<string, ValidationAction> = { deny: "Deny", warn: "Warn", dryrun: "Audit" };

/**
 * The Constraint as the API server stores it: its parameters defaulted from the template's schema. Absent
 * parameters stay absent (the CRD has no default for `spec.parameters`), so the CEL sees `variables.params` null —
 * unlike Rego, which sees {}.
 */
export function storedConstraint(constraint: Constraint, template: ConstraintTemplate): KObject {
  const doc = structuredClone(constraint.doc.doc) as KObject & { spec?: Record<string, unknown> };
  if (constraint.parameters === undefined || constraint.parameters === null) return doc;
  return { ...doc, spec: { ...(doc.spec ?? {}), parameters: constraintParameters(constraint, template) } };
}

/**
 * The VAP, binding and param Gatekeeper generates for a template's CEL and one of its Constraints; undefined when
 * the template has no K8sNativeValidation code. `forReplay` forces the binding's validationActions to [Deny].
 */
export function gatekeeperCelVap(template: ConstraintTemplate, constraint: Constraint, opts: { forReplay?: boolean } = {}): GatekeeperCelVap | undefined {
  const cel = templateCel(template);
  if (!cel) return undefined;
  const policyName = `gatekeeper-${template.name}`;
  const policy: ValidatingAdmissionPolicy = {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    metadata: { name: policyName },
    spec: {
      paramKind: { apiVersion: `${CONSTRAINT_GROUP}/v1beta1`, kind: template.kind },
      matchConstraints: {
        resourceRules: [{ apiGroups: ["*"], apiVersions: ["*"], resources: ["*"], operations: ["CREATE", "UPDATE"] }],
      },
      matchConditions: [...cel.matchConditions.map(({ name, expression }) => ({ name, expression })), ...GATEKEEPER_MATCHERS.map((m) => ({ ...m }))],
      variables: [...GATEKEEPER_VARIABLES.map((v) => ({ ...v })), ...cel.variables.map(({ name, expression }) => ({ name, expression }))],
      validations: cel.validations.map((v) => ({
        expression: v.expression,
        ...(v.message !== undefined ? { message: v.message } : {}),
        ...(v.messageExpression !== undefined ? { messageExpression: v.messageExpression } : {}),
      })),
      failurePolicy: cel.failurePolicy ?? "Fail",
    },
  };

  const actions: ValidationAction[] = opts.forReplay
    ? ["Deny"]
    : constraint.enforcementAction === "scoped"
      ? [...new Set((constraint.scopedEnforcementActions ?? []).filter((s) => s.enforcementPoints.some((p) => p === "vap.k8s.io" || p === "*")).map((s) => ACTIONS[s.action]).filter((a): a is ValidationAction => !!a))]
      : [ACTIONS[constraint.enforcementAction] ?? "Deny"];
  const matchResources: NonNullable<ValidatingAdmissionPolicyBinding["spec"]["matchResources"]> = {};
  if (constraint.match?.labelSelector) matchResources.objectSelector = structuredClone(constraint.match.labelSelector);
  if (constraint.match?.namespaceSelector) matchResources.namespaceSelector = structuredClone(constraint.match.namespaceSelector);
  const binding: ValidatingAdmissionPolicyBinding = {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicyBinding",
    metadata: { name: gatekeeperBindingName(constraint.kind, constraint.name) },
    spec: {
      policyName: `gatekeeper-${constraint.kind.toLowerCase()}`,
      paramRef: { name: constraint.name, parameterNotFoundAction: "Allow" },
      matchResources,
      validationActions: actions,
    },
  };
  const out: GatekeeperCelVap = { policy, binding, params: storedConstraint(constraint, template) };
  if (cel.generateVAP !== undefined) out.generateVAP = cel.generateVAP;
  return out;
}

/**
 * The verdict of Gatekeeper's CEL VAP on one case object (a plain object is a CREATE, an AdmissionReview its
 * request), namespaces from the case inventory plus the request's own namespace, as `vapVerdict` of
 * converters/rego/convert/replay.ts evaluates our converted policy.
 */
export function celVapVerdict(vap: GatekeeperCelVap, objectDoc: unknown, inventory: readonly KObject[] = []): { verdict: Verdict; messages: string[]; skipReasons: string[] } {
  const request = requestFromDocument(objectDoc);
  const namespaces = inventory.filter((o) => o.kind === "Namespace");
  const ns = request.namespace;
  const withOwn = ns && !namespaces.some((n) => n.metadata?.name === ns) ? [...namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels: { "kubernetes.io/metadata.name": ns } } }] : namespaces;
  const decision = evaluate({ policies: [vap.policy], bindings: [vap.binding], namespaces: withOwn, params: [vap.params], request });
  return { verdict: decision.verdict, messages: decision.messages, skipReasons: decision.results.flatMap((r) => (r.skipReason ? [r.skipReason] : [])) };
}
