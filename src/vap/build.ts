// Builders for admissionregistration objects from IR pieces: ValidatingAdmissionPolicy (+Binding) and
// MutatingAdmissionPolicy (+Binding) from already emitted parts (src/emit builds the CEL).
// Plain JSON objects with a fixed key order (deterministic YAML/JSON output). No evaluation here.
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export type ValidationAction = "Deny" | "Warn" | "Audit";

export interface NamedExpr {
  name: string;
  expression: string;
}

export interface Validation {
  expression: string;
  message?: string;
  messageExpression?: string;
  reason?: "Unauthorized" | "Forbidden" | "Invalid" | "RequestEntityTooLarge";
}


export interface VapSpec {
  name: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** matchConstraints, as emitted (src/emit emitMatch). */
  matchConstraints: { [k: string]: Json };
  failurePolicy?: "Fail" | "Ignore";
  matchConditions?: NamedExpr[];
  variables?: NamedExpr[];
  validations: Validation[];
  paramKind?: { apiVersion: string; kind: string };
}

function meta(name: string, labels?: Record<string, string>, annotations?: Record<string, string>): { [k: string]: Json } {
  const m: { [k: string]: Json } = { name };
  if (labels && Object.keys(labels).length) m.labels = labels;
  if (annotations && Object.keys(annotations).length) m.annotations = annotations;
  return m;
}

export function buildVap(v: VapSpec): { [k: string]: Json } {
  const spec: { [k: string]: Json } = { failurePolicy: v.failurePolicy ?? "Fail" };
  if (v.paramKind) spec.paramKind = v.paramKind;
  spec.matchConstraints = v.matchConstraints;
  if (v.matchConditions?.length) spec.matchConditions = v.matchConditions.map((m) => ({ name: m.name, expression: m.expression }));
  if (v.variables?.length) spec.variables = v.variables.map((m) => ({ name: m.name, expression: m.expression }));
  spec.validations = v.validations.map((x) => {
    const o: { [k: string]: Json } = { expression: x.expression };
    if (x.message !== undefined) o.message = x.message;
    if (x.messageExpression !== undefined) o.messageExpression = x.messageExpression;
    if (x.reason !== undefined) o.reason = x.reason;
    return o;
  });
  return { apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingAdmissionPolicy", metadata: meta(v.name, v.labels, v.annotations), spec };
}

/** A binding's paramRef (one named param object; no namespace = the request's namespace for a namespaced kind). */
export interface ParamRefSpec {
  name?: string;
  selector?: { [k: string]: Json };
  namespace?: string;
  parameterNotFoundAction: "Deny" | "Allow";
}

export function buildVapBinding(b: { name: string; policyName: string; actions: ValidationAction[]; labels?: Record<string, string>; matchResources?: { [k: string]: Json }; paramRef?: ParamRefSpec }): { [k: string]: Json } {
  if (b.actions.includes("Deny") && b.actions.includes("Warn")) throw new Error("validationActions Deny and Warn cannot be combined");
  const spec: { [k: string]: Json } = { policyName: b.policyName, validationActions: [...new Set(b.actions)].sort() };
  if (b.paramRef) {
    const r = b.paramRef;
    spec.paramRef = { ...(r.name !== undefined ? { name: r.name } : {}), ...(r.selector ? { selector: r.selector } : {}), ...(r.namespace !== undefined ? { namespace: r.namespace } : {}), parameterNotFoundAction: r.parameterNotFoundAction };
  }
  if (b.matchResources) spec.matchResources = b.matchResources;
  return { apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingAdmissionPolicyBinding", metadata: meta(b.name, b.labels), spec };
}

export type MapApiVersion = "admissionregistration.k8s.io/v1" | "admissionregistration.k8s.io/v1beta1" | "admissionregistration.k8s.io/v1alpha1";

export interface MapSpec {
  name: string;
  apiVersion: MapApiVersion;
  labels?: Record<string, string>;
  matchConstraints: { [k: string]: Json };
  failurePolicy?: "Fail" | "Ignore";
  matchConditions?: NamedExpr[];
  variables?: NamedExpr[];
  mutations: { patchType: "JSONPatch" | "ApplyConfiguration"; expression: string }[];
  reinvocationPolicy?: "Never" | "IfNeeded";
}

export function buildMap(m: MapSpec): { [k: string]: Json } {
  const spec: { [k: string]: Json } = { failurePolicy: m.failurePolicy ?? "Fail" };
  spec.matchConstraints = m.matchConstraints;
  if (m.matchConditions?.length) spec.matchConditions = m.matchConditions.map((x) => ({ name: x.name, expression: x.expression }));
  if (m.variables?.length) spec.variables = m.variables.map((x) => ({ name: x.name, expression: x.expression }));
  spec.mutations = m.mutations.map((x): Json =>
    x.patchType === "JSONPatch"
      ? { patchType: "JSONPatch", jsonPatch: { expression: x.expression } }
      : { patchType: "ApplyConfiguration", applyConfiguration: { expression: x.expression } },
  );
  spec.reinvocationPolicy = m.reinvocationPolicy ?? "Never";
  return { apiVersion: m.apiVersion, kind: "MutatingAdmissionPolicy", metadata: meta(m.name, m.labels), spec };
}

export function buildMapBinding(b: { name: string; policyName: string; apiVersion: MapApiVersion; labels?: Record<string, string> }): { [k: string]: Json } {
  return { apiVersion: b.apiVersion, kind: "MutatingAdmissionPolicyBinding", metadata: meta(b.name, b.labels), spec: { policyName: b.policyName } };
}
