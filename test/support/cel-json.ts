// JSON ⇄ CEL helpers for replaying golden rows: the vars as the plugin bound them, and values compared as Go prints
// them (map keys sorted).
import { CelMap, fromJSON, type MapKey, type Value } from "../../src/cel/values.js";

/** The vars are recorded as the plugin bound them: a JSON null is a present null (fromJSON would drop it). */
export function bound(v: unknown): Value {
  if (v === null || typeof v !== "object") return fromJSON(v);
  if (Array.isArray(v)) return v.map(bound);
  const m = new Map<MapKey, Value>();
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) m.set(k, bound(x));
  return new CelMap(m);
}

/** JSON with object keys sorted (Go maps print sorted; our maps keep insertion order). */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x,
  );
}
