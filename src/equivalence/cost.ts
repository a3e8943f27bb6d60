// CEL cost of one VAP engine decision, for the replay contract's `cost` field.
//
// TEMPORARY ADAPTER — the VAP engine (src/vap, owned elsewhere) is gaining `cost: number` on Decision and
// PolicyResult. Until that lands this reads the field defensively; once `Decision.cost` exists, replace the body
// with `return d.cost;` (or inline `d.cost` at the two call sites: src/equivalence/replay.ts, kaptest.ts).
import type { Decision } from "../vap/types.js";

/** The CEL cost the VAP engine spent on a decision (0 while the engine does not report it). */
export function decisionCost(d: Decision): number {
  const cost = (d as Decision & { cost?: unknown }).cost;
  return typeof cost === "number" ? cost : 0;
}
