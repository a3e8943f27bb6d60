// Request objects as CEL sees them. The API server decodes built-in kinds into Go structs and converts them back
// with ToUnstructured: an explicit JSON null disappears when the Go field is `omitempty` but stays a present null
// when it is not (e.g. ClusterRole `rules`, json:"rules"). fromJSON drops every null; this module keeps the nulls
// of the known non-omitempty nilable fields of built-in kinds.
import { CelMap, fromJSON, type MapKey, type Value } from "../cel/values.js";
import { splitApiVersion } from "./kinds.js";
import type { KObject } from "./types.js";

/** group/Kind → dotted paths of nilable fields declared without omitempty (a null there stays null). */
const NON_OMITEMPTY: Readonly<Record<string, readonly string[]>> = {
  "rbac.authorization.k8s.io/Role": ["rules"],
  "rbac.authorization.k8s.io/ClusterRole": ["rules"],
  "discovery.k8s.io/EndpointSlice": ["endpoints"],
  "/Pod": ["spec.containers"],
};

/** Convert JSON to CEL like fromJSON, but keep nulls at the given dotted paths (relative to the root). */
export function fromJSONKeeping(v: unknown, keep: ReadonlySet<string>, at = ""): Value {
  if (!keep.size || v === null || typeof v !== "object") return fromJSON(v);
  if (Array.isArray(v)) return fromJSON(v);
  const m = new Map<MapKey, Value>();
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const p = at ? `${at}.${k}` : k;
    if (x === null || x === undefined) {
      if (x === null && keep.has(p)) m.set(k, null);
      continue;
    }
    const sub = [...keep].some((q) => q.startsWith(`${p}.`));
    m.set(k, sub ? fromJSONKeeping(x, keep, p) : fromJSON(x));
  }
  return new CelMap(m);
}

/** `object` / `oldObject` as the validating plugin binds them (null when absent). Converted once per admission
 *  (callers may mutate their objects between admissions, so nothing is cached across calls). */
export function objectToCel(obj: KObject | null | undefined): Value {
  if (!obj) return null;
  const key = `${splitApiVersion(obj.apiVersion ?? "").group}/${obj.kind ?? ""}`;
  const paths = NON_OMITEMPTY[key];
  return paths?.length ? fromJSONKeeping(obj, new Set(paths)) : fromJSON(obj);
}
