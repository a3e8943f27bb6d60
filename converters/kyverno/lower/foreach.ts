// Kyverno `validate.foreach` → rule-model predicates, as Kyverno's validate handler evaluates it
// (pkg/engine/handlers/validation/validate_resource.go validateForEach / validateElements / validate,
// pkg/engine/utils/foreach.go EvaluateList / AddElementToContext, pkg/engine/context/context.go AddElement;
// shared/notes/kyverno.md §1):
//   * each block's `list` is a JMESPath query (no `{{ }}`): "Unknown key" or another evaluation error (a function's
//     type error inside a filter: definedness of the stream) → the block is skipped; a result that is not a list is
//     one element (`null` → one nil element, i.e. none); nil elements are skipped;
//   * per element: `element` / `elementIndex` and `element<d>` / `elementIndex<d>` (d = nesting depth, 0 at the rule)
//     join the context; the element becomes the pattern's resource when it is a map and `elementScope` is not false
//     (`elementScope: true` with a non-map element is a rule error); otherwise the pattern checks the innermost
//     enclosing element that was, else the resource;
//   * the element's own validate: context (a gap here), preconditions (false → element skipped; an evaluation error →
//     element ignored), then the first of deny > pattern > anyPattern > nested foreach (none → skipped); a nested
//     foreach that applies to no element is a skipped element too;
//   * an element that fails or errs fails (errs) the rule; the first non-pass block decides; zero applied elements over
//     every block → no rule response. Pass, skip and no response all admit, fail and error deny: `fails` = some block
//     has an element that fails or errs (order does not matter for the decision). `applies` = some element was
//     applied or failed (Kyverno gives a rule response).
// Kyverno errors are either part of `fails` (pattern errors, `elementScope: true` on a non-map) or CEL evaluation
// errors (deny conditions, as lowered by conditions.ts): both deny under failurePolicy Fail. Precondition errors are
// turned into "element skipped" by a definedness predicate (`defined`): exact where every error source is an absent
// path or Kyverno's error value; elsewhere (quantity/number parsing, computed indexes, …) the error stays a CEL error
// (a stricter gap names it).
import { P, path, root, valPaths, type Gap, type Json, type Path, type Pred, type Provenance, type Val } from "../../../src/ir/model.js";
import type { ForEach, JsonValue } from "../model.js";
import { lowerConditions } from "./conditions.js";
import { ANY, JmesCtx, K, listVal, LowerGap, lowerJmes, may, notNull, type ElementScope, type JList, type JmesScope, type JV, type JVal, type Ty } from "./jmespath.js";
import { lowerAnyPattern, lowerPattern, parseAnchor } from "./pattern.js";

export interface LowerForEachOptions {
  /** The resource root the patterns of non-scoped elements check (`path(root.object)`). */
  at: Path;
  /** Rule name the gaps belong to. */
  rule: string;
  provenance: Provenance;
  /** Passed to lowerPattern (lists of scalars by `parent.field`); default: the built-in kinds' table. */
  listFields?: ReadonlySet<string>;
  /** Rule-level context variables (`{{ name }}`), when the caller can lower them. */
  resolve?: JmesScope["resolve"];
  /** Types of object paths, when the caller knows the schema. */
  typeOf?: JmesScope["typeOf"];
  /** The rule may see DELETE requests (Kyverno then reads request.oldObject as request.object): a gap where read. */
  deleteRequests?: boolean;
  /** The kinds the rule matches (JmesScope.kinds: what validation guarantees about names, labels and keys). */
  kinds?: JmesScope["kinds"];
  /** JmesScope.templates: `object` also stands for pod templates (their names are not validated). */
  templates?: boolean;
  /** The policy's failurePolicy: with Ignore, Kyverno admits a pattern *error* that the lowering counts as a failure. */
  failurePolicy?: "Fail" | "Ignore";
}

export interface ForEachLowering {
  /** True = the rule fails (Kyverno fail or error: the request is denied). */
  fails: Pred;
  /** False = no element applied and none failed (Kyverno: no rule response; admitted like a pass). */
  applies: Pred;
  /** Approximations that are stricter than Kyverno (never weaker), with their reasons. */
  gaps: Gap[];
}

/** Documented differences from Kyverno that no gap names (outside schema-valid objects). */
export const KNOWN_DIFFERENCES: readonly string[] = [
  "a list path of unknown type is taken as a list (schema typing): a map or scalar there is one element in Kyverno; `null` is no element in Kyverno and an evaluation error (deny) here",
  "elements of unknown type meeting a map pattern or a nested foreach are taken as maps (schema typing): for a scalar element Kyverno checks the pattern against the resource (or the enclosing element) instead",
  "nil elements of a plain list (not a projection) are skipped by Kyverno; here they are evaluated (built-in kinds never hold them)",
  "a list whose evaluation raises a type error (a JMESPath function meeting a value of the wrong type) is skipped by Kyverno when another block applies; here the evaluation error denies",
  "DELETE requests: Kyverno checks non-scoped patterns against nothing (skip); the rule model reads `object`",
];

// ---------------------------------------------------------------------------------------------------------------
// Predicate algebra with constant folding

const T: Pred = P.t;
const F: Pred = P.f;
const isC = (p: Pred, v: boolean): boolean => p.k === "const" && p.value === v;

function and(...ps: Pred[]): Pred {
  const of = ps.flatMap((p) => (p.k === "and" ? p.of : [p])).filter((p) => !isC(p, true));
  if (of.some((p) => isC(p, false))) return F;
  return of.length === 0 ? T : of.length === 1 ? of[0]! : { k: "and", of };
}
function or(...ps: Pred[]): Pred {
  const of = ps.flatMap((p) => (p.k === "or" ? p.of : [p])).filter((p) => !isC(p, false));
  if (of.some((p) => isC(p, true))) return T;
  return of.length === 0 ? F : of.length === 1 ? of[0]! : { k: "or", of };
}
function not(p: Pred): Pred {
  if (p.k === "const") return { k: "const", value: !p.value };
  if (p.k === "not") return p.of;
  return { k: "not", of: p };
}
/** `c ? a : b` for a condition that is evaluated without error. */
const ite = (c: Pred, a: Pred, b: Pred): Pred => (isC(c, true) ? a : isC(c, false) ? b : isC(a, true) && isC(b, true) ? T : or(and(c, a), and(not(c), b)));
const lit = (value: Json): Val => ({ k: "lit", value });

// ---------------------------------------------------------------------------------------------------------------
// Definedness: a predicate true when a model predicate/value evaluates without error (as src/emit lowers it: plain
// access errors on an absent path, leaves with a boolean `ifAbsent` are guarded, `&&`/`||`/quantifiers absorb errors
// as CEL does). Sound in one direction: it may be true although the evaluation errs (then `approx` says why), never
// false when the evaluation succeeds — an element is never skipped that Kyverno would have applied.

interface DefCtx {
  /** Definedness of let-bound names (quantifier variables are always defined). */
  env: Map<string, Pred>;
  approx: Set<string>;
}

const guardedPath = (p: Path): boolean => p.root.k !== "request" && p.segs.length > 0;

/** Presence of every path a value reads, as the emitter guards a leaf's operand (`presenceOf`). */
function presenceOfVal(v: Val): Pred {
  if (v.k === "path") return guardedPath(v.path) ? P.present(v.path) : T;
  if (v.k === "default") return absentable(v.fallback) ? or(presenceOfVal(v.of), presenceOfVal(v.fallback)) : T;
  return and(...valPaths(v).filter(guardedPath).map((p) => P.present(p)));
}
function absentable(v: Val): boolean {
  if (v.k === "path") return guardedPath(v.path);
  if (v.k === "default") return absentable(v.fallback);
  return valPaths(v).some(guardedPath);
}

function defPath(p: Path, c: DefCtx): Pred {
  const parts: Pred[] = [];
  if (p.root.k === "var") parts.push(c.env.get(p.root.name) ?? T);
  else if (p.root.k === "namespaceObject" || p.root.k === "params" || p.root.k === "variable" || p.root.k === "oldObject") c.approx.add(`reads ${p.root.k}`);
  let exact = true;
  for (const s of p.segs) {
    if (s.k === "index") {
      parts.push(defVal(s.at, c));
      if (!(s.at.k === "lit" && typeof s.at.value === "number")) exact = false;
    } else if (s.k === "each") exact = false;
  }
  if (!exact) {
    c.approx.add("a computed index or [*] path");
    return and(...parts);
  }
  return and(...parts, guardedPath(p) ? P.present(p) : T);
}

/** Calls whose failure depends on the content of their (non-literal) arguments. */
const PARTIAL_CALLS = new Set(["int", "double", "bool", "quantity", "duration", "substring", "indexOf", "format", "matches", "find", "approxFloat", "sort"]);

function defVal(v: Val, c: DefCtx): Pred {
  switch (v.k) {
    case "lit":
      return T;
    case "path":
      return defPath(v.path, c);
    case "default": {
      const fb = defVal(v.fallback, c);
      if (v.of.k === "path") {
        // `x.?a.orValue(fb)` / `has(x.a) ? x.a : fb`: the root and computed indexes still evaluate
        const p = v.of.path;
        const rootDef = p.root.k === "var" ? (c.env.get(p.root.name) ?? T) : T;
        if (p.segs.some((s) => s.k === "each" || (s.k === "index" && !(s.at.k === "lit" && typeof s.at.value === "number")))) c.approx.add("a computed index in a default");
        return and(rootDef, or(guardedPath(p) ? P.present(p) : T, fb));
      }
      const pres = and(...valPaths(v.of).filter(guardedPath).map((p) => P.present(p)));
      return or(and(pres, defVal(v.of, c)), and(not(pres), fb));
    }
    case "call": {
      const args = and(...v.args.map((a) => defVal(a, c)));
      const safeRegex = (v.fn === "matches" || v.fn === "find") && v.args[1] !== undefined && (v.args[1].k === "lit" || escapedGlob(v.args[1]));
      if (PARTIAL_CALLS.has(v.fn) && !v.args.every((a) => a.k === "lit") && !safeRegex) c.approx.add(`${v.fn}() of a computed value`);
      return args;
    }
    case "list":
      return and(...v.items.map((x) => defVal(x, c)));
    case "concat":
      return and(...v.lists.map((x) => defVal(x, c)));
    case "strcat":
      return and(...v.parts.map((x) => defVal(x, c)));
    case "map":
      // an entry whose value is absent is left out
      return and(...v.entries.map(([, x]) => or(not(presenceOfVal(x)), defVal(x, c))));
    case "project":
    case "filter": {
      const body = withEnv(c, [v.v], () => (v.k === "project" ? defVal(v.body, c) : defPred(v.pred, c)));
      return and(defVal(v.list, c), isC(body, true) ? T : { k: "quant", q: "all", over: v.list, v: v.v, body, ifAbsent: "error" });
    }
    case "cond": {
      const t = defPred(v.test, c);
      return and(t, ite(v.test, defVal(v.then, c), defVal(v.else, c)));
    }
    case "let": {
      if (v.ifAbsent) c.approx.add("a let with a fallback");
      const d = defVal(v.value, c);
      const body = withEnv(c, [v.name], () => defVal(v.body, c), d);
      return isC(body, true) || isC(body, false) ? body : { k: "let", name: v.name, value: v.value, body };
    }
    case "raw":
      c.approx.add("raw CEL");
      return T;
  }
}

/** A regular expression built at run time from a glob (`globRegex`): always a valid RE2, matches() cannot fail. */
const escapedGlob = (v: Val): boolean => v.k === "call" && v.fn === "globRegex";

function withEnv<R>(c: DefCtx, names: (string | undefined)[], f: () => R, def: Pred = T): R {
  const saved = names.map((n) => (n === undefined ? undefined : ([n, c.env.get(n)] as const)));
  for (const n of names) if (n !== undefined) c.env.set(n, def);
  try {
    return f();
  } finally {
    for (const s of saved) {
      if (!s) continue;
      if (s[1] === undefined) c.env.delete(s[0]);
      else c.env.set(s[0], s[1]);
    }
  }
}

function defPred(p: Pred, c: DefCtx): Pred {
  switch (p.k) {
    case "const":
    case "present":
    case "authz":
      return T;
    case "not":
      return defPred(p.of, c);
    case "and":
    case "or": {
      const ds = p.of.map((x) => defPred(x, c));
      if (ds.every((d) => isC(d, true))) return T;
      // CEL: no error when every operand evaluates, or one evaluates to the absorbing value
      const absorbing = p.of.map((x, i) => and(ds[i]!, p.k === "and" ? not(x) : x));
      return or(and(...ds), ...absorbing);
    }
    case "cmp":
    case "in":
    case "match":
    case "truthy":
    case "kind": {
      const vals: Val[] = p.k === "cmp" ? [p.lhs, p.rhs] : p.k === "in" ? [p.value, p.list] : [p.value];
      if (p.k === "cmp" && (p.as === "quantity" || p.as === "duration") && !vals.every((x) => x.k === "lit")) c.approx.add(`${p.as} comparison of a computed value`);
      const d = and(...vals.map((x) => defVal(x, c)));
      if (p.ifAbsent === "error") return d;
      return or(not(and(...vals.map(presenceOfVal))), d);
    }
    case "quant": {
      const db = withEnv(c, [p.v, p.index], () => defPred(p.body, c));
      const q = (q: "all" | "any", body: Pred): Pred => ({ k: "quant", q, over: p.over, v: p.v, ...(p.index !== undefined ? { index: p.index } : {}), ...(p.entries ? { entries: true } : {}), body, ifAbsent: "error" });
      const inner = isC(db, true) ? T : p.q === "one" ? q("all", db) : or(q("all", db), q("any", and(db, p.q === "any" ? p.body : not(p.body))));
      const d = and(defVal(p.over, c), inner);
      if (p.ifAbsent === "error") return d;
      return or(not(presenceOfVal(p.over)), d);
    }
    case "let": {
      const d = defVal(p.value, c);
      const body = withEnv(c, [p.name], () => defPred(p.body, c), d);
      return isC(body, true) || isC(body, false) ? body : { k: "let", name: p.name, value: p.value, body };
    }
    case "raw":
      c.approx.add("raw CEL");
      return T;
  }
}

const truthyVal = (p: Pred): Val => ({ k: "cond", test: p, then: lit(true), else: lit(false) });

/** True when a value contains Kyverno's error value (ERROR_VAL: `let kyvernoError = [] in kyvernoError[0]`). */
function hasErrorVal(v: unknown): boolean {
  return JSON.stringify(v).includes('"name":"kyvernoError"');
}

// ---------------------------------------------------------------------------------------------------------------
// The lowering

const isNullLit = (v: Val): boolean => (v.k === "lit" && v.value === null) || (v.k === "call" && v.fn === "dyn" && v.args.length === 1 && v.args[0]!.k === "lit" && v.args[0]!.value === null);

/** The value is JMESPath null in some case the lowering spelled out (`default(…, null)`, `c ? x : null`, …). */
function nullable(v: Val): boolean {
  if (isNullLit(v)) return true;
  if (v.k === "default") return nullable(v.fallback);
  if (v.k === "cond") return nullable(v.then) || nullable(v.else);
  if (v.k === "let") return nullable(v.body) || (v.ifAbsent !== undefined && nullable(v.ifAbsent));
  return false;
}

/** The list value with its null cases replaced by `[]`. */
function orEmpty(v: Val): Val {
  if (isNullLit(v)) return lit([]);
  if (v.k === "default") return { ...v, fallback: orEmpty(v.fallback) };
  if (v.k === "cond") return { ...v, then: orEmpty(v.then), else: orEmpty(v.else) };
  if (v.k === "let" && nullable(v.body)) return { ...v, body: orEmpty(v.body), ...(v.ifAbsent ? { ifAbsent: orEmpty(v.ifAbsent) } : {}) };
  return { k: "cond", test: notNull(v), then: v, else: lit([]) };
}

/** Fresh JMESPath names with a prefix of their own (list streams must not collide with names inside the bodies). */
class TaggedCtx extends JmesCtx {
  constructor(scope: JmesScope, private readonly tag: string) {
    super(scope);
  }
  override fresh(prefix = "x"): string {
    return super.fresh(`${this.tag}${prefix}`);
  }
}

interface Frame {
  /** element0 … element<d-1> of the enclosing foreach levels. */
  elements: ElementScope[];
  /** The innermost enclosing element that is the pattern's resource, if any. */
  target?: Path;
}

interface Outcome {
  fails: Pred;
  applies: Pred;
}

/** Does the text use `elementIndex` of depth `d` (bare names refer to the innermost level). */
function usesIndex(b: ForEach, d: number): boolean {
  const own = JSON.stringify([b.preconditions ?? null, b.deny ?? null, b.pattern ?? null, b.anyPattern ?? null, (b.foreach ?? []).map((n) => n.list)]);
  if (new RegExp(`elementIndex(${d})?(?![0-9])`).test(own)) return true;
  const deep = (n: ForEach): boolean => new RegExp(`elementIndex${d}(?![0-9])`).test(JSON.stringify(n));
  return (b.foreach ?? []).some(deep);
}

/** Patterns whose failures Kyverno may classify as errors (MatchPattern: anchor keys missing, empty error path). */
function mayError(p: JsonValue): boolean {
  if (Array.isArray(p)) return p.some((x) => Array.isArray(x) || mayError(x));
  if (typeof p === "object" && p !== null) return Object.entries(p).some(([k, v]) => ["", "^"].includes(parseAnchor(k)?.mod ?? "-") || mayError(v));
  return false;
}

/** Does the (top of the) pattern expect a map? */
const mapPattern = (p: JsonValue | undefined): boolean => typeof p === "object" && p !== null && !Array.isArray(p);

class Lowerer {
  readonly gaps: Gap[] = [];
  constructor(private readonly opts: LowerForEachOptions) {}

  gap(id: string, reason: string, effect: Gap["effect"] = "stricter"): void {
    if (this.gaps.some((g) => g.id === id && g.reason === reason)) return;
    this.gaps.push({ id, rule: this.opts.rule, reason, effect, provenance: this.opts.provenance });
  }

  /** Re-throw a LowerGap with the foreach location in its message. */
  private at<R>(where: string, f: () => R): R {
    try {
      return f();
    } catch (e) {
      if (e instanceof LowerGap) throw new LowerGap(e.id, `${where}: ${e.message}`, e.effect);
      throw e;
    }
  }

  private scope(frame: Frame, element?: ElementScope): JmesScope {
    const inner = element ?? frame.elements[frame.elements.length - 1];
    const elements = element ? [...frame.elements, element] : frame.elements;
    return {
      ...(inner ? { element: inner } : {}),
      ...(elements.length ? { elements } : {}),
      ...(this.opts.resolve ? { resolve: this.opts.resolve } : {}),
      ...(this.opts.typeOf ? { typeOf: this.opts.typeOf } : {}),
      ...(this.opts.deleteRequests ? { deleteRequests: true } : {}),
      ...(this.opts.kinds ? { kinds: this.opts.kinds } : {}),
      ...(this.opts.templates ? { templates: true } : {}),
    };
  }

  blocks(list: readonly ForEach[], frame: Frame, where: string): Outcome {
    const outs = list.map((b, i) => this.block(b, frame, `${where}[${i}]`));
    return { fails: or(...outs.map((o) => o.fails)), applies: or(...outs.map((o) => o.applies)) };
  }

  private block(b: ForEach, frame: Frame, where: string): Outcome {
    const d = frame.elements.length;
    if (b.context.length)
      throw new LowerGap("kyverno.foreach.context", `${where}: per-element context entries ${b.context.map((c) => `${c.name} (${c.kind})`).join(", ")} are not converted`);
    if (/\{\{/.test(b.list)) throw new LowerGap("kyverno.foreach.list-variables", `${where}.list: {{ }} in a foreach list (Kyverno queries the text as JMESPath)`, "stricter");
    const index = usesIndex(b, d);
    const ctx = new TaggedCtx(this.scope(frame), `f${d}`);
    let l: JV = this.at(`${where}.list`, () => lowerJmes(b.list, ctx));
    if (l.k === "list" && (index || l.orElse)) l = this.at(`${where}.list`, () => listVal(l, "foreach list"));
    const el = `el${d}`;
    const ix = index ? `ix${d}` : undefined;
    if (l.k === "list") return this.stream(l, b, frame, where, el);
    return this.value(l, b, frame, where, el, ix);
  }

  /** A list value: quantify over it (Unknown key → skipped); a map or scalar is one element. */
  private value(l: JVal, b: ForEach, frame: Frame, where: string, el: string, ix: string | undefined): Outcome {
    const ty = l.ty;
    const kinds = ty.m & ~K.null;
    const single = ty.m !== ANY && !may(ty, K.list);
    if (!single && kinds !== K.list && ty.m !== ANY && ty.m !== (ANY & ~K.null))
      throw new LowerGap("kyverno.foreach.list-kind", `${where}.list: a value that may be a list or ${kinds & K.map ? "a map" : "a scalar"} (one element in Kyverno)`, "unverified");
    // Unknown key → the block is skipped: a plain path by the quantifier's ifAbsent, else by definedness
    let ok: Pred = T;
    if (l.err && l.v.k === "path") {
      if (single && guardedPath(l.v.path)) ok = P.present(l.v.path);
    } else if (l.err) {
      if (hasErrorVal(l.v)) this.gap("kyverno.foreach.list-error", `${where}.list may raise an evaluation error that is not "Unknown key": Kyverno skips the block when another one applies, the VAP denies (evaluation error)`);
      else {
        const c: DefCtx = { env: new Map(), approx: new Set() };
        ok = defVal(l.v, c);
        if (c.approx.size) this.gap("kyverno.foreach.list-error", `${where}.list: evaluation errors of ${[...c.approx].join(", ")} are not detected: Kyverno skips the block ("Unknown key") or errs, the VAP denies (evaluation error)`);
      }
    }
    const elemTy: Ty = single ? ty : (ty.elem ?? { m: ANY });
    const scope: ElementScope = { element: el, ...(ix ? { index: ix } : {}), ty: elemTy };
    const body = this.element(b, frame, where, scope);
    if (single) {
      if (ix) throw new LowerGap("kyverno.foreach.single-index", `${where}: elementIndex of a list that is one map/scalar value`, "unverified");
      const bind = (p: Pred): Pred => and(ok, may(ty, K.null) ? notNull(l.v) : T, isC(p, false) ? F : { k: "let", name: el, value: l.v, body: p });
      return { fails: bind(body.fails), applies: bind(body.applies) };
    }
    // a list that can be null (JMESPath null, not merely an untyped path) is no element then
    const over: Val = nullable(l.v) || (may(ty, K.null) && ty.m !== ANY) ? orEmpty(l.v) : l.v;
    // nil elements are skipped (only where the element type says they can occur)
    const nn = may(elemTy, K.null) && elemTy.m !== ANY ? notNull({ k: "path", path: path(root.v(el)) }) : T;
    const quant = (p: Pred): Pred =>
      isC(p, false) ? F : and(ok, { k: "quant", q: "any", over, v: el, ...(ix ? { index: ix } : {}), body: and(nn, p), ifAbsent: false });
    return { fails: quant(body.fails), applies: quant(body.applies) };
  }

  /** A projection stream (`spec.[a, b][]`, `a[?p].b`): nested loops, null results dropped; the element is its value. */
  private stream(l: JList, b: ForEach, frame: Frame, where: string, el: string): Outcome {
    const e = l.elem;
    const bare = e.v.k === "path" && e.v.path.root.k === "var" && e.v.path.segs.length === 0 ? e.v.path.root.name : undefined;
    const name = bare ?? el;
    const elemTy: Ty = { ...e.ty, m: e.ty.m & ~K.null || e.ty.m };
    const scope: ElementScope = { element: name, ty: elemTy };
    const body = this.element(b, frame, where, scope);
    const wrap = (p: Pred): Pred => {
      if (isC(p, false)) return F;
      let inner: Pred = bare ? p : { k: "let", name: el, value: e.v, body: p };
      if (may(e.ty, K.null)) inner = and(notNull(e.v), inner);
      for (let i = l.loops.length - 1; i >= 0; i--) {
        const loop = l.loops[i]!;
        inner = { k: "quant", q: "any", over: loop.over, v: loop.v, body: loop.keep ? and(loop.keep, inner) : inner, ifAbsent: false };
      }
      return inner;
    };
    const ok = this.streamEvaluates(l, where);
    return { fails: and(ok, wrap(body.fails)), applies: and(ok, wrap(body.applies)) };
  }

  /**
   * A stream whose evaluation can raise an error other than "Unknown key" (a function's type error, e.g. contains()
   * on a missing field in a filter): Kyverno's EvaluateList fails and the block is skipped (`continue`). True when
   * every list, every filter and every kept element's value evaluates (definedness); T when nothing can raise.
   */
  private streamEvaluates(l: JList, where: string): Pred {
    const parts: Val[] = [...l.loops.flatMap((lp) => [lp.over, ...(lp.keep ? [truthyVal(lp.keep)] : [])]), l.elem.v];
    if (!hasErrorVal(parts)) return T;
    const c: DefCtx = { env: new Map(), approx: new Set() };
    let inner: Pred = defVal(l.elem.v, c);
    for (let i = l.loops.length - 1; i >= 0; i--) {
      const loop = l.loops[i]!;
      const body = loop.keep ? and(defPred(loop.keep, c), or(not(loop.keep), inner)) : inner;
      inner = and(defVal(loop.over, c), isC(body, true) ? T : { k: "quant", q: "all", over: loop.over, v: loop.v, body, ifAbsent: "error" });
    }
    if (c.approx.size) this.gap("kyverno.foreach.list-error", `${where}.list: evaluation errors of ${[...c.approx].join(", ")} are not detected: Kyverno skips the block, the VAP denies (evaluation error)`);
    return inner;
  }

  /** One element: preconditions, then deny > pattern > anyPattern > nested foreach. */
  private element(b: ForEach, frame: Frame, where: string, el: ElementScope): Outcome {
    const scope = this.scope(frame, el);
    const ty = el.ty ?? { m: ANY };
    const isMap: "yes" | "no" | "unknown" = (ty.m & ~K.null) === K.map ? "yes" : may(ty, K.map) ? "unknown" : "no";
    const patternWants = b.deny === undefined && (b.pattern !== undefined ? mapPattern(b.pattern) : b.anyPattern !== undefined ? b.anyPattern.some(mapPattern) : true);
    // schema typing: an element of unknown kind meeting a map pattern (or a nested foreach) is a map
    const asMap = isMap === "yes" || (isMap === "unknown" && (b.elementScope === true || patternWants));
    if (isMap === "unknown" && !asMap && b.deny === undefined && (b.pattern !== undefined || b.anyPattern !== undefined))
      throw new LowerGap("kyverno.foreach.element-kind", `${where}: a non-map pattern against elements of unknown kind (Kyverno checks the element only when it is a map)`, "unverified");
    if (b.elementScope === true && !asMap) {
      // AddElementToContext errs: a rule error
      if (this.opts.failurePolicy === "Ignore") this.gap("kyverno.foreach.error-ignored", `${where}: failurePolicy Ignore: elementScope true on elements that are not maps is a Kyverno rule error (admitted), the VAP denies`);
      return { fails: T, applies: T };
    }
    const scoped = b.elementScope ?? asMap;
    const target = scoped && asMap ? path(root.v(el.element)) : (frame.target ?? this.opts.at);
    const inner: Frame = { elements: [...frame.elements, el], target };

    let pre: Pred = T;
    if (b.preconditions) {
      const cs = b.preconditions;
      const p = this.at(`${where}.preconditions`, () => lowerConditions(cs, scope));
      const c: DefCtx = { env: new Map(), approx: new Set() };
      const def = defPred(p, c);
      if (c.approx.size)
        this.gap("kyverno.foreach.precondition-error", `${where}.preconditions: evaluation errors of ${[...c.approx].join(", ")} are not detected: Kyverno ignores the element, the VAP denies (evaluation error)`);
      pre = and(def, p);
    }
    let out: Outcome;
    if (b.deny !== undefined) {
      const cs = b.deny.conditions;
      const deny = cs ? this.at(`${where}.deny`, () => lowerConditions(cs, scope)) : T;
      out = { fails: deny, applies: T };
    } else if (b.pattern !== undefined || b.anyPattern !== undefined) {
      const popts = { rule: this.opts.rule, provenance: { ...this.opts.provenance, field: `${where}.${b.pattern !== undefined ? "pattern" : "anyPattern"}` }, ...(this.opts.listFields ? { listFields: this.opts.listFields } : {}) };
      const low = b.pattern !== undefined ? lowerPattern(b.pattern, target, popts) : lowerAnyPattern(b.anyPattern ?? [], target, popts);
      for (const g of low.gaps) if (!this.gaps.some((x) => x.id === g.id && x.reason === g.reason)) this.gaps.push(g);
      if (this.opts.failurePolicy === "Ignore" && (b.pattern !== undefined ? [b.pattern] : (b.anyPattern ?? [])).some(mayError))
        this.gap("kyverno.pattern.error-ignored", `${where}: failurePolicy Ignore: Kyverno admits a request whose pattern evaluation is an error (a conditional/existence anchor key missing from the element, a short positional list) rather than a failure; the VAP denies both`);
      out = { fails: low.fail, applies: not(low.skip) };
    } else if (b.foreach) {
      out = this.blocks(b.foreach, inner, `${where}.foreach`);
    } else out = { fails: F, applies: F };
    return { fails: and(pre, out.fails), applies: and(pre, out.applies) };
  }
}

/**
 * Lower a rule's `validate.foreach` blocks. Throws LowerGap (from here or the JMESPath/conditions lowering) when a
 * block cannot be expressed: the caller leaves the rule out with a gap. Returned gaps are stricter approximations.
 */
export function lowerForEach(list: readonly ForEach[], opts: LowerForEachOptions): ForEachLowering {
  const lw = new Lowerer(opts);
  const out = lw.blocks(list, { elements: [] }, "foreach");
  return { fails: out.fails, applies: out.applies, gaps: lw.gaps };
}
