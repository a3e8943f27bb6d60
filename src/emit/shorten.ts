// Size-reducing rewrites of `&&` / `||` chains and conditionals that need more than local constant folding (issue #7):
// presence guards folded into `orValue` defaults, guards a sibling already absorbs, literal comparisons implied by a
// sibling test of the same value, and equality disjunctions as `in` lists. Each keeps the value of the whole for every
// input, evaluation errors included. CEL's `&&` and `||` are commutative with errors: in `&&` a false operand wins,
// then an error, then true (dually for `||`), so the operands of one chain can be argued about as a set.
//
// Optional chains. For an optional chain `o` (`x.?a.?b`, or `x.?f` standing for a `has(x.f)` guard on a known map)
// and its plain form `p` (`x.a.b`): where `o` has a value, `p` is that value; where `o` is none, `p` errors (a field
// is absent) and every optional chain that extends `o` with `.?` steps is none; where `o` errors (a step meets a
// non-map, or `x` errors), `p` and every chain through the same steps error too. The rewrites below argue from these
// three cases.
import { C, MACROS, forEachChild, freeIds, key, macroVars, mapChildren, type CExpr } from "./ast.js";
import { flat } from "./unparse.js";
import type { Ty } from "./schema.js";
import { isListType, scalarType } from "./schema.js";

/** What the simplifier lends these rewrites: folding in the current scope, types, known maps. */
export interface ShortenCtx {
  /** Simplify an expression to a fixpoint (in the scope of the junction being rewritten). */
  fold(e: CExpr): CExpr;
  typeOf(e: CExpr): Ty;
  /** `e` is a map whenever it evaluates (so `has(e.f)` is false exactly where `e.?f` is none). */
  isMap(e: CExpr): boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// Chains

export interface Step {
  /** `.f` or `[<key>]` (literal keys as JSON, identifier keys by name). */
  name: string;
  opt: boolean;
}

interface Chain {
  base: string;
  steps: Step[];
  /** Identifiers the chain reads (its base and identifier keys): a macro rebinding one reads another value. */
  ids: string[];
}

/** `id.a.?b[?'k'][i]…` as its base and steps; undefined for anything else. */
export function chainOf(e: CExpr): Chain | undefined {
  if (e.t === "id") return { base: e.name, steps: [], ids: [e.name] };
  if (e.t === "sel") {
    const c = chainOf(e.of);
    return c && { base: c.base, steps: [...c.steps, { name: `.${e.field}`, opt: !!e.opt }], ids: c.ids };
  }
  if (e.t === "idx") {
    const k = e.key;
    const name = k.t === "lit" && (typeof k.v === "string" || typeof k.v === "number") ? `[${JSON.stringify(k.v)}]` : k.t === "id" ? `[#${k.name}]` : undefined;
    const c = name === undefined ? undefined : chainOf(e.of);
    return c && { base: c.base, steps: [...c.steps, { name: name!, opt: !!e.opt }], ids: k.t === "id" ? [...c.ids, k.name] : c.ids };
  }
  return undefined;
}

/** `e` with every step plain (`x.?a[?k]` → `x.a[k]`). */
export function plainOf(e: CExpr): CExpr {
  if (e.t === "sel") return C.sel(plainOf(e.of), e.field);
  if (e.t === "idx") return C.idx(plainOf(e.of), e.key);
  return e;
}

/** The optional chain a presence guard tests: `o.hasValue()` (o ending in an optional step), or `has(x.f)` on a
 *  known map x (as `x.?f`). */
export function guardedOptional(test: CExpr, ctx: ShortenCtx): CExpr | undefined {
  if (test.t === "call" && test.fn === "hasValue" && test.target && test.args.length === 0) {
    const t = test.target;
    return (t.t === "sel" || t.t === "idx") && t.opt && chainOf(t) ? t : undefined;
  }
  if (test.t === "call" && test.fn === "has" && !test.target && test.args.length === 1) {
    const a = test.args[0]!;
    return a.t === "sel" && !a.opt && chainOf(a) && ctx.isMap(a.of) ? C.sel(a.of, a.field, true) : undefined;
  }
  return undefined;
}

/**
 * Where the guard of `o` can err: undefined when it never does (every step of `o` reads a map, by type, from a
 * name: `e0.?securityContext.?seLinuxOptions` for a container e0); else a test for reads that err wherever the guard
 * does — reads of `o`'s plain prefix (`variables.pod` in `variables.pod.?spec.?x` when every later step reads a map),
 * or else reads through all of `o`'s steps.
 */
function errorSource(o: CExpr, oc: Chain, ctx: ShortenCtx): ((n: CExpr) => boolean) | "never" {
  const prefixes: CExpr[] = [];
  for (let x = o; x.t === "sel" || x.t === "idx"; x = x.of) prefixes.unshift(x.of);
  // prefixes: base … the parent of o's last step; the plain prefix ends before the first `.?` step
  const firstOpt = oc.steps.findIndex((s) => s.opt);
  const p0 = prefixes[firstOpt]!;
  const mapsAll = prefixes.slice(firstOpt).every((x) => ctx.isMap(plainOf(x)));
  if (mapsAll) {
    // a name never errs (but `variables`' fields are evaluated: they may)
    if (p0.t === "id" && p0.name !== "variables") return "never";
    const pc = chainOf(p0);
    if (pc) return (n) => {
      const c = (n.t === "sel" || n.t === "idx") && chainOf(n);
      return !!c && c.base === pc.base && c.steps.length >= pc.steps.length && pc.steps.every((s, i) => s.name === c.steps[i]!.name && !c.steps[i]!.opt);
    };
  }
  return (n) => {
    const c = (n.t === "sel" || n.t === "idx") && chainOf(n);
    return !!c && relate(c, oc) !== undefined;
  };
}

/** How an occurrence relates to the guarded chain `o` (of `steps`): its plain form, an extension of `o` that is none
 *  wherever `o` is (every step of `o` as in `o`, then only `.?` steps), or another read through the same steps. */
type Ref = "plain" | "optExt" | "other";

function relate(c: Chain, o: Chain): Ref | undefined {
  if (c.base !== o.base || c.steps.length < o.steps.length) return undefined;
  if (!o.steps.every((s, i) => s.name === c.steps[i]!.name)) return undefined;
  if (c.steps.length === o.steps.length && c.steps.every((s) => !s.opt)) return "plain";
  const sameFlags = o.steps.every((s, i) => s.opt === c.steps[i]!.opt);
  return sameFlags && c.steps.slice(o.steps.length).every((s) => s.opt) ? "optExt" : "other";
}

/** The binder variables of a receiver macro call (undefined for anything else). */
function macroBinders(e: CExpr): string[] | undefined {
  if (e.t !== "call" || !e.target || !MACROS.has(e.fn) || e.args.length < 2) return undefined;
  return e.args.slice(0, macroVars(e.fn, e.args.length)).map((a) => (a.t === "id" ? a.name : ""));
}

interface Occurrence {
  ref: Ref;
  node: CExpr;
  /** The node it is an operand of (undefined at the root). */
  parent?: CExpr;
}

/** Every read of a chain through `o`'s steps in `e`, not inside a macro body that rebinds a name the chain reads. */
function occurrences(e: CExpr, o: Chain): Occurrence[] {
  const out: Occurrence[] = [];
  const visit = (x: CExpr, parent: CExpr | undefined): void => {
    const c = x.t === "sel" || x.t === "idx" ? chainOf(x) : undefined;
    const r = c && relate(c, o);
    if (r) {
      out.push({ ref: r, node: x, ...(parent ? { parent } : {}) });
      return;
    }
    if (rebinds(x, o.ids)) return visit((x as { target: CExpr }).target, x);
    forEachChild(x, (y) => visit(y, x));
  };
  visit(e, undefined);
  return out;
}

/** A receiver macro whose body rebinds one of `ids` (there they name other values). */
function rebinds(x: CExpr, ids: readonly string[]): boolean {
  const binders = macroBinders(x);
  return !!binders && binders.some((b) => ids.includes(b));
}

/** `e` with the given occurrence nodes replaced (by identity), not inside macro bodies that rebind `ids`. */
function replaceNodes(e: CExpr, nodes: ReadonlySet<CExpr>, by: (n: CExpr) => CExpr, ids: readonly string[]): CExpr {
  if (nodes.has(e)) return by(e);
  if (e.t === "lit" || e.t === "id") return e;
  if (rebinds(e, ids)) {
    const target = replaceNodes((e as { target: CExpr }).target, nodes, by, ids);
    return target === (e as { target: CExpr }).target ? e : ({ ...e, target } as CExpr);
  }
  return mapChildren(e, (c) => replaceNodes(c, nodes, by, ids));
}

const NONE: CExpr = C.call("none", [], C.id("optional"));

// ---------------------------------------------------------------------------------------------------------------
// Defaults for orValue

type Kind = "string" | "bool" | "int" | "double" | "list" | "map";

const kindOfLit = (v: unknown): Kind | undefined =>
  typeof v === "string" ? "string" : typeof v === "boolean" ? "bool" : typeof v === "number" && Number.isInteger(v) ? "int" : undefined;

const STRING_METHODS = new Set(["startsWith", "endsWith", "contains", "matches", "lowerAscii", "upperAscii", "split", "replace", "trim", "substring", "indexOf", "lastIndexOf", "charAt", "find", "findAll"]);

const MACRO_TARGETS = new Set(["all", "exists", "exists_one", "existsOne", "map", "filter"]);

/**
 * The kinds of value a plain read may be replaced with `o.orValue(d)` for, in its use (`"any"`: every kind). The
 * replacement has d's static type where the read had the field's (dyn for untyped objects), so only uses whose own
 * type does not depend on it qualify, each with the kinds it type-checks with: compared with a literal (its kind),
 * looked up in a literal list (its elements' kind), the receiver of a string method (string), a range of a
 * quantifier or the list of `in` (list), `string()` (any), `size()` (string, list), a boolean operand (bool).
 */
function contextKinds(o: Occurrence): readonly Kind[] | "any" {
  const p = o.parent;
  if (!p || p.t === "not" || p.t === "and" || p.t === "or") return ["bool"];
  if (p.t === "bin" && (p.op === "==" || p.op === "!=")) {
    const other = p.l === o.node ? p.r : p.l;
    const k = other.t === "lit" && other.v !== null ? kindOfLit(other.v) : undefined;
    return k ? [k] : [];
  }
  if (p.t === "bin" && ["<", "<=", ">", ">="].includes(p.op)) {
    // numbers of any kind compare: an int default only where the value is known to be an int
    const other = p.l === o.node ? p.r : p.l;
    return other.t === "lit" && kindOfLit(other.v) === "int" ? ["int", "double"] : [];
  }
  if (p.t === "bin" && p.op === "in") {
    if (p.r === o.node) return ["list", "map"];
    const items = p.r.t === "lit" && Array.isArray(p.r.v) ? p.r.v : p.r.t === "list" && p.r.items.every((x) => x.t === "lit") ? p.r.items.map((x) => (x as { v: unknown }).v) : undefined;
    const kinds = new Set(items?.map(kindOfLit));
    const k = kinds.size === 1 ? [...kinds][0] : undefined;
    return k ? [k] : [];
  }
  if (p.t === "call" && p.target === o.node) return STRING_METHODS.has(p.fn) ? ["string"] : MACRO_TARGETS.has(p.fn) ? ["list", "map"] : [];
  if (p.t === "call" && !p.target && p.args.length === 1 && p.fn === "string") return "any";
  if (p.t === "call" && !p.target && p.args.length === 1 && p.fn === "size") return ["string", "list", "map"];
  return [];
}

/** Literals of a kind in an expression (candidate defaults that make a comparison with them decide). */
function literalsOf(e: CExpr, kind: Kind): CExpr[] {
  const out: CExpr[] = [];
  const seen = new Set<string>();
  const visit = (x: CExpr): void => {
    if (x.t === "lit" && kindOfLit(x.v) === kind && !seen.has(JSON.stringify(x.v))) {
      seen.add(JSON.stringify(x.v));
      out.push(x);
    }
    if (x.t === "lit" && Array.isArray(x.v)) for (const v of x.v) if (kindOfLit(v) === kind && !seen.has(JSON.stringify(v))) (seen.add(JSON.stringify(v)), out.push(C.lit(v)));
    mapChildren(x, (c) => (visit(c), c));
  };
  visit(e);
  return out;
}

function candidates(kind: Kind, q: CExpr): CExpr[] {
  switch (kind) {
    case "bool":
      return [C.F, C.T];
    case "string":
      return [C.lit(""), ...literalsOf(q, "string")];
    case "int": {
      const lits = literalsOf(q, "int").flatMap((l) => [l, C.lit((l as { v: number }).v + 1), C.lit((l as { v: number }).v - 1)]);
      return [C.lit(0), ...lits];
    }
    case "list":
      return [C.list([])];
    case "map":
    case "double":
      return [];
  }
}

/** The shortest literal (the first of equally short ones). */
const shortest = (xs: readonly CExpr[]): CExpr | undefined => xs.reduce<CExpr | undefined>((best, x) => (best === undefined || flat(x).length < flat(best).length ? x : best), undefined);

/**
 * The kind of default `p` may take: its type where known, else the one its uses force; every plain read's use must
 * type-check with it (contextKinds).
 */
function defaultKind(p: CExpr, occ: readonly Occurrence[], ctx: ShortenCtx): Kind | undefined {
  const t = ctx.typeOf(p);
  const uses = occ.filter((o) => o.ref === "plain").map(contextKinds);
  const known: Kind | undefined = scalarType(t) ?? (isListType(t) ? "list" : undefined);
  const forced = new Set(uses.flatMap((u) => (u === "any" || u.length !== 1 ? [] : u)));
  const k = known ?? (forced.size === 1 ? [...forced][0] : undefined);
  return k && uses.every((u) => u === "any" || u.includes(k)) ? k : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Guards into defaults (and guards a sibling absorbs)

/**
 * In `o.hasValue() && Q` (`&&`; dually `!o.hasValue() || Q`), `Q` with its plain reads `p` of `o` replaced by
 * `o.orValue(d)`, the guard dropped — when:
 *  - `o` none: the guard made the chain false; `Q` with `p` := d and every `.?` extension of `o` := none folds to
 *    false (so the chain is false without the guard, whatever the other operands give: false absorbs errors);
 *  - `o` errors: the guard was an error; some operand of the rewritten chain errs wherever the guard does
 *    (errorSource), so the chain is false or an error exactly as before (where `o` errs, `p` errs too: Q and its
 *    rewrite agree there);
 *  - `o` has a value: the guard was true and `o.orValue(d)` is `p`.
 * With no plain read in `Q` (only `.?` extensions) nothing is rewritten: the guard is absorbed by `Q`.
 * The default `d` is a literal of the value's kind (its type, or the kind its uses force), so the result type-checks
 * where the original did. Applied only where the text gets shorter.
 */
function guardsIntoDefaults(kind: "and" | "or", of: CExpr[], ctx: ShortenCtx): CExpr[] {
  const absorbing = kind === "and" ? false : true;
  for (let i = 0; i < of.length; i++) {
    const g = of[i]!;
    const test = kind === "and" ? g : g.t === "not" ? g.of : undefined;
    const o = test && guardedOptional(test, ctx);
    const oc = o && chainOf(o);
    if (!o || !oc) continue;
    const p = plainOf(o);
    const occ = of.map((q, j) => (j === i ? [] : occurrences(q, oc)));
    for (let k = 0; k < of.length; k++) {
      if (k === i || !occ[k]!.length) continue;
      const q = of[k]!;
      const plain = occ[k]!.filter((x) => x.ref === "plain");
      const ext = occ[k]!.filter((x) => x.ref === "optExt");
      if (occ[k]!.some((x) => x.ref === "other")) continue;
      const extNodes = new Set(ext.map((x) => x.node));
      let rewritten = q;
      if (plain.length) {
        const dk = defaultKind(p, occ[k]!, ctx);
        if (!dk) continue;
        const plainNodes = new Set(plain.map((x) => x.node));
        const d = shortest(candidates(dk, q).filter((c) => isLit(ctx.fold(replaceNodes(q, new Set([...plainNodes, ...extNodes]), (n) => (plainNodes.has(n) ? c : NONE), oc.ids)), absorbing)));
        if (!d) continue;
        rewritten = replaceNodes(q, plainNodes, () => C.method(o, "orValue", d), oc.ids);
      } else if (!isLit(ctx.fold(replaceNodes(q, extNodes, () => NONE, oc.ids)), absorbing)) continue;
      const next = of.flatMap((x, j) => (j === i ? [] : j === k ? [rewritten] : [x]));
      // the error case: some operand must still err where the guard did
      const src = errorSource(o, oc, ctx);
      if (src !== "never" && !next.some((x) => mustError(x, src))) continue;
      if (size(next, kind) >= size(of, kind)) continue;
      return guardsIntoDefaults(kind, next, ctx);
    }
  }
  return of;
}

const isLit = (e: CExpr, v: boolean): boolean => e.t === "lit" && e.v === v;
const size = (xs: readonly CExpr[], kind: "and" | "or"): number => flat({ t: kind, of: [...xs] }).length;

/**
 * `o.hasValue() ? A : B` (or `has(x.f) ? A : B` on a known map, or the negated test with the branches swapped) as
 * `A` with its plain reads `p` of `o` replaced by `o.orValue(d)`, when `A` with `p` := d (and `.?` extensions of
 * `o` := none) folds to `B`, a bool literal (where `o` is none the conditional gave `B`), and the result errs wherever
 * the test did (errorSource). `B` itself is the default when `A` is just `p` and `B` is `dyn(literal)`: it cannot err
 * (an `orValue` argument is always evaluated) and keeps the conditional's dyn type.
 */
export function condIntoDefault(e: Extract<CExpr, { t: "cond" }>, ctx: ShortenCtx): CExpr | undefined {
  const neg = e.test.t === "not";
  const test = neg ? (e.test as { of: CExpr }).of : e.test;
  const o = guardedOptional(test, ctx);
  const oc = o && chainOf(o);
  if (!o || !oc) return undefined;
  const [a, b] = neg ? [e.else, e.then] : [e.then, e.else];
  if (occurrences(b, oc).length) return undefined;
  const occ = occurrences(a, oc);
  if (!occ.length || occ.some((x) => x.ref === "other")) return undefined;
  const p = plainOf(o);
  const plainNodes = new Set(occ.filter((x) => x.ref === "plain").map((x) => x.node));
  const extNodes = new Set(occ.filter((x) => x.ref === "optExt").map((x) => x.node));
  const target = key(ctx.fold(b));
  let out: CExpr | undefined;
  // `o.hasValue() ? p : dyn(x)`: `o.orValue(dyn(x))` is dyn-typed like the conditional was
  if (key(a) === key(p) && isDynLit(b)) out = C.method(o, "orValue", b);
  else if (plainNodes.size && b.t === "lit" && typeof b.v === "boolean") {
    const dk = defaultKind(p, occ, ctx);
    const d = dk && shortest(candidates(dk, a).filter((c) => key(ctx.fold(replaceNodes(a, new Set([...plainNodes, ...extNodes]), (n) => (plainNodes.has(n) ? c : NONE), oc.ids))) === target));
    if (d) out = replaceNodes(a, plainNodes, () => C.method(o, "orValue", d), oc.ids);
  } else if (key(ctx.fold(replaceNodes(a, extNodes, () => NONE, oc.ids))) === target) out = a;
  if (!out || flat(out).length >= flat(e).length) return undefined;
  // where the test erred, the result must too
  const src = errorSource(o, oc, ctx);
  return src === "never" || mustError(out, src) ? out : undefined;
}

/** `dyn(literal)`: evaluates without error, typed dyn. */
const isDynLit = (e: CExpr): boolean => e.t === "call" && e.fn === "dyn" && !e.target && e.args.length === 1 && e.args[0]!.t === "lit";

// ---------------------------------------------------------------------------------------------------------------
// Literal comparisons a sibling implies

/**
 * Does `e` err wherever a subexpression `src` accepts errs? Every CEL function and operator errs when an operand does
 * (it is strict) except `&&` / `||` (they err when all operands do), `?:` (when its test does, or both branches),
 * macros (when their range does: a body may not run) and `has(x.f)` (when x does).
 */
export function mustError(e: CExpr, src: (n: CExpr) => boolean): boolean {
  if (src(e)) return true;
  const m = (y: CExpr): boolean => mustError(y, src);
  switch (e.t) {
    case "lit":
    case "id":
      return false;
    case "sel":
    case "not":
    case "neg":
      return m(e.of);
    case "idx":
      return m(e.of) || m(e.key);
    case "bin":
      return m(e.l) || m(e.r);
    case "and":
    case "or":
      return e.of.length > 0 && e.of.every(m);
    case "cond":
      return m(e.test) || (m(e.then) && m(e.else));
    case "list":
      return e.items.some(m);
    case "map":
      return e.entries.some((z) => m(z.key) || m(z.value));
    case "obj":
      return e.fields.some((z) => m(z.value));
    case "call":
      if (macroBinders(e)) return m(e.target!);
      if (e.fn === "has" && !e.target) return e.args.length === 1 && e.args[0]!.t === "sel" && m(e.args[0]!.of);
      return (e.target ? m(e.target) : false) || e.args.some(m);
  }
}

/** `mustError` of the subexpression `x` (by structure). */
export function strictlyReads(e: CExpr, x: CExpr): boolean {
  const k = key(x);
  return mustError(e, (n) => key(n) === k);
}

/** `e` with every occurrence of `x` (by structure) replaced by `by`, not under a macro rebinding x's identifiers. */
export function substitute(e: CExpr, x: CExpr, by: CExpr): CExpr {
  const k = key(x);
  const ids = freeIds(x);
  const go = (y: CExpr): CExpr => {
    if (key(y) === k) return by;
    const binders = macroBinders(y);
    if (binders && binders.some((b) => ids.has(b))) return { ...(y as Extract<CExpr, { t: "call" }>), target: go((y as { target: CExpr }).target) } as CExpr;
    return mapChildren(y, go);
  };
  return go(e);
}

/**
 * In `||`, an operand `x == L` (L a string, bool or null literal: `x == L` holds exactly when x is that value) is
 * implied by a sibling `T` that is strict in x and true at x = L: where the comparison holds, T does; where it errors,
 * x errors and so does T. Dually in `&&` for `x != L` and a sibling false at x = L. (Kyverno's `!v` patterns compare
 * the value with the pattern text first: `x == '!v' || string(x) != 'v'`.)
 */
function impliedComparisons(kind: "and" | "or", of: CExpr[], ctx: ShortenCtx): CExpr[] {
  const op = kind === "or" ? "==" : "!=";
  const want = kind === "or";
  const drop = new Set<number>();
  of.forEach((a, i) => {
    if (a.t !== "bin" || a.op !== op) return;
    const [x, l] = isCmpLit(a.r) ? [a.l, a.r] : isCmpLit(a.l) ? [a.r, a.l] : [];
    if (!x || !l || x.t === "lit") return;
    const implied = of.some((t, j) => j !== i && !drop.has(j) && strictlyReads(t, x) && isLit(ctx.fold(substitute(t, x, l)), want));
    if (implied) drop.add(i);
  });
  return drop.size ? of.filter((_, i) => !drop.has(i)) : of;
}

const isCmpLit = (e: CExpr): boolean => e.t === "lit" && (typeof e.v === "string" || typeof e.v === "boolean" || e.v === null);

/**
 * Operands whose value their operands' types decide, dropped beside a sibling that errs wherever they do: in `||`,
 * `x == L` for a literal L of another kind than x's type (false wherever x evaluates: CEL's equality of values of
 * different types), in `&&` `x != L` likewise (true) and `isQuantity(string(i))` of an int i (true: an int's decimal
 * is a quantity). Where x errs, so does the sibling (strict in x), and the chain's value is the sibling's either way.
 */
function typedConstants(kind: "and" | "or", of: CExpr[], ctx: ShortenCtx): CExpr[] {
  const constantOn = (m: CExpr): CExpr | undefined => {
    if (m.t === "bin" && m.op === (kind === "or" ? "==" : "!=") && m.r.t === "lit" && m.r.v !== null && m.l.t !== "lit") {
      const k = kindOfLit(m.r.v);
      const t = scalarType(ctx.typeOf(m.l));
      return k && t && k !== t ? m.l : undefined;
    }
    if (kind === "and" && m.t === "call" && m.fn === "isQuantity" && !m.target && m.args.length === 1) {
      const s = m.args[0]!;
      return s.t === "call" && s.fn === "string" && !s.target && s.args.length === 1 && scalarType(ctx.typeOf(s.args[0]!)) === "int" ? s.args[0]! : undefined;
    }
    return undefined;
  };
  const drop = new Set<number>();
  of.forEach((m, i) => {
    const x = constantOn(m);
    if (x && of.some((t, j) => j !== i && !drop.has(j) && strictlyReads(t, x))) drop.add(i);
  });
  return drop.size ? of.filter((_, i) => !drop.has(i)) : of;
}

// ---------------------------------------------------------------------------------------------------------------
// Equality disjunctions as lists

/**
 * `x == a || x == b || x in [c]` → `x in [a, b, c]` (dually `x != a && x != b` → `!(x in [a, b])`): the same
 * equality per element, the same error where x errors (and no other). Literals of one kind only (list literals stay
 * homogeneous); applied where shorter.
 */
function equalitiesAsList(kind: "and" | "or", of: CExpr[]): CExpr[] {
  const groups = new Map<string, { x: CExpr; at: number[]; values: unknown[] }>();
  of.forEach((m, i) => {
    const t = kind === "or" ? m : m.t === "not" ? m.of : m.t === "bin" && m.op === "!=" ? { ...m, op: "==" as const } : undefined;
    const parsed = t && memberValues(t);
    if (!parsed) return;
    const k = key(parsed.x);
    const g = groups.get(k) ?? { x: parsed.x, at: [], values: [] };
    g.at.push(i);
    for (const v of parsed.values) if (!g.values.some((w) => w === v)) g.values.push(v);
    groups.set(k, g);
  });
  for (const g of groups.values()) {
    if (g.at.length < 2 || new Set(g.values.map((v) => typeof v)).size !== 1) continue;
    const test = C.bin("in", g.x, C.lit(g.values as string[]));
    const merged = kind === "or" ? test : C.not(test);
    const next = of.flatMap((m, i) => (i === g.at[0] ? [merged] : g.at.includes(i) ? [] : [m]));
    // one group at a time (the positions of the others move)
    if (size(next, kind) < size(of, kind)) return equalitiesAsList(kind, next);
  }
  return of;
}

/** `x == lit`, `lit == x`, `x in [lits]`: x and the literal values (strings, bools, ints). */
function memberValues(e: CExpr): { x: CExpr; values: unknown[] } | undefined {
  if (e.t !== "bin") return undefined;
  const scalar = (x: CExpr): boolean => x.t === "lit" && (typeof x.v === "string" || typeof x.v === "boolean" || (typeof x.v === "number" && Number.isInteger(x.v)));
  if (e.op === "==" && scalar(e.r) && e.l.t !== "lit") return { x: e.l, values: [(e.r as { v: unknown }).v] };
  if (e.op === "==" && scalar(e.l) && e.r.t !== "lit") return { x: e.r, values: [(e.l as { v: unknown }).v] };
  if (e.op === "in" && e.l.t !== "lit") {
    if (e.r.t === "lit" && Array.isArray(e.r.v) && e.r.v.length && e.r.v.every((v) => scalar(C.lit(v)))) return { x: e.l, values: e.r.v };
    if (e.r.t === "list" && e.r.items.length && e.r.items.every(scalar)) return { x: e.l, values: e.r.items.map((i) => (i as { v: unknown }).v) };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------

/** The operands of a flattened, de-duplicated `&&`/`||` chain, shortened (see above). */
export function shortenJunction(kind: "and" | "or", of: CExpr[], ctx: ShortenCtx): CExpr[] {
  if (of.length < 2) return of;
  // the pairwise rewrites try substitutions per pair of operands: long chains (a PSP's thousands of allowed paths)
  // only get the linear one
  if (of.length > MAX_PAIRWISE) return equalitiesAsList(kind, of);
  let out = typedConstants(kind, impliedComparisons(kind, of, ctx), ctx);
  out = equalitiesAsList(kind, out);
  out = guardsIntoDefaults(kind, out, ctx);
  return out;
}

const MAX_PAIRWISE = 16;
