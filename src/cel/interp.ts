// The CEL interpreter: plans a (namespace-resolved) AST once into nested JS closures and evaluates it with runtime
// cost tracking, as cel-go 0.26 plans and observes programs under Kubernetes' options (OptOptimize, OptTrackCost,
// PresenceTestHasCost(false), a per-call cost limit). This module owns the node dispatch, constants (literals and
// what OptOptimize folds: constant list/map literals), `&&`/`||` with commutative error absorption, aggregate
// literals and one-/two-variable comprehensions (`all`/`exists` and `map`/`filter` as single loops), and the program
// entry points. Attributes (identifiers, selection, has(), indexing, `?:`) are planned in interp-attrs.ts, function
// calls in interp-calls.ts.
import type { Call, Comprehension, Expr, ParsedExpr } from "./ast.js";
import type { CheckResult } from "./checker.js";
import { COST_LIMIT_MESSAGE, CostLimitExceeded, LIST_CREATE_BASE_COST, MAP_CREATE_BASE_COST, PER_CALL_LIMIT, planCallCost, STRUCT_CREATE_BASE_COST } from "./cost.js";
import type { Activation, Env } from "./env.js";
import { asCelError, charge, ErrBox, Frame, notStrictlyFalse, type Ev, type PlanContext, type Scope, type Slot } from "./frame.js";
import { constantIdent, evalAttribute, isAttribute, planAttribute, qualifiedName } from "./interp-attrs.js";
import { planEquality, planFunctionCall, planNotStrictlyFalse, planOptionalOr } from "./interp-calls.js";
import type { Overload } from "./registry.js";
import { buildMap, formatKey } from "./stdlib/ops.js";
import { CelError, CelMap, Optional, typeName, type Value } from "./values.js";

/** The outcome of one evaluation with its runtime cost (cel-go EvalDetails.ActualCost). */
export type Evaluation =
  | { readonly ok: true; readonly value: Value; readonly cost: number }
  /** `error` is cel-go's error text; past the cost limit "operation cancelled: actual cost limit exceeded" and
   *  `cost` is the total at the step that crossed it. */
  | { readonly ok: false; readonly error: CelError; readonly cost: number };

/**
 * A planned expression: call it to evaluate under the per-call limit (throws CelError on evaluation errors, the cost
 * limit included), or `evaluate` it under `limit` (default PER_CALL_LIMIT) to get the cost; that never throws CelError.
 */
export interface Planned {
  (act: Activation): Value;
  evaluate(act: Activation, limit?: number): Evaluation;
}

/** Planning options (tests only). */
export interface InterpretOptions {
  /** false: plan without the fused forms (optional chains, string concatenation chains, map/filter loops), the
   *  generic plans the fast paths must agree with. Default true. */
  fastPaths?: boolean;
}

/** Plan an expression once. */
export function interpret(parsed: ParsedExpr, env: Env, checked?: CheckResult, options?: InterpretOptions): Planned {
  const planner = new Planner(env, checked, options?.fastPaths !== false);
  const ev = planner.plan(parsed.expr, new Map());
  const n = planner.slots;
  // One frame is kept for the next evaluation (slots need no clearing: a comprehension variable is written before it
  // is read, an accumulator is reset when its comprehension starts); a nested evaluation of the same program while
  // it is taken gets a fresh one.
  let spare: Frame | undefined;
  const frame = (limit: number): Frame => {
    const f = spare;
    if (f === undefined) return new Frame(n === 0 ? NO_SLOTS : new Array<Slot>(n), limit);
    spare = undefined;
    f.cost = 0;
    f.limit = limit;
    return f;
  };
  const run = (act: Activation): Value => {
    const f = frame(PER_CALL_LIMIT);
    try {
      const v = ev(act, f);
      spare = f;
      return v;
    } catch (e) {
      spare = f;
      if (e instanceof CostLimitExceeded) throw new CelError(COST_LIMIT_MESSAGE);
      throw e;
    }
  };
  const evaluate = (act: Activation, limit = PER_CALL_LIMIT): Evaluation => {
    const f = frame(limit);
    try {
      const value = ev(act, f);
      spare = f;
      return { ok: true, value, cost: f.cost };
    } catch (e) {
      spare = f;
      if (e instanceof CostLimitExceeded) return { ok: false, error: new CelError(COST_LIMIT_MESSAGE), cost: e.cost };
      if (e instanceof CelError) return { ok: false, error: e, cost: f.cost };
      throw e;
    }
  };
  return Object.assign(run, { evaluate });
}
const NO_SLOTS: Slot[] = [];
/** The result of a map/filter loop that produced nothing (lists are never mutated once built). */
const NO_ELEMENTS: Value[] = [];
/** A map/filter iteration that leaves the accumulator as it is (never a CEL value). */
const SKIP = Object.freeze({ skip: true }) as unknown as Value;

const nso = (): CelError => new CelError("no such overload");

class Planner implements PlanContext {
  slots = 0;
  private readonly constants = new WeakMap<Ev, { value: Value }>();

  constructor(
    readonly env: Env,
    readonly checked: CheckResult | undefined,
    readonly fastPaths: boolean,
  ) {}

  constant(v: Value): Ev {
    const ev: Ev = () => v;
    this.constants.set(ev, { value: v });
    return ev;
  }

  constantOf(ev: Ev): Value | undefined {
    return this.constants.get(ev)?.value;
  }

  plan(e: Expr, scope: Scope): Ev {
    switch (e.k) {
      case "lit":
        return this.constant(e.value);
      case "ident":
      case "select": {
        const c = constantIdent(this, e, scope);
        if (c !== undefined) return this.constant(c);
        return evalAttribute(planAttribute(this, e, scope));
      }
      case "call":
        return this.call(e, scope);
      case "list":
        return this.list(e.elems, e.optionalIndices, scope);
      case "map":
        return this.map(e, scope);
      case "struct":
        return this.struct(e, scope);
      case "comp":
        return this.comprehension(e, scope);
    }
  }

  // ---------------------------------------------------------------- calls

  private call(e: Call, scope: Scope): Ev {
    // `ns.fn(x)` where `ns.fn` is a declared global and `ns` is not a variable (cel-go namespace resolution)
    if (e.target) {
      const q = qualifiedName(e.target, scope);
      if (q !== undefined) {
        const full = `${q}.${e.fn}`;
        const root = q.split(".")[0]!;
        if (!this.env.vars.has(root) && !this.env.vars.has(q) && this.env.overloads.has(full)) {
          return this.call({ k: "call", id: e.id, pos: e.pos, fn: full, args: e.args }, scope);
        }
      }
    }
    if (isAttribute(this, e, scope)) return evalAttribute(planAttribute(this, e, scope));
    if (!e.target) {
      if (e.args.length === 2 && (e.fn === "_&&_" || e.fn === "_||_")) {
        return this.logical(e.args[0]!, e.args[1]!, scope, e.fn === "_||_");
      }
      if (e.args.length === 1 && e.fn === "@not_strictly_false") return planNotStrictlyFalse(this, e, scope);
      if (e.args.length === 2 && (e.fn === "_==_" || e.fn === "_!=_") && this.onlyStd(e)) return planEquality(this, e, scope);
    }
    if (e.target && e.args.length === 1 && (e.fn === "orValue" || e.fn === "or") && this.env.overloads.has(e.fn)) {
      return planOptionalOr(this, e, scope);
    }
    return planFunctionCall(this, e, e.fn, scope);
  }

  private onlyStd(e: Call): boolean {
    const ovs: readonly Overload[] = this.env.overloads.get(e.fn) ?? [];
    return ovs.every((o) => o.id === "equals" || o.id === "not_equals");
  }

  /** `&&` (absorbing value false) and `||` (absorbing value true) with CEL's commutative error absorption: an
   *  error or non-bool on one side is dropped when the other side yields the absorbing value. No cost of their own. */
  private logical(lx: Expr, rx: Expr, scope: Scope, absorbing: boolean): Ev {
    const l = this.plan(lx, scope);
    const r = this.plan(rx, scope);
    return (a, f) => {
      let lerr: CelError | undefined;
      try {
        const lv = l(a, f);
        if (lv === absorbing) return absorbing;
        if (lv !== !absorbing) lerr = nso();
      } catch (err) {
        lerr = asCelError(err);
      }
      let rv: Value;
      try {
        rv = r(a, f);
      } catch (err) {
        const rerr = asCelError(err); // the cost limit is never absorbed, not even by an error on the left
        throw lerr ?? rerr;
      }
      if (rv === absorbing) return absorbing;
      if (lerr) throw lerr;
      if (rv !== !absorbing) throw nso();
      return !absorbing;
    };
  }

  // ---------------------------------------------------------------- aggregates

  /** A constant literal is built once (OptOptimize): no creation cost. */
  private folded(evs: readonly Ev[], build: Ev): Ev | undefined {
    if (!evs.every((x) => this.constantOf(x) !== undefined)) return undefined;
    try {
      return this.constant(build({}, new Frame(NO_SLOTS, Infinity)));
    } catch (e) {
      asCelError(e);
      return undefined;
    }
  }

  private list(elems: Expr[], optionalIndices: number[], scope: Scope): Ev {
    const evs = elems.map((x) => this.plan(x, scope));
    const build = optionalIndices.length === 0 ? plainList(evs) : optionalList(evs, new Set(optionalIndices));
    return this.folded(evs, build) ?? created(build, LIST_CREATE_BASE_COST);
  }

  private map(e: Extract<Expr, { k: "map" }>, scope: Scope): Ev {
    const entries = e.entries.map((x) => ({ key: this.plan(x.key, scope), value: this.plan(x.value, scope), optional: x.optional }));
    const build: Ev = (a, f) => {
      const keys: Value[] = [];
      const values: Value[] = [];
      for (const en of entries) {
        const k = en.key(a, f);
        const v = en.value(a, f);
        if (!en.optional) {
          keys.push(k);
          values.push(v);
          continue;
        }
        if (!(v instanceof Optional)) throw new CelError(`cannot initialize optional entry '${formatKey(k)}' from non-optional value ${typeName(v)}`);
        if (v.value === undefined) continue;
        keys.push(k);
        values.push(v.value);
      }
      return buildMap(keys, values);
    };
    return this.folded(entries.flatMap((x) => [x.key, x.value]), build) ?? created(build, MAP_CREATE_BASE_COST);
  }

  /** Message construction: represented as a CelMap of the set fields (MutatingAdmissionPolicy Object{…}). */
  private struct(e: Extract<Expr, { k: "struct" }>, scope: Scope): Ev {
    const fields = e.fields.map((x) => ({ name: x.name, ev: this.plan(x.value, scope), optional: x.optional }));
    const build: Ev = (a, f) => {
      const keys: Value[] = [];
      const values: Value[] = [];
      for (const fl of fields) {
        const v = fl.ev(a, f);
        if (!fl.optional) {
          keys.push(fl.name);
          values.push(v);
          continue;
        }
        if (!(v instanceof Optional)) throw new CelError(`cannot initialize optional entry '${fl.name}' from non-optional value ${typeName(v)}`);
        if (v.value === undefined) continue;
        keys.push(fl.name);
        values.push(v.value);
      }
      return buildMap(keys, values);
    };
    return created(build, STRUCT_CREATE_BASE_COST);
  }

  // ---------------------------------------------------------------- comprehensions

  /** A fold (no cost of its own). The accumulator is initialized on its first use, as cel-go's folder does. */
  private comprehension(e: Comprehension, scope: Scope): Ev {
    const quantifier = this.quantifier(e, scope) ?? this.listMacro(e, scope);
    if (quantifier) return quantifier;
    const range = this.plan(e.iterRange, scope);
    const init = this.plan(e.accuInit, scope);
    const accuSlot = this.slots++;
    const outer = new Map(scope);
    outer.set(e.accuVar, { slot: accuSlot, init });
    const inner = new Map(outer);
    const itSlot = this.slots++;
    inner.set(e.iterVar, { slot: itSlot });
    const two = e.iterVar2 !== "";
    const it2Slot = two ? this.slots++ : -1;
    if (two) inner.set(e.iterVar2, { slot: it2Slot });
    const step = foldStep(this.plan(e.loopCondition, inner), this.plan(e.loopStep, inner), accuSlot);
    const result = this.plan(e.result, outer);
    return (a, f) => {
      const r = range(a, f);
      f.slots[accuSlot] = undefined;
      if (Array.isArray(r)) {
        const l = r as readonly Value[];
        for (let i = 0; i < l.length; i++) {
          if (two) {
            f.slots[itSlot] = BigInt(i);
            f.slots[it2Slot] = l[i]!;
          } else f.slots[itSlot] = l[i]!;
          if (!step(a, f)) break;
        }
      } else if (r instanceof CelMap) {
        if (r.constructor === CelMap && rawKeysAreCel(r)) {
          // a plain map without int keys (JSON objects): iterated directly, no generator, no key conversion
          const raw = r.rawEntries();
          if (two) {
            for (const [k, v] of raw) {
              f.slots[itSlot] = k;
              f.slots[it2Slot] = v;
              if (!step(a, f)) break;
            }
          } else {
            for (const k of raw.keys()) {
              f.slots[itSlot] = k;
              if (!step(a, f)) break;
            }
          }
          return result(a, f);
        }
        for (const [k, v] of r.entries()) {
          f.slots[itSlot] = k;
          if (two) f.slots[it2Slot] = v;
          if (!step(a, f)) break;
        }
      } else {
        throw new CelError(`expression of type '${typeName(r)}' cannot be range of a comprehension (must be list, map, or dynamic)`);
      }
      return result(a, f);
    };
  }

  /**
   * `all` / `exists` (one or two variables) as the parser expands them, run as one loop: the same result, errors and
   * cost as the generic fold (condition `@not_strictly_false(@result)` resp. `(!@result)`, step `@result && p` resp.
   * `@result || p` with commutative error absorption, result `@result`), without planning those parts as closures.
   * Undefined for any other comprehension, or when `!_` is not the standard unit-cost overload.
   */
  private quantifier(e: Comprehension, scope: Scope): Ev | undefined {
    const all = e.macro === "all";
    if (!all && e.macro !== "exists") return undefined;
    const isAccu = (x: Expr): boolean => x.k === "ident" && x.name === e.accuVar;
    const call = (x: Expr, fn: string, n: number): x is Call => x.k === "call" && !x.target && x.fn === fn && x.args.length === n;
    const c = e.loopCondition;
    const s = e.loopStep;
    if (e.accuInit.k !== "lit" || e.accuInit.value !== all || !isAccu(e.result)) return undefined;
    if (!call(c, "@not_strictly_false", 1) || !call(s, all ? "_&&_" : "_||_", 2) || !isAccu(s.args[0]!)) return undefined;
    const tested = c.args[0]!;
    if (all ? !isAccu(tested) : !(call(tested, "!_", 1) && isAccu(tested.args[0]!) && this.standardNot(tested))) return undefined;
    const range = this.plan(e.iterRange, scope);
    const inner = new Map(scope);
    const itSlot = this.slots++;
    inner.set(e.iterVar, { slot: itSlot });
    const two = e.iterVar2 !== "";
    const it2Slot = two ? this.slots++ : -1;
    if (two) inner.set(e.iterVar2, { slot: it2Slot });
    const pred = this.plan(s.args[1]!, inner);
    const absorbing = !all; // false ends an `all`, true an `exists`
    const units = all ? ALL_CONDITION_UNITS : EXISTS_CONDITION_UNITS;
    /** One iteration on the accumulator `acc` (a bool or an error): the new accumulator. */
    const step = (acc: boolean | CelError, a: Activation, f: Frame): boolean | CelError => {
      charge(f, 1); // the accumulator read of the step
      let v: Value;
      try {
        v = pred(a, f);
      } catch (err) {
        const ce = asCelError(err);
        return acc instanceof CelError ? acc : ce;
      }
      if (v === absorbing) return absorbing;
      if (acc instanceof CelError) return acc;
      return v === !absorbing ? acc : nso();
    };
    return (a, f) => {
      const r = range(a, f);
      let acc: boolean | CelError = !absorbing;
      if (Array.isArray(r)) {
        const l = r as readonly Value[];
        for (let i = 0; i < l.length; i++) {
          for (let u = 0; u < units; u++) charge(f, 1);
          if (acc === absorbing) break;
          if (two) {
            f.slots[itSlot] = BigInt(i);
            f.slots[it2Slot] = l[i]!;
          } else f.slots[itSlot] = l[i]!;
          acc = step(acc, a, f);
        }
      } else if (r instanceof CelMap) {
        if (!two && r.constructor === CelMap && rawKeysAreCel(r)) {
          for (const k of r.rawEntries().keys()) {
            for (let u = 0; u < units; u++) charge(f, 1);
            if (acc === absorbing) break;
            f.slots[itSlot] = k;
            acc = step(acc, a, f);
          }
        } else {
          for (const [k, v] of r.constructor === CelMap && rawKeysAreCel(r) ? r.rawEntries() : r.entries()) {
            for (let u = 0; u < units; u++) charge(f, 1);
            if (acc === absorbing) break;
            f.slots[itSlot] = k;
            if (two) f.slots[it2Slot] = v;
            acc = step(acc, a, f);
          }
        }
      } else {
        throw new CelError(`expression of type '${typeName(r)}' cannot be range of a comprehension (must be list, map, or dynamic)`);
      }
      charge(f, 1); // the result: reading the accumulator
      if (acc instanceof CelError) throw acc;
      return acc;
    };
  }

  /**
   * `map(x, t)`, `map(x, p, t)` and `filter(x, p)` as the parser expands them (accumulator `[]`, condition `true`,
   * step `@result + [t]`, under `p ? … : @result` with a predicate, result `@result`), run as one loop that appends to
   * one array: the same result, errors and cost, step by step, as the generic fold — per element the predicate; when
   * it holds, the accumulator read (1), the element, the one-element list (10, unless constant) and the `+` (its
   * fixed cost), the element evaluated and everything charged also when the accumulator holds an error; an error is
   * kept as the accumulator and the next one replaces it only where the fold would (a failing predicate or element);
   * the result read (1). Undefined for any other shape, or when `+` is not the statically resolved `add_list`.
   */
  private listMacro(e: Comprehension, scope: Scope): Ev | undefined {
    if (!this.fastPaths || (e.macro !== "map" && e.macro !== "filter") || e.iterVar2 !== "") return undefined;
    const accu = e.accuVar;
    const isAccu = (x: Expr): boolean => x.k === "ident" && x.name === accu;
    if (e.accuInit.k !== "list" || e.accuInit.elems.length !== 0 || !isAccu(e.result)) return undefined;
    if (e.loopCondition.k !== "lit" || e.loopCondition.value !== true) return undefined;
    let s = e.loopStep;
    let predExpr: Expr | undefined;
    if (s.k === "call" && !s.target && s.fn === "_?_:_" && s.args.length === 3) {
      if (!isAccu(s.args[2]!)) return undefined;
      predExpr = s.args[0]!;
      s = s.args[1]!;
    }
    if (s.k !== "call" || s.target || s.fn !== "_+_" || s.args.length !== 2 || !isAccu(s.args[0]!)) return undefined;
    const lit = s.args[1]!;
    if (lit.k !== "list" || lit.elems.length !== 1 || lit.optionalIndices.length !== 0) return undefined;
    const refs = this.checked?.refs.get(s.id);
    if (!refs || refs.length !== 1 || refs[0]!.id !== "add_list") return undefined;
    const add = planCallCost("_+_", "add_list", this.env.costEstimators).fixed;
    if (add === undefined) return undefined;
    const elemExpr = lit.elems[0]!;
    // the accumulator is not in scope below: nothing there may name it
    if ((predExpr && mentions(predExpr, accu)) || mentions(elemExpr, accu)) return undefined;
    const range = this.plan(e.iterRange, scope);
    const inner = new Map(scope);
    const itSlot = this.slots++;
    inner.set(e.iterVar, { slot: itSlot });
    const pred = predExpr ? this.plan(predExpr, inner) : undefined;
    const elem = this.plan(elemExpr, inner);
    const created = this.constantOf(elem) !== undefined ? 0 : LIST_CREATE_BASE_COST; // a constant `[t]` is folded
    /**
     * One iteration, the accumulator holding an error or not: the element to append, SKIP (the accumulator stays
     * as it is), or the error the accumulator holds from now on.
     */
    const step = (accFailed: boolean, a: Activation, f: Frame): Value | ErrBox => {
      if (pred) {
        let p: Value;
        try {
          p = pred(a, f);
        } catch (err) {
          return new ErrBox(asCelError(err));
        }
        if (p === false) return SKIP; // `@result` (an error in it is thrown again and kept)
        if (p !== true) return new ErrBox(nso());
      }
      charge(f, 1); // the accumulator read
      let v: Value;
      try {
        v = elem(a, f);
      } catch (err) {
        const ce = asCelError(err);
        if (created) charge(f, created);
        charge(f, add);
        return accFailed ? SKIP : new ErrBox(ce);
      }
      if (created) charge(f, created);
      charge(f, add);
      return accFailed ? SKIP : v;
    };
    return (a, f) => {
      const r = range(a, f);
      // the result is allocated at its first element, for as many as the range has left
      let out: Value[] | undefined;
      let k = 0;
      let failed: ErrBox | undefined;
      let s: Value | ErrBox;
      if (Array.isArray(r)) {
        const l = r as readonly Value[];
        const n = l.length;
        for (let i = 0; i < n; i++) {
          f.slots[itSlot] = l[i]!;
          s = step(failed !== undefined, a, f);
          if (s === SKIP) continue;
          if (s instanceof ErrBox) failed = s;
          else (out ??= new Array<Value>(n - i))[k++] = s;
        }
      } else if (r instanceof CelMap) {
        const keys = r.constructor === CelMap && rawKeysAreCel(r) ? r.rawEntries().keys() : mapKeys(r);
        let left = r.size;
        for (const key of keys) {
          f.slots[itSlot] = key;
          s = step(failed !== undefined, a, f);
          left--;
          if (s === SKIP) continue;
          if (s instanceof ErrBox) failed = s;
          else (out ??= new Array<Value>(left + 1))[k++] = s;
        }
      } else {
        throw new CelError(`expression of type '${typeName(r)}' cannot be range of a comprehension (must be list, map, or dynamic)`);
      }
      charge(f, 1); // the result: reading the accumulator
      if (failed !== undefined) throw failed.err;
      if (out === undefined) return NO_ELEMENTS;
      if (k < out.length) out.length = k;
      return out;
    };
  }

  /** `!_` resolves to the standard `logical_not` (bool only, cost 1) only. */
  private standardNot(e: Call): boolean {
    const ovs = this.checked?.refs.get(e.id) ?? this.env.overloads.get("!_") ?? [];
    return ovs.length === 1 && ovs[0]!.id === "logical_not" && planCallCost("!_", "logical_not", this.env.costEstimators).fixed === 1;
  }
}

/** The unit costs of one `all` / `exists` iteration before the predicate, and of reading the result. */
const ALL_CONDITION_UNITS = 2; // @not_strictly_false(@result): the accumulator read, the test
const EXISTS_CONDITION_UNITS = 3; // @not_strictly_false(!@result): the accumulator read, `!`, the test

/** The keys of a map as a one-variable comprehension iterates them (its entries: a lazily computed map computes
 *  them all, as the generic fold does). */
function* mapKeys(m: CelMap): IterableIterator<Value> {
  for (const [k] of m.entries()) yield k;
}

/** Whether `e` reads the variable `name` where it is not rebound by a nested comprehension. */
function mentions(e: Expr, name: string): boolean {
  switch (e.k) {
    case "lit":
      return false;
    case "ident":
      return e.name === name;
    case "select":
      return mentions(e.operand, name);
    case "call":
      return (e.target !== undefined && mentions(e.target, name)) || e.args.some((x) => mentions(x, name));
    case "list":
      return e.elems.some((x) => mentions(x, name));
    case "map":
      return e.entries.some((x) => mentions(x.key, name) || mentions(x.value, name));
    case "struct":
      return e.fields.some((x) => mentions(x.value, name));
    case "comp": {
      if (mentions(e.iterRange, name) || mentions(e.accuInit, name)) return true;
      if (e.accuVar === name) return false;
      if (mentions(e.result, name)) return true;
      if (e.iterVar === name || e.iterVar2 === name) return false;
      return mentions(e.loopCondition, name) || mentions(e.loopStep, name);
    }
  }
}

/** Whether a map has no int/uint keys: then its raw keys are its CEL keys (a uint key is stored as a bigint and
 *  only the map knows to give it back as a uint). */
function rawKeysAreCel(m: CelMap): boolean {
  for (const k of m.rawEntries().keys()) if (typeof k === "bigint") return false;
  return true;
}

/** One iteration: only a definite `false` condition stops the loop (errors keep iterating, as cel-go); a failing
 *  step stores its error as the accumulator. */
function foldStep(cond: Ev, step: Ev, accuSlot: number): (a: Activation, f: Frame) => boolean {
  return (a, f) => {
    if (!notStrictlyFalse(cond, a, f)) return false;
    try {
      f.slots[accuSlot] = step(a, f);
    } catch (err) {
      f.slots[accuSlot] = new ErrBox(asCelError(err));
    }
    return true;
  };
}

/** A list, map or object creation: its base cost is charged after the elements, also when one of them fails. */
function created(build: Ev, baseCost: number): Ev {
  return (a, f) => {
    let v: Value;
    try {
      v = build(a, f);
    } catch (e) {
      if (e instanceof CelError) charge(f, baseCost);
      throw e;
    }
    charge(f, baseCost);
    return v;
  };
}

function plainList(evs: readonly Ev[]): Ev {
  const n = evs.length;
  if (n === 0) return () => [];
  return (a, f) => {
    const out = new Array<Value>(n);
    for (let i = 0; i < n; i++) out[i] = evs[i]!(a, f);
    return out;
  };
}

function optionalList(evs: readonly Ev[], opt: ReadonlySet<number>): Ev {
  return (a, f) => {
    const out: Value[] = [];
    for (let i = 0; i < evs.length; i++) {
      const v = evs[i]!(a, f);
      if (!opt.has(i)) {
        out.push(v);
        continue;
      }
      if (!(v instanceof Optional)) throw new CelError(`cannot initialize optional list element from non-optional value ${typeName(v)}`);
      if (v.value !== undefined) out.push(v.value);
    }
    return out;
  };
}
