// Server-side-apply style merge of a MutatingAdmissionPolicy ApplyConfiguration into the admitted object, as
// patch/smd.go does it with structured-merge-diff: the patch is first checked for atomic lists/maps/structs
// (validatePatch → "may not mutate atomic arrays, maps or structs: <paths>"), then typed.Merge runs: structs and
// granular maps merge recursively, scalars and atomics are replaced, associative lists (listType=map) merge their
// items by key and sets (listType=set) by value, keeping SMD's item order. A JSON null in the patch replaces a
// scalar (the field disappears when converted back to the typed object) but leaves a non-empty map or list alone.
//
// The schema comes from a small hand-written table of built-in kinds (ObjectMeta, PodSpec/Container, pod templates
// of the workload kinds, Service), from a CRD's openAPIV3Schema (x-kubernetes-list-type / -list-map-keys /
// -map-type), and otherwise is "deduced" (no atomic checks, every list atomic = replaced), as SMD deduces it.
// Fields of a built-in kind that the table does not model are treated like unmarked Go fields: objects merge, lists
// are atomic. Defaulting of newly added fields (the plugin runs the defaulter after each patch) is not modelled.
import { splitApiVersion } from "./kinds.js";
import type { JSONValue, KObject } from "./types.js";

/** A structural schema node (a tiny subset of the SMD schema model). */
export type SchemaNode =
  | { t: "struct"; fields: Readonly<Record<string, SchemaNode>>; atomic?: boolean; rest: SchemaNode }
  | { t: "map"; elem: SchemaNode; atomic?: boolean }
  | { t: "list"; rel: "atomic" | "set" | "map"; keys?: readonly string[]; keyDefaults?: Readonly<Record<string, JSONValue>>; elem: SchemaNode }
  | { t: "scalar" }
  /** A field of a built-in kind missing from the table: objects merge field by field, lists are atomic. */
  | { t: "untyped" }
  /** No schema at all (SMD's deduced type): nothing is atomic-checked, objects merge, lists are replaced. */
  | { t: "deduced" };

// ---------------------------------------------------------------------------------------------------------------
// Built-in schema table (keep small; every list not listed here is atomic, as unmarked Go slices are)

const UNTYPED: SchemaNode = { t: "untyped" };
const DEDUCED: SchemaNode = { t: "deduced" };
const SCALAR: SchemaNode = { t: "scalar" };
const struct = (fields: Record<string, SchemaNode> = {}, atomic = false): SchemaNode => ({ t: "struct", fields, atomic, rest: UNTYPED });
const gmap = (atomic = false): SchemaNode => ({ t: "map", elem: SCALAR, atomic });
const atomicList = (elem: SchemaNode = UNTYPED): SchemaNode => ({ t: "list", rel: "atomic", elem });
const setList: SchemaNode = { t: "list", rel: "set", elem: SCALAR };
const mapList = (keys: string[], elem: SchemaNode, keyDefaults?: Record<string, JSONValue>): SchemaNode => ({
  t: "list",
  rel: "map",
  keys,
  elem,
  ...(keyDefaults ? { keyDefaults } : {}),
});

const OBJECT_META = struct({
  labels: gmap(),
  annotations: gmap(),
  finalizers: setList,
  ownerReferences: mapList(["uid"], struct()),
  managedFields: atomicList(),
});
/** metav1.LabelSelector is +structType=atomic. */
const LABEL_SELECTOR = struct({}, true);

const CONTAINER = struct({
  args: atomicList(SCALAR),
  command: atomicList(SCALAR),
  env: mapList(["name"], struct()),
  envFrom: atomicList(),
  ports: mapList(["containerPort", "protocol"], struct(), { protocol: "TCP" }),
  volumeMounts: mapList(["mountPath"], struct()),
  volumeDevices: mapList(["devicePath"], struct()),
  resizePolicy: atomicList(),
  resources: struct({ limits: gmap(), requests: gmap(), claims: mapList(["name"], struct()) }),
  securityContext: struct({ capabilities: struct({ add: atomicList(SCALAR), drop: atomicList(SCALAR) }) }),
});

const POD_SPEC = struct({
  containers: mapList(["name"], CONTAINER),
  initContainers: mapList(["name"], CONTAINER),
  ephemeralContainers: mapList(["name"], CONTAINER),
  volumes: mapList(["name"], struct()),
  imagePullSecrets: mapList(["name"], struct()),
  tolerations: atomicList(),
  nodeSelector: gmap(true),
  hostAliases: mapList(["ip"], struct({ hostnames: atomicList(SCALAR) })),
  topologySpreadConstraints: mapList(["topologyKey", "whenUnsatisfiable"], struct({ labelSelector: LABEL_SELECTOR })),
  readinessGates: atomicList(),
  resourceClaims: mapList(["name"], struct()),
  schedulingGates: mapList(["name"], struct()),
  securityContext: struct({ supplementalGroups: atomicList(SCALAR), sysctls: atomicList() }),
});

const POD_TEMPLATE_SPEC = struct({ metadata: OBJECT_META, spec: POD_SPEC });
const workload = (extra: Record<string, SchemaNode> = {}): SchemaNode =>
  struct({ metadata: OBJECT_META, spec: struct({ selector: LABEL_SELECTOR, template: POD_TEMPLATE_SPEC, ...extra }) });
const JOB_SPEC = struct({ selector: LABEL_SELECTOR, template: POD_TEMPLATE_SPEC });

/** group/Kind → schema of the whole object. */
const BUILTIN_SCHEMAS: ReadonlyMap<string, SchemaNode> = new Map<string, SchemaNode>([
  ["/Pod", struct({ metadata: OBJECT_META, spec: POD_SPEC })],
  ["/PodTemplate", struct({ metadata: OBJECT_META, template: POD_TEMPLATE_SPEC })],
  ["/ReplicationController", struct({ metadata: OBJECT_META, spec: struct({ selector: gmap(true), template: POD_TEMPLATE_SPEC }) })],
  [
    "/Service",
    struct({
      metadata: OBJECT_META,
      spec: struct({
        ports: mapList(["port", "protocol"], struct(), { protocol: "TCP" }),
        selector: gmap(true),
        externalIPs: atomicList(SCALAR),
        clusterIPs: atomicList(SCALAR),
        ipFamilies: atomicList(SCALAR),
        loadBalancerSourceRanges: atomicList(SCALAR),
      }),
    }),
  ],
  ["apps/Deployment", workload()],
  ["apps/ReplicaSet", workload()],
  ["apps/DaemonSet", workload()],
  ["apps/StatefulSet", workload({ volumeClaimTemplates: atomicList() })],
  ["batch/Job", struct({ metadata: OBJECT_META, spec: JOB_SPEC })],
  ["batch/CronJob", struct({ metadata: OBJECT_META, spec: struct({ jobTemplate: struct({ metadata: OBJECT_META, spec: JOB_SPEC }) }) })],
]);

/** API groups served by kube-apiserver itself: their kinds are typed (unmodelled lists are atomic). */
const BUILTIN_GROUPS: ReadonlySet<string> = new Set([
  "",
  "apps",
  "batch",
  "autoscaling",
  "policy",
  "networking.k8s.io",
  "discovery.k8s.io",
  "rbac.authorization.k8s.io",
  "storage.k8s.io",
  "scheduling.k8s.io",
  "coordination.k8s.io",
  "node.k8s.io",
  "events.k8s.io",
  "certificates.k8s.io",
  "admissionregistration.k8s.io",
  "apiextensions.k8s.io",
  "resource.k8s.io",
  "flowcontrol.apiserver.k8s.io",
]);

// ---------------------------------------------------------------------------------------------------------------
// CRD schemas

type OpenAPI = {
  type?: string;
  properties?: Record<string, OpenAPI>;
  additionalProperties?: OpenAPI | boolean;
  items?: OpenAPI;
  default?: JSONValue;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-list-type"?: string;
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-map-type"?: string;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-embedded-resource"?: boolean;
};

/** Schema node of one structural-schema node of a CRD. */
export function schemaFromOpenAPI(s: OpenAPI | undefined): SchemaNode {
  if (!s || typeof s !== "object") return DEDUCED;
  if (s["x-kubernetes-int-or-string"]) return SCALAR;
  const atomicMap = s["x-kubernetes-map-type"] === "atomic";
  if (s.type === "array") {
    const elem = schemaFromOpenAPI(s.items);
    const lt = s["x-kubernetes-list-type"] ?? "atomic";
    if (lt === "set") return { t: "list", rel: "set", elem };
    if (lt === "map") {
      const keys = s["x-kubernetes-list-map-keys"] ?? [];
      const defaults: Record<string, JSONValue> = {};
      for (const k of keys) {
        const d = s.items?.properties?.[k]?.default;
        if (d !== undefined) defaults[k] = d;
      }
      return mapList(keys, elem, Object.keys(defaults).length ? defaults : undefined);
    }
    return { t: "list", rel: "atomic", elem };
  }
  if (s.type === "object" || s.properties || s.additionalProperties) {
    if (s.properties && Object.keys(s.properties).length) {
      const fields: Record<string, SchemaNode> = {};
      for (const [k, v] of Object.entries(s.properties)) fields[k] = schemaFromOpenAPI(v);
      if (s["x-kubernetes-embedded-resource"]) fields["metadata"] ??= OBJECT_META;
      return { t: "struct", fields, atomic: atomicMap, rest: DEDUCED };
    }
    if (s.additionalProperties && typeof s.additionalProperties === "object") {
      return { t: "map", elem: schemaFromOpenAPI(s.additionalProperties), atomic: atomicMap };
    }
    return atomicMap ? { t: "struct", fields: {}, atomic: true, rest: DEDUCED } : DEDUCED;
  }
  if (s["x-kubernetes-preserve-unknown-fields"]) return DEDUCED;
  return s.type ? SCALAR : DEDUCED;
}

function crdSchema(obj: KObject, crds: readonly KObject[]): SchemaNode | undefined {
  const { group, version } = splitApiVersion(obj.apiVersion ?? "");
  for (const crd of crds) {
    const spec = crd["spec"] as
      | { group?: string; names?: { kind?: string }; versions?: { name?: string; schema?: { openAPIV3Schema?: OpenAPI } }[]; validation?: { openAPIV3Schema?: OpenAPI } }
      | undefined;
    if (spec?.group !== group || spec.names?.kind !== obj.kind) continue;
    const v = (spec.versions ?? []).find((x) => x.name === version);
    const root = v?.schema?.openAPIV3Schema ?? spec.validation?.openAPIV3Schema;
    if (!root) return DEDUCED;
    const node = schemaFromOpenAPI(root);
    if (node.t === "struct") return { ...node, fields: { ...node.fields, metadata: OBJECT_META } };
    return node;
  }
  return undefined;
}

/** The schema used for an object: built-in table, CRD schema, a typed-but-unmodelled built-in, or deduced. */
export function schemaFor(obj: KObject, crds: readonly KObject[] = []): SchemaNode {
  const { group } = splitApiVersion(obj.apiVersion ?? "");
  const builtin = BUILTIN_SCHEMAS.get(`${group}/${obj.kind ?? ""}`);
  if (builtin) return builtin;
  const fromCrd = crdSchema(obj, crds);
  if (fromCrd) return fromCrd;
  if (BUILTIN_GROUPS.has(group)) return struct({ metadata: OBJECT_META });
  return DEDUCED;
}

// ---------------------------------------------------------------------------------------------------------------
// Validation of the patch (validatePatch / findAtomics, plus associative-list key presence)

const isObj = (v: JSONValue | undefined): v is { [k: string]: JSONValue } => typeof v === "object" && v !== null && !Array.isArray(v);

const fieldOf = (node: SchemaNode, key: string): SchemaNode => {
  if (node.t === "struct") return node.fields[key] ?? node.rest;
  if (node.t === "map") return node.elem;
  return node.t === "deduced" ? DEDUCED : UNTYPED;
};

/** Paths (SMD fieldpath notation: `.a.b[0].c`) of atomic lists/maps/structs set by the patch. */
export function findAtomics(v: JSONValue, node: SchemaNode, path = ""): string[] {
  const out: string[] = [];
  if (node.t === "deduced" || node.t === "scalar") return out;
  if (isObj(v)) {
    if (node.t === "struct") {
      if (node.atomic) out.push(path);
      for (const [k, x] of Object.entries(v)) out.push(...findAtomics(x, node.fields[k] ?? node.rest, `${path}.${k}`));
    } else if (node.t === "map") {
      if (node.atomic) out.push(path);
    } else if (node.t === "untyped") {
      for (const [k, x] of Object.entries(v)) out.push(...findAtomics(x, UNTYPED, `${path}.${k}`));
    }
  } else if (Array.isArray(v)) {
    if (node.t === "list") {
      if (node.rel === "atomic") out.push(path);
      v.forEach((x, i) => out.push(...findAtomics(x, node.elem, `${path}[${i}]`)));
    } else if (node.t === "untyped") {
      out.push(path);
      v.forEach((x, i) => out.push(...findAtomics(x, UNTYPED, `${path}[${i}]`)));
    }
  }
  return out;
}

/** Type errors ObjectToTyped reports for the patch: associative-list items missing a key, objects where scalars/lists are expected. */
function typeErrors(v: JSONValue, node: SchemaNode, path = ""): string[] {
  const out: string[] = [];
  if (v === null) return out;
  switch (node.t) {
    case "struct":
    case "map":
      if (!isObj(v)) return [`${path || "."}: expected map, got ${kindName(v)}`];
      for (const [k, x] of Object.entries(v)) out.push(...typeErrors(x, fieldOf(node, k), `${path}.${k}`));
      return out;
    case "list":
      if (!Array.isArray(v)) return [`${path}: expected list, got ${kindName(v)}`];
      v.forEach((x, i) => {
        if (node.rel === "map" && isObj(x)) {
          for (const k of node.keys ?? []) {
            if (x[k] === undefined && node.keyDefaults?.[k] === undefined) {
              out.push(`${path}: element ${i}: associative list with keys has an element that omits key field "${k}" (and doesn't have default value)`);
            }
          }
        }
        out.push(...typeErrors(x, node.elem, `${path}[${i}]`));
      });
      return out;
    case "scalar":
      if (isObj(v) || Array.isArray(v)) return [`${path}: expected scalar, got ${kindName(v)}`];
      return out;
    case "untyped":
      if (isObj(v)) for (const [k, x] of Object.entries(v)) out.push(...typeErrors(x, UNTYPED, `${path}.${k}`));
      return out;
    case "deduced":
      return out;
  }
}

const kindName = (v: JSONValue): string => (Array.isArray(v) ? "list" : isObj(v) ? "map" : typeof v === "string" ? "string" : typeof v === "boolean" ? "bool" : typeof v === "number" ? (Number.isInteger(v) ? "int64" : "float64") : "null");

// ---------------------------------------------------------------------------------------------------------------
// Merge (typed.Merge of structured-merge-diff)

const isEmpty = (v: JSONValue | undefined): boolean =>
  v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (isObj(v) && Object.keys(v).length === 0);

function itemKey(item: JSONValue, node: Extract<SchemaNode, { t: "list" }>): string {
  if (node.rel === "set") return JSON.stringify(item);
  if (!isObj(item)) return `\u0000${JSON.stringify(item)}`;
  return JSON.stringify((node.keys ?? []).map((k) => item[k] ?? node.keyDefaults?.[k] ?? null));
}

/** visitListItems of SMD's merging walker: shared items in RHS order, LHS-only items kept in place, RHS-only items where the RHS puts them. */
function mergeAssociative(lhs: readonly JSONValue[], rhs: readonly JSONValue[], node: Extract<SchemaNode, { t: "list" }>): JSONValue[] {
  const lKeys = lhs.map((x) => itemKey(x, node));
  const rKeys = rhs.map((x) => itemKey(x, node));
  const lByKey = new Map<string, JSONValue>();
  lhs.forEach((x, i) => {
    if (!lByKey.has(lKeys[i]!)) lByKey.set(lKeys[i]!, x);
  });
  const rByKey = new Map<string, JSONValue>();
  rhs.forEach((x, i) => rByKey.set(rKeys[i]!, x));
  const sharedOrder = rKeys.filter((k) => lByKey.has(k));
  let nextShared: string | undefined = sharedOrder.shift();
  const merged = new Set<string>();
  const out: JSONValue[] = [];
  const item = (l: JSONValue | undefined, r: JSONValue | undefined): void => {
    const m = mergeValue(l, r, node.elem);
    if (m !== undefined) out.push(m);
  };
  let lI = 0;
  let rI = 0;
  while (lI < lhs.length || rI < rhs.length) {
    if (lI < lhs.length && rI < rhs.length) {
      const pe = lKeys[lI]!;
      if (pe === rKeys[rI]) {
        merged.add(pe);
        item(lByKey.get(pe), rByKey.get(pe));
        lI++;
        rI++;
        nextShared = sharedOrder.shift();
        continue;
      }
      if (rByKey.has(pe) && nextShared !== undefined && nextShared !== pe) {
        lI++;
        continue;
      }
    }
    if (lI < lhs.length) {
      const pe = lKeys[lI]!;
      if (!rByKey.has(pe)) {
        item(lhs[lI], undefined);
        lI++;
        continue;
      } else if (merged.has(pe)) {
        lI++;
        continue;
      }
    }
    if (rI < rhs.length) {
      const pe = rKeys[rI]!;
      merged.add(pe);
      item(lByKey.get(pe), rByKey.get(pe));
      rI++;
      if (nextShared !== undefined && nextShared === pe) nextShared = sharedOrder.shift();
    }
  }
  return out;
}

/** Merge `rhs` (patch) into `lhs` (live) under `node`; undefined = field absent. */
export function mergeValue(lhs: JSONValue | undefined, rhs: JSONValue | undefined, node: SchemaNode): JSONValue | undefined {
  if (rhs === undefined) return lhs;
  if (lhs === undefined && !isObj(rhs) && !Array.isArray(rhs)) return rhs;
  switch (node.t) {
    case "scalar":
      return rhs;
    case "list": {
      if (node.rel === "atomic") return rhs;
      if (isEmpty(lhs) && isEmpty(rhs)) return rhs;
      const l = Array.isArray(lhs) ? lhs : [];
      const r = Array.isArray(rhs) ? rhs : [];
      if (rhs !== null && !Array.isArray(rhs)) return rhs;
      return mergeAssociative(l, r, node);
    }
    case "struct":
    case "map":
    case "untyped":
    case "deduced": {
      if (node.t !== "untyped" && node.t !== "deduced" && node.atomic) return rhs;
      if (Array.isArray(rhs)) return rhs; // lists outside a list schema are atomic
      if (rhs !== null && !isObj(rhs)) return rhs;
      if (isEmpty(lhs) && isEmpty(rhs)) return rhs;
      const l = isObj(lhs) ? lhs : {};
      const r = isObj(rhs) ? rhs : {};
      const out: { [k: string]: JSONValue } = {};
      for (const [k, v] of Object.entries(l)) {
        const m = Object.prototype.hasOwnProperty.call(r, k) ? mergeValue(v, r[k], fieldOf(node, k)) : v;
        if (m !== undefined) out[k] = m;
      }
      for (const [k, v] of Object.entries(r)) {
        if (Object.prototype.hasOwnProperty.call(l, k)) continue;
        const m = mergeValue(undefined, v, fieldOf(node, k));
        if (m !== undefined) out[k] = m;
      }
      return out;
    }
  }
}

/** Drop JSON nulls inside objects (a typed object cannot hold them; ToUnstructured omits them). */
export function stripNulls(v: JSONValue): JSONValue {
  if (Array.isArray(v)) return v.map(stripNulls);
  if (isObj(v)) {
    const out: { [k: string]: JSONValue } = {};
    for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = stripNulls(x);
    return out;
  }
  return v;
}

export type ApplyOutcome = { ok: true; object: KObject } | { ok: false; error: string };

/**
 * ApplyStructuredMergeDiff: merge the apply configuration `patch` into `obj`. The patch takes the object's
 * apiVersion/kind (as the patcher sets them). Errors carry the plugin's texts without the "error applying patch: " prefix.
 */
export function applyConfiguration(obj: KObject, patch: { [k: string]: JSONValue }, crds: readonly KObject[] = []): ApplyOutcome {
  const schema = schemaFor(obj, crds);
  const p: { [k: string]: JSONValue } = { ...patch };
  if (obj.apiVersion !== undefined) p["apiVersion"] = obj.apiVersion;
  if (obj.kind !== undefined) p["kind"] = obj.kind;
  const terr = typeErrors(p, schema);
  if (terr.length) return { ok: false, error: `failed to convert patch object to typed object: ${terr.join(", ")}` };
  const atomics = findAtomics(p, schema);
  if (atomics.length) return { ok: false, error: `invalid ApplyConfiguration: may not mutate atomic arrays, maps or structs: ${atomics.join(", ")}` };
  const merged = mergeValue(obj as unknown as JSONValue, p, schema);
  return { ok: true, object: stripNulls(merged ?? null) as unknown as KObject };
}
