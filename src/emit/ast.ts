// The emitter's CEL syntax tree: what lowering builds, simplification rewrites, hoisting shares and the unparser
// prints. Deliberately small and print-oriented (it never evaluates); the CEL core in src/cel stays independent of
// it. `key()` gives a structural identity used to find repeated subexpressions.
import type { Json } from "../ir/model.js";

export type BinOp = "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "+" | "-" | "*" | "/" | "%";

export type CExpr =
  | { t: "lit"; v: Json }
  | { t: "id"; name: string }
  /** `of.field`, or `of.?field` when `opt`; `typed`: a field of a typed object (always written with a dot,
   *  even a reserved word such as `request.namespace`). */
  | { t: "sel"; of: CExpr; field: string; opt?: boolean; typed?: boolean }
  /** `of[key]`, or `of[?key]` when `opt`. */
  | { t: "idx"; of: CExpr; key: CExpr; opt?: boolean }
  /** Global call `fn(args)` or receiver call `target.fn(args)`; macros bind their identifier arguments. */
  | { t: "call"; fn: string; target?: CExpr; args: CExpr[] }
  | { t: "list"; items: CExpr[] }
  | { t: "map"; entries: { key: CExpr; value: CExpr; opt?: boolean }[] }
  /** Typed object construction, e.g. `JSONPatch{op: 'add', …}`. */
  | { t: "obj"; type: string; fields: { name: string; value: CExpr }[] }
  | { t: "not"; of: CExpr }
  | { t: "neg"; of: CExpr }
  | { t: "bin"; op: BinOp; l: CExpr; r: CExpr }
  | { t: "and"; of: CExpr[] }
  | { t: "or"; of: CExpr[] }
  | { t: "cond"; test: CExpr; then: CExpr; else: CExpr };

/** Receiver macros whose first argument(s) are bound identifiers (the element, or index/key + element). */
export const MACROS = new Set(["all", "exists", "exists_one", "existsOne", "map", "filter", "transformList", "transformMap", "optMap", "optFlatMap"]);

export const C = {
  lit: (v: Json): CExpr => ({ t: "lit", v }),
  id: (name: string): CExpr => ({ t: "id", name }),
  sel: (of: CExpr, field: string, opt = false): CExpr => (opt ? { t: "sel", of, field, opt } : { t: "sel", of, field }),
  idx: (of: CExpr, key: CExpr, opt = false): CExpr => (opt ? { t: "idx", of, key, opt } : { t: "idx", of, key }),
  call: (fn: string, args: CExpr[], target?: CExpr): CExpr => (target ? { t: "call", fn, target, args } : { t: "call", fn, args }),
  method: (target: CExpr, fn: string, ...args: CExpr[]): CExpr => ({ t: "call", fn, target, args }),
  macro: (target: CExpr, fn: string, vars: string[], body: CExpr[]): CExpr => ({ t: "call", fn, target, args: [...vars.map((name) => ({ t: "id", name }) as CExpr), ...body] }),
  not: (of: CExpr): CExpr => ({ t: "not", of }),
  bin: (op: BinOp, l: CExpr, r: CExpr): CExpr => ({ t: "bin", op, l, r }),
  and: (...of: CExpr[]): CExpr => ({ t: "and", of }),
  or: (...of: CExpr[]): CExpr => ({ t: "or", of }),
  cond: (test: CExpr, then: CExpr, otherwise: CExpr): CExpr => ({ t: "cond", test, then, else: otherwise }),
  list: (items: CExpr[]): CExpr => ({ t: "list", items }),
  T: { t: "lit", v: true } as CExpr,
  F: { t: "lit", v: false } as CExpr,
};

export const isConst = (e: CExpr, v: boolean): boolean => e.t === "lit" && e.v === v;

/** How many leading arguments of a receiver macro are bound identifiers. */
export function macroVars(fn: string, nArgs: number): number {
  if (fn === "transformList" || fn === "transformMap") return 2;
  if (fn === "map" || fn === "filter" || fn === "optMap" || fn === "optFlatMap") return 1;
  return nArgs - 1; // all / exists / exists_one / existsOne: one or two variables, then the body
}

/** Structural identity (stable, for finding repeated subexpressions and de-duplicating operands). */
export function key(e: CExpr): string {
  let k = keys.get(e);
  if (k === undefined) {
    const parts: string[] = [];
    forEachChild(e, (c) => void parts.push(key(c)));
    const own = e.t === "lit" ? JSON.stringify(e.v) : e.t === "id" ? e.name : e.t === "sel" ? `${e.field}${e.opt ? "?" : ""}` : e.t === "call" ? `${e.fn}${e.target ? "." : ""}` : e.t === "bin" ? e.op : e.t === "obj" ? `${e.type}:${e.fields.map((f) => f.name).join(",")}` : e.t === "map" ? e.entries.map((x) => (x.opt ? "?" : "")).join(",") : e.t === "idx" && e.opt ? "?" : "";
    // hash-consing: a node's key is a short id of its kind, own text and its children's ids, so keys stay small
    // (a key spelling out the whole subtree made hoisting quadratic in expression size)
    const full = `${e.t}<${own}>(${parts.join("|")})`;
    k = interned.get(full);
    if (k === undefined) interned.set(full, (k = `#${interned.size.toString(36)}`));
    keys.set(e, k);
  }
  return k;
}

const keys = new WeakMap<CExpr, string>();
/** Structure → id, for the life of the process (ids are only compared for equality, never ordered). */
const interned = new Map<string, string>();

/** Identifiers an expression reads that it does not bind itself (comprehension variables of enclosing macros). */
export function freeIds(e: CExpr, bound: ReadonlySet<string> = new Set(), out: Set<string> = new Set()): Set<string> {
  switch (e.t) {
    case "lit":
      return out;
    case "id":
      if (!bound.has(e.name)) out.add(e.name);
      return out;
    case "sel":
    case "not":
    case "neg":
      return freeIds(e.of, bound, out);
    case "idx":
      freeIds(e.of, bound, out);
      return freeIds(e.key, bound, out);
    case "call": {
      if (e.target) freeIds(e.target, bound, out);
      if (e.target && MACROS.has(e.fn) && e.args.length >= 2) {
        const nVars = macroVars(e.fn, e.args.length);
        const vars = e.args.slice(0, nVars).map((a) => (a.t === "id" ? a.name : ""));
        const inner = new Set([...bound, ...vars]);
        for (const a of e.args.slice(nVars)) freeIds(a, inner, out);
        return out;
      }
      for (const a of e.args) freeIds(a, bound, out);
      return out;
    }
    case "list":
      for (const x of e.items) freeIds(x, bound, out);
      return out;
    case "map":
      for (const x of e.entries) {
        freeIds(x.key, bound, out);
        freeIds(x.value, bound, out);
      }
      return out;
    case "obj":
      for (const f of e.fields) freeIds(f.value, bound, out);
      return out;
    case "bin":
      freeIds(e.l, bound, out);
      return freeIds(e.r, bound, out);
    case "and":
    case "or":
      for (const x of e.of) freeIds(x, bound, out);
      return out;
    case "cond":
      freeIds(e.test, bound, out);
      freeIds(e.then, bound, out);
      return freeIds(e.else, bound, out);
  }
}

/** Apply `f` to every direct child (bottom-up rewriting helper). */
export function mapChildren(e: CExpr, f: (c: CExpr) => CExpr): CExpr {
  // an unchanged node is returned as is (and nothing is allocated for it), so memoised keys survive rewrites of other
  // parts of the tree
  switch (e.t) {
    case "lit":
    case "id":
      return e;
    case "sel":
    case "not":
    case "neg": {
      const of = f(e.of);
      return of === e.of ? e : { ...e, of };
    }
    case "idx": {
      const of = f(e.of);
      const key = f(e.key);
      return of === e.of && key === e.key ? e : { ...e, of, key };
    }
    case "call": {
      const target = e.target ? f(e.target) : undefined;
      const args = mapList(e.args, f);
      return target === e.target && args === e.args ? e : { ...e, ...(e.target ? { target } : {}), args };
    }
    case "list": {
      const items = mapList(e.items, f);
      return items === e.items ? e : { ...e, items };
    }
    case "map": {
      let changed = false;
      const entries = e.entries.map((x) => {
        const key = f(x.key);
        const value = f(x.value);
        if (key === x.key && value === x.value) return x;
        changed = true;
        return { ...x, key, value };
      });
      return changed ? { ...e, entries } : e;
    }
    case "obj": {
      let changed = false;
      const fields = e.fields.map((x) => {
        const value = f(x.value);
        if (value === x.value) return x;
        changed = true;
        return { ...x, value };
      });
      return changed ? { ...e, fields } : e;
    }
    case "bin": {
      const l = f(e.l);
      const r = f(e.r);
      return l === e.l && r === e.r ? e : { ...e, l, r };
    }
    case "and":
    case "or": {
      const of = mapList(e.of, f);
      return of === e.of ? e : { ...e, of };
    }
    case "cond": {
      const test = f(e.test);
      const then = f(e.then);
      const otherwise = f(e.else);
      return test === e.test && then === e.then && otherwise === e.else ? e : { ...e, test, then, else: otherwise };
    }
  }
}

/** `xs.map(f)`, or `xs` itself when `f` changed no element. */
function mapList(xs: CExpr[], f: (c: CExpr) => CExpr): CExpr[] {
  let out: CExpr[] | undefined;
  for (let i = 0; i < xs.length; i++) {
    const y = f(xs[i]!);
    if (out) out.push(y);
    else if (y !== xs[i]) {
      out = xs.slice(0, i);
      out.push(y);
    }
  }
  return out ?? xs;
}

/** Visit the direct children of a node (read-only; nothing is rebuilt). */
export function forEachChild(e: CExpr, f: (c: CExpr) => void): void {
  switch (e.t) {
    case "lit":
    case "id":
      return;
    case "sel":
    case "not":
    case "neg":
      return f(e.of);
    case "idx":
      f(e.of);
      return f(e.key);
    case "call":
      if (e.target) f(e.target);
      return e.args.forEach(f);
    case "list":
      return e.items.forEach(f);
    case "map":
      return e.entries.forEach((x) => (f(x.key), f(x.value)));
    case "obj":
      return e.fields.forEach((x) => f(x.value));
    case "bin":
      f(e.l);
      return f(e.r);
    case "and":
    case "or":
      return e.of.forEach(f);
    case "cond":
      f(e.test);
      f(e.then);
      return f(e.else);
  }
}
