// The structural schema of the admissionregistration.k8s.io objects we read (ValidatingAdmissionPolicy, its binding,
// MutatingAdmissionPolicy, its binding; every served version) and of ObjectMeta: which fields exist and what type
// each holds. `structuralIssues` checks a decoded document against it the way kubectl's strict decoding does
// (sigs.k8s.io/yaml → JSON → the Go types with field validation Strict): a value of the wrong type and a field the
// type does not have are errors. Semantic rules (enums, names, sizes, CEL) live in validate-output.ts.

/** A field's type: a scalar, a list or string-keyed map of a type, an object with known fields, or anything. */
export type FieldSchema =
  | "string"
  | "integer"
  | "boolean"
  | "any"
  | { list: FieldSchema }
  | { map: FieldSchema }
  /** An object with these fields; `open`: it may carry others too (an envelope whose body is not ours to judge). */
  | { fields: Readonly<Record<string, FieldSchema>>; open?: boolean };

const strings: FieldSchema = { list: "string" };
const stringMap: FieldSchema = { map: "string" };

const labelSelector: FieldSchema = {
  fields: {
    matchLabels: stringMap,
    matchExpressions: { list: { fields: { key: "string", operator: "string", values: strings } } },
  },
};

const objectMeta: FieldSchema = {
  fields: {
    name: "string",
    generateName: "string",
    namespace: "string",
    selfLink: "string",
    uid: "string",
    resourceVersion: "string",
    generation: "integer",
    creationTimestamp: "any",
    deletionTimestamp: "any",
    deletionGracePeriodSeconds: "integer",
    labels: stringMap,
    annotations: stringMap,
    ownerReferences: { list: "any" },
    finalizers: strings,
    managedFields: { list: "any" },
  },
};

const rule: FieldSchema = {
  fields: { resourceNames: strings, operations: strings, apiGroups: strings, apiVersions: strings, resources: strings, scope: "string" },
};

const matchResources: FieldSchema = {
  fields: {
    namespaceSelector: labelSelector,
    objectSelector: labelSelector,
    resourceRules: { list: rule },
    excludeResourceRules: { list: rule },
    matchPolicy: "string",
  },
};

const named = (...extra: string[]): FieldSchema => ({ fields: Object.fromEntries(["name", "expression", ...extra].map((f) => [f, "string"])) });
const paramKind: FieldSchema = { fields: { apiVersion: "string", kind: "string" } };
const paramRef: FieldSchema = { fields: { name: "string", namespace: "string", selector: labelSelector, parameterNotFoundAction: "string" } };

const policyCommon = {
  paramKind,
  matchConstraints: matchResources,
  matchConditions: { list: named() },
  variables: { list: named() },
  failurePolicy: "string",
} as const satisfies Record<string, FieldSchema>;

const vapSpec: FieldSchema = {
  fields: {
    ...policyCommon,
    validations: { list: { fields: { expression: "string", message: "string", reason: "string", messageExpression: "string" } } },
    auditAnnotations: { list: { fields: { key: "string", valueExpression: "string" } } },
  },
};

const mapSpec: FieldSchema = {
  fields: {
    ...policyCommon,
    mutations: {
      list: { fields: { patchType: "string", applyConfiguration: { fields: { expression: "string" } }, jsonPatch: { fields: { expression: "string" } } } },
    },
    reinvocationPolicy: "string",
  },
};

const bindingCommon = { policyName: "string", paramRef, matchResources } as const satisfies Record<string, FieldSchema>;

const object = (spec: FieldSchema): FieldSchema => ({
  fields: { apiVersion: "string", kind: "string", metadata: objectMeta, spec, status: "any" },
});

/** The schema of each admissionregistration kind we read (the same field set in v1alpha1, v1beta1 and v1). */
export const ADMISSION_SCHEMAS: Readonly<Record<string, FieldSchema>> = {
  ValidatingAdmissionPolicy: object(vapSpec),
  ValidatingAdmissionPolicyBinding: object({ fields: { ...bindingCommon, validationActions: strings } }),
  MutatingAdmissionPolicy: object(mapSpec),
  MutatingAdmissionPolicyBinding: object({ fields: bindingCommon }),
};

/** Any object's envelope: apiVersion and kind strings and a well-typed metadata; the rest is not ours to judge. */
export const ENVELOPE_SCHEMA: FieldSchema = { fields: { apiVersion: "string", kind: "string", metadata: objectMeta }, open: true };

const gvk: FieldSchema = { fields: { group: "string", version: "string", kind: "string" } };
const gvr: FieldSchema = { fields: { group: "string", version: "string", resource: "string" } };

/** admission.k8s.io AdmissionReview (v1, v1beta1) as a request document: its request; a response is not input. */
export const ADMISSION_REVIEW_SCHEMA: FieldSchema = {
  fields: {
    apiVersion: "string",
    kind: "string",
    request: {
      fields: {
        uid: "string",
        kind: gvk,
        resource: gvr,
        subResource: "string",
        requestKind: gvk,
        requestResource: gvr,
        requestSubResource: "string",
        name: "string",
        namespace: "string",
        operation: "string",
        userInfo: { fields: { username: "string", uid: "string", groups: strings, extra: { map: strings } } },
        object: ENVELOPE_SCHEMA,
        oldObject: ENVELOPE_SCHEMA,
        dryRun: "boolean",
        options: "any",
      },
    },
    response: "any",
  },
};

/** A path into a document: field names and list indexes. */
export type DocPath = (string | number)[];

export interface StructuralIssue {
  path: DocPath;
  message: string;
}

/** `spec.validations[0].expression`, `metadata.labels[app.kubernetes.io/name]` for a path. */
export function showPath(path: readonly (string | number)[]): string {
  return path.map((s, i) => (typeof s === "number" || !/^[\w-]+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

const typeName = (v: unknown): string =>
  v === null ? "null" : Array.isArray(v) ? "a list" : typeof v === "object" ? "a map" : typeof v === "number" ? (Number.isInteger(v) ? "an integer" : "a number") : `a ${typeof v}`;

const SCALAR_OK: Record<"string" | "integer" | "boolean", (v: unknown) => boolean> = {
  string: (v) => typeof v === "string",
  integer: (v) => typeof v === "number" && Number.isInteger(v),
  boolean: (v) => typeof v === "boolean",
};
const SCALAR_NAME: Record<"string" | "integer" | "boolean", string> = { string: "a string", integer: "an integer", boolean: "a boolean" };

/** Wrong types and unknown fields of `value` under `schema`, in document order. A null value is "not set", as the Go decoder treats it. */
export function structuralIssues(value: unknown, schema: FieldSchema, path: DocPath = []): StructuralIssue[] {
  if (value === null || value === undefined || schema === "any") return [];
  if (typeof schema === "string") return SCALAR_OK[schema](value) ? [] : [{ path, message: `must be ${SCALAR_NAME[schema]}, not ${typeName(value)}` }];
  if ("list" in schema) {
    if (!Array.isArray(value)) return [{ path, message: `must be a list, not ${typeName(value)}` }];
    return value.flatMap((item, i) => structuralIssues(item, schema.list, [...path, i]));
  }
  if (typeof value !== "object" || Array.isArray(value)) return [{ path, message: `must be a map, not ${typeName(value)}` }];
  const entries = Object.entries(value as Record<string, unknown>);
  if ("map" in schema) return entries.flatMap(([k, v]) => structuralIssues(v, schema.map, [...path, k]));
  return entries.flatMap(([k, v]) => {
    const field = schema.fields[k];
    if (field === undefined) return schema.open ? [] : [{ path: [...path, k], message: `unknown field "${k}"` }];
    return structuralIssues(v, field, [...path, k]);
  });
}
