// The Kubernetes CEL cost estimator at runtime (apiserver pkg/cel/library/cost.go, CostEstimator.CallCost): call
// costs decided by function name — authorizer checks, the Kubernetes libraries and a few ext.Strings functions.
// A call it has no estimate for falls through to cel-go's defaults (src/cel/cost.ts).
import {
  fixedCost,
  memoizedMeasure,
  regexCost,
  STRING_TRAVERSAL_COST_FACTOR,
  traversal,
  sizeOf,
  type CallCostEstimator,
  type CallCostRule,
  type CostInput,
} from "../cost.js";
import { knownCodePoints } from "../stdlib/sizes.js";
import { CelMap, Opaque } from "../values.js";
import { FormatValue } from "./format.js";

/** The estimator's actualSize: sized values only, everything else (optionals included) is 1. A string the
 *  interpreter has just counted is not scanned again. */
const size = (v: CostInput): number => (typeof v === "string" ? (knownCodePoints(v) ?? sizeOf(v)!) : (sizeOf(v) ?? 1));

/** ⌈size · 0.2⌉: a traversal plus the construction of the result. */
const doubleTraversal = (n: number): number => Math.ceil(n * 2 * STRING_TRAVERSAL_COST_FACTOR);

const NON_ASCII = /[^\x00-\x7f]/;

/** UTF-8 length of a string. */
const utf8Length = memoizedMeasure(countUtf8);

function countUtf8(s: string): number {
  if (!NON_ASCII.test(s)) return s.length; // (the regex scan is several times faster than the loop below)
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** traversalCost: the cost of walking a value as a data tree (strings by UTF-8 bytes, truncated). */
export function traversalCost(v: CostInput): number {
  if (typeof v === "string") return Math.trunc(utf8Length(v) * STRING_TRAVERSAL_COST_FACTOR);
  if (v instanceof Uint8Array) return Math.trunc(v.length * STRING_TRAVERSAL_COST_FACTOR);
  if (Array.isArray(v)) {
    let c = 0;
    for (const x of v as readonly CostInput[]) c += traversalCost(x);
    return c;
  }
  if (v instanceof CelMap) {
    let c = 0;
    for (const [k, x] of v.entries()) c += traversalCost(k) + traversalCost(x);
    return c;
  }
  return 1;
}

/** selectorCostEstimate for a label/field selector string of `n` code points. */
function selectorCost(n: number): number {
  const parse = Math.ceil(n * STRING_TRAVERSAL_COST_FACTOR);
  const requirements = Math.ceil(n * 0.5);
  return 10 + parse + Math.ceil(requirements * 50);
}

// Each function's overloads fix its arity, so CallCost's `len(args) >= n` guards always hold here.
const receiverTraversal: CallCostRule = { fn: (x) => traversal(size(x)) };
const receiverRebuild: CallCostRule = { fn: (x) => doubleTraversal(size(x)) };
const regexSearch: CallCostRule = { fn: (x, y) => regexCost(size(x), size(y)) };

const NOMINAL = new Set([
  "serviceAccount", "path", "group", "resource", "subresource", "namespace", "name", "allowed", "reason", "error", "errored",
  "masked", "prefixLength", "family", "isUnspecified", "isLoopback", "isLinkLocalMulticast", "isLinkLocalUnicast", "isGlobalUnicast",
  "format.named",
  "sign", "asInteger", "isInteger", "asApproximateFloat", "isGreaterThan", "isLessThan", "compareTo", "add", "sub", "major", "minor", "patch",
  "getScheme", "getHostname", "getHost", "getPort", "getEscapedPath", "getQuery",
]);
const RECEIVER_TRAVERSAL = new Set([
  "url", "lowerAscii", "upperAscii", "substring", "trim", "jsonpatch.escapeKey",
  "cidr", "isIP", "isCIDR", "quantity", "isQuantity", "semver", "isSemver",
]);

function containsIP(overloadId: string): CallCostRule {
  return {
    fn: (x, y) => {
      const cidr = size(x);
      let c = traversal(cidr + cidr);
      if (overloadId === "cidr_contains_ip_string") c += traversal(size(y));
      return c;
    },
  };
}

function containsCIDR(overloadId: string): CallCostRule {
  return {
    fn: (x, y) => {
      const cidr = size(x);
      let c = traversal(cidr + cidr) + traversal(cidr) + 1;
      if (overloadId === "cidr_contains_cidr_string") c += traversal(size(y));
      return c;
    },
  };
}

const formatValidate: CallCostRule = {
  fn: (x, y) => (x instanceof FormatValue ? regexCost(size(y), x.maxRegexSize) : undefined),
};

/** `_==_` on the Kubernetes value types costs 1; other operands defer to cel-go's size-based default. */
const equality: CallCostRule = { fn: (x) => (x instanceof Opaque ? 1 : undefined), strings: "defer" };

/** CostEstimator.CallCost, planned once per call site. */
export const k8sCostEstimator: CallCostEstimator = (fn, overloadId) => {
  if (NOMINAL.has(fn)) return fixedCost(1);
  if (RECEIVER_TRAVERSAL.has(fn)) return receiverTraversal;
  switch (fn) {
    case "check":
      return fixedCost(350_000);
    case "fieldSelector":
    case "labelSelector":
      return { fn: (_x, y) => selectorCost(size(y)) };
    case "isSorted":
    case "sum":
    case "max":
    case "min":
    case "indexOf":
    case "lastIndexOf":
      return { fn: (x) => traversalCost(x) };
    case "replace":
    case "split":
      return receiverRebuild;
    case "join":
      return { fn: (_x, _y, result) => doubleTraversal(size(result)), usesResult: true };
    case "find":
    case "findAll":
      return regexSearch;
    case "ip":
      return overloadId === "cidr_ip" ? fixedCost(1) : receiverTraversal;
    case "ip.isCanonical":
      return receiverRebuild;
    case "containsIP":
      return containsIP(overloadId);
    case "containsCIDR":
      return containsCIDR(overloadId);
    case "validate":
      return formatValidate;
    case "_==_":
      return equality;
    default:
      return undefined;
  }
};
