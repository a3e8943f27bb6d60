// The `variables` of one composition context (pkg/admission/plugin/cel/composition.go): every variable is
// evaluated on first access under its own per-call cost limit and cached for the context; an error surfaces where
// it is read. The cost of the variables evaluated so far accumulates until the filter charges it to the budget after
// the expression that read them (compositionContext.GetAndResetCost).
//
// The contexts of one (policy, binding, param) evaluation (matchConditions, validations, messageExpressions,
// auditAnnotations) see the same object, request, params and namespace, so a variable evaluates to the same outcome
// and cost in each of them. A VariableStore shared by those contexts keeps each outcome with the variables its
// evaluation read: a later context replays it — reading those variables first (evaluating or replaying each one
// not yet seen in this context), then charging the recorded cost — which charges exactly what re-evaluating it would.
import type { Activation } from "../cel/env.js";
import { CelError, CelMap, type MapKey, type Value } from "../cel/values.js";
import type { CompiledVariable } from "./compilepolicy.js";

interface VariableOutcome {
  value?: Value;
  error?: CelError;
}

/** An outcome as a VariableStore keeps it. */
interface StoredOutcome extends VariableOutcome {
  /** Whether the evaluation ran (and is charged and observed); compile and internal errors cost nothing. */
  charged: boolean;
  cost: number;
  /** Indices of the variables the evaluation read, in the order of their first reads. */
  reads: number[];
}

/** Called with a variable's declaration index and the cost of its evaluation. */
export type VariableCostObserver = (index: number, cost: number) => void;

/** The text of an unexpected (non-CEL) failure. */
export const internalError = (e: unknown): string => `internal error: ${e instanceof Error ? e.message : String(e)}`;

/** Names → declaration index of a list of variables, worked out once per list. */
interface Layout {
  /** Unique names in first-declaration order; a repeated name resolves to its last declaration. */
  readonly names: readonly string[];
  readonly index: ReadonlyMap<string, number>;
  /** No variable mentions the authorizer: outcomes do not depend on whether the context binds it. */
  readonly authorizerFree: boolean;
}

const layouts = new WeakMap<readonly CompiledVariable[], Layout>();

function layoutOf(defs: readonly CompiledVariable[]): Layout {
  let l = layouts.get(defs);
  if (!l) {
    const index = new Map<string, number>();
    defs.forEach((def, i) => index.set(def.name, i));
    l = { names: [...index.keys()], index, authorizerFree: defs.every((d) => !d.expression.includes("authorizer")) };
    layouts.set(defs, l);
  }
  return l;
}

/**
 * Variable outcomes shared by the composition contexts of one evaluation. A context may use the store only when its
 * activation differs from the others' in nothing but `variables` — except that contexts without the authorizer
 * (messageExpressions) share with the others only when no variable mentions `authorizer` (see `forContext`).
 */
export class VariableStore {
  private readonly outcomes: (StoredOutcome | undefined)[] = [];
  private withoutAuthorizer?: VariableStore;

  constructor(readonly defs: readonly CompiledVariable[]) {}

  /** The store for a context with (`true`) or without the authorizer bound. */
  forContext(authorizer: boolean): VariableStore {
    if (authorizer || layoutOf(this.defs).authorizerFree) return this;
    return (this.withoutAuthorizer ??= new VariableStore(this.defs));
  }

  /** @internal */
  get(i: number): StoredOutcome | undefined {
    return this.outcomes[i];
  }
  /** @internal */
  set(i: number, o: StoredOutcome): void {
    this.outcomes[i] = o;
  }
}

export class LazyVariables extends CelMap {
  private readonly layout: Layout;
  private readonly done: (VariableOutcome | undefined)[] = [];
  private pendingCost = 0;
  /** The reads of the variable being evaluated (recorded only with a store). */
  private reads: number[] | undefined;

  constructor(
    private readonly defs: readonly CompiledVariable[],
    private readonly activation: () => Activation,
    private readonly observe?: VariableCostObserver,
    private readonly store?: VariableStore,
  ) {
    super();
    this.layout = layoutOf(defs);
    if (store && store.defs !== defs) throw new Error("LazyVariables: the store belongs to other variables");
  }

  /** The cost of the variables evaluated since the last call (GetAndResetCost). */
  takeCost(): number {
    const c = this.pendingCost;
    this.pendingCost = 0;
    return c;
  }

  override get size(): number {
    return this.layout.names.length;
  }
  override has(key: MapKey): boolean {
    return typeof key === "string" && this.layout.index.has(key);
  }
  override get(key: MapKey): Value | undefined {
    if (typeof key !== "string") return undefined;
    const i = this.layout.index.get(key);
    if (i === undefined) return undefined;
    // (a repeated read is recorded once: replaying it again would find it done)
    const reads = this.reads;
    if (reads !== undefined && reads.indexOf(i) < 0) reads.push(i);
    const slot = this.done[i] ?? this.resolve(i);
    if (slot.error) throw slot.error;
    return slot.value;
  }
  override *keys(): IterableIterator<Value> {
    yield* this.layout.names;
  }
  override *entries(): IterableIterator<[Value, Value]> {
    for (const k of this.layout.names) yield [k, this.get(k)!];
  }
  override rawEntries(): ReadonlyMap<MapKey, Value> {
    const m = new Map<MapKey, Value>();
    for (const k of this.layout.names) m.set(k, this.get(k)!);
    return m;
  }

  /** The outcome of variable `i` in this context: replayed from the store, else evaluated (and stored). */
  private resolve(i: number): VariableOutcome {
    const stored = this.store?.get(i);
    if (stored) {
      for (const r of stored.reads) if (!this.done[r]) this.resolve(r);
      if (stored.charged) this.charge(i, stored.cost);
      return (this.done[i] = stored);
    }
    if (!this.store) return (this.done[i] = this.evaluate(this.defs[i]!, i));
    // (no try/finally: evaluate() returns whatever the expression does; an exception escaping it — a stack
    // overflow — is caught by an enclosing variable's evaluate, whose resolve restores its own `reads`)
    const outer = this.reads;
    const reads: number[] = [];
    this.reads = reads;
    const o = this.evaluate(this.defs[i]!, i, reads);
    this.reads = outer;
    this.store.set(i, o);
    return (this.done[i] = o);
  }

  private charge(index: number, cost: number): void {
    this.pendingCost += cost;
    this.observe?.(index, cost);
  }

  /** variableAccessor.Callback: compile errors cost nothing; an evaluation is charged even when it fails. */
  private evaluate(def: CompiledVariable, index: number, reads: number[] = NO_READS): StoredOutcome {
    if (!def.compiled.ok) {
      return outcome(undefined, new CelError(`composited variable ${quoted(def)} fails to compile: ${def.compiled.error}`), false, 0, reads);
    }
    let r: ReturnType<typeof def.compiled.program.evaluate>;
    try {
      r = def.compiled.program.evaluate(this.activation());
    } catch (e) {
      return outcome(undefined, new CelError(`composited variable ${quoted(def)} fails to evaluate: ${internalError(e)}`), false, 0, reads);
    }
    this.charge(index, r.cost);
    if (r.ok) return outcome(r.value, undefined, true, r.cost, reads);
    return outcome(undefined, new CelError(`composited variable ${quoted(def)} fails to evaluate: ${r.error.message}`), true, r.cost, reads);
  }
}

const NO_READS: number[] = [];

/** A variable's name as the error texts quote it. */
const quoted = (def: CompiledVariable): string => JSON.stringify(def.name);

/** One shape for every outcome. */
const outcome = (value: Value | undefined, error: CelError | undefined, charged: boolean, cost: number, reads: number[]): StoredOutcome => ({
  value,
  error,
  charged,
  cost,
  reads,
});
