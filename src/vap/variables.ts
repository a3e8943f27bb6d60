// The `variables` of one composition context (pkg/admission/plugin/cel/composition.go): every variable is
// evaluated on first access under its own per-call cost limit and cached for the context; an error surfaces where
// it is read. The cost of the variables evaluated so far accumulates until the filter charges it to the budget after
// the expression that read them (compositionContext.GetAndResetCost).
import type { Activation } from "../cel/env.js";
import { CelError, CelMap, type MapKey, type Value } from "../cel/values.js";
import type { CompiledVariable } from "./compilepolicy.js";

interface VariableOutcome {
  value?: Value;
  error?: CelError;
}

/** Called with a variable's declaration index and the cost of its evaluation. */
export type VariableCostObserver = (index: number, cost: number) => void;

/** The text of an unexpected (non-CEL) failure. */
export const internalError = (e: unknown): string => `internal error: ${e instanceof Error ? e.message : String(e)}`;

export class LazyVariables extends CelMap {
  private readonly done = new Map<string, VariableOutcome>();
  private readonly defs = new Map<string, { def: CompiledVariable; index: number }>();
  private pendingCost = 0;

  constructor(
    defs: readonly CompiledVariable[],
    private readonly activation: () => Activation,
    private readonly observe?: VariableCostObserver,
  ) {
    super();
    defs.forEach((def, index) => this.defs.set(def.name, { def, index }));
  }

  /** The cost of the variables evaluated since the last call (GetAndResetCost). */
  takeCost(): number {
    const c = this.pendingCost;
    this.pendingCost = 0;
    return c;
  }

  override get size(): number {
    return this.defs.size;
  }
  override has(key: MapKey): boolean {
    return typeof key === "string" && this.defs.has(key);
  }
  override get(key: MapKey): Value | undefined {
    if (typeof key !== "string") return undefined;
    const entry = this.defs.get(key);
    if (!entry) return undefined;
    let slot = this.done.get(key);
    if (!slot) {
      slot = this.evaluate(entry.def, entry.index);
      this.done.set(key, slot);
    }
    if (slot.error) throw slot.error;
    return slot.value;
  }
  override *keys(): IterableIterator<Value> {
    yield* this.defs.keys();
  }
  override *entries(): IterableIterator<[Value, Value]> {
    for (const k of this.defs.keys()) yield [k, this.get(k)!];
  }
  override rawEntries(): ReadonlyMap<MapKey, Value> {
    const m = new Map<MapKey, Value>();
    for (const k of this.defs.keys()) m.set(k, this.get(k)!);
    return m;
  }

  /** variableAccessor.Callback: compile errors cost nothing; an evaluation is charged even when it fails. */
  private evaluate(def: CompiledVariable, index: number): VariableOutcome {
    const name = JSON.stringify(def.name);
    if (!def.compiled.ok) return { error: new CelError(`composited variable ${name} fails to compile: ${def.compiled.error}`) };
    let r: ReturnType<typeof def.compiled.program.evaluate>;
    try {
      r = def.compiled.program.evaluate(this.activation());
    } catch (e) {
      return { error: new CelError(`composited variable ${name} fails to evaluate: ${internalError(e)}`) };
    }
    this.pendingCost += r.cost;
    this.observe?.(index, r.cost);
    if (r.ok) return { value: r.value };
    return { error: new CelError(`composited variable ${name} fails to evaluate: ${r.error.message}`) };
  }
}
