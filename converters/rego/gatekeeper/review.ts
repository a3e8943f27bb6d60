// Gatekeeper's Rego input: `input.review` is the JSON of the AdmissionRequest the target builds (pkg/target/target.go
// handleReview → frameworks drivers/rego/driver.go Query: json round trip + `namespaceObject`), `input.parameters`
// the constraint's (defaulted) spec.parameters. And `data.inventory` as the target stores synced objects
// (target.go processUnstructured; drivers/rego/storages.go). Pure functions.
//
// Exactly what gator puts in input.review (admissionv1.AdmissionRequest JSON tags, k8s.io/api/admission/v1):
//  * plain object (unstructuredToAdmissionRequest): kind {group, version, kind} from apiVersion/kind, name and
//    namespace from metadata (omitted when empty: omitempty), object; and, because those fields have no
//    omitempty, `uid: ""`, `resource: {group: "", version: "", resource: ""}`, `operation: ""`, `userInfo: {}`,
//    `oldObject: null`, `options: null`. So `input.review.operation` is "" (defined!), not undefined.
//  * `kind: AdmissionReview` (group admission.k8s.io, any version): its `request` decoded strictly into the typed
//    struct (unknown fields are errors) and re-encoded the same way — fields the file leaves out get the zero
//    values above (e.g. `kind: {group: "", version: "", kind: ""}` when the request has no kind).
//  * DELETE: `object` := `oldObject` (always; an error when oldObject is missing) — target.go setObjectOnDelete.
//  * `namespaceObject`: gator passes no Namespace, and the driver stores a nil Go map, which OPA's
//    InterfaceToValue turns into `{}` — so gator's input.review.namespaceObject is `{}`, not null.
import type { JSONValue, KObject } from "../../../src/vap/types.js";

type JObj = { [k: string]: JSONValue };
const isObj = (v: unknown): v is JObj => typeof v === "object" && v !== null && !Array.isArray(v);

export interface GkGroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface GkGroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

/** `input.review`: the AdmissionRequest JSON plus `namespaceObject`. Optional fields are absent when empty. */
export interface GkReview {
  uid: string;
  kind: GkGroupVersionKind;
  resource: GkGroupVersionResource;
  subResource?: string;
  requestKind?: GkGroupVersionKind;
  requestResource?: GkGroupVersionResource;
  requestSubResource?: string;
  name?: string;
  namespace?: string;
  operation: string;
  userInfo: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  object: JSONValue;
  oldObject: JSONValue;
  dryRun?: boolean;
  options: JSONValue;
  namespaceObject: JSONValue;
}

/** A request gator refuses to review (its case fails with this message). */
export class ReviewError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReviewError";
  }
}

export interface ReviewOptions {
  /**
   * `input.review.namespaceObject`. Gator: none, which Rego sees as `{}` (the default). The webhook passes the
   * Namespace of a namespaced request (as JSON of a typed corev1.Namespace).
   */
  namespaceObject?: JSONValue;
}

/** Group/version split as apimachinery's ParseGroupVersion does it; undefined for more than one `/`. */
function parseGroupVersion(apiVersion: unknown): { group: string; version: string } | undefined {
  const av = typeof apiVersion === "string" ? apiVersion : "";
  if (av === "") return { group: "", version: "" };
  const parts = av.split("/");
  if (parts.length === 1) return { group: "", version: av };
  if (parts.length === 2) return { group: parts[0]!, version: parts[1]! };
  return undefined;
}

/** unstructured.GroupVersionKind(): an unparsable apiVersion yields an empty GVK (kind included). */
export function gvkOf(obj: unknown): GkGroupVersionKind {
  const o = isObj(obj) ? obj : {};
  const gv = parseGroupVersion(o.apiVersion);
  if (!gv) return { group: "", version: "", kind: "" };
  return { ...gv, kind: typeof o.kind === "string" ? o.kind : "" };
}

const metaString = (obj: unknown, key: string): string => {
  const m = isObj(obj) && isObj(obj.metadata) ? obj.metadata : {};
  const v = m[key];
  return typeof v === "string" ? v : "";
};

/** Is this object an AdmissionReview gator unwraps (kind AdmissionReview, group admission.k8s.io)? */
export function isAdmissionReview(obj: unknown): boolean {
  return isObj(obj) && obj.kind === "AdmissionReview" && gvkOf(obj).group === "admission.k8s.io";
}

const jsonClone = (v: unknown): JSONValue => (v === undefined ? null : (JSON.parse(JSON.stringify(v)) as JSONValue));

function finish(r: GkReview, opts: ReviewOptions): GkReview {
  if (r.operation === "DELETE") {
    if (r.oldObject === null) throw new ReviewError("oldObject cannot be nil for DELETE operations");
    r.object = r.oldObject;
  }
  r.namespaceObject = opts.namespaceObject === undefined ? {} : jsonClone(opts.namespaceObject);
  return r;
}

/** input.review for a plain object, as gator's unstructuredToAdmissionRequest builds it. */
export function reviewForObject(obj: KObject, opts: ReviewOptions = {}): GkReview {
  const r: GkReview = {
    uid: "",
    kind: gvkOf(obj),
    resource: { group: "", version: "", resource: "" },
    operation: "",
    userInfo: {},
    object: jsonClone(obj),
    oldObject: null,
    options: null,
    namespaceObject: {},
  };
  const name = metaString(obj, "name");
  const namespace = metaString(obj, "namespace");
  if (name) r.name = name;
  if (namespace) r.namespace = namespace;
  return finish(reorder(r), opts);
}

const REVIEW_KEYS = ["apiVersion", "kind", "request", "response"];
const REQUEST_KEYS = [
  "uid", "kind", "resource", "subResource", "requestKind", "requestResource", "requestSubResource", "name", "namespace",
  "operation", "userInfo", "object", "oldObject", "dryRun", "options",
];
const GVK_KEYS = ["group", "version", "kind"];
const GVR_KEYS = ["group", "version", "resource"];
const USERINFO_KEYS = ["username", "uid", "groups", "extra"];

function strictKeys(o: JObj, allowed: string[], where: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw new ReviewError(`not a valid AdmissionReview object: unable to convert to an AdmissionReview object, error: strict decoding error: unknown field "${where}${k}"`);
}

function str(o: JObj, key: string, where: string): string {
  const v = o[key];
  if (v === undefined || v === null) return "";
  if (typeof v !== "string") throw new ReviewError(`not a valid AdmissionReview object: unable to convert to an AdmissionReview object, error: ${where}${key}: expected string, got ${typeof v}`);
  return v;
}

function structOf<T extends object>(v: JSONValue | undefined, keys: string[], where: string): T {
  if (v === undefined || v === null) return Object.fromEntries(keys.map((k) => [k, ""])) as T;
  if (!isObj(v)) throw new ReviewError(`not a valid AdmissionReview object: unable to convert to an AdmissionReview object, error: ${where}: expected object`);
  strictKeys(v, keys, `${where}.`);
  return Object.fromEntries(keys.map((k) => [k, str(v, k, `${where}.`)])) as T;
}

/** A raw object/oldObject must decode as an unstructured object: a JSON object with a `kind`. */
function rawObject(v: JSONValue | undefined, key: string): JSONValue {
  if (v === undefined || v === null) return null;
  if (!isObj(v) || typeof v.kind !== "string" || v.kind === "") {
    throw new ReviewError(`object or oldObject cannot be unmarshalled: Object 'Kind' is missing in '${JSON.stringify(v)}' (request.${key})`);
  }
  return jsonClone(v);
}

/** input.review for an AdmissionReview object, as gator's validateAndReviewAdmissionReviewRequest builds it. */
export function reviewForAdmissionReview(ar: KObject, opts: ReviewOptions = {}): GkReview {
  const o = ar as JObj;
  strictKeys(o, REVIEW_KEYS, "");
  const req = o.request;
  if (req === undefined || req === null) throw new ReviewError("missing an AdmissionRequest object: request did not actually pass in an AdmissionRequest");
  if (!isObj(req)) throw new ReviewError("not a valid AdmissionReview object: unable to convert to an AdmissionReview object, error: request: expected object");
  strictKeys(req, REQUEST_KEYS, "request.");
  if ((req.object === undefined || req.object === null) && (req.oldObject === undefined || req.oldObject === null)) {
    throw new ReviewError('no object or oldObject found to review: AdmissionRequest does not contain an "object" or "oldObject" to review');
  }
  const r: GkReview = {
    uid: str(req, "uid", "request."),
    kind: structOf<GkGroupVersionKind>(req.kind, GVK_KEYS, "request.kind"),
    resource: structOf<GkGroupVersionResource>(req.resource, GVR_KEYS, "request.resource"),
    operation: str(req, "operation", "request."),
    userInfo: {},
    object: rawObject(req.object, "object"),
    oldObject: rawObject(req.oldObject, "oldObject"),
    options: req.options === undefined ? null : jsonClone(req.options),
    namespaceObject: {},
  };
  for (const k of ["subResource", "requestSubResource", "name", "namespace"] as const) {
    const v = str(req, k, "request.");
    if (v) r[k] = v;
  }
  if (req.requestKind !== undefined && req.requestKind !== null) r.requestKind = structOf<GkGroupVersionKind>(req.requestKind, GVK_KEYS, "request.requestKind");
  if (req.requestResource !== undefined && req.requestResource !== null) r.requestResource = structOf<GkGroupVersionResource>(req.requestResource, GVR_KEYS, "request.requestResource");
  if (req.dryRun !== undefined && req.dryRun !== null) {
    if (typeof req.dryRun !== "boolean") throw new ReviewError("not a valid AdmissionReview object: unable to convert to an AdmissionReview object, error: request.dryRun: expected bool");
    r.dryRun = req.dryRun;
  }
  const ui = req.userInfo;
  if (ui !== undefined && ui !== null) {
    if (!isObj(ui)) throw new ReviewError("not a valid AdmissionReview object: unable to convert to an AdmissionReview object, error: request.userInfo: expected object");
    strictKeys(ui, USERINFO_KEYS, "request.userInfo.");
    const username = str(ui, "username", "request.userInfo.");
    const uid = str(ui, "uid", "request.userInfo.");
    if (username) r.userInfo.username = username;
    if (uid) r.userInfo.uid = uid;
    if (Array.isArray(ui.groups) && ui.groups.length) r.userInfo.groups = ui.groups.map(String);
    if (isObj(ui.extra) && Object.keys(ui.extra).length) {
      r.userInfo.extra = Object.fromEntries(Object.entries(ui.extra).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : []]));
    }
  }
  return finish(reorder(r), opts);
}

/** Field order of the Go struct (cosmetic: keeps dumps comparable with Gatekeeper's). */
function reorder(r: GkReview): GkReview {
  const order: (keyof GkReview)[] = [
    "uid", "kind", "resource", "subResource", "requestKind", "requestResource", "requestSubResource", "name", "namespace",
    "operation", "userInfo", "object", "oldObject", "dryRun", "options", "namespaceObject",
  ];
  const out = {} as Record<string, unknown>;
  for (const k of order) if (r[k] !== undefined) out[k] = r[k];
  return out as unknown as GkReview;
}

/** input.review for a gator case object: AdmissionReview objects are unwrapped, anything else is wrapped. */
export function gatorReview(obj: KObject, opts: ReviewOptions = {}): GkReview {
  return isAdmissionReview(obj) ? reviewForAdmissionReview(obj, opts) : reviewForObject(obj, opts);
}

/** Gatekeeper's Rego `input`: `{review, parameters}` (the hook module's `inp`). */
export function regoInput(review: GkReview, parameters: JSONValue): { review: GkReview; parameters: JSONValue } {
  return { review, parameters };
}

/** The objects a review's matcher sees and the namespace it looks up: object, oldObject, request namespace. */
export function reviewMatchRequest(review: GkReview): { object: JSONValue; oldObject: JSONValue; namespace?: string; source: "Original" } {
  const out: { object: JSONValue; oldObject: JSONValue; namespace?: string; source: "Original" } = { object: review.object, oldObject: review.oldObject, source: "Original" };
  if (review.namespace) out.namespace = review.namespace;
  return out;
}

/** `namespace/name` (or `name`) of the object a review is about, for reports. */
export function reviewResource(review: GkReview): string {
  const obj = review.object ?? review.oldObject;
  const name = review.name || metaString(obj, "name");
  const ns = review.namespace || metaString(obj, "namespace");
  return ns ? `${ns}/${name}` : name;
}

// ---------------------------------------------------------------------------------------------------------------
// data.inventory

export interface Inventory {
  cluster?: { [groupVersion: string]: { [kind: string]: { [name: string]: JSONValue } } };
  namespace?: { [namespace: string]: { [groupVersion: string]: { [kind: string]: { [name: string]: JSONValue } } } };
}

/**
 * `data.inventory` for synced objects: `cluster[gv][kind][name]` when metadata.namespace is empty, else
 * `namespace[ns][gv][kind][name]`; gv is `GroupVersion.String()` — `v1` for the core group, `apps/v1` otherwise.
 * Whether an object lands under `cluster` depends on metadata.namespace only, not on its kind's scope. A later
 * object at the same path replaces an earlier one. With no objects the document is `{}` (the driver always creates
 * `data.inventory`). Throws ReviewError for an object without version or kind (gator: "unable to add object to
 * data.inventory").
 */
export function inventoryData(objects: readonly KObject[]): Inventory {
  const inv: Inventory = {};
  for (const obj of objects) {
    const gvk = gvkOf(obj);
    const name = metaString(obj, "name");
    if (gvk.version === "") throw new ReviewError(`unable to add object to data.inventory: invalid request object: resource ${name} has no version`);
    if (gvk.kind === "") throw new ReviewError(`unable to add object to data.inventory: invalid request object: resource ${name} has no kind`);
    const gv = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
    const ns = metaString(obj, "namespace");
    const leaf = ns ? (((inv.namespace ??= {})[ns] ??= {})[gv] ??= {}) : ((inv.cluster ??= {})[gv] ??= {});
    (leaf[gvk.kind] ??= {})[name] = jsonClone(obj);
  }
  return inv;
}

/**
 * The Namespace object gator's matcher finds for a review: looked up in the namespace cache (filled from
 * inventory objects of kind Namespace, group "") under `cluster/v1/Namespace/<request.namespace>` — only when the
 * request has a namespace.
 */
export function namespaceFromInventory(review: Pick<GkReview, "namespace">, objects: readonly KObject[]): KObject | undefined {
  if (!review.namespace) return undefined;
  let found: KObject | undefined;
  for (const o of objects) {
    const gvk = gvkOf(o);
    if (gvk.kind === "Namespace" && gvk.group === "" && gvk.version === "v1" && !metaString(o, "namespace") && metaString(o, "name") === review.namespace) found = o;
  }
  return found;
}
