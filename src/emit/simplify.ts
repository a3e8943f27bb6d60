// Simplification of the emitter's CEL tree, bottom-up: constant folding of boolean connectives, negations,
// conditionals and literal comparisons; flattening and de-duplication of `&&`/`||` chains; list concatenation of
// literals; quantifiers with constant bodies. Every rewrite keeps CEL's semantics including errors (a rewrite that
// could drop an error is applied only where the operand cannot error: literals and `orValue` defaults).
import { C, isConst, key, mapChildren, type CExpr } from "./ast.js";
import { literalKind } from "./literal.js";

/** Expressions that cannot raise an evaluation error on any input. */
function safe(e: CExpr): boolean {
  if (e.t === "lit" || e.t === "id") return true;
  if (e.t === "list") return e.items.every(safe);
  return e.t === "call" && e.fn === "orValue" && e.args.length === 1 && safe(e.args[0]!) && e.target !== undefined && optChainSafe(e.target);
}

/** `x.?a.?b` chains (and `optional.*` values) never error when their base is an identifier. */
function optChainSafe(e: CExpr): boolean {
  if (e.t === "sel" || e.t === "idx") return !!e.opt && (e.t === "idx" ? safe(e.key) : true) && (e.of.t === "id" || optChainSafe(e.of));
  return false;
}

function junction(kind: "and" | "or", of: CExpr[]): CExpr {
  const unit = kind === "and";
  const out: CExpr[] = [];
  const seen = new Set<string>();
  for (const x of of) {
    if (isConst(x, unit)) continue;
    if (isConst(x, !unit)) return x;
    for (const y of x.t === kind ? x.of : deMorgan(kind, x)) {
      const k = key(y);
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(y);
    }
  }
  if (out.length === 0) return C.lit(unit);
  if (out.length === 1) return out[0]!;
  return { t: kind, of: out };
}

/** Inside `&&`, `!(a || b)` is `!a && !b` (and dually), so shared negated parts de-duplicate. */
function deMorgan(kind: "and" | "or", x: CExpr): CExpr[] {
  const inner = kind === "and" ? "or" : "and";
  if (x.t !== "not" || x.of.t !== inner) return [x];
  return x.of.of.map((y) => step(C.not(y)));
}

const NEGATE: Record<string, "==" | "!=" | undefined> = { "==": "!=", "!=": "==" };

function step(e: CExpr): CExpr {
  switch (e.t) {
    case "and":
    case "or":
      return junction(e.t, e.of);
    case "not": {
      const x = e.of;
      if (x.t === "lit" && typeof x.v === "boolean") return C.lit(!x.v);
      if (x.t === "not") return x.of;
      if (x.t === "bin" && NEGATE[x.op]) return { ...x, op: NEGATE[x.op]! };
      return e;
    }
    case "cond":
      if (isConst(e.test, true)) return e.then;
      if (isConst(e.test, false)) return e.else;
      if (isConst(e.then, true) && isConst(e.else, false)) return e.test;
      if (key(e.then) === key(e.else) && safe(e.test)) return e.then;
      // `t ? a : (t ? b : c)`: the inner test repeats the outer one
      if (e.else.t === "cond" && key(e.else.test) === key(e.test)) return { ...e, else: e.else.else };
      return e;
    case "bin":
      return foldBin(e);
    case "call":
      return foldCall(e);
    default:
      return e;
  }
}

function foldBin(e: Extract<CExpr, { t: "bin" }>): CExpr {
  const { l, r } = e;
  // merged list literals must stay homogeneous: only literals of one kind merge
  if (e.op === "+" && l.t === "list" && r.t === "list" && oneKind([...l.items, ...r.items])) return C.list([...l.items, ...r.items]);
  // `[] + x` is x only when x is surely a list (otherwise the concatenation's type error must stay)
  if (e.op === "+" && l.t === "list" && l.items.length === 0 && surelyList(r)) return r;
  if (e.op === "+" && r.t === "list" && r.items.length === 0 && surelyList(l)) return l;
  if (e.op === "+" && l.t === "lit" && r.t === "lit" && typeof l.v === "string" && typeof r.v === "string") return C.lit(l.v + r.v);
  if (l.t === "lit" && r.t === "lit" && (e.op === "==" || e.op === "!=") && isScalar(l.v) && isScalar(r.v) && typeof l.v === typeof r.v)
    return C.lit((l.v === r.v) === (e.op === "=="));
  if (e.op === "in" && r.t === "list" && r.items.length === 0 && safe(l)) return C.F;
  if (e.op === "in" && r.t === "list" && r.items.length === 1) return C.bin("==", l, r.items[0]!);
  return e;
}

/** Expressions that always produce a list (or error on their own). */
function surelyList(e: CExpr): boolean {
  if (e.t === "list" || (e.t === "lit" && Array.isArray(e.v))) return true;
  if (e.t === "call" && ["map", "filter", "transformList", "split", "distinct", "sort", "keys"].includes(e.fn)) return true;
  if (e.t === "call" && e.fn === "orValue" && e.args[0] !== undefined && surelyList(e.args[0])) return true;
  if (e.t === "bin" && e.op === "+") return surelyList(e.l) || surelyList(e.r);
  if (e.t === "cond") return surelyList(e.then) && surelyList(e.else);
  return false;
}

/** One static type for every item: literals of one kind, or field reads of untyped objects (all `dyn`). */
function oneKind(items: CExpr[]): boolean {
  const kinds = new Set(items.map((x) => (x.t === "lit" ? literalKind(x.v) : (x.t === "sel" || x.t === "idx") && !(x.t === "sel" && x.typed) && !x.opt ? "dyn" : "expr")));
  return kinds.size <= 1 && !kinds.has("expr");
}

const isScalar = (v: unknown): boolean => typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isInteger(v));

function foldCall(e: Extract<CExpr, { t: "call" }>): CExpr {
  const body = e.args[e.args.length - 1];
  if (e.target && body && (e.fn === "all" || e.fn === "exists") && e.args.length === 2 && body.t === "lit" && typeof body.v === "boolean") {
    const t = e.target;
    if (e.fn === "all" && body.v) return safe(t) ? C.T : e;
    if (e.fn === "exists" && !body.v) return safe(t) ? C.F : e;
    // all(v, false): empty; exists(v, true): non-empty
    return e.fn === "all" ? C.bin("==", C.call("size", [t]), C.lit(0)) : C.bin(">", C.call("size", [t]), C.lit(0));
  }
  if (e.fn === "size" && !e.target && e.args.length === 1 && e.args[0]!.t === "list" && e.args[0]!.items.every(safe)) return C.lit(e.args[0]!.items.length);
  if (e.fn === "orValue" && e.target?.t === "call" && e.target.fn === "of" && e.target.target?.t === "id" && e.target.target.name === "optional") return e.target.args[0]!;
  return e;
}

/** Simplify bottom-up until nothing changes (each step only shrinks the tree). */
export function simplify(e: CExpr): CExpr {
  const once = (x: CExpr): CExpr => step(mapChildren(x, once));
  let cur = e;
  for (let i = 0; i < 8; i++) {
    const next = once(cur);
    if (key(next) === key(cur)) return next;
    cur = next;
  }
  return cur;
}
