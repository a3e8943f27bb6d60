// Function calls of the CEL interpreter, planned as cel-go plans them under the Kubernetes program options
// (OptOptimize, OptTrackCost): type conversions of constants folded at plan time, `x in <constant list>` turned into
// a set lookup (both cost nothing), `or`/`orValue` short-circuits with no cost of their own, and every other call
// charged after its arguments with the cost rule of its statically resolved overload (src/cel/cost.ts). Argument
// errors follow cel-go's instructions: a resolved unary/binary overload evaluates all arguments and is charged; a
// call dispatched at runtime (no single overload), with 3+ arguments or a constant regex stops at the first error
// and is charged only when every argument was evaluated. Fused forms, with the same values, errors and charges in the
// same order: chains of string `+` and of list `+` as one node each, and `orValue` / `or(…).orValue` / `hasValue` /
// `value` on optional selection chains (and `optMap(…).orValue`) without the Optionals in between.
import type { Call, Expr } from "./ast.js";
import type { Activation } from "./env.js";
import { codePoints, planCallCost, sizeTraversal, traversal, type CallCostRule, type CostInput } from "./cost.js";
import { ErrBox, asCelError, attempt, charge, notStrictlyFalse, type Ev, type Frame, type PlanContext, type Scope } from "./frame.js";
import { ABSENT, evalRawAttribute, isAttribute, planAttribute, walkOptional, type Attr } from "./interp-attrs.js";
import type { Overload } from "./registry.js";
import { candidatesFor, makeDispatcher, makeDispatcher1, makeDispatcher2, noSuchOverloadError } from "./stdlib/dispatch.js";
import { celEquals, listContains } from "./stdlib/ops.js";
import { knownCodePoints, rememberCodePoints } from "./stdlib/sizes.js";
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
  if (fn === "_+_" && !e.target && e.args.length === 2) {
    const chain = planStringConcat(ctx, e, scope) ?? planListConcat(ctx, e, scope);
    if (chain) return chain;
  }
  if ((fn === "hasValue" || fn === "value") && e.target && e.args.length === 0) {
    const read = planOptionalRead(ctx, e, fn, scope);
    if (read) return read;
  }
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
    case 0:
      return nullaryCall(makeDispatcher(fn, cands), shape.rule);
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

/** `f()` (`optional.none()`): naryCall without arguments. */
function nullaryCall(d: (args: Value[]) => Value, rule: CallCostRule): Ev {
  if (rule.usesResult) return naryCall(d, [], { strict: true, rule });
  const n = rule.fixed;
  if (n !== undefined) {
    return (_a, f) => {
      charge(f, n);
      return d(NO_ARGS);
    };
  }
  return (_a, f) => {
    charge(f, costOf(rule, undefined, undefined, undefined));
    return d(NO_ARGS);
  };
}
const NO_ARGS: Value[] = [];

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
  const orValue = e.fn === "orValue";
  const chain = orValue ? chainAttr(ctx, e.target!, scope) : undefined;
  if (chain) {
    // `x.?a.?b.orValue(v)`: the chain's value when present, else v; no Optional in between
    const alt = ctx.plan(e.args[0]!, scope);
    const k = ctx.constantOf(alt);
    const { slot, fields } = chain.chain!;
    if (slot >= 0) {
      // on a comprehension variable: its read (1), the fields, the alternative — in one closure
      if (k !== undefined) {
        return (_a, f) => {
          charge(f, 1);
          const v = walkOptional(f.slots[slot] as Value, fields, f);
          return v !== ABSENT ? v : k;
        };
      }
      return (a, f) => {
        charge(f, 1);
        const v = walkOptional(f.slots[slot] as Value, fields, f);
        return v !== ABSENT ? v : alt(a, f);
      };
    }
    const raw = evalRawAttribute(chain)!;
    return (a, f) => {
      const v = raw(a, f);
      return v !== ABSENT ? v : alt(a, f);
    };
  }
  if (orValue) {
    const fused = planOrOrValue(ctx, e, scope) ?? planOptMapOrValue(ctx, e, scope);
    if (fused) return fused;
  }
  const t = ctx.plan(e.target!, scope);
  const alt = ctx.plan(e.args[0]!, scope);
  return (a, f) => {
    const v = t(a, f);
    if (!(v instanceof Optional)) return v;
    if (v.hasValue()) return orValue ? v.value! : v;
    const w = alt(a, f);
    if (!orValue && !(w instanceof Optional)) throw noSuchOverloadError("or", [v, w]);
    return w;
  };
}

/**
 * `x.?a.?b.or(o).orValue(v)`: the chain's value when present; else `o`, which must be an optional (else the `or`
 * fails as evalOptionalOr does, the empty chain as its receiver), its value when present, else v. The same
 * evaluations and charges (none of their own) without the Optionals in between.
 */
function planOrOrValue(ctx: PlanContext, e: Call, scope: Scope): Ev | undefined {
  const t = e.target!;
  if (t.k !== "call" || !t.target || t.fn !== "or" || t.args.length !== 1 || !ctx.env.overloads.has("or")) return undefined;
  const chain = chainAttr(ctx, t.target, scope);
  if (!chain) return undefined;
  const raw = evalRawAttribute(chain)!;
  const o = ctx.plan(t.args[0]!, scope);
  const alt = ctx.plan(e.args[0]!, scope);
  return (a, f) => {
    const v = raw(a, f);
    if (v !== ABSENT) return v;
    const w = o(a, f);
    if (!(w instanceof Optional)) throw noSuchOverloadError("or", [Optional.NONE, w]);
    return w.value !== undefined ? w.value : alt(a, f);
  };
}

/**
 * `x.optMap(p, e).orValue(v)` as the parser expands optMap — `x.hasValue() ? optional.of(<bind p in e>) :
 * optional.none()` — with `optional.of` / `optional.none` the optional library's fixed-cost overloads: the
 * condition, then the bound value (charged as optional.of is, also when it fails) or v after optional.none's
 * charge; a non-bool condition fails as `?:` does. No Optional is built.
 */
function planOptMapOrValue(ctx: PlanContext, e: Call, scope: Scope): Ev | undefined {
  if (!ctx.fastPaths) return undefined;
  const t = e.target!;
  if (t.k !== "call" || t.target || t.fn !== "_?_:_" || t.args.length !== 3) return undefined;
  const [cond, some, none] = t.args as [Expr, Expr, Expr];
  const only = (x: Expr, fn: string, id: string, argc: number): x is Call => {
    if (x.k !== "call" || x.target || x.fn !== fn || x.args.length !== argc) return false;
    const refs = ctx.checked?.refs.get(x.id);
    return refs !== undefined && refs.length === 1 && refs[0]!.id === id;
  };
  if (!only(some, "optional.of", "optional_of", 1) || !only(none, "optional.none", "optional_none", 0)) return undefined;
  const nOf = planCallCost("optional.of", "optional_of", ctx.env.costEstimators).fixed;
  const nNone = planCallCost("optional.none", "optional_none", ctx.env.costEstimators).fixed;
  if (nOf === undefined || nNone === undefined) return undefined;
  const c = ctx.plan(cond, scope);
  const x0 = ctx.plan(some.args[0]!, scope);
  const alt = ctx.plan(e.args[0]!, scope);
  return (a, f) => {
    const cv = c(a, f);
    if (cv === true) {
      let x: Value;
      try {
        x = x0(a, f);
      } catch (ex) {
        throw chargedFailure(ex, f, nOf);
      }
      charge(f, nOf);
      return x;
    }
    if (cv === false) {
      charge(f, nNone);
      return alt(a, f);
    }
    throw new CelError("no such overload");
  };
}

// ---------------------------------------------------------------- string concatenation chains

/** Whether `e` is a `_+_` statically resolved to `add_string` alone. */
function isStringAdd(ctx: PlanContext, e: Expr): e is Call {
  if (e.k !== "call" || e.target || e.fn !== "_+_" || e.args.length !== 2) return false;
  const refs = ctx.checked?.refs.get(e.id);
  return refs !== undefined && refs.length === 1 && refs[0]!.id === "add_string";
}

/** Code points of a string (as cost.ts counts them), without a regex call for short strings. */
function countCodePoints(s: string): number {
  const n = s.length;
  if (n > 64) return knownCodePoints(s) ?? codePoints(s);
  let c = n;
  for (let i = 0; i + 1 < n; i++) {
    const h = s.charCodeAt(i);
    if (h < 0xd800 || h > 0xdbff) continue;
    const l = s.charCodeAt(i + 1);
    if (l >= 0xdc00 && l <= 0xdfff) {
      c--;
      i++;
    }
  }
  return c;
}

const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

/** A string operand's measures, fixed at plan time for a constant. */
interface Measured {
  readonly size: number;
  readonly first: number;
  readonly last: number;
}

const measure = (s: string): Measured => ({ size: countCodePoints(s), first: s.charCodeAt(0), last: s.charCodeAt(s.length - 1) });

/**
 * `t0 + t1 + … + tn` where every `+` is the statically resolved `add_string` charged by cel-go's default rule
 * (⌈0.1 · (size(x) + size(y))⌉, no estimator overriding it): one node evaluating the operands in order, each `+`
 * charged after its right operand as the nested binary calls are. The running result's size is kept as a count
 * (the sizes of the parts, less one where a surrogate pair forms across a seam) instead of being measured again, so
 * the concatenation is never flattened to be measured; constant operands are measured at plan time. An operand that
 * fails or is not a string takes the nested calls' exact path: all operands are still evaluated, the rule is applied
 * to the values (undefined for errors), the first error wins. Undefined when the chain is not of that shape.
 */
function planStringConcat(ctx: PlanContext, e: Call, scope: Scope): Ev | undefined {
  if (!ctx.fastPaths || !isStringAdd(ctx, e)) return undefined;
  if (ctx.env.costEstimators.some((est) => est("_+_", "add_string") !== undefined)) return undefined;
  const evs = chainOperands(e, (x): x is Call => isStringAdd(ctx, x)).map((o) => ctx.plan(o, scope));
  const consts = evs.map((ev) => {
    const c = ctx.constantOf(ev);
    return typeof c === "string" && c.length > 0 ? measure(c) : undefined;
  });
  const rule = planCallCost("_+_", "add_string", ctx.env.costEstimators);
  const cost = siteCost(rule);
  const d = makeDispatcher2("_+_", candidatesFor(ctx.checked!.refs.get(e.id)!, 2, false));
  const n = evs.length;
  return (a, f) => {
    let err: CelError | undefined;
    let x: Value | undefined;
    try {
      x = evs[0]!(a, f);
    } catch (ex) {
      err = asCelError(ex);
    }
    // the measures of x while it is a string: size in code points, its first and last code units
    let size = -1;
    let last = 0;
    if (typeof x === "string") {
      const m = consts[0];
      size = m ? m.size : countCodePoints(x);
      last = m ? m.last : x.charCodeAt(x.length - 1);
    }
    for (let i = 1; i < n; i++) {
      let y: Value | undefined;
      let yerr: CelError | undefined;
      try {
        y = evs[i]!(a, f);
      } catch (ex) {
        yerr = asCelError(ex);
      }
      if (err !== undefined) {
        charge(f, cost(undefined, yerr ? undefined : y, undefined));
        continue;
      }
      if (yerr !== undefined) {
        charge(f, cost(x, undefined, undefined));
        err = yerr;
        continue;
      }
      if (size >= 0 && typeof y === "string") {
        const xs = x as string;
        if (y.length === 0) {
          charge(f, traversal(size));
          continue;
        }
        const m = consts[i];
        const ySize = m ? m.size : countCodePoints(y);
        charge(f, traversal(size + ySize));
        const first = m ? m.first : y.charCodeAt(0);
        size += ySize;
        if (xs.length > 0 && isHigh(last) && isLow(first)) size--;
        last = m ? m.last : y.charCodeAt(y.length - 1);
        x = xs + y;
        continue;
      }
      // not two strings: the nested calls' path
      charge(f, cost(x, y, undefined));
      try {
        x = d(x!, y!);
      } catch (ex) {
        err = asCelError(ex);
        continue;
      }
      size = typeof x === "string" ? countCodePoints(x) : -1;
      if (typeof x === "string") last = x.charCodeAt(x.length - 1);
    }
    if (err !== undefined) throw err;
    if (size >= 0 && (x as string).length > 64) rememberCodePoints(x as string, size);
    return x!;
  };
}

// ---------------------------------------------------------------- list concatenation chains

/** The operands of a left-nested chain of `_+_` calls that each satisfy `link`, in evaluation order. */
function chainOperands(e: Call, link: (x: Expr) => x is Call): Expr[] {
  const operands: Expr[] = [];
  let x: Expr = e;
  while (link(x)) {
    operands.push(x.args[1]!);
    x = x.args[0]!;
  }
  operands.push(x);
  return operands.reverse();
}

/**
 * `l0 + l1 + … + ln` where every `+` is the statically resolved `add_list` with a fixed cost: one node evaluating
 * the operands in order, each `+` charged after its right operand as the nested binary calls are (all operands
 * evaluated, the first error wins, a non-list operand fails as the overload's dispatch does), the lists copied once
 * into the result (or a single non-empty one returned as is) instead of once per `+`.
 */
function planListConcat(ctx: PlanContext, e: Call, scope: Scope): Ev | undefined {
  if (!ctx.fastPaths) return undefined;
  const isListAdd = (x: Expr): x is Call => {
    if (x.k !== "call" || x.target || x.fn !== "_+_" || x.args.length !== 2) return false;
    const refs = ctx.checked?.refs.get(x.id);
    return refs !== undefined && refs.length === 1 && refs[0]!.id === "add_list";
  };
  if (!isListAdd(e)) return undefined;
  const n = planCallCost("_+_", "add_list", ctx.env.costEstimators).fixed;
  if (n === undefined) return undefined;
  const evs = chainOperands(e, isListAdd).map((o) => ctx.plan(o, scope));
  const d = makeDispatcher2("_+_", candidatesFor(ctx.checked!.refs.get(e.id)!, 2, false));
  const count = evs.length;
  return (a, f) => {
    let err: CelError | undefined;
    let x: Value | undefined;
    try {
      x = evs[0]!(a, f);
    } catch (ex) {
      err = asCelError(ex);
    }
    // the non-empty lists so far (while every operand is a list)
    let parts: (readonly Value[])[] | undefined;
    let size = 0;
    let lists = Array.isArray(x);
    if (lists && (x as readonly Value[]).length > 0) {
      parts = [x as readonly Value[]];
      size = (x as readonly Value[]).length;
    }
    for (let i = 1; i < count; i++) {
      let y: Value | undefined;
      let yerr: CelError | undefined;
      try {
        y = evs[i]!(a, f);
      } catch (ex) {
        yerr = asCelError(ex);
      }
      charge(f, n);
      if (err !== undefined) continue;
      if (yerr !== undefined) {
        err = yerr;
        continue;
      }
      if (lists && Array.isArray(y)) {
        const l = y as readonly Value[];
        if (l.length > 0) {
          (parts ??= []).push(l);
          size += l.length;
        }
        continue;
      }
      // not two lists: the overload's dispatch decides (and fails)
      try {
        x = d(joined(x!, parts, size, lists), y!);
      } catch (ex) {
        err = asCelError(ex);
        continue;
      }
      lists = Array.isArray(x);
      parts = lists && (x as readonly Value[]).length > 0 ? [x as readonly Value[]] : undefined;
      size = lists ? (x as readonly Value[]).length : 0;
    }
    if (err !== undefined) throw err;
    return joined(x!, parts, size, lists);
  };
}

/** The running value of a list chain: its parts joined (the first operand when it is not a list). */
function joined(x: Value, parts: (readonly Value[])[] | undefined, size: number, lists: boolean): Value {
  if (!lists) return x;
  if (parts === undefined) return Array.isArray(x) ? x : [];
  if (parts.length === 1) return parts[0]!;
  const out = new Array<Value>(size);
  let k = 0;
  for (const p of parts) for (let j = 0; j < p.length; j++) out[k++] = p[j]!;
  return out;
}

// ---------------------------------------------------------------- optional selection chains

/** `x.?a.?b` planned as an attribute with its raw resolution (see interp-attrs), when it is such a chain. */
function chainAttr(ctx: PlanContext, target: Expr, scope: Scope): Attr | undefined {
  if (!ctx.fastPaths || target.k !== "select" || !target.optional || target.test || !isAttribute(ctx, target, scope)) return undefined;
  const attr = planAttribute(ctx, target, scope);
  return attr.chain ? attr : undefined;
}

/** The chain evaluated on its own (root charged as evalAttribute does), giving the present value or ABSENT. */
function rawChain(ctx: PlanContext, target: Expr, scope: Scope): Ev | undefined {
  const attr = chainAttr(ctx, target, scope);
  if (!attr) return undefined;
  const { slot, fields } = attr.chain!;
  if (slot < 0) return evalRawAttribute(attr);
  return (_a, f) => {
    charge(f, 1);
    return walkOptional(f.slots[slot] as Value, fields, f);
  };
}

/**
 * `x.?a.?b.hasValue()` / `.value()` resolved to the optional library's overloads alone, with a fixed cost: the
 * chain read without its Optional, then charged as the unary call (also when the chain fails); `value()` of an
 * absent chain fails as the overload does.
 */
function planOptionalRead(ctx: PlanContext, e: Call, fn: "hasValue" | "value", scope: Scope): Ev | undefined {
  const refs = ctx.checked?.refs.get(e.id);
  const id = fn === "hasValue" ? "optional_hasValue" : "optional_value";
  if (!refs || refs.length !== 1 || refs[0]!.id !== id) return undefined;
  const n = planCallCost(fn, id, ctx.env.costEstimators).fixed;
  if (n === undefined) return undefined;
  const raw = rawChain(ctx, e.target!, scope);
  if (!raw) return undefined;
  if (fn === "hasValue") {
    return (a, f) => {
      let v: Value;
      try {
        v = raw(a, f);
      } catch (ex) {
        throw chargedFailure(ex, f, n);
      }
      charge(f, n);
      return v !== ABSENT;
    };
  }
  const d = makeDispatcher1(fn, candidatesFor(refs, 1, true));
  return (a, f) => {
    let v: Value;
    try {
      v = raw(a, f);
    } catch (ex) {
      throw chargedFailure(ex, f, n);
    }
    charge(f, n);
    return v !== ABSENT ? v : d(Optional.NONE);
  };
}
