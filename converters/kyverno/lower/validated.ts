// What the Kubernetes API server guarantees about the strings a Kyverno rule reads, so the lowering can drop the
// runtime wildcard matching of values that can never hold `*` or `?` ("no wildcard characters", `Ty.noWild` in
// jmespath.ts). Kyverno's In-family operators and Equals treat BOTH sides as possible globs
// (wildcard.Match(key, value) || wildcard.Match(value, key)); a computed side that provably holds neither `*` nor `?`
// is a plain string, and matching it as a pattern is plain equality. Admission (a VAP) sees objects after the API
// server's validation (mutating admission → object validation → validating admission), so the guarantees are those
// of validation:
//   * request.operation: CREATE/UPDATE/DELETE/CONNECT. request.kind.{group,version,kind}: registered names (CRDs:
//     group a DNS subdomain, version and kind DNS-1035 labels).
//   * metadata.namespace and request.namespace: a DNS-1123 label (ValidateObjectMeta → ValidateNamespaceName; core/v1
//     Events: IsDNS1123Subdomain). A request on a namespace that does not exist fails anyway.
//   * metadata.name / generateName and request.name: DNS subdomains or labels for every kind (custom resources:
//     NameIsDNSSubdomain in the CR strategy) EXCEPT the RBAC kinds (ValidateRBACName = IsValidPathSegmentName: only
//     `/`, `%`, `.`, `..` are refused, so `*` is a valid role name), CertificateSigningRequest (ValidateCertificate-
//     RequestName accepts anything) and core/v1 Event (legacy validation: no ObjectMeta checks). Known only when
//     every kind the rule matches is known (`JmesScope.kinds`) and none of those.
//   * metadata.labels keys and values, metadata.annotations keys: qualified names / label values (ValidateObjectMeta;
//     annotation VALUES are free text). Every kind except core/v1 Event (see above).
//   * keys of maps inside objects of BUILT-IN kinds (the API server decodes them into Go structs: unknown fields are
//     dropped, so keys are field names; the maps they hold are validated label/resource/ConfigMap keys) — except
//     the free-form fields below (raw JSON, CSI volumeAttributes, StorageClass parameters, CRD schemas, …). Not for
//     custom resources (schemas are unknown; preserve-unknown-fields), nor kinds given as wildcards. Labels and
//     annotations are the item above (core/v1 Events do not validate them).
//   * the declared types of a few string fields of built-in kinds (`Schema`, BUILTIN_SCHEMAS): the API server decodes
//     the object into its Go struct, so a present field holds its declared type (a JSON null decodes to the zero
//     value and is dropped by omitempty). Known only when every kind the rule matches has the field declared so.
//     A function that dispatches on its argument's runtime kind (contains, to_string) then needs no dispatch.
// Without `JmesScope.kinds` only the first two items apply.
import { kindRegistry } from "../../../src/vap/kinds.js";

/** What holds for every object a rule reads, from the kinds it matches. */
export interface ObjectFacts {
  /** metadata.name / generateName and request.name hold no wildcard characters. */
  names: boolean;
  /** metadata.labels keys and values, metadata.annotations keys hold no wildcard characters. */
  meta: boolean;
  /** Every object is of a built-in kind: map keys outside free-form fields are field names or validated keys. */
  builtin: boolean;
  /** Declared field types shared by every matched kind (from the object root), when known. */
  schema?: Schema;
}

export const NO_FACTS: ObjectFacts = { names: false, meta: false, builtin: false };

/** A fragment of a built-in kind's schema: the declared string fields under a value (absent parts: unknown). */
export interface Schema {
  readonly fields?: Readonly<Record<string, Schema>>;
  /** The value is a list: its elements. */
  readonly elem?: Schema;
  /** The value is a string. */
  readonly string?: true;
  /** The value is a string without wildcard characters (a validated name). */
  readonly word?: true;
  /** A present null is possible (a slice or pointer without omitempty that may be nil: Go encodes it as null). */
  readonly nullable?: true;
}

const STR: Schema = { string: true };
const WORD: Schema = { string: true, word: true };
const obj = (fields: Record<string, Schema>): Schema => ({ fields });
const listOf = (elem: Schema): Schema => ({ elem });

/** Declared string fields of built-in kinds that rules read (k8s.io/api types), by group and Kind. */
// Role/ClusterRole `rules` has no omitempty and may be empty: a nil slice is encoded as `"rules": null`
const POLICY_RULES: Schema = { nullable: true, elem: obj({ verbs: listOf(STR), apiGroups: listOf(STR), resources: listOf(STR), resourceNames: listOf(STR), nonResourceURLs: listOf(STR) }) };
// core/v1 PodSpec (ValidatePodSpec, also for the templates of controllers): volume and container names are DNS-1123
// labels; a volumeMount's name must be the name of one of the pod's volumes; priorityClassName is a DNS-1123
// subdomain (ValidatePriorityClassName).
const CONTAINER = obj({ name: WORD, image: STR, volumeMounts: listOf(obj({ name: WORD, mountPath: STR, subPath: STR })) });
const POD_SPEC = obj({ volumes: listOf(obj({ name: WORD })), containers: listOf(CONTAINER), initContainers: listOf(CONTAINER), ephemeralContainers: listOf(CONTAINER), priorityClassName: WORD });
const TEMPLATE = obj({ spec: POD_SPEC });
/** A pod template's PodSpec when `object` stands for every autogen form: convert.ts marks `request.object.spec` as
 *  `request.object.zzpodspec` (MARKERS) before the lowering and reroots it per form (no kind has such a field). */
export const TEMPLATES_SCHEMA: Schema = obj({ zzpodspec: POD_SPEC });
const apps = (kind: string): [string, { groups: readonly string[]; schema: Schema }] => [kind, { groups: ["apps", "extensions"], schema: obj({ spec: obj({ template: TEMPLATE }) }) }];
const BUILTIN_SCHEMAS: Readonly<Record<string, { groups: readonly string[]; schema: Schema }>> = {
  // networking/v1 IngressSpec (extensions/v1beta1 declares the same fields as strings)
  Ingress: {
    groups: ["networking.k8s.io", "extensions"],
    schema: obj({
      spec: obj({
        ingressClassName: STR,
        rules: listOf(obj({ host: STR, http: obj({ paths: listOf(obj({ path: STR, pathType: STR })) }) })),
        tls: listOf(obj({ hosts: listOf(STR), secretName: STR })),
      }),
    }),
  },
  Pod: { groups: [""], schema: obj({ spec: POD_SPEC }) },
  ReplicationController: { groups: [""], schema: obj({ spec: obj({ template: TEMPLATE }) }) },
  ...Object.fromEntries(["Deployment", "DaemonSet", "StatefulSet", "ReplicaSet"].map(apps)),
  Job: { groups: ["batch"], schema: obj({ spec: obj({ template: TEMPLATE }) }) },
  CronJob: { groups: ["batch"], schema: obj({ spec: obj({ jobTemplate: obj({ spec: obj({ template: TEMPLATE }) }) }) }) },
  Role: { groups: ["rbac.authorization.k8s.io"], schema: obj({ rules: POLICY_RULES }) },
  ClusterRole: { groups: ["rbac.authorization.k8s.io"], schema: obj({ rules: POLICY_RULES }) },
};

/** What two schemas both declare. */
export function meetSchema(a: Schema, b: Schema): Schema | undefined {
  if (a.string && b.string) return a.word && b.word ? WORD : STR; // strings are never encoded as null
  const fields: Record<string, Schema> = {};
  for (const [name, s] of Object.entries(a.fields ?? {})) {
    const t = b.fields?.[name];
    const m = t && meetSchema(s, t);
    if (m) fields[name] = m;
  }
  const elem = a.elem && b.elem ? meetSchema(a.elem, b.elem) : undefined;
  if (!Object.keys(fields).length && !elem) return undefined;
  return { ...(Object.keys(fields).length ? { fields } : {}), ...(elem ? { elem } : {}), ...(a.nullable || b.nullable ? { nullable: true } : {}) };
}

function schemaOf(k: { kind: string; group?: string }): Schema | undefined {
  const e = BUILTIN_SCHEMAS[k.kind];
  return e && (k.group === undefined || e.groups.includes(k.group)) ? e.schema : undefined;
}

/** Kinds whose names are not DNS names (see above). */
const FREE_NAMES = new Set(["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "CertificateSigningRequest", "Event"]);

/** Fields of built-in kinds whose maps have arbitrary keys (or hold raw JSON): their insides are not field names. */
const FREE_FORM = new Set([
  "volumeAttributes", "options", "parameters", "extra", "properties", "patternProperties", "definitions", "dependencies",
  "default", "example", "enum", "managedFields", "fieldsV1", "raw", "object", "data", "binaryData", "stringData",
  "attributes", "capacity", "allocatable", "labels", "annotations",
]);

/** Known built-in API groups (a bare `Kind` is looked up in all of them). */
const BUILTIN_GROUPS = ["", "apps", "batch", "networking.k8s.io", "rbac.authorization.k8s.io", "storage.k8s.io", "policy", "autoscaling", "scheduling.k8s.io", "node.k8s.io", "coordination.k8s.io", "admissionregistration.k8s.io", "apiextensions.k8s.io", "certificates.k8s.io", "discovery.k8s.io", "resource.k8s.io", "flowcontrol.apiserver.k8s.io", "apiregistration.k8s.io", "events.k8s.io"];
const registry = kindRegistry();

/** The Kind of a Kyverno kind string (`Kind`, `v1/Kind`, `group/version/Kind`, `Kind/subresource`), or undefined. */
function kindName(k: string): { kind: string; group?: string } | undefined {
  const parts = k.split("/");
  if (parts.some((p) => /[*?]/.test(p))) return undefined;
  // Kind/subresource: the subresource's object is the parent's only for status/scale-like requests: unknown
  if (parts.length === 2 && /^[A-Z]/.test(parts[0]!)) return undefined;
  const kind = parts[parts.length - 1]!;
  return parts.length === 3 ? { kind, group: parts[0]! } : { kind };
}

function isBuiltin(k: { kind: string; group?: string }): boolean {
  const groups = k.group !== undefined ? [k.group] : BUILTIN_GROUPS;
  return groups.some((g) => registry.byKind(g ? `${g}/v1` : "v1", k.kind) !== undefined);
}

/** The facts for a rule matching `kinds` (undefined or empty: nothing is known). */
export function objectFacts(kinds: readonly string[] | undefined): ObjectFacts {
  if (!kinds?.length) return NO_FACTS;
  const ks = kinds.map(kindName);
  if (ks.some((k) => k === undefined)) return NO_FACTS;
  const known = ks as { kind: string; group?: string }[];
  const names = known.every((k) => !FREE_NAMES.has(k.kind));
  const meta = known.every((k) => k.kind !== "Event");
  const schemas = known.map(schemaOf);
  const schema = schemas.every((x) => x !== undefined) ? (schemas as Schema[]).reduce<Schema | undefined>((a, b) => a && meetSchema(a, b), schemas[0]) : undefined;
  return { names, meta, builtin: known.every(isBuiltin), ...(schema ? { schema } : {}) };
}

/** Reading field `name` of a value inside a built-in object stays outside free-form maps. */
export const structField = (name: string): boolean => !FREE_FORM.has(name) && !name.startsWith("x-");
