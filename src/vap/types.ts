// TypeScript shapes of the admission objects the offline VAP engine consumes and produces:
// ValidatingAdmissionPolicy / binding (admissionregistration.k8s.io/v1), MutatingAdmissionPolicy (placeholder for
// the later MAP work), admission.k8s.io/v1 AdmissionRequest, and the engine's Decision / PolicyResult output.

export type JSONValue = string | number | boolean | null | JSONValue[] | { [k: string]: JSONValue };

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [k: string]: unknown;
}

/** Any Kubernetes object as parsed from YAML/JSON. */
export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [k: string]: unknown;
}

export type LabelSelectorOperator = "In" | "NotIn" | "Exists" | "DoesNotExist";

export interface LabelSelectorRequirement {
  key: string;
  operator: LabelSelectorOperator;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export type Operation = "CREATE" | "UPDATE" | "DELETE" | "CONNECT";

export interface NamedRuleWithOperations {
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  operations?: string[];
  scope?: "Cluster" | "Namespaced" | "*";
  resourceNames?: string[];
}

export type MatchPolicy = "Exact" | "Equivalent";

export interface MatchResources {
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
  resourceRules?: NamedRuleWithOperations[];
  excludeResourceRules?: NamedRuleWithOperations[];
  matchPolicy?: MatchPolicy;
}

export interface Validation {
  expression: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
}

export interface NamedExpression {
  name: string;
  expression: string;
}

export interface AuditAnnotation {
  key: string;
  valueExpression: string;
}

export interface ParamKind {
  apiVersion: string;
  kind: string;
}

export type FailurePolicy = "Fail" | "Ignore";

export interface ValidatingAdmissionPolicySpec {
  paramKind?: ParamKind;
  matchConstraints?: MatchResources;
  validations?: Validation[];
  failurePolicy?: FailurePolicy;
  auditAnnotations?: AuditAnnotation[];
  matchConditions?: NamedExpression[];
  variables?: NamedExpression[];
}

export interface ValidatingAdmissionPolicy extends KObject {
  spec: ValidatingAdmissionPolicySpec;
}

export interface ParamRef {
  name?: string;
  namespace?: string;
  selector?: LabelSelector;
  parameterNotFoundAction?: "Allow" | "Deny";
}

export type ValidationAction = "Deny" | "Warn" | "Audit";

export interface ValidatingAdmissionPolicyBindingSpec {
  policyName: string;
  paramRef?: ParamRef;
  matchResources?: MatchResources;
  validationActions?: ValidationAction[];
}

export interface ValidatingAdmissionPolicyBinding extends KObject {
  spec: ValidatingAdmissionPolicyBindingSpec;
}

/** MutatingAdmissionPolicy (v1, 1.36): typed now so load.ts can sort it; applied by a later MAP stage. */
export interface Mutation {
  patchType: "ApplyConfiguration" | "JSONPatch";
  applyConfiguration?: { expression: string };
  jsonPatch?: { expression: string };
}

export interface MutatingAdmissionPolicySpec {
  paramKind?: ParamKind;
  matchConstraints?: MatchResources;
  variables?: NamedExpression[];
  mutations?: Mutation[];
  failurePolicy?: FailurePolicy;
  matchConditions?: NamedExpression[];
  reinvocationPolicy?: "Never" | "IfNeeded";
}

export interface MutatingAdmissionPolicy extends KObject {
  spec: MutatingAdmissionPolicySpec;
}

export interface MutatingAdmissionPolicyBinding extends KObject {
  spec: { policyName: string; paramRef?: ParamRef; matchResources?: MatchResources };
}

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

export interface UserInfo {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** admission.k8s.io/v1 AdmissionRequest. */
export interface AdmissionRequest {
  uid?: string;
  kind: GroupVersionKind;
  resource: GroupVersionResource;
  subResource?: string;
  requestKind?: GroupVersionKind;
  requestResource?: GroupVersionResource;
  requestSubResource?: string;
  name?: string;
  namespace?: string;
  operation: Operation;
  userInfo?: UserInfo;
  object?: KObject | null;
  oldObject?: KObject | null;
  dryRun?: boolean;
  options?: KObject | null;
}

export type Verdict = "admit" | "deny" | "error" | "skip";

export type SkipReason =
  | "matchConstraints"
  | "matchResources"
  | "matchConditions"
  | "paramNotFound"
  /** A configuration error (unknown paramKind, missing param with Deny, …) under failurePolicy Ignore. */
  | "configurationError";

/** One (policy, binding, param) evaluation. */
export interface PolicyResult {
  policy: string;
  /** null for the implicit binding of a policy that has no binding among the inputs. */
  binding: string | null;
  /** "ns/name" for a namespaced param, "name" for a cluster-scoped one, null without params. */
  params: string | null;
  verdict: Verdict;
  /** Messages of the failed validations / errors of this evaluation, in validation order (whatever the actions). */
  messages: string[];
  /** HTTP 299 warnings this evaluation produced (validationActions Warn). */
  warnings: string[];
  /** Audit annotations published: `{policy}/{key}` and `validation.policy.admission.k8s.io/validation_failure`. */
  auditAnnotations: Record<string, string>;
  skipReason?: SkipReason;
  /** Status reason of the first failed validation (Invalid by default). */
  reason?: string;
  /** Runtime CEL cost of this evaluation (cel-go ActualCost): matchConditions, validations, messageExpressions and
   *  auditAnnotations with the variables they evaluated, the expression that ran out of budget included. */
  cost: number;
  /** Each evaluated expression's and variable's own runtime cost by field path (`spec.validations[0].expression`,
   *  `spec.variables[0].expression`, …); only with EvaluateInput.expressionCosts. */
  expressionCosts?: Record<string, number>;
}

export interface ApiError {
  message: string;
  code: number;
  reason: string;
}

export interface Decision {
  verdict: Verdict;
  results: PolicyResult[];
  /** Messages of the rejecting decisions (Deny action), in order; empty when admitted. */
  messages: string[];
  warnings: string[];
  /** The API server's rejection, when rejected. */
  apiError: ApiError | null;
  /** Total runtime CEL cost of all results. */
  cost: number;
}
