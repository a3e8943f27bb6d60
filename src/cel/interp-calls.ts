// Function calls of the CEL interpreter, planned as cel-go plans them under the Kubernetes program options
// (OptOptimize, OptTrackCost): type conversions of constants folded at plan time, `x in <constant list>` turned into
// a set lookup (both cost nothing), `or`/`orValue` short-circuits with no cost of their own, and every other call
// charged after its arguments with the cost rule of its statically resolved overload (src/cel/cost.ts). Argument
// errors follow cel-go's instructions: a resolved unary/binary overload evaluates all arguments and is charged; a
// call dispatched at runtime (no single overload), with 3+ arguments or a constant regex stops at the first error
// and is charged only when every argument was evaluated.
import type { Call } from "./ast.js";
import type { Activation } from "./env.js";
import { planCallCost, sizeTraversal, type CallCostRule, type CostInput } from "./cost.js";
import { ErrBox, asCelError, attempt, charge, notStrictlyFalse, type Ev, type Frame, type PlanContext, type Scope } from "./frame.js";
import type { Overload } from "./registry.js";
import { candidatesFor, makeDispatcher, makeDispatcher1, makeDispatcher2, noSuchOverloadError } from "./stdlib/dispatch.js";
import { celEquals, listContains } from "./stdlib/ops.js";
import { CelError, CelUint, Optional, type Value } from "./values.js";

/** cel-go overloads.IsTypeConversionFunction: folded when their argument is a constant. */
const TYPE_CONVERSIONS = new Set(["bool", "bytes", "double", "duration", "dyn", "int", "string", "timestamp", "type", "uint"]);
/** Functions whose constant-regex form cel-go re-plans as a plain variadic call (matches, Kubernetes find/findAll). */
const REGEX_FUNCTIONS = new Set(["matches", "find", "findAll"]);

/** How the arguments of a planned call are evaluated and charged. */
interface CallShape {
  /** All arguments are evaluated even after an error (cel-go evalUnary/evalBinary/evalEq). */
  readonly strict: boolean;
  readonly rule: CallCostRule;
}

/** A function call `fn(args…)` (args include the receiver of a member call first). */
export function planFunctionCall(ctx: PlanContext, e: Call, fn: string, scope: Scope): Ev {
  const argExprs = e.target ? [e.target, ...e.args] : e.args;
  const args = argExprs.map((x) => ctx.plan(x, scope));
  const refs = ctx.checked?.refs.get(e.id);
  const declared = refs ?? ctx.env.overloads.get(fn) ?? [];
  const overloadId = refs?.length === 1 ? refs[0]!.id : "";
  const cands = candidatesFor(declared, args.length, e.target !== undefined);
  if (cands.length === 0) {
    return (a, f) => {
      throw noSuchOverloadError(fn, args.map((x) => x(a, f)));
    };
  }
  const folded = foldConversion(ctx, fn, e.target !== undefined, cands, args);
  if (folded) return folded;
  if (fn === "@in" && overloadId === "in_list") {
    const set = setMembership(ctx, args[0]!, args[1]!);
    if (set) return set;
  }
  const rule = planCallCost(fn, overloadId, ctx.env.costEstimators);
  const regexConstant = REGEX_FUNCTIONS.has(fn) && args.length > 1 && typeof ctx.constantOf(args[1]!) === "string";
  const shape: CallShape = { strict: overloadId !== "" && args.length <= 2 && !regexConstant, rule };
  return callEv(fn, cands, args, shape);
}

function callEv(fn: string, cands: readonly Overload[], args: Ev[], shape: CallShape): Ev {
  switch (args.length) {
    case 1:
      return unaryCall(makeDispatcher1(fn, cands), args[0]!, shape.rule);
    case 2:
      return binaryCall(makeDispatcher2(fn, cands), args[0]!, args[1]!, shape);
    default:
      return naryCall(makeDispatcher(fn, cands), args, shape);
  }
}

/** The cost of a call (fixed, or from its first two arguments, undefined standing for an error, and the result). */
function costOf(rule: CallCostRule, x: CostInput, y: CostInput, result: CostInput): number {
  return rule.fixed ?? rule.fn!(x, y, result) ?? 1;
}

type SiteCost = (x: CostInput, y: CostInput, result: CostInput) => number;

/** A call site's cost function (one per site, so the cost rule is called monomorphically). */
function siteCost(rule: CallCostRule): SiteCost {
  const n = rule.fixed;
  if (n !== undefined) return () => n;
  const fn = rule.fn!;
  return (x, y, result) => fn(x, y, result) ?? 1;
}

function unaryCall(d: (x: Value) => Value, x0: Ev, rule: CallCostRule): Ev {
  const cost = siteCost(rule);
  const n = rule.fixed;
  if (n !== undefined) {
    // (the fixed cost is charged inline: a call through `cost` would be megamorphic)
    return (a, f) => {
      let x: Value;
      try {
        x = x0(a, f);
      } catch (e) {
        throw chargedFailure(e, f, n);
      }
      charge(f, n);
      return d(x);
    };
  }
  const usesResult = rule.usesResult === true;
  return (a, f) => {
    let x: Value;
    try {
      x = x0(a, f);
    } catch (e) {
      throw chargedFailure(e, f, cost(undefined, undefined, undefined));
    }
    if (!usesResult) {
      charge(f, cost(x, undefined, undefined));
      return d(x);
    }
    return resultCharged(f, cost, x, undefined, () => d(x));
  };
}

function binaryCall(d: (x: Value, y: Value) => Value, x0: Ev, y0: Ev, shape: CallShape): Ev {
  const { rule, strict } = shape;
  const cost = siteCost(rule);
  const n = rule.fixed;
  const usesResult = rule.usesResult === true;
  // kept small so V8 inlines it: the error paths live in failedArgs; a fixed cost is charged without calling `cost`
  // (that call would be megamorphic)
  return (a, f) => {
    let x: Value | undefined;
    let y: Value;
    try {
      x = x0(a, f);
      y = y0(a, f);
    } catch (e) {
      throw failedArgs(e, x, strict, y0, a, f, cost);
    }
    if (usesResult) return resultCharged(f, cost, x, y, () => d(x!, y));
    charge(f, n ?? cost(x, y, undefined));
    return d(x, y);
  };
}

/** An argument failed: charge the call (when cel-go finds all its arguments evaluated) and fail with the error. */
function chargedFailure(e: unknown, f: Frame, n: number): CelError {
  const err = asCelError(e);
  charge(f, n);
  return err;
}

/**
 * An argument of a binary call failed (`x` undefined: the left one). After the left one a strict call still
 * evaluates the right one and is charged, a variadic one stops uncharged; after the right one it is charged.
 */
function failedArgs(e: unknown, x: Value | undefined, strict: boolean, y0: Ev, a: Activation, f: Frame, cost: SiteCost): CelError {
  const err = asCelError(e);
  if (x !== undefined) {
    charge(f, cost(x, undefined, undefined));
    return err;
  }
  if (strict) {
    const y = attempt(y0, a, f);
    charge(f, cost(undefined, y instanceof ErrBox ? undefined : y, undefined));
  }
  return err;
}

/** Run a function whose cost depends on its result: charged after it ran (on failure with no result). */
function resultCharged(f: Frame, cost: SiteCost, x: CostInput, y: CostInput, run: () => Value): Value {
  let r: Value;
  try {
    r = run();
  } catch (e) {
    throw chargedFailure(e, f, cost(x, y, undefined));
  }
  charge(f, cost(x, y, r));
  return r;
}

function naryCall(d: (args: Value[]) => Value, args: readonly Ev[], shape: CallShape): Ev {
  const count = args.length;
  const { rule, strict } = shape;
  return (a, f) => {
    const vals = new Array<Value>(count);
    let err: CelError | undefined;
    for (let i = 0; i < count; i++) {
      const v = attempt(args[i]!, a, f);
      if (!(v instanceof ErrBox)) {
        vals[i] = v;
        continue;
      }
      err ??= v.err;
      if (!strict) {
        if (i === count - 1) charge(f, costOf(rule, vals[0], vals[1], undefined));
        throw err;
      }
    }
    if (err) {
      charge(f, costOf(rule, vals[0], vals[1], undefined));
      throw err;
    }
    if (!rule.usesResult) {
      charge(f, costOf(rule, vals[0], vals[1], undefined));
      return d(vals);
    }
    let r: Value;
    try {
      r = d(vals);
    } catch (e) {
      if (e instanceof CelError) charge(f, costOf(rule, vals[0], vals[1], undefined));
      throw e;
    }
    charge(f, costOf(rule, vals[0], vals[1], r));
    return r;
  };
}

// ---------------------------------------------------------------- plan-time optimizations (OptOptimize)

/** `int('1')`, `string(5)`, `dyn([1, 2])`: a conversion of a constant is computed once and costs nothing. */
function foldConversion(ctx: PlanContext, fn: string, member: boolean, cands: readonly Overload[], args: Ev[]): Ev | undefined {
  if (member || args.length !== 1 || !TYPE_CONVERSIONS.has(fn)) return undefined;
  const c = ctx.constantOf(args[0]!);
  if (c === undefined) return undefined;
  try {
    return ctx.constant(makeDispatcher1(fn, cands)(c));
  } catch (e) {
    if (e instanceof CelError) return undefined; // cel-go fails to plan; we leave the error to evaluation
    throw e;
  }
}

const isPrimitive = (v: Value): boolean =>
  typeof v === "boolean" || typeof v === "bigint" || typeof v === "number" || typeof v === "string" || v instanceof CelUint;

/** `x in [constants]` (cel-go maybeOptimizeSetMembership): a lookup with no call cost; `x in []` is false outright. */
function setMembership(ctx: PlanContext, lhs: Ev, rhs: Ev): Ev | undefined {
  const list = ctx.constantOf(rhs);
  if (!Array.isArray(list)) return undefined;
  const elems = list as readonly Value[];
  if (elems.length === 0) return ctx.constant(false);
  if (!elems.every(isPrimitive)) return undefined;
  return (a, f) => listContains(elems, lhs(a, f));
}

// ---------------------------------------------------------------- operators planned specially by cel-go

/** `==` / `!=` (cel-go evalEq / evalNe): both sides evaluated, charged as overloads `equals` / `not_equals`. */
export function planEquality(ctx: PlanContext, e: Call, scope: Scope): Ev {
  const l = ctx.plan(e.args[0]!, scope);
  const r = ctx.plan(e.args[1]!, scope);
  const negate = e.fn === "_!=_";
  const rule = planCallCost(e.fn, negate ? "not_equals" : "equals", ctx.env.costEstimators);
  const d = negate ? (x: Value, y: Value): Value => !celEquals(x, y) : celEquals;
  if (rule.strings === "minSize" && !rule.usesResult) {
    const lc = ctx.constantOf(l);
    const rc = ctx.constantOf(r);
    if (typeof rc === "string" && lc === undefined) return constantStringEquality(l, rc, false, negate, d, rule);
    if (typeof lc === "string" && rc === undefined) return constantStringEquality(r, lc, true, negate, d, rule);
  }
  return binaryCall(d, l, r, { strict: true, rule });
}

/**
 * `x == 'c'` / `'c' == x` (and `!=`): as binaryCall plans it, but a string `x` is compared and charged inline
 * (the rule's "minSize" cost for two strings, the constant's size measured once).
 */
function constantStringEquality(x0: Ev, c: string, constantLeft: boolean, negate: boolean, d: (x: Value, y: Value) => Value, rule: CallCostRule): Ev {
  const cost = siteCost(rule);
  const cSize = sizeTraversal(c);
  return (a, f) => {
    let x: Value;
    try {
      x = x0(a, f);
    } catch (e) {
      // strict: the constant side is evaluated too (it cannot fail), and the call is charged
      const err = asCelError(e);
      charge(f, constantLeft ? cost(c, undefined, undefined) : cost(undefined, c, undefined));
      throw err;
    }
    if (typeof x === "string") {
      charge(f, Math.min(sizeTraversal(x), cSize));
      return (x === c) !== negate;
    }
    charge(f, constantLeft ? cost(c, x, undefined) : cost(x, c, undefined));
    return constantLeft ? d(c, x) : d(x, c);
  };
}

/** `@not_strictly_false(x)`: true unless x is false; errors are absorbed; costs 1. */
export function planNotStrictlyFalse(ctx: PlanContext, e: Call, scope: Scope): Ev {
  const x = ctx.plan(e.args[0]!, scope);
  return (a, f) => {
    const v = notStrictlyFalse(x, a, f);
    charge(f, 1);
    return v;
  };
}

/**
 * `o.or(p)` / `o.orValue(v)` (cel-go evalOptionalOr / evalOptionalOrValue, no cost of their own): the argument is
 * evaluated only when the receiver is an empty optional; a receiver that is not an optional is returned as is.
 */
export function planOptionalOr(ctx: PlanContext, e: Call, scope: Scope): Ev {
  const t = ctx.plan(e.target!, scope);
  const alt = ctx.plan(e.args[0]!, scope);
  const orValue = e.fn === "orValue";
  return (a, f) => {
    const v = t(a, f);
    if (!(v instanceof Optional)) return v;
    if (v.hasValue()) return orValue ? v.value! : v;
    const w = alt(a, f);
    if (!orValue && !(w instanceof Optional)) throw noSuchOverloadError("or", [v, w]);
    return w;
  };
}
