// Request objects as CEL sees them. The API server decodes built-in kinds into Go structs and converts them back
// with ToUnstructured: an explicit JSON null disappears when the Go field is `omitempty` but stays a present null
// when it is not (e.g. ClusterRole `rules`, json:"rules"). fromJSON drops every null; this module keeps the nulls
// of the known non-omitempty nilable fields of built-in kinds. An ObjectCache lets a caller that judges the same
// objects in several admissions (a replay run: MAP stage, then VAP engine) convert each of them once.
import { CelMap, fromJSON, type MapKey, type Value } from "../cel/values.js";
import type { KObject } from "./types.js";

/** How a key under some path is treated: descended into (some kept path lies below it) and/or its null kept. */
interface KeyRule {
  descend: boolean;
  keepNull: boolean;
}

/**
 * Kept null paths compiled per path: for the root ("") and every path descended into, the rules of the keys below
 * it. A key `k` under path `p` is the path `p.k` (`k` at the root), dots in keys included, as in the dotted lists.
 */
type KeepPaths = ReadonlyMap<string, ReadonlyMap<string, KeyRule>>;

function keepPaths(paths: Iterable<string>): KeepPaths {
  const keep = new Set(paths);
  const prefixes = new Set<string>();
  for (const q of keep) for (let i = q.indexOf("."); i >= 0; i = q.indexOf(".", i + 1)) prefixes.add(q.slice(0, i));
  const nodes = new Map<string, Map<string, KeyRule>>();
  for (const at of ["", ...prefixes]) {
    const rules = new Map<string, KeyRule>();
    for (const s of new Set([...keep, ...prefixes])) {
      if (at && !s.startsWith(`${at}.`)) continue;
      const k = at ? s.slice(at.length + 1) : s;
      rules.set(k, { descend: prefixes.has(s), keepNull: keep.has(s) });
    }
    nodes.set(at, rules);
  }
  return nodes;
}

/** group/Kind → the nilable fields declared without omitempty (a null there stays null). */
const NON_OMITEMPTY: ReadonlyMap<string, KeepPaths> = new Map(
  Object.entries({
    "rbac.authorization.k8s.io/Role": ["rules"],
    "rbac.authorization.k8s.io/ClusterRole": ["rules"],
    "discovery.k8s.io/EndpointSlice": ["endpoints"],
    "/Pod": ["spec.containers"],
  }).map(([k, v]) => [k, keepPaths(v)]),
);

/** Convert JSON to CEL like fromJSON, but keep nulls at the given dotted paths (relative to the root; `v` is at
 *  path `at`). */
export function fromJSONKeeping(v: unknown, keep: ReadonlySet<string>, at = ""): Value {
  if (!keep.size) return fromJSON(v);
  return keeping(v, keepPaths(keep), at);
}

const hasOwn = Object.prototype.hasOwnProperty;

function keeping(v: unknown, paths: KeepPaths, at: string): Value {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return fromJSON(v);
  const rules = paths.get(at);
  if (!rules) return fromJSON(v);
  const o = v as Record<string, unknown>;
  const m = new Map<MapKey, Value>();
  for (const k in o) {
    if (!hasOwn.call(o, k)) continue;
    const x = o[k];
    const rule = rules.get(k);
    if (x === null || x === undefined) {
      if (x === null && rule?.keepNull) m.set(k, null);
      continue;
    }
    m.set(k, rule?.descend ? keeping(x, paths, at ? `${at}.${k}` : k) : fromJSON(x));
  }
  return new CelMap(m);
}

/** The apiVersion's group ("" for the core group). */
const groupOf = (apiVersion: string | undefined): string => {
  const av = apiVersion ?? "";
  const i = av.indexOf("/");
  return i < 0 ? "" : av.slice(0, i);
};

/** `object` / `oldObject` as the validating plugin binds them (null when absent). Converted anew on every call
 *  (callers may mutate their objects between admissions); pass an ObjectCache to convert an object once. */
export function objectToCel(obj: KObject | null | undefined, cache?: ObjectCache): Value {
  if (!obj) return null;
  return cache ? cache.convert(obj) : convertObject(obj);
}

function convertObject(obj: KObject): Value {
  const paths = NON_OMITEMPTY.get(`${groupOf(obj.apiVersion)}/${obj.kind ?? ""}`);
  return paths && keptNullIn(obj, paths, "") ? keeping(obj, paths, "") : fromJSON(obj);
}

/** Whether `v` (at path `at`) holds a null that `keeping` keeps: without one, keeping gives what fromJSON gives (it
 *  descends along the same keys and drops every other null), so the common object takes fromJSON's faster path. */
function keptNullIn(v: unknown, paths: KeepPaths, at: string): boolean {
  const rules = paths.get(at);
  if (!rules || v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  for (const [k, rule] of rules) {
    if (!hasOwn.call(o, k)) continue;
    const x = o[k];
    if (x === null ? rule.keepNull : rule.descend && keptNullIn(x, paths, at ? `${at}.${k}` : k)) return true;
  }
  return false;
}

/**
 * Converted objects by identity, for a caller that promises not to mutate them while the cache lives (one replay
 * run): each object is converted on first use only. Keys are weak, so a cache holds nothing alive.
 */
export class ObjectCache {
  private readonly converted = new WeakMap<object, Value>();
  private readonly plain = new WeakMap<object, Value>();

  /** objectToCel(obj). */
  convert(obj: KObject): Value {
    let v = this.converted.get(obj);
    if (v === undefined) this.converted.set(obj, (v = convertObject(obj)));
    return v;
  }

  /** fromJSON(obj) (params). */
  json(obj: KObject): Value {
    let v = this.plain.get(obj);
    if (v === undefined) this.plain.set(obj, (v = fromJSON(obj)));
    return v;
  }
}
