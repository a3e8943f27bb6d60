// Typed model of Kyverno policies as the converter and the Kyverno engine read them: ClusterPolicy / Policy
// (kyverno.io/v1, v2beta1) with their rules, and the CEL-native ValidatingPolicy / NamespacedValidatingPolicy
// (policies.kyverno.io). Patterns, condition keys/values and foreach lists stay JSON: their meaning (anchors,
// operators, `{{ }}` variables) belongs to the engine and the lowering. Every rule and policy keeps its file:line.

/** JSON value as decoded from YAML. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

export interface Located {
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based lines of the fields of a rule, keyed `validate`, `validate.pattern`, `context.<entry>`, `preconditions` … */
  fieldLines?: Readonly<Record<string, number>>;
}

/** `match.any[]` / `exclude.all[]` entry, or the legacy single `match.resources` block. */
export interface ResourceDescription {
  kinds?: string[];
  name?: string;
  names?: string[];
  namespaces?: string[];
  annotations?: Record<string, string>;
  selector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  operations?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface Subject {
  kind: string;
  name: string;
  namespace?: string;
  apiGroup?: string;
}

export interface ResourceFilter {
  resources?: ResourceDescription;
  subjects?: Subject[];
  roles?: string[];
  clusterRoles?: string[];
}

/** `match` / `exclude`: any (some filter matches), all (every filter matches), or one legacy filter. */
export interface MatchBlock {
  any?: ResourceFilter[];
  all?: ResourceFilter[];
  /** Legacy form: `match.resources` (+ subjects/roles/clusterRoles beside it). */
  legacy?: ResourceFilter;
}

export interface Condition {
  key: JsonValue;
  operator: string;
  value?: JsonValue;
  message?: string;
}

/** `{any, all}` blocks, or the legacy list (all must hold). */
export interface Conditions {
  any?: Condition[];
  all?: Condition[];
}

/** A `context` entry; only `name` and which source it uses are modelled, the rest stays JSON. */
export interface ContextEntry {
  name: string;
  kind: "variable" | "configMap" | "apiCall" | "globalReference" | "imageRegistry" | "unknown";
  spec: JsonValue;
}

export interface PodSecurityExclude {
  controlName: string;
  images?: string[];
  restrictedField?: string;
  values?: string[];
}

export interface PodSecurity {
  level: "privileged" | "baseline" | "restricted";
  version: string;
  exclude: PodSecurityExclude[];
}

export interface CelValidation {
  expression: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
}

export interface CelRule {
  expressions: CelValidation[];
  variables: { name: string; expression: string }[];
  auditAnnotations: { key: string; valueExpression: string }[];
  paramKind?: { apiVersion: string; kind: string };
  paramRef?: JsonValue;
  generate?: boolean;
}

export interface ForEach {
  list: string;
  elementScope?: boolean;
  context: ContextEntry[];
  preconditions?: Conditions;
  pattern?: JsonValue;
  anyPattern?: JsonValue[];
  deny?: { conditions?: Conditions };
  foreach?: ForEach[];
}

export interface Validate {
  message?: string;
  failureAction?: "Audit" | "Enforce";
  allowExistingViolations?: boolean;
  pattern?: JsonValue;
  anyPattern?: JsonValue[];
  deny?: { conditions?: Conditions };
  foreach?: ForEach[];
  podSecurity?: PodSecurity;
  cel?: CelRule;
  /** Present when the rule uses `manifests` (signed YAML): a gap. */
  manifests?: JsonValue;
}

export interface KyvernoRule {
  name: string;
  source: Located;
  match: MatchBlock;
  exclude?: MatchBlock;
  preconditions?: Conditions;
  context: ContextEntry[];
  /** CEL preconditions (`celPreconditions`) of validate.cel rules. */
  celPreconditions: { name: string; expression: string }[];
  validate?: Validate;
  /** Which non-validate rule types are present (mutate, generate, verifyImages): each a gap, never dropped. */
  otherTypes: ("mutate" | "generate" | "verifyImages")[];
}

/** kyverno.io ClusterPolicy or (namespaced) Policy. */
export interface ClusterPolicy {
  kind: "ClusterPolicy" | "Policy";
  apiVersion: string;
  name: string;
  namespace?: string;
  annotations: Record<string, string>;
  source: Located;
  validationFailureAction: "Audit" | "Enforce";
  background: boolean;
  failurePolicy: "Fail" | "Ignore";
  /** `applyRules: One` stops at the first rule that applies. */
  applyRules: "All" | "One";
  rules: KyvernoRule[];
}

/** policies.kyverno.io ValidatingPolicy (VAP-shaped; CEL with Kyverno libraries). */
export interface ValidatingPolicy {
  kind: "ValidatingPolicy" | "NamespacedValidatingPolicy";
  apiVersion: string;
  name: string;
  namespace?: string;
  annotations: Record<string, string>;
  source: Located;
  /** The spec as written (matchConstraints, matchConditions, variables, validations, auditAnnotations, …). */
  spec: { [k: string]: JsonValue };
}

export type KyvernoPolicy = ClusterPolicy | ValidatingPolicy;

export const isClusterPolicy = (p: KyvernoPolicy): p is ClusterPolicy => p.kind === "ClusterPolicy" || p.kind === "Policy";
