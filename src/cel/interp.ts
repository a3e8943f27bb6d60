// The CEL interpreter: plans a (namespace-resolved) AST once into nested JS closures and returns an evaluator.
// Owns evaluation semantics that are not plain function calls: identifier resolution (comprehension slots,
// activation, library idents), field selection / presence tests / optional selection on maps, indexing,
// commutative error absorption in && / ||, the conditional, @not_strictly_false, aggregate literals
// (optional entries, repeated map keys) and one- and two-variable comprehensions. Other calls dispatch at
// runtime among the overloads the checker resolved (or all overloads of the name) via stdlib/dispatch.ts.
import type { Call, Comprehension, Expr, ParsedExpr, Select } from "./ast.js";
import type { CheckResult } from "./checker.js";
import type { Activation, Env } from "./env.js";
import type { Overload } from "./registry.js";
import {
  candidatesFor,
  makeDispatcher,
  makeDispatcher1,
  makeDispatcher2,
  noSuchOverloadError,
} from "./stdlib/dispatch.js";
import { buildMap, celEquals, formatKey, index, optionalIndex } from "./stdlib/ops.js";
import { CelError, CelMap, Optional, typeName, type Value } from "./values.js";

/** An evaluation error stored in a comprehension accumulator (errors are values inside folds, as in cel-go). */
class ErrBox {
  constructor(readonly err: CelError) {}
}
type Slot = Value | ErrBox | undefined;
type Frame = Slot[];
type Ev = (act: Activation, f: Frame) => Value;

const nso = (): CelError => new CelError("no such overload");

function asCelError(e: unknown): CelError {
  if (e instanceof CelError) return e;
  throw e;
}

/** Plan an expression once; the returned function evaluates it and throws CelError on evaluation errors. */
export function interpret(parsed: ParsedExpr, env: Env, checked?: CheckResult): (act: Activation) => Value {
  const planner = new Planner(env, checked);
  const ev = planner.plan(parsed.expr, new Map());
  const n = planner.slots;
  if (n === 0) return (act) => ev(act, EMPTY);
  return (act) => ev(act, new Array<Slot>(n));
}
const EMPTY: Frame = [];

type Scope = ReadonlyMap<string, { slot: number; accu: boolean }>;

class Planner {
  slots = 0;
  constructor(
    private readonly env: Env,
    private readonly checked?: CheckResult,
  ) {}

  plan(e: Expr, scope: Scope): Ev {
    switch (e.k) {
      case "lit": {
        const v = e.value;
        return () => v;
      }
      case "ident":
        return this.ident(e.name.startsWith(".") ? e.name.slice(1) : e.name, scope);
      case "select":
        return this.select(e, scope);
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

  // ---------------------------------------------------------------- identifiers

  private ident(name: string, scope: Scope): Ev {
    const local = scope.get(name);
    if (local) {
      const slot = local.slot;
      if (!local.accu) return (_a, f) => f[slot] as Value;
      return (_a, f) => {
        const v = f[slot];
        if (v instanceof ErrBox) throw v.err;
        return v as Value;
      };
    }
    const decl = this.env.idents.get(name);
    if (decl && !this.env.vars.has(name)) {
      const v = decl.value;
      return () => v;
    }
    return (act) => {
      const v = act[name];
      if (v !== undefined) return v;
      if (decl) return decl.value;
      throw new CelError(`no such attribute(s): ${name}`);
    };
  }

  /** Dotted name of a pure ident/select chain whose root is not a comprehension variable. */
  private qualified(e: Expr, scope: Scope): string | undefined {
    if (e.k === "ident") return e.name.startsWith(".") ? e.name.slice(1) : scope.has(e.name) ? undefined : e.name;
    if (e.k === "select" && !e.test && !e.optional) {
      const q = this.qualified(e.operand, scope);
      return q === undefined ? undefined : `${q}.${e.field}`;
    }
    return undefined;
  }

  // ---------------------------------------------------------------- selection

  private select(e: Select, scope: Scope): Ev {
    if (!e.test && !e.optional) {
      const q = this.qualified(e, scope);
      if (q !== undefined && (this.env.vars.has(q) || this.env.idents.has(q))) return this.ident(q, scope);
    }
    const op = this.plan(e.operand, scope);
    const field = e.field;
    if (e.test) {
      return (a, f) => {
        const v = op(a, f);
        if (v instanceof CelMap) return v.has(field);
        return presence(v, field);
      };
    }
    if (e.optional) {
      return (a, f) => optionalSelect(op(a, f), field);
    }
    return (a, f) => {
      const v = op(a, f);
      if (v instanceof CelMap) {
        const r = v.get(field);
        if (r !== undefined) return r;
        throw new CelError(`no such key: ${field}`);
      }
      return selectSlow(v, field);
    };
  }

  // ---------------------------------------------------------------- calls

  private call(e: Call, scope: Scope): Ev {
    // `ns.fn(x)` where `ns.fn` is a declared global and `ns` is not a variable (cel-go namespace resolution)
    if (e.target) {
      const q = this.qualified(e.target, scope);
      if (q !== undefined) {
        const full = `${q}.${e.fn}`;
        const root = q.split(".")[0]!;
        if (!this.env.vars.has(root) && !this.env.vars.has(q) && this.env.overloads.has(full)) {
          return this.call({ k: "call", id: e.id, pos: e.pos, fn: full, args: e.args }, scope);
        }
      }
    }
    switch (e.fn) {
      case "_&&_":
        if (!e.target && e.args.length === 2) return this.and(e.args[0]!, e.args[1]!, scope);
        break;
      case "_||_":
        if (!e.target && e.args.length === 2) return this.or(e.args[0]!, e.args[1]!, scope);
        break;
      case "_?_:_":
        if (!e.target && e.args.length === 3) return this.cond(e.args, scope);
        break;
      case "@not_strictly_false":
        if (!e.target && e.args.length === 1) {
          const x = this.plan(e.args[0]!, scope);
          return (a, f) => {
            try {
              return x(a, f) !== false;
            } catch (err) {
              asCelError(err);
              return true;
            }
          };
        }
        break;
      case "_[_]":
        if (!e.target && e.args.length === 2) {
          const c = this.plan(e.args[0]!, scope);
          const k = this.plan(e.args[1]!, scope);
          return (a, f) => index(c(a, f), k(a, f));
        }
        break;
      case "_[?_]":
        if (!e.target && e.args.length === 2) {
          const c = this.plan(e.args[0]!, scope);
          const k = this.plan(e.args[1]!, scope);
          return (a, f) => optionalIndex(c(a, f), k(a, f));
        }
        break;
      case "orValue":
      case "or":
        // cel-go plans these specially (evalOptionalOr / evalOptionalOrValue): the argument is evaluated only when
        // the receiver is an empty optional, and a receiver that is not an optional at all is returned as is.
        if (e.target && e.args.length === 1 && this.env.overloads.has(e.fn)) {
          const t = this.plan(e.target, scope);
          const alt = this.plan(e.args[0]!, scope);
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
        break;
      case "_==_":
      case "_!=_":
        if (!e.target && e.args.length === 2 && this.onlyStd(e)) {
          const l = this.plan(e.args[0]!, scope);
          const r = this.plan(e.args[1]!, scope);
          if (e.fn === "_==_") return (a, f) => celEquals(l(a, f), r(a, f));
          return (a, f) => !celEquals(l(a, f), r(a, f));
        }
        break;
    }
    const argExprs = e.target ? [e.target, ...e.args] : e.args;
    const args = argExprs.map((x) => this.plan(x, scope));
    const member = e.target !== undefined;
    const declared = this.checked?.refs.get(e.id) ?? this.env.overloads.get(e.fn) ?? [];
    const cands = candidatesFor(declared, args.length, member);
    const fn = e.fn;
    if (cands.length === 0) {
      return (a, f) => {
        const vals = args.map((x) => x(a, f));
        throw noSuchOverloadError(fn, vals);
      };
    }
    switch (args.length) {
      case 0: {
        const d = makeDispatcher(fn, cands);
        return () => d([]);
      }
      case 1: {
        const d = makeDispatcher1(fn, cands);
        const x = args[0]!;
        return (a, f) => d(x(a, f));
      }
      case 2: {
        const d = makeDispatcher2(fn, cands);
        const x = args[0]!;
        const y = args[1]!;
        return (a, f) => d(x(a, f), y(a, f));
      }
      default: {
        const d = makeDispatcher(fn, cands);
        return (a, f) => {
          const vals = new Array<Value>(args.length);
          for (let i = 0; i < args.length; i++) vals[i] = args[i]!(a, f);
          return d(vals);
        };
      }
    }
  }

  private onlyStd(e: Call): boolean {
    const ovs: readonly Overload[] = this.env.overloads.get(e.fn) ?? [];
    return ovs.every((o) => o.id === "equals" || o.id === "not_equals");
  }

  private and(lx: Expr, rx: Expr, scope: Scope): Ev {
    return this.logical(lx, rx, scope, false);
  }

  private or(lx: Expr, rx: Expr, scope: Scope): Ev {
    return this.logical(lx, rx, scope, true);
  }

  /** `&&` (absorbing value false) and `||` (absorbing value true) with CEL's commutative error absorption: an
   *  error or non-bool on one side is dropped when the other side yields the absorbing value. */
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
        throw lerr ?? asCelError(err);
      }
      if (rv === absorbing) return absorbing;
      if (lerr) throw lerr;
      if (rv !== !absorbing) throw nso();
      return !absorbing;
    };
  }


  private cond(xs: Expr[], scope: Scope): Ev {
    const c = this.plan(xs[0]!, scope);
    const t = this.plan(xs[1]!, scope);
    const e = this.plan(xs[2]!, scope);
    return (a, f) => {
      const cv = c(a, f);
      if (cv === true) return t(a, f);
      if (cv === false) return e(a, f);
      throw nso();
    };
  }

  // ---------------------------------------------------------------- aggregates

  private list(elems: Expr[], optionalIndices: number[], scope: Scope): Ev {
    const evs = elems.map((x) => this.plan(x, scope));
    if (optionalIndices.length === 0) {
      const n = evs.length;
      if (n === 0) return () => [];
      return (a, f) => {
        const out = new Array<Value>(n);
        for (let i = 0; i < n; i++) out[i] = evs[i]!(a, f);
        return out;
      };
    }
    const opt = new Set(optionalIndices);
    return (a, f) => {
      const out: Value[] = [];
      for (let i = 0; i < evs.length; i++) {
        const v = evs[i]!(a, f);
        if (opt.has(i)) {
          if (!(v instanceof Optional)) throw new CelError(`cannot initialize optional list element from non-optional value ${typeName(v)}`);
          if (v.value !== undefined) out.push(v.value);
        } else out.push(v);
      }
      return out;
    };
  }

  private map(e: Extract<Expr, { k: "map" }>, scope: Scope): Ev {
    const ks = e.entries.map((x) => this.plan(x.key, scope));
    const vs = e.entries.map((x) => this.plan(x.value, scope));
    const opts = e.entries.map((x) => x.optional);
    const anyOpt = opts.some(Boolean);
    return (a, f) => {
      const keys: Value[] = [];
      const values: Value[] = [];
      for (let i = 0; i < ks.length; i++) {
        const k = ks[i]!(a, f);
        const v = vs[i]!(a, f);
        if (anyOpt && opts[i]) {
          if (!(v instanceof Optional)) throw new CelError(`cannot initialize optional entry '${formatKey(k)}' from non-optional value ${typeName(v)}`);
          if (v.value === undefined) continue;
          keys.push(k);
          values.push(v.value);
        } else {
          keys.push(k);
          values.push(v);
        }
      }
      return buildMap(keys, values);
    };
  }

  /** Message construction: represented as a CelMap of the set fields (MutatingAdmissionPolicy Object{…}). */
  private struct(e: Extract<Expr, { k: "struct" }>, scope: Scope): Ev {
    const fields = e.fields.map((x) => ({ name: x.name, ev: this.plan(x.value, scope), optional: x.optional }));
    return (a, f) => {
      const keys: Value[] = [];
      const values: Value[] = [];
      for (const fl of fields) {
        const v = fl.ev(a, f);
        if (fl.optional) {
          if (!(v instanceof Optional)) throw new CelError(`cannot initialize optional entry '${fl.name}' from non-optional value ${typeName(v)}`);
          if (v.value === undefined) continue;
          keys.push(fl.name);
          values.push(v.value);
        } else {
          keys.push(fl.name);
          values.push(v);
        }
      }
      return buildMap(keys, values);
    };
  }

  // ---------------------------------------------------------------- comprehensions

  private comprehension(e: Comprehension, scope: Scope): Ev {
    const range = this.plan(e.iterRange, scope);
    const accuSlot = this.slots++;
    const outer = new Map(scope);
    outer.set(e.accuVar, { slot: accuSlot, accu: true });
    const init = this.plan(e.accuInit, scope);
    const inner = new Map(outer);
    const itSlot = this.slots++;
    inner.set(e.iterVar, { slot: itSlot, accu: false });
    const two = e.iterVar2 !== "";
    const it2Slot = two ? this.slots++ : -1;
    if (two) inner.set(e.iterVar2, { slot: it2Slot, accu: false });
    const cond = this.plan(e.loopCondition, inner);
    const step = this.plan(e.loopStep, inner);
    const result = this.plan(e.result, outer);

    const runStep = (a: Activation, f: Frame): boolean => {
      // loop condition: only a definite `false` stops the loop (errors keep iterating, as cel-go)
      let c: Value;
      try {
        c = cond(a, f);
      } catch (err) {
        asCelError(err);
        c = true;
      }
      if (c === false) return false;
      try {
        f[accuSlot] = step(a, f);
      } catch (err) {
        f[accuSlot] = new ErrBox(asCelError(err));
      }
      return true;
    };

    return (a, f) => {
      const r = range(a, f);
      f[accuSlot] = init(a, f);
      if (Array.isArray(r)) {
        const l = r as readonly Value[];
        for (let i = 0; i < l.length; i++) {
          if (two) {
            f[itSlot] = BigInt(i);
            f[it2Slot] = l[i]!;
          } else f[itSlot] = l[i]!;
          if (!runStep(a, f)) break;
        }
      } else if (r instanceof CelMap) {
        for (const [k, v] of r.entries()) {
          f[itSlot] = k;
          if (two) f[it2Slot] = v;
          if (!runStep(a, f)) break;
        }
      } else {
        throw new CelError(`expression of type '${typeName(r)}' cannot be range of a comprehension (must be list, map, or dynamic)`);
      }
      return result(a, f);
    };
  }
}

// ---------------------------------------------------------------- selection helpers

/** Presence test on a non-map value: optionals look inside; anything else is simply not present (cel-go refQualify). */
function presence(v: Value, field: string): boolean {
  if (v instanceof Optional) {
    if (v.value === undefined) return false;
    return v.value instanceof CelMap ? v.value.has(field) : presence(v.value, field);
  }
  return false;
}

function selectSlow(v: Value, field: string): Value {
  if (v instanceof Optional) return optionalSelect(v, field);
  throw new CelError(`no such key: ${field}`);
}

/** `x.?f`, and any selection applied to an optional value: optional of the field, none when absent. */
function optionalSelect(v: Value, field: string): Optional {
  if (v instanceof Optional) {
    if (v.value === undefined) return v;
    v = v.value;
  }
  if (v instanceof CelMap) {
    const r = v.get(field);
    return r === undefined ? Optional.NONE : Optional.of(r);
  }
  throw new CelError(`no such key: ${field}`);
}
