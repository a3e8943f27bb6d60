// Runtime cost trackers of cel-go's extension libraries, keyed by overload id (ext/lists.go and ext/sets.go
// ProgramOptions → interpreter.OverloadCostTracker). cel-go consults them before any other estimator.
import { actualSize, LIST_CREATE_BASE_COST, STRING_TRAVERSAL_COST_FACTOR, type CallCostEstimator, type CallCostRule, type CostInput } from "../cost.js";

const CALL_COST = 1;

/** trackAllocatingListCall: ⌊size · factor⌋ + 1 + 10. */
const allocatingList = (factor: number, size: number): number =>
  Math.trunc(size * factor) + CALL_COST + LIST_CREATE_BASE_COST;

/** trackListSelfCompare: quadratic in the list size, a little more for string or bytes elements. */
function selfCompare(l: CostInput): number {
  const size = actualSize(l);
  if (size === 0 || !Array.isArray(l)) return allocatingList(2, 0);
  const first: unknown = l[0];
  const factor = typeof first === "string" || first instanceof Uint8Array ? 2 + STRING_TRAVERSAL_COST_FACTOR : 2;
  return allocatingList(factor, size * size);
}

const outputSize: CallCostRule = { fn: (_x, _y, result) => allocatingList(1, actualSize(result)), usesResult: true };
/** flatten() and flatten(depth): the input size times the depth. */
const flatten: CallCostRule = { fn: (x, y) => allocatingList(typeof y === "bigint" ? Number(y) : 1, actualSize(x)) };
const sets = (factor: number): CallCostRule => ({
  fn: (x, y) => CALL_COST + Math.trunc(actualSize(x) * actualSize(y) * factor),
});

const SORTABLE = ["int", "uint", "double", "bool", "google.protobuf.Duration", "google.protobuf.Timestamp", "string", "bytes"];

const TRACKERS: ReadonlyMap<string, CallCostRule> = new Map<string, CallCostRule>([
  ["list_slice", outputSize],
  ["lists_range", outputSize],
  ["list_reverse", outputSize],
  ["list_flatten", flatten],
  ["list_flatten_int", flatten],
  ["list_distinct", { fn: (x) => selfCompare(x) }],
  ...SORTABLE.map((t): [string, CallCostRule] => [`list_${t}_sort`, { fn: (x) => selfCompare(x) }]),
  ...SORTABLE.map((t): [string, CallCostRule] => [`list_${t}_sortByAssociatedKeys`, { fn: (_x, y) => selfCompare(y) }]),
  ["list_sets_contains_list", sets(1)],
  ["list_sets_intersects_list", sets(1)],
  ["list_sets_equivalent_list", sets(2)],
]);

/** The extension libraries' overload trackers (only a statically resolved overload id can hit one). */
export const extensionCostTrackers: CallCostEstimator = (_fn, overloadId) => TRACKERS.get(overloadId);
