// CEL runtime cost accounting as cel-go 0.26 does it (interpreter/runtimecost.go, common/cost.go): the unit costs of
// steps, value sizes, the per-call limit and its error, and how the cost of one function call is decided — first
// the overload trackers of cel-go's extension libraries (stdlib/cost.ts), then the environment's estimator (the
// Kubernetes CostEstimator, k8s/cost.ts), then cel-go's own defaults keyed by overload id. The interpreter charges
// these step by step (interp.ts); this module only says how much.
import { CelMap, Optional, type Value } from "./values.js";

/** cel-go common/cost.go. */
export const SELECT_AND_IDENT_COST = 1;
export const LIST_CREATE_BASE_COST = 10;
export const MAP_CREATE_BASE_COST = 30;
export const STRUCT_CREATE_BASE_COST = 40;
export const STRING_TRAVERSAL_COST_FACTOR = 0.1;
export const REGEX_STRING_LENGTH_COST_FACTOR = 0.25;

/** Kubernetes PerCallLimit (pkg/apis/cel/config.go): the cost one expression evaluation may reach. */
export const PER_CALL_LIMIT = 1_000_000;

/** cel-go's EvalCancelledError text for CostLimitExceeded. */
export const COST_LIMIT_MESSAGE = "operation cancelled: actual cost limit exceeded";

/**
 * Thrown by the interpreter at the step whose cost crossed the limit (cel-go panics there). Deliberately not a
 * CelError: `&&`, `||` and comprehensions must not absorb it. `cost` is the total at that step.
 */
export class CostLimitExceeded extends Error {
  constructor(readonly cost: number) {
    super(COST_LIMIT_MESSAGE);
    this.name = "CostLimitExceeded";
  }
}

/** An argument or result as a cost function sees it: `undefined` stands for an error value. */
export type CostInput = Value | undefined;

/**
 * The cost of one call from its first two evaluated arguments (the receiver first; no cost rule of cel-go or
 * Kubernetes reads further) and its result, or undefined when this rule has no estimate for these values (the
 * next rule decides).
 */
export type CallCostFn = (x: CostInput, y: CostInput, result: CostInput) => number | undefined;

/** How one call site is charged. A fixed cost needs no argument values. */
export interface CallCostRule {
  readonly fixed?: number;
  readonly fn?: CallCostFn;
  /** `fn` reads the result; otherwise it is charged before the function runs (same total, no wasted work). */
  readonly usesResult?: boolean;
  /**
   * What `fn` does when both arguments are strings, for call sites that charge strings without calling it:
   * "defer" — it has no estimate (undefined; the next rule decides); "minSize" — ⌈0.1 · min(size(x), size(y))⌉.
   */
  readonly strings?: "defer" | "minSize";
}

/** Decides the cost rule of a call site from its function name and statically resolved overload id ("" if none). */
export type CallCostEstimator = (fn: string, overloadId: string) => CallCostRule | undefined;

export const fixedCost = (n: number): CallCostRule => ({ fixed: n });

const HIGH_SURROGATE = /[\uD800-\uDBFF]/;

/**
 * A string measure remembering its two last strings (most recent first): a call site comparing with a constant,
 * matching a constant regex or calling several functions on one field measures the same strings call after call.
 */
export function memoizedMeasure(measure: (s: string) => number): (s: string) => number {
  let a = "";
  let aSize = measure(a);
  let b = "";
  let bSize = aSize;
  return (s) => {
    if (s === a) return aSize;
    const n = s === b ? bSize : measure(s);
    b = a;
    bSize = aSize;
    a = s;
    aSize = n;
    return n;
  };
}

/** Number of code points of a string (cel-go string sizes count runes). */
export const codePoints = memoizedMeasure(countCodePoints);

function countCodePoints(s: string): number {
  if (!HIGH_SURROGATE.test(s)) return s.length;
  let n = s.length;
  for (let i = 0; i + 1 < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) continue;
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) {
      n--;
      i++;
    }
  }
  return n;
}

/** Size of a sized value (strings in code points, bytes, list elements, map entries), or undefined. */
export function sizeOf(v: CostInput): number | undefined {
  if (typeof v === "string") return codePoints(v);
  if (typeof v !== "object" || v === null) return undefined;
  if (Array.isArray(v)) return v.length;
  if (v instanceof CelMap) return v.size;
  if (v instanceof Uint8Array) return v.length;
  return undefined;
}

/** cel-go interpreter actualSize: the size of a sized value, of a present optional's value, else 1. */
export function actualSize(v: CostInput): number {
  if (v instanceof Optional) return v.value === undefined ? 1 : actualSize(v.value);
  return sizeOf(v) ?? 1;
}

/** ⌈size · 0.1⌉, the cost of traversing a string once (float arithmetic as in Go). */
export const traversal = (size: number): number => Math.ceil(size * STRING_TRAVERSAL_COST_FACTOR);

/** traversal(actualSize(v)) without counting the code points of a short string (every size 1–10 costs 1). */
export function sizeTraversal(v: CostInput): number {
  if (typeof v === "string") return v.length <= 10 ? Math.min(v.length, 1) : traversal(codePoints(v));
  if (typeof v !== "object") return 1;
  return traversal(actualSize(v));
}

/** ⌈(1 + len) · 0.1⌉ · ⌈len(regex) · 0.25⌉: regex matching (matches, find, findAll, format validate). */
export const regexCost = (inputSize: number, regexSize: number): number =>
  Math.ceil((1 + inputSize) * STRING_TRAVERSAL_COST_FACTOR) * Math.ceil(regexSize * REGEX_STRING_LENGTH_COST_FACTOR);

const STRING_PREFIX_OVERLOADS = new Set([
  "starts_with_string",
  "ends_with_string",
  "string_to_bytes",
  "bytes_to_string",
  "strings_quote",
  "string_format",
]);
const MIN_SIZE_OVERLOADS = new Set([
  "less_string",
  "greater_string",
  "less_equals_string",
  "greater_equals_string",
  "less_bytes",
  "greater_bytes",
  "less_equals_bytes",
  "greater_equals_bytes",
  "equals",
  "not_equals",
]);

/** cel-go CostTracker.costCall's built-in defaults, by overload id; everything else costs 1. */
export function defaultCallCost(overloadId: string): CallCostRule {
  if (STRING_PREFIX_OVERLOADS.has(overloadId)) return { fn: (x) => sizeTraversal(x) };
  // ⌈0.1 · min(a, b)⌉ = min(⌈0.1 · a⌉, ⌈0.1 · b⌉): the ceiling is monotonic
  if (MIN_SIZE_OVERLOADS.has(overloadId)) return { fn: (x, y) => Math.min(sizeTraversal(x), sizeTraversal(y)), strings: "minSize" };
  switch (overloadId) {
    case "in_list":
      return { fn: (_x, y) => actualSize(y) };
    case "add_string":
    case "add_bytes":
      return { fn: (x, y) => traversal(actualSize(x) + actualSize(y)) };
    case "matches_string":
      return { fn: (x, y) => regexCost(actualSize(x), actualSize(y)) };
    case "contains_string":
      return { fn: (x, y) => traversal(actualSize(x)) * traversal(actualSize(y)) };
    default:
      return fixedCost(1);
  }
}

/**
 * The rule for one call site: the first of `estimators` that has one (an estimator returning undefined at runtime
 * defers to the next), ending with cel-go's defaults.
 */
export function planCallCost(fn: string, overloadId: string, estimators: readonly CallCostEstimator[]): CallCostRule {
  const rules: CallCostRule[] = [];
  for (const est of estimators) {
    const r = est(fn, overloadId);
    if (r) rules.push(r);
  }
  rules.push(defaultCallCost(overloadId));
  const first = rules[0]!;
  if (first.fixed !== undefined || rules.length === 1) return first;
  const usesResult = rules.some((r) => r.usesResult);
  // two strings: the first rule with an estimate for them decides
  const onStrings = rules.find((r) => r.strings !== "defer")?.strings;
  const strings = onStrings === "minSize" ? onStrings : undefined;
  const fns = rules.map(asCostFn);
  if (fns.length === 2) {
    const [f1, f2] = fns as [CallCostFn, CallCostFn];
    return { usesResult, strings, fn: (x, y, result) => f1(x, y, result) ?? f2(x, y, result) };
  }
  return {
    usesResult,
    strings,
    fn: (x, y, result) => {
      for (const f of fns) {
        const c = f(x, y, result);
        if (c !== undefined) return c;
      }
      return 1;
    },
  };
}

function asCostFn(r: CallCostRule): CallCostFn {
  if (r.fixed !== undefined) {
    const n = r.fixed;
    return () => n;
  }
  return r.fn!;
}
