// Per-evaluation state of a planned CEL program, shared by the interpreter's planners (interp.ts, interp-attrs.ts,
// interp-calls.ts): the comprehension slots and the running cost with its limit, the planned-closure type, and the
// cost charge that aborts the evaluation at the step crossing the limit (cel-go's CostTracker check after each step).
import type { Expr } from "./ast.js";
import { CostLimitExceeded } from "./cost.js";
import type { Activation, Env } from "./env.js";
import type { CheckResult } from "./checker.js";
import { CelError, type Value } from "./values.js";

/** An evaluation error stored in a comprehension accumulator (errors are values inside folds, as in cel-go). */
export class ErrBox {
  constructor(readonly err: CelError) {}
}

/** A comprehension slot; `undefined` = an accumulator not initialized yet (cel-go initializes it on first use). */
export type Slot = Value | ErrBox | undefined;

export class Frame {
  /** Runtime cost so far (cel-go EvalDetails.ActualCost). */
  cost = 0;
  constructor(
    readonly slots: Slot[],
    /** The cost limit of the evaluation (a frame is reused by the next evaluation of its program). */
    public limit: number,
  ) {}
}

/** A planned expression. Throws CelError on evaluation errors, CostLimitExceeded when the limit is crossed. */
export type Ev = (act: Activation, f: Frame) => Value;

/** Comprehension variables in scope: slot, and for accumulators their (lazily evaluated) initializer. */
export type Scope = ReadonlyMap<string, { slot: number; init?: Ev }>;

/** Add `n` to the cost; past the limit the evaluation is cancelled with the total at this step. */
export function charge(f: Frame, n: number): void {
  if ((f.cost += n) > f.limit) throw new CostLimitExceeded(f.cost);
}

/** Errors that CEL semantics absorb or turn into values are CelErrors; anything else (cost limit, bugs) propagates. */
export function asCelError(e: unknown): CelError {
  if (e instanceof CelError) return e;
  throw e;
}

/** Evaluate `ev`, returning a CelError as an ErrBox instead of throwing it. */
export function attempt(ev: Ev, a: Activation, f: Frame): Value | ErrBox {
  try {
    return ev(a, f);
  } catch (e) {
    return new ErrBox(asCelError(e));
  }
}

/** Whether `ev` is anything but `false`; an error counts as not false (cel-go @not_strictly_false, loop conditions). */
export function notStrictlyFalse(ev: Ev, a: Activation, f: Frame): boolean {
  try {
    return ev(a, f) !== false;
  } catch (e) {
    asCelError(e);
    return true;
  }
}

/** What the attribute and call planners need from the main planner. */
export interface PlanContext {
  readonly env: Env;
  readonly checked: CheckResult | undefined;
  /** Whether the fused plans (optional chains, string concatenations, map/filter loops) may be used; off only to
   *  obtain the generic plans the fast paths are tested against. */
  readonly fastPaths: boolean;
  /** Plan for evaluation (cel-go Interpretable.Eval, all costs charged). */
  plan(e: Expr, scope: Scope): Ev;
  /** The constant value of a planned expression folded at plan time (cel-go InterpretableConst), if it is one. */
  constantOf(ev: Ev): Value | undefined;
  /** Plan a constant (cost 0). */
  constant(v: Value): Ev;
}
