// Kyverno JMESPath (`{{ … }}` variables) → rule-model values (src/ir/model.ts), with Kyverno's semantics:
//   * roots: request.object → `object`, request.oldObject → `oldObject` (null on CREATE: a field of it is null then),
//     request.operation/namespace/name/kind/userInfo → `request.*`, `element`/`elementIndex` → quantifier variables
//     of the caller, other names → the caller's resolver (context variables), `""` → NotFound; anything else is a
//     LowerGap.
//   * absence (go-jmespath fork, interpreter.go): a field missing from a map raises NotFoundError ("Unknown key"),
//     which propagates through sub-expressions (`a.f(@)` never calls f when a is missing) and index expressions and
//     becomes an **error** of the rule when it reaches the top of a `{{ }}`; function arguments, comparisons,
//     projections, flatten, filters, `||`, `!`, the left of `&&`, pipes and multi-selects swallow it as null. A
//     lowered value records whether it can still raise it (`err`): its paths are plain model paths (absent → the
//     caller's leaf errors) or NOT_FOUND_VAL (omitempty request fields, a subexpression on a missing key);
//     everything swallowed reads through `default(…, null)` and NOT_FOUND_VAL becomes null (`lenient`). ERROR_VAL
//     (type errors, context load failures) is never swallowed.
//   * projections drop null results; `[]` flattens one level (`a[].b[?c][]` splices the inner projections); `[?p]`
//     keeps elements whose condition is JMESPath-truthy. A list built by nested projections (`a[].b[]`) stays a
//     *stream* of nested loops: quantifiers (AnyIn, contains, …) read it directly, length() sums the inner counts
//     (`a.map(x, size(…)).sum()`), sort() keeps it (every use of a nested stream is order-free); as a plain list
//     value only one loop can be expressed (the model has no flatten).
//   * types: every lowered value carries the JSON kinds it may have (null/bool/number/string/list/map); literals,
//     function results and caller hints (`typeOf`) narrow them. Fields of objects are assumed to hold the type their
//     use implies (objects are schema-typed); the string and list fields of built-in kinds that validated.ts
//     declares (`Ty.schema`, from `JmesScope.kinds`; a context entry keeps its place in the object, `Ty.at`, and is
//     typed where it is used) are known statically; a function whose meaning depends on a kind not known statically
//     dispatches on the runtime kind (`type(dyn(x)) == string`): contains(), to_string() and embedded/nested
//     variables (JSON text), sort() (all strings or all numbers); what CEL cannot compute (JSON text of a document,
//     a double whose Go and CEL formats differ) is an evaluation error there.
//   * no wildcard characters (`Ty.noWild`): string values that can never hold `*` or `?` — literals without them,
//     request.operation/kind, namespaces, and (from the rule's kinds, `JmesScope.kinds`) names, label keys and values,
//     annotation keys, keys of maps inside built-in objects (`Ty.inBuiltin`). What this relies on (Kubernetes
//     validation of names, labels and keys) is spelled out in validated.ts; the operators then compare such a side
//     as a plain string instead of compiling it into a glob at run time.
//   * nested variables `{{ f('{{ inner }}') }}`, `{{ m."{{ inner }}" }}` (vars.go): the inner one is substituted
//     first as text into a raw string literal (a string) or a quoted identifier (a key read at run time) — bound
//     once (its failure is the rule's error); a text that would change the outer expression in Kyverno (`'`, `{`,
//     `}`, a trailing `\` in a literal; `"`, `\`, control characters in an identifier) is an evaluation error here
//     (stricter).
//   * multi-selects: lists and hashes (CEL list and map literals); at the top of a variable they read the context.
//     merge() only at the top of a condition operand, of static-keyed maps over a first map (lowerMergedVariable;
//     conditions.ts compares such maps key by key).
// Functions map onto the model's call vocabulary (length, contains, keys, values, to_string, to_number, to_upper,
// to_lower, split, regex_match, label_match, starts_with, ends_with, join, sort, not_null, to_array, divide, max,
// min, regex_replace_all of `<literal>.*`, …); any other is a LowerGap naming it.
import { type CallFn, type Json, type Path, type Pred, type Segment, type Val, type ValueKind } from "../../../src/ir/model.js";
import { parseJmes, JmesSyntaxError, type JLit, type JNode } from "./jmespath-parser.js";
import { NO_FACTS, objectFacts, structField, type ObjectFacts, type Schema, meetSchema, TEMPLATES_SCHEMA } from "./validated.js";

export { parseJmes, JmesSyntaxError, type JNode };

/** Something Kyverno evaluates that the model cannot express exactly; converters turn it into a named Gap. */
export class LowerGap extends Error {
  constructor(
    /** Stable id, e.g. `kyverno.jmespath.function.max`. */
    readonly id: string,
    message: string,
    /** What the output does instead: `stricter` (denies more), `unverified` (cannot be checked). */
    readonly effect: "stricter" | "unverified" = "unverified",
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Types

/** JSON kinds as a bit set. */
export const K = { null: 1, bool: 2, number: 4, string: 8, list: 16, map: 32 } as const;
export const ANY = 63;

export interface Ty {
  /** Bit set of K. */
  m: number;
  /** Element type of lists (when known). */
  elem?: Ty;
  /** Its strings never hold `*` or `?` (validated names, enums, literals): never a glob pattern (validated.ts). */
  noWild?: boolean;
  /** A value inside an object of a built-in kind, outside free-form fields: its map keys are field names or
   *  validated keys, so keys() of it has no wildcard characters (validated.ts). */
  inBuiltin?: boolean;
  /** Its strings are among these (an enum such as request.operation, or a literal). */
  oneOf?: readonly string[];
  /** It is a value of a built-in object at this point of its kind's declared schema (validated.ts): fields and
   *  elements declared as strings are strings. */
  schema?: Schema;
  /** Its place in the object (field names, `[]` for list elements) when read from `object`: a context entry is
   *  lowered before the rule's kinds are known, so its type is completed from the schema where it is used. */
  at?: readonly string[];
}

export const T = {
  any: { m: ANY } as Ty,
  str: { m: K.string } as Ty,
  /** A string with no wildcard characters. */
  word: { m: K.string, noWild: true } as Ty,
  /** request.operation. */
  operation: { m: K.string, noWild: true, oneOf: ["CREATE", "UPDATE", "DELETE", "CONNECT"] } as Ty,
  num: { m: K.number } as Ty,
  bool: { m: K.bool } as Ty,
  null: { m: K.null } as Ty,
  map: { m: K.map } as Ty,
  list: (elem?: Ty): Ty => ({ m: K.list, ...(elem ? { elem } : {}) }),
};

export const only = (t: Ty, kind: number): boolean => t.m === kind;
export const may = (t: Ty, kind: number): boolean => (t.m & kind) !== 0;
const withNull = (t: Ty): Ty => ({ ...t, m: t.m | K.null });
/** No string of the type holds a wildcard character (it has none, or they are known plain). */
export const noWild = (t: Ty): boolean => t.noWild === true || !may(t, K.string);
const union = (a: Ty, b: Ty): Ty => ({
  m: a.m | b.m,
  ...(a.elem && b.elem ? { elem: union(a.elem, b.elem) } : a.elem && !may(b, K.list) ? { elem: a.elem } : b.elem && !may(a, K.list) ? { elem: b.elem } : {}),
  ...(may({ m: a.m | b.m }, K.string) && noWild(a) && noWild(b) ? { noWild: true } : {}),
  ...(may({ m: a.m | b.m }, K.string) && (a.oneOf || !may(a, K.string)) && (b.oneOf || !may(b, K.string)) ? { oneOf: [...new Set([...(a.oneOf ?? []), ...(b.oneOf ?? [])])] } : {}),
  ...(a.inBuiltin && b.inBuiltin ? { inBuiltin: true } : {}),
  ...schemaUnion(a.schema, b.schema),
});
/** Either of two declared schemas: what both declare. */
const schemaUnion = (a: Schema | undefined, b: Schema | undefined): { schema?: Schema } => {
  const s = a && b ? meetSchema(a, b) : undefined;
  return s ? { schema: s } : {};
};

export function tyOfJson(v: Json | JLit): Ty {
  if (v === null) return T.null;
  if (typeof v === "boolean") return T.bool;
  if (typeof v === "number") return T.num;
  if (typeof v === "string") return { ...(/[*?]/.test(v) ? T.str : T.word), oneOf: [v] };
  if (Array.isArray(v)) return T.list(v.length ? v.map(tyOfJson).reduce(union) : undefined);
  return T.map;
}

// ---------------------------------------------------------------------------------------------------------------
// Lowered values

/** A single value. */
export interface JVal {
  k: "val";
  v: Val;
  ty: Ty;
  /** Can raise Kyverno's "Unknown key" (or another evaluation error) at the top of a `{{ }}`. */
  err: boolean;
}

/** One loop of a stream: `v` ranges over `over`, keeping elements where `keep` holds. */
export interface Loop {
  v: string;
  over: Val;
  keep?: Pred;
}

/** A list built by projections: `elem` for every combination of the loops, null results dropped (`keep`). */
export interface JList {
  k: "list";
  loops: Loop[];
  elem: JVal;
  /** The whole list is JMESPath null (not `[]`) when this holds (the projected value was not a list). */
  nullIf?: Pred;
  /** `stream || d`: the value d instead when the stream is null or empty (only operators read this). */
  orElse?: JVal;
  /** `nullIf` holds only when the projected list field is absent (a list field the kind declares: never a present
   *  null, validated.ts), and the first loop then iterates `[]`: an existential test needs no null guard. */
  nullOnlyAbsent?: boolean;
}

export type JV = JVal | JList;

/** Element binding of an enclosing foreach. */
export interface ElementScope {
  /** Quantifier variable holding `element`. */
  element: string;
  /** Quantifier variable holding `elementIndex` (a number). */
  index?: string;
  /** Type of the elements, when known. */
  ty?: Ty;
}

export interface JmesScope {
  /** `element` / `elementIndex` (innermost foreach); `element0`, `element1`, … of nested foreach by depth. */
  element?: ElementScope;
  elements?: ElementScope[];
  /** A named context variable (`context[].name`), or undefined: a gap. */
  resolve?: (name: string) => JVal | undefined;
  /** Type of an object path, when the caller knows the schema. */
  typeOf?: (p: Path) => Ty | undefined;
  /** The request may be a DELETE (Kyverno then reads request.oldObject for request.object). Default false. */
  deleteRequests?: boolean;
  /** The Kyverno kinds the rule matches (autogen controllers included): what validation guarantees about the
   *  objects' names, labels and keys (validated.ts). Unknown when absent. */
  kinds?: readonly string[];
  /** `object` stands for pod templates too (a rule lowered once for every autogen form): a template's metadata.name
   *  is not validated (ValidatePodTemplateSpec checks labels and annotations only), so names are not plain. */
  templates?: boolean;
}

/** Feature counts, for reports: JMESPath functions used, constructs. */
export interface JmesStats {
  functions: Record<string, number>;
}

/** Lowering state: scope, fresh variable names, statistics. */
export class JmesCtx {
  private n = 0;
  readonly stats: JmesStats = { functions: {} };
  /** Raw string literals standing for nested variables' texts (`'{{ inner }}'`), by their placeholder. */
  readonly spliced = new Map<string, JVal>();
  /** Quoted identifiers standing for nested variables' texts (`"{{ inner }}"`: a key known at run time), by their
   *  placeholder. */
  readonly splicedKeys = new Map<string, Val>();
  /** What validation guarantees about the objects (from scope.kinds). */
  readonly facts: ObjectFacts;
  constructor(readonly scope: JmesScope = {}) {
    const facts = scope.kinds ? objectFacts(scope.kinds) : NO_FACTS;
    // a template's object paths are read from several kinds' roots: no names, no declared schema
    this.facts = scope.templates ? { names: false, meta: facts.meta, builtin: facts.builtin, ...(scope.kinds?.length ? { schema: TEMPLATES_SCHEMA } : {}) } : facts;
  }
  fresh(prefix = "x"): string {
    return `${prefix}${this.n++}`;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Model helpers

const lit = (value: Json): Val => ({ k: "lit", value });
const NULL = lit(null);
/** The null of a `default(…, null)`: `dyn(null)`, so `x.?a.orValue(dyn(null))` keeps x's type (a bare null literal
 *  makes `optional(string).orValue(null)` fail to type-check). */
export const DNULL: Val = { k: "call", fn: "dyn", args: [NULL] };
/** A `default` whose fallback is null. */
export const isNullDefault = (v: Val): v is Extract<Val, { k: "default" }> => v.k === "default" && isNullVal(v.fallback);
export const isNullVal = (v: Val): boolean => (v.k === "lit" && v.value === null) || (v.k === "call" && v.fn === "dyn" && v.args.length === 1 && v.args[0]!.k === "lit" && v.args[0]!.value === null);
const at = (path: Path): Val => ({ k: "path", path });
const varPath = (name: string, segs: Segment[] = []): Path => ({ root: { k: "var", name }, segs });
const call = (fn: CallFn, ...args: Val[]): Val => ({ k: "call", fn, args });
const boolOf = (p: Pred): Val => ({ k: "cond", test: p, then: lit(true), else: lit(false) });
export const notNull = (v: Val): Pred => ({ k: "cmp", lhs: v, op: "!=", rhs: NULL, ifAbsent: "error" });
const val = (v: Val, ty: Ty, err = false): JVal => ({ k: "val", v, ty, err });

/** A value that always fails evaluation (CEL `[][0]`): where Kyverno raises an error the model cannot name. */
export const ERROR_VAL: Val = { k: "let", name: "kyvernoError", value: { k: "list", items: [] }, body: at(varPath("kyvernoError", [{ k: "index", at: lit(0) }])) };

/**
 * Kyverno's NotFoundError ("Unknown key") where no absent path raises it (an omitempty request field, a function
 * applied to a missing key): fails evaluation like ERROR_VAL, but a lenient position (`lenient`) reads it as null.
 */
export const NOT_FOUND_VAL: Val = { k: "let", name: "kyvernoNotFound", value: { k: "list", items: [] }, body: at(varPath("kyvernoNotFound", [{ k: "index", at: lit(0) }])) };
const isNotFound = (v: Val): boolean => v.k === "let" && v.name === "kyvernoNotFound";

/** True when a value holds Kyverno's error value or an unswallowed NotFound (its evaluation may fail). */
export function hasErrorMarker(v: Val): boolean {
  const s = JSON.stringify(v);
  return s.includes('"name":"kyvernoError"') || s.includes('"name":"kyvernoNotFound"');
}

/** `kind` as runtime kind tests; a JSON number is int, uint or double in CEL. */
export function kindIs(v: Val, kind: keyof typeof K): Pred {
  const one = (k: ValueKind): Pred => ({ k: "kind", value: v, kind: k, ifAbsent: "error" });
  if (kind === "number") return { k: "or", of: [one("int"), one("double"), one("uint")] };
  return one(kind);
}

/**
 * The value with Kyverno's NotFound swallowed: absent → null. Paths read through `default(…, null)` (a `let`
 * reading a field of its bound value gets the default inside the binding, where the emitter can guard it).
 */
export function lenient(j: JVal): JVal {
  if (!j.err) return j;
  return { k: "val", v: nullIfAbsent(j.v), ty: withNull(j.ty), err: false };
}

function nullIfAbsent(v: Val): Val {
  if (isNotFound(v)) return DNULL;
  if (v === ERROR_VAL || (v.k === "let" && v.name === "kyvernoError")) return v; // a real error is never swallowed
  if (v.k === "let" && !v.ifAbsent) return { ...v, body: nullIfAbsent(v.body) };
  if (v.k === "cond") return { ...v, then: nullIfAbsent(v.then), else: nullIfAbsent(v.else) };
  if (v.k === "path" || v.k === "call" || v.k === "let" || v.k === "strcat" || v.k === "concat" || v.k === "list") return { k: "default", of: v, fallback: DNULL };
  return v;
}

/** A stream as a plain list value (one loop at most; the model has no flatten). */
export function listVal(l: JV, what = "list"): JVal {
  if (l.k === "val") return l;
  if (l.orElse) throw new LowerGap("kyverno.jmespath.nested-flatten", `${what}: \`a[].b[] || x\` as a value needs flatten()`);
  if (l.loops.length !== 1)
    throw new LowerGap("kyverno.jmespath.nested-flatten", `${what}: a list built by nested projections (a[].b[]) needs flatten(), which the model lacks`);
  const [loop] = l.loops as [Loop];
  let src: Val = loop.over;
  if (loop.keep) src = { k: "filter", list: src, v: loop.v, pred: loop.keep };
  const identity = l.elem.v.k === "path" && l.elem.v.path.root.k === "var" && l.elem.v.path.root.name === loop.v && l.elem.v.path.segs.length === 0;
  let out: Val = identity ? src : { k: "project", list: src, v: loop.v, body: l.elem.v };
  if (may(l.elem.ty, K.null)) {
    const x = `${loop.v}n`;
    out = { k: "filter", list: out, v: x, pred: notNull(at(varPath(x))) };
  }
  const ty = T.list({ ...l.elem.ty, m: l.elem.ty.m & ~K.null || l.elem.ty.m });
  return val(l.nullIf ? { k: "cond", test: l.nullIf, then: DNULL, else: out } : out, l.nullIf ? withNull(ty) : ty);
}

/**
 * length() of a stream of nested loops (`a[].b[]`, no flatten in CEL): the element count of each loop summed over the
 * loop around it (`a.map(x, size(x.b.filter(…))).sum()`). A null stream is a type error (length(null)); `s || d` is
 * d's length when the stream is null or empty.
 */
function streamLength(l: JList): JVal {
  const count = (i: number): Val => {
    const loop = l.loops[i]!;
    const last = i === l.loops.length - 1;
    const keepElem: Pred[] = [...(loop.keep ? [loop.keep] : []), ...(last && may(l.elem.ty, K.null) ? [notNull(l.elem.v)] : [])];
    const kept: Val = keepElem.length ? { k: "filter", list: loop.over, v: loop.v, pred: keepElem.length === 1 ? keepElem[0]! : { k: "and", of: keepElem } } : loop.over;
    if (last) return call("size", kept);
    return call("sum", { k: "project", list: kept, v: loop.v, body: count(i + 1) });
  };
  let n = count(0);
  if (l.orElse) {
    const d = l.orElse;
    if (!only(d.ty, K.list) && !only(d.ty, K.string) && !only(d.ty, K.map)) throw new LowerGap("kyverno.jmespath.function.length.type", "length() of `a[].b[] || d` with d not known to be a list, string or map");
    n = { k: "cond", test: { k: "cmp", lhs: n, op: ">", rhs: lit(0), ifAbsent: "error" }, then: n, else: call("size", d.v) };
  }
  return val(l.nullIf ? { k: "cond", test: l.nullIf, then: l.orElse ? call("size", l.orElse.v) : ERROR_VAL, else: n } : n, T.num);
}

/** `p` is `v == c` with c a non-null literal: it implies v != null. */
function equalsNonNull(p: Pred, v: Val): boolean {
  return p.k === "cmp" && p.op === "==" && p.as === undefined && p.rhs.k === "lit" && p.rhs.value !== null && JSON.stringify(p.lhs) === JSON.stringify(v);
}

const isBoolLit = (v: Val): boolean => v.k === "lit" && typeof v.value === "boolean";
const same = (a: Pred, b: Pred): boolean => JSON.stringify(a) === JSON.stringify(b);
/** `p` (a test of the element `v`) can only hold when `v` is not null: `v == <non-null literal>`, a `v` that is never
 *  null (`c ? true : false`), or `c ? x : null` tested as `c && P` with P implying x non-null (and symmetrically). */
function impliesNonNull(p: Pred, v: Val): boolean {
  if (equalsNonNull(p, v)) return true;
  if (v.k !== "cond") return false;
  if (isBoolLit(v.then) && isBoolLit(v.else)) return true;
  const nullThen = isNullVal(v.then);
  if (!nullThen && !isNullVal(v.else)) return false;
  const guard: Pred = nullThen ? { k: "not", of: v.test } : v.test;
  if (p.k !== "and" || p.of.length < 2 || !same(p.of[0]!, guard)) return false;
  const rest: Pred = p.of.length === 2 ? p.of[1]! : { k: "and", of: p.of.slice(1) };
  return impliesNonNull(rest, nullThen ? v.else : v.then);
}

/** `body` holds for some (q = any) / every (q = all) element of the stream or list value (not for a null list). */
export function quantify(l: JV, q: "any" | "all", body: (elem: JVal) => Pred, ctx: JmesCtx): Pred {
  if (l.k === "val") {
    const v = ctx.fresh("e");
    const elem = val(at(varPath(v)), elemTy(l.ty));
    return { k: "quant", q, over: l.v, v, body: body(elem), ifAbsent: "error" };
  }
  let inner = body(l.elem);
  if (may(l.elem.ty, K.null) && !(q === "any" && impliesNonNull(inner, l.elem.v))) {
    const nn = notNull(l.elem.v);
    inner = q === "any" ? { k: "and", of: [nn, inner] } : { k: "or", of: [{ k: "not", of: nn }, inner] };
  }
  for (let i = l.loops.length - 1; i >= 0; i--) {
    const loop = l.loops[i]!;
    const b: Pred = loop.keep ? (q === "any" ? { k: "and", of: [loop.keep, inner] } : { k: "or", of: [{ k: "not", of: loop.keep }, inner] }) : inner;
    inner = { k: "quant", q, over: loop.over, v: loop.v, body: b, ifAbsent: "error" };
  }
  return inner;
}

// ---------------------------------------------------------------------------------------------------------------
// Roots

type Cur = { k: "root" } | { k: "virtual"; names: string[] } | JV;

const REQ = (...names: string[]): Path => ({ root: { k: "request" }, segs: names.map((name) => ({ k: "field", name })) });

/**
 * Types every Kubernetes object has (ObjectMeta, TypeMeta): metadata.name/namespace/generateName/uid, labels and
 * annotations (string maps) and their values, apiVersion, kind. Other fields: the caller's `typeOf`.
 */
export function objectMetaType(p: Path, facts: ObjectFacts = NO_FACTS): Ty | undefined {
  const names = segNames(p);
  if (!names) return undefined;
  const [a, b, c] = names;
  if (names.length === 1 && (a === "apiVersion" || a === "kind")) return T.word;
  if (a !== "metadata") return undefined;
  if (names.length === 1) return T.map;
  if (names.length === 2 && b === "namespace") return T.word;
  if (names.length === 2 && (b === "name" || b === "generateName")) return facts.names ? T.word : T.str;
  if (names.length === 2 && (b === "uid" || b === "resourceVersion")) return T.str;
  if (names.length === 2 && (b === "labels" || b === "annotations")) return T.map;
  if (names.length === 3 && (b === "labels" || b === "annotations") && c !== undefined) return b === "labels" && facts.meta ? T.word : T.str;
  return undefined;
}

/** Field and key names of a path, or undefined when it indexes. */
function segNames(p: Path): string[] | undefined {
  const names = p.segs.map((s) => (s.k === "field" ? s.name : s.k === "key" ? s.key : undefined));
  return names.some((n) => n === undefined) ? undefined : (names as string[]);
}

/** keys() of the object's labels or annotations: validated keys (validated.ts) when the kinds allow. */
function metaKeysPlain(v: Val, facts: ObjectFacts): boolean {
  const of = v.k === "default" ? v.of : v;
  if (of.k !== "path" || of.path.root.k !== "object" || !facts.meta) return false;
  const names = segNames(of.path);
  return names?.length === 2 && names[0] === "metadata" && (names[1] === "labels" || names[1] === "annotations");
}

const typeOfPath = (p: Path, ctx: JmesCtx): Ty | undefined => {
  const t = ctx.scope.typeOf?.(p) ?? (p.root.k === "object" ? objectMetaType(p, ctx.facts) ?? schemaTyAt(p, ctx.facts.schema) : undefined);
  const inside = p.root.k === "object" && ctx.facts.builtin && p.segs.every((x) => x.k !== "field" || structField(x.name));
  const where = p.root.k === "object" && p.segs.length ? placeOf(p) : undefined;
  if (!t && !inside && !where) return undefined;
  return { ...(t ?? T.any), ...(inside ? { inBuiltin: true } : {}), ...(where ? { at: where } : {}) };
};

/** Field names and `[]` of an object path (undefined when it reads a key of a map). */
function placeOf(p: Path): string[] | undefined {
  const out: string[] = [];
  for (const s of p.segs) {
    if (s.k === "field") out.push(s.name);
    else if (s.k === "index" || s.k === "each") out.push("[]");
    else return undefined;
  }
  return out;
}

/** The schema at a place in the object. */
function schemaAt(root: Schema | undefined, at: readonly string[]): Schema | undefined {
  let s = root;
  for (const n of at) s = n === "[]" ? s?.elem : s?.fields?.[n];
  return s;
}

/** A context entry's type completed where the rule's kinds are known: its places in the object declare types. */
function placed(t: Ty, root: Schema | undefined): Ty {
  if (!root) return t;
  let out = t;
  const s = t.at ? schemaAt(root, t.at) : undefined;
  if (s?.string && may(t, K.string)) out = { ...out, m: t.m & (K.string | K.null), ...(s.word ? { noWild: true } : {}) };
  else if (s && !out.schema) out = { ...out, schema: s };
  if (t.elem) out = { ...out, elem: placed(t.elem, root) };
  return out;
}

/** The type a declared schema gives a value (undefined: nothing declared). */
function schemaTy(s: Schema | undefined): Ty | undefined {
  if (!s) return undefined;
  // a present field holds its declared kind (objects are decoded into the kind's Go structs)
  return s.string ? (s.word ? T.word : T.str) : { m: (s.fields ? K.map : s.elem ? K.list : ANY) | (s.nullable ? K.null : 0), schema: s };
}

const placeAt = (t: Ty, at: readonly string[] | undefined): Ty => (at ? { ...t, at } : t);

/** The declared type of an object path (fields and indexes from the root), when the schema declares it. */
function schemaTyAt(p: Path, root: Schema | undefined): Ty | undefined {
  let s = root;
  for (const seg of p.segs) s = seg.k === "field" ? s?.fields?.[seg.name] : seg.k === "index" || seg.k === "each" ? s?.elem : undefined;
  return schemaTy(s);
}

/** A field's type given its parent's: inside a built-in object it stays inside unless the field is free-form. */
function fieldTy(child: Ty | undefined, parent: Ty, name: string): Ty {
  const t = child ?? placeAt(schemaTy(parent.schema?.fields?.[name]) ?? T.any, parent.at && [...parent.at, name]);
  return parent.inBuiltin && structField(name) && !t.inBuiltin ? { ...t, inBuiltin: true } : t;
}

/** Element type of a list type (elements of a list inside a built-in object are inside it too). */
export function elemTy(t: Ty): Ty {
  const e = t.elem ?? placeAt(schemaTy(t.schema?.elem) ?? T.any, t.at && [...t.at, "[]"]);
  return t.inBuiltin && !e.inBuiltin ? { ...e, inBuiltin: true } : e;
}

function rootField(names: string[], ctx: JmesCtx): Cur {
  const [first, ...rest] = names;
  const s = ctx.scope;
  if (first === "request") {
    if (rest.length === 0) return { k: "virtual", names };
    const [second, ...more] = rest;
    if (second === "oldObject") return oldObjectField(more, ctx);
    if (second === "object") {
      if (s.deleteRequests) throw new LowerGap("kyverno.jmespath.delete-object", "request.object on DELETE is request.oldObject in Kyverno (not modelled)");
      const p: Path = { root: { k: "object" }, segs: more.map((name) => ({ k: "field", name })) };
      return val(at(p), typeOfPath(p, ctx) ?? (more.length === 0 ? T.map : T.any), true);
    }
    if (second === "operation" && more.length === 0) return val(at(REQ("operation")), T.operation);
    if (second === "namespace" || second === "name") {
      // omitempty in the AdmissionRequest: empty → the key is missing ("Unknown key" at the top of a {{ }})
      if (more.length) return val(lit(null), T.null);
      const p = at(REQ(second));
      const empty: Pred = { k: "cmp", lhs: p, op: "==", rhs: lit(""), ifAbsent: "error" };
      return val({ k: "cond", test: empty, then: NOT_FOUND_VAL, else: p }, second === "namespace" || ctx.facts.names ? T.word : T.str, true);
    }
    if (second === "userInfo") {
      if (more.length === 0) return { k: "virtual", names };
      if (more.length === 1 && more[0] === "username") return val(at(REQ("userInfo", "username")), T.str);
      if (more.length === 1 && more[0] === "groups") {
        // omitempty: no groups → the key is missing (also in the VAP's request: `has()` tells)
        const p = at(REQ("userInfo", "groups"));
        const some: Pred = { k: "and", of: [{ k: "present", path: REQ("userInfo", "groups") }, { k: "cmp", lhs: call("size", p), op: ">", rhs: lit(0), ifAbsent: "error" }] };
        return val({ k: "cond", test: some, then: p, else: NOT_FOUND_VAL }, T.list(T.str), true);
      }
    }
    if (second === "kind" && more.length <= 1 && (more.length === 0 || ["group", "version", "kind"].includes(more[0]!))) {
      if (more.length === 0) return { k: "virtual", names };
      return val(at(REQ("kind", more[0]!)), T.word);
    }
    throw new LowerGap(`kyverno.jmespath.request.${rest.join(".")}`, `request.${rest.join(".")} is not modelled`);
  }
  const el = elementScope(first!, s);
  if (el) {
    if (first!.startsWith("elementIndex")) {
      if (!el.index) throw new LowerGap("kyverno.jmespath.element-index", `${first} outside a foreach that binds it`);
      if (rest.length) return val(lit(null), T.null);
      return val(at(varPath(el.index)), T.num);
    }
    const p = varPath(el.element, rest.map((name) => ({ k: "field", name })));
    const inherited = rest.reduce((t, n) => fieldTy(undefined, t, n), el.ty ?? T.any);
    return val(at(p), rest.length === 0 ? inherited : (s.typeOf?.(p) ?? inherited), rest.length > 0);
  }
  // nothing in Kyverno's context is named "" (`x || ""` reads the field "", not a string): NotFound
  if (first === "") return val(NOT_FOUND_VAL, T.null, true);
  const found = s.resolve?.(first!);
  if (!found) throw new LowerGap(`kyverno.jmespath.variable`, `context variable ${first} is not available to the lowering`);
  const r: JV = found.k === "val" ? { ...found, ty: placed(found.ty, ctx.facts.schema) } : found;
  if (rest.length === 0) return r;
  let cur: Cur = r;
  for (const name of rest) cur = fieldOf(cur, name, ctx);
  return cur;
}

const OLD_OBJECT: Val = at({ root: { k: "oldObject" }, segs: [] });

/**
 * request.oldObject and fields of it: the old object on UPDATE and DELETE (the VAP's `oldObject`), null otherwise
 * (CREATE, CONNECT: the VAP's oldObject is null too). A field of null is null; a field missing from the old object is
 * NotFound. Typed as the object's fields (the same kind).
 */
function oldObjectField(names: string[], ctx: JmesCtx): JVal {
  if (names.length === 0) return val(OLD_OBJECT, { m: K.map | K.null });
  const segs: Segment[] = names.map((name) => ({ k: "field", name }));
  const ty = typeOfPath({ root: { k: "object" }, segs }, ctx) ?? T.any;
  const read: Val = { k: "cond", test: notNull(OLD_OBJECT), then: at({ root: { k: "oldObject" }, segs }), else: DNULL };
  return val(read, withNull(ty), true);
}

const isOldObjectRoot = (v: Val): boolean => v.k === "path" && v.path.root.k === "oldObject" && v.path.segs.length === 0;

function elementScope(name: string, s: JmesScope): ElementScope | undefined {
  const m = /^element(Index)?(\d*)$/.exec(name);
  if (!m) return undefined;
  if (m[2] === "") {
    if (!s.element) throw new LowerGap("kyverno.jmespath.element", `${name} outside a foreach`);
    return s.element;
  }
  const e = s.elements?.[Number(m[2])];
  if (!e) throw new LowerGap("kyverno.jmespath.element", `${name}: no foreach at depth ${m[2]}`);
  return e;
}

// ---------------------------------------------------------------------------------------------------------------
// Expressions

/** Leading chain of field names from the root (`request.object.spec` → [request, object, spec]) and the rest. */
function rootChain(n: JNode): string[] | undefined {
  if (n.t === "field") return [n.name];
  if (n.t === "sub" && n.right.t === "field") {
    const l = rootChain(n.left);
    return l ? [...l, n.right.name] : undefined;
  }
  return undefined;
}

function asJV(c: Cur, what: string): JV {
  if (c.k === "root") throw new LowerGap("kyverno.jmespath.root", `${what}: the whole Kyverno context (@ at the top) is not modelled`);
  if (c.k === "virtual") throw new LowerGap(`kyverno.jmespath.${c.names.join(".")}`, `${c.names.join(".")} as a whole value is not modelled`);
  return c;
}

function fieldOf(cur: Cur, name: string, ctx: JmesCtx): Cur {
  if (cur.k === "root") return rootField([name], ctx);
  if (cur.k === "virtual") return rootField([...cur.names, name], ctx);
  if (cur.k === "list") return val(NULL, T.null); // a field of a list is null
  const j = cur;
  if (!may(j.ty, K.map)) return val(NULL, T.null);
  const seg: Segment = { k: "field", name };
  if (isOldObjectRoot(j.v)) return oldObjectField([name], ctx);
  if (j.v.k === "path") {
    const p: Path = { root: j.v.path.root, segs: [...j.v.path.segs, seg] };
    return val(at(p), fieldTy(typeOfPath(p, ctx), j.ty, name), true);
  }
  if (isNullDefault(j.v) && j.v.of.k === "path") {
    // a field of a value that may be null: null stays null
    const p: Path = { root: j.v.of.path.root, segs: [...j.v.of.path.segs, seg] };
    return val({ k: "default", of: at(p), fallback: DNULL }, withNull(fieldTy(typeOfPath(p, ctx), j.ty, name)));
  }
  const t = ctx.fresh("t");
  if (may(j.ty, K.null)) {
    // a field of null is null (JMESPath); of a present map, a missing key is NotFound
    const body: Val = { k: "cond", test: notNull(at(varPath(t))), then: at(varPath(t, [seg])), else: DNULL };
    return val({ k: "let", name: t, value: j.v, body }, withNull(T.any), true);
  }
  return val({ k: "let", name: t, value: j.v, body: at(varPath(t, [seg])) }, T.any, true);
}

/**
 * A field whose name is known at run time (a nested variable's text in a quoted identifier): `m[key]`, NotFound when
 * the map lacks it, null on a value that is not a map. The value's type: what the caller's schema says of any key of
 * that map (`typeOf` of the path with a placeholder key), else unknown.
 */
function keyOf(cur: Cur, key: Val, ctx: JmesCtx): Cur {
  if (cur.k === "root" || cur.k === "virtual") throw new LowerGap("kyverno.variable.nested-name", "a nested variable naming a context variable or request field");
  if (cur.k === "list" || !may(cur.ty, K.map)) return val(NULL, T.null);
  const seg: Segment = { k: "index", at: key };
  const anyKey = (p: Path): Ty => ctx.scope.typeOf?.({ root: p.root, segs: [...p.segs, { k: "key", key: "x" }] }) ?? T.any;
  if (cur.v.k === "path" && !may(cur.ty, K.null)) {
    const p = cur.v.path;
    return val(at({ root: p.root, segs: [...p.segs, seg] }), anyKey(p), true);
  }
  const t = ctx.fresh("t");
  const read = at(varPath(t, [seg]));
  const body: Val = may(cur.ty, K.null) ? { k: "cond", test: notNull(at(varPath(t))), then: read, else: DNULL } : read;
  const ty = cur.v.k === "path" ? anyKey(cur.v.path) : T.any;
  return val({ k: "let", name: t, value: cur.v, body }, may(cur.ty, K.null) ? withNull(ty) : ty, true);
}

function indexOf(cur: JV, n: number, ctx: JmesCtx): JVal {
  const l = listVal(cur, `[${n}]`);
  if (!may(l.ty, K.list)) return val(NULL, T.null);
  if (n < 0) throw new LowerGap("kyverno.jmespath.negative-index", `[${n}]: negative indexes need list arithmetic`);
  const elemT = withNull(elemTy(l.ty));
  // out of range → null (never an error); a NotFound of the list itself still propagates
  if (l.v.k === "path") {
    const p: Path = { root: l.v.path.root, segs: [...l.v.path.segs, { k: "index", at: lit(n) }] };
    if (!l.err) return val({ k: "default", of: at(p), fallback: DNULL }, elemT);
  }
  const t = ctx.fresh("t");
  return val({ k: "let", name: t, value: l.v, body: { k: "default", of: at(varPath(t, [{ k: "index", at: lit(n) }])), fallback: DNULL } }, elemT, l.err);
}

/** Evaluate `n` against the current value `cur`. */
function tr(n: JNode, cur: Cur, ctx: JmesCtx): JV | Cur {
  switch (n.t) {
    case "field": {
      const key = ctx.splicedKeys.get(n.name);
      return key ? keyOf(cur, key, ctx) : fieldOf(cur, n.name, ctx);
    }
    case "current":
      return cur;
    case "literal":
      if (typeof n.value === "string" && ctx.spliced.has(n.value)) return ctx.spliced.get(n.value)!;
      return val(lit(n.value as Json), tyOfJson(n.value));
    case "sub": {
      // a chain of field names from the root (a name known only at run time is read step by step)
      const chain = cur.k === "root" ? rootChain(n) : undefined;
      if (chain && !chain.some((x) => ctx.splicedKeys.has(x))) return rootField(chain, ctx);
      const left = tr(n.left, cur, ctx);
      if (left.k === "root" || left.k === "virtual") return tr(n.right, left, ctx);
      if (left.k === "val" && left.v.k === "lit" && left.v.value === null) return left;
      if (left.k === "val" && left.err && left.v.k === "path" && n.right.t !== "field") return onPresent(left, left.v.path, n.right, ctx);
      return tr(n.right, left, ctx);
    }
    case "indexExpr": {
      const left = asJV(tr(n.left, cur, ctx), "index");
      if (n.right.t !== "index") throw new LowerGap("kyverno.jmespath.slice", "slices are not modelled");
      return indexOf(left, n.right.n, ctx);
    }
    case "index":
      return indexOf(asJV(cur, "index"), n.n, ctx);
    case "slice":
      throw new LowerGap("kyverno.jmespath.slice", "slices are not modelled");
    case "flatten":
      return flattenNode(n.of, cur, ctx);
    case "projection":
      return project(n.left.t === "flatten" ? flattenNode(n.left.of, cur, ctx) : tr(n.left, cur, ctx), n.right, ctx);
    case "values":
      throw new LowerGap("kyverno.jmespath.value-projection", "`.*` value projections (map values in Go map order) are not modelled");
    case "filter":
      return filterProject(tr(n.left, cur, ctx), n.cond, n.right, ctx);
    case "mlist": {
      // at the top the current value is Kyverno's whole context (a map, never null): the items read from it
      const c: Cur = cur.k === "root" ? cur : asJV(cur, "multi-select");
      const items = n.items.map((x) => lenient(listVal(asJV(tr(x, c, ctx), "multi-select item"))));
      // literals beside computed items: dyn() all (a CEL list literal must be homogeneous, `[x, '*']` with x dyn is not)
      const mixed = items.some((x) => x.v.k === "lit") && items.some((x) => x.v.k !== "lit");
      const list = val({ k: "list", items: items.map((x) => (mixed ? call("dyn", x.v) : x.v)) }, T.list(items.map((x) => x.ty).reduce(union)));
      return c.k === "root" ? list : nullWhenCurNull(c, list);
    }
    case "mhash":
      return multiSelectHash(n.entries, cur, ctx);
    case "or": {
      const left = asJV(tr(n.left, cur, ctx), "||");
      if (left.k === "list" && n.right.t === "literal" && Array.isArray(n.right.value) && n.right.value.length === 0) {
        // a stream or null, else []: null becomes [] (an empty list stays empty)
        const { nullIf: _n, nullOnlyAbsent: _a, ...rest } = left;
        return rest;
      }
      if (left.k === "list" && left.loops.length > 1) {
        const d = lenient(listVal(leniently(n.right, cur, ctx), "||"));
        if (left.orElse) throw new LowerGap("kyverno.jmespath.nested-flatten", "`a[].b[] || x || y`");
        return { ...left, orElse: d };
      }
      const a = lenient(listVal(left, "||"));
      const b = lenient(listVal(asJV(tr(n.right, cur, ctx), "||")));
      return orVal(a, b, ctx);
    }
    case "and": {
      const a = lenient(listVal(asJV(tr(n.left, cur, ctx), "&&")));
      const b = listVal(asJV(tr(n.right, cur, ctx), "&&"));
      // `a && b`: a when a is falsy, else b (b's NotFound is not swallowed)
      return val({ k: "cond", test: truthy(a, ctx), then: b.v, else: a.v }, union(a.ty, b.ty), b.err);
    }
    case "not": {
      const a = lenient(listVal(asJV(tr(n.of, cur, ctx), "!")));
      return val(boolOf({ k: "not", of: truthy(a, ctx) }), T.bool);
    }
    case "cmp":
      return val(boolOf(comparePred(n, cur, ctx)), T.bool);
    case "pipe": {
      const left = tr(n.left, cur, ctx);
      const l: Cur = left.k === "root" || left.k === "virtual" ? left : left.k === "val" ? lenient(left) : left;
      const right = tr(n.right, l, ctx);
      return right.k === "val" ? lenient(right) : right;
    }
    case "fn":
      return callFn(n.name, n.args, cur, ctx);
    case "expref":
      throw new LowerGap("kyverno.jmespath.expref", "expression references (&expr) are not modelled");
  }
}

/**
 * `left.right` where left is a path that may be missing (subexpression, interpreter.go): a NotFound of left is the
 * result (the right side is never evaluated), else the right side sees left as a present value.
 */
function onPresent(left: JVal, p: Path, right: JNode, ctx: JmesCtx): JV | Cur {
  const r = tr(right, { ...left, err: false }, ctx);
  if (r.k !== "val") return tr(right, left, ctx);
  return val({ k: "cond", test: { k: "present", path: p }, then: r.v, else: NOT_FOUND_VAL }, r.ty, true);
}

/**
 * `{k: expr, …}` (go-jmespath ASTMultiSelectHash): a map of the static keys, each value evaluated against the current
 * value (NotFound read as null); null when the current value is null. Values of several kinds are dyn() (a CEL map
 * literal's values must agree in type).
 */
function multiSelectHash(entries: [string, JNode][], cur: Cur, ctx: JmesCtx): JVal {
  const c: Cur = cur.k === "root" ? cur : asJV(cur, "multi-select hash");
  const items = entries.map(([k, x]): [string, JVal] => [k, lenient(listVal(asJV(tr(x, c, ctx), "multi-select hash value")))]);
  const kinds = new Set(items.map(([, x]) => (x.v.k === "lit" ? typeof x.v.value : "computed")));
  const mixed = items.length > 1 && (kinds.size > 1 || kinds.has("computed"));
  const map = val({ k: "map", entries: items.map(([k, x]) => [k, mixed ? call("dyn", x.v) : x.v]) }, T.map);
  return c.k === "root" ? map : nullWhenCurNull(c, map);
}

/** A map built by merge() at the top of a variable: `base` with static-keyed entries laid over it (later wins). */
export interface MergedMap {
  base: JVal;
  over: [string, JVal][];
}

/**
 * `{{ merge(a, {k: v}, …) }}` or `{{ x | merge(@, {k: v}, …) }}` (go-jmespath jpfMerge: every argument a map, else a
 * type error; later keys win): the first argument any map, the others multi-select hashes or literal maps (their keys
 * known statically). Only as a whole condition key or value, compared with Equals / NotEquals (conditions.ts); any
 * other merge() is a gap. Undefined when the string is not such a variable.
 */
export function lowerMergedVariable(s: string, ctx: JmesCtx): MergedMap | undefined {
  const whole = /^\{\{([\s\S]*)\}\}$/.exec(s);
  if (!whole || [...s.matchAll(VAR_RE)].length !== 1 || /\{\{/.test(whole[1]!)) return undefined;
  let ast: JNode;
  try {
    ast = parseJmes(whole[1]!.trim());
  } catch {
    return undefined;
  }
  const pipe = ast.t === "pipe" && ast.right.t === "fn" && ast.right.name === "merge";
  const fn = pipe ? (ast as Extract<JNode, { t: "pipe" }>).right : ast;
  if (fn.t !== "fn" || fn.name !== "merge") return undefined;
  ctx.stats.functions["merge"] = (ctx.stats.functions["merge"] ?? 0) + 1;
  if (!fn.args.length) throw new LowerGap("kyverno.jmespath.function.merge.arity", "merge() needs arguments");
  const cur: Cur = pipe ? pipedValue(tr((ast as Extract<JNode, { t: "pipe" }>).left, { k: "root" }, ctx)) : { k: "root" };
  const [first, ...rest] = fn.args.map((a) => lenient(listVal(leniently(a, cur, ctx), "merge()")));
  const over = new Map<string, JVal>();
  for (const m of rest) {
    const entries = staticEntries(m!);
    if (!entries) throw new LowerGap("kyverno.jmespath.function.merge.dynamic", "merge() of a computed map after the first argument (its keys are only known at run time)");
    for (const [k, v] of entries) over.set(k, v);
  }
  // a multi-select hash over a null current value is null: merge()'s type error
  const hashOnNull = cur.k === "val" && may(cur.ty, K.null) && rest.some((m) => m!.v.k === "cond");
  const checks: Pred[] = [...(only(first!.ty, K.map) ? [] : [kindIs(first!.v, "map")]), ...(hashOnNull ? [notNull((cur as JVal).v)] : [])];
  const base: JVal = checks.length ? { ...first!, v: { k: "cond", test: checks.length === 1 ? checks[0]! : { k: "and", of: checks }, then: first!.v, else: ERROR_VAL }, ty: T.map } : first!;
  return { base, over: [...over] };
}

/** The left of a pipe as the current value of its right side (NotFound read as null). */
function pipedValue(left: JV | Cur): Cur {
  return left.k === "val" ? lenient(left) : left;
}

/** The entries of a map whose keys are known statically: a multi-select hash (possibly null on a null current
 *  value: no entries) or a literal map. */
function staticEntries(m: JVal): [string, JVal][] | undefined {
  const v = m.v.k === "cond" && isNullVal(m.v.else) ? m.v.then : m.v;
  if (v.k === "map") return v.entries.map(([k, x]) => [k, val(x.k === "call" && x.fn === "dyn" ? x.args[0]! : x, T.any)]);
  if (v.k === "lit" && v.value !== null && typeof v.value === "object" && !Array.isArray(v.value) && !("double" in v.value))
    return Object.entries(v.value as Record<string, Json>).map(([k, x]) => [k, val(lit(x), tyOfJson(x))]);
  return undefined;
}

/** A list literal (a multi-select), possibly behind the conditionals that make it null or NotFound. */
function builtList(v: Val): boolean {
  if (v.k === "list") return true;
  if (v.k === "cond") return builtList(v.then) || builtList(v.else);
  return v.k === "default" && builtList(v.of);
}

/** A filter over one plain list (`a[?c]`): a single loop whose elements are the list's own. */
function filteredField(l: JList): boolean {
  const [loop] = l.loops;
  const e = l.elem.v;
  const field = loop!.over.k === "path" || (loop!.over.k === "default" && loop!.over.of.k === "path");
  return l.loops.length === 1 && !!loop!.keep && field && e.k === "path" && e.path.root.k === "var" && e.path.root.name === loop!.v && e.path.segs.length === 0;
}

/** `of[]`; `a[].b[?c][]`, `a[].b[*][]`: the inner projections' lists spliced into one stream. */
function flattenNode(of: JNode, cur: Cur, ctx: JmesCtx): JV | Cur {
  if (of.t === "projection") return project(of.left.t === "flatten" ? flattenNode(of.left.of, cur, ctx) : tr(of.left, cur, ctx), of.right, ctx, true);
  return flatten(tr(of, cur, ctx), ctx);
}

/** A multi-select on a null current value is null. */
function nullWhenCurNull(cur: JV, out: JVal): JVal {
  if (cur.k === "val" && may(cur.ty, K.null)) return val({ k: "cond", test: notNull(cur.v), then: out.v, else: DNULL }, withNull(out.ty));
  return out;
}

/** Evaluate in a lenient position (a NotFound becomes null). */
function leniently(n: JNode, cur: Cur, ctx: JmesCtx): JV {
  const r = asJV(tr(n, cur, ctx), "expression");
  return r.k === "val" ? lenient(r) : r;
}

/** `left` as the subject of a projection: a stream over its elements, null when it is not a list. */
function streamOf(left: JV | Cur, ctx: JmesCtx): JList | JVal {
  const l = asJV(left, "projection");
  if (l.k === "list") return l;
  const j = lenient(l);
  if (!may(j.ty, K.list)) return val(NULL, T.null);
  const v = ctx.fresh("v");
  const elem = val(at(varPath(v)), elemTy(j.ty));
  if (!may(j.ty, K.null)) return { k: "list", loops: [{ v, over: j.v }], elem };
  // null (absent) → the projection is null; present → a list (schema-typed objects)
  const over = orEmpty(j.v);
  const declared = j.ty.schema?.elem !== undefined && !j.ty.schema.nullable && over.k === "default" && j.v.k === "default";
  return { k: "list", loops: [{ v, over }], elem, nullIf: { k: "not", of: notNull(j.v) }, ...(declared ? { nullOnlyAbsent: true } : {}) };
}

/** A stream's null test (and what it means), carried to a stream built on it. */
const nullOf = (s: JList): Pick<JList, "nullIf" | "nullOnlyAbsent"> => (s.nullIf ? { nullIf: s.nullIf, ...(s.nullOnlyAbsent ? { nullOnlyAbsent: true } : {}) } : {});

/** A null-able list value read as `[]` when null (for loops). */
function orEmpty(v: Val): Val {
  if (v.k === "default" && isNullVal(v.fallback)) return { ...v, fallback: lit([]) };
  if (v.k === "cond" && isNullVal(v.then)) return { ...v, then: lit([]) };
  if (v.k === "cond" && isNullVal(v.else)) return { ...v, else: lit([]) };
  return { k: "default", of: v, fallback: lit([]) };
}

function flatten(of: JV | Cur, ctx: JmesCtx): JList | JVal {
  const s = streamOf(of, ctx);
  if (s.k === "val") return s;
  let et = s.elem.ty;
  // elements of unknown kind: a plain list field flattened (`containers[]`) holds objects (kept as they are); the
  // results of a projection (`a[].b[]`) or a multi-select (`spec.[a, b][]`) are the lists being flattened
  // (a filter `a[?c][]` keeps a plain list field's elements: objects too)
  const spliced = (of.k === "list" && !filteredField(of)) || (of.k === "val" && builtList(of.v));
  const inside = { ...(et.inBuiltin ? { inBuiltin: true } : {}), ...(et.at ? { at: et.at } : {}), ...(et.schema ? { schema: et.schema } : {}) };
  if (et.m === ANY || et.m === (ANY & ~K.null)) et = spliced ? { m: K.list | (et.m & K.null), ...inside } : { m: et.m & ~K.list, ...inside };
  if (!may(et, K.list)) return s.elem.ty === et ? s : { ...s, elem: { ...s.elem, ty: et } }; // maps and scalars are kept
  // elements that are lists are spliced (null elements are dropped by the projection around the flatten)
  if (et.m & ~(K.list | K.null)) throw new LowerGap("kyverno.jmespath.flatten-mixed", "flatten of elements that may be lists or scalars");
  const v = ctx.fresh("v");
  const elem = val(at(varPath(v)), elemTy(s.elem.ty.inBuiltin ? { ...et, inBuiltin: true } : et));
  // null elements (a missing item of a multi-select) contribute nothing
  const over: Val = s.elem.v.k === "path" && s.elem.v.path.segs.length === 0 && may(s.elem.ty, K.null) ? { k: "cond", test: notNull(s.elem.v), then: s.elem.v, else: lit([]) } : orEmpty(s.elem.v);
  const inner: Loop = { v, over };
  return { k: "list", loops: [...s.loops, inner], elem, ...nullOf(s) };
}

/**
 * `left[*].right` as a stream; `splice` (a flatten right after): a right side that is itself a projection has its
 * lists spliced, i.e. its loops nested inside (a null inner list contributes nothing); else flatten() sees the result.
 */
function project(left: JV | Cur, right: JNode, ctx: JmesCtx, splice = false): JV {
  const s = streamOf(left, ctx);
  if (s.k === "val") return s;
  if (right.t === "current") return splice ? flatten(s, ctx) : s;
  const r = leniently(right, s.elem, ctx);
  if (r.k === "list" && splice && !r.orElse) return { k: "list", loops: [...s.loops, ...r.loops], elem: r.elem, ...nullOf(s) };
  if (splice) return flatten({ k: "list", loops: s.loops, elem: asVal(r), ...nullOf(s) }, ctx);
  if (r.k === "list") {
    // a projection inside a projection: [[…], …] (nested lists), kept only when the caller flattens
    if (r.nullIf) throw new LowerGap("kyverno.jmespath.nested-projection", "a projection of projections whose inner lists may be null");
    throw new LowerGap("kyverno.jmespath.nested-projection", "a projection of projections (nested lists) is not modelled; flatten it with []");
  }
  return { k: "list", loops: s.loops, elem: r, ...nullOf(s) };
}

function asVal(r: JV): JVal {
  if (r.k === "val") return r;
  if (r.nullIf) throw new LowerGap("kyverno.jmespath.nested-projection", "a projection of projections whose inner lists may be null");
  throw new LowerGap("kyverno.jmespath.nested-projection", "a projection of projections (nested lists) is not modelled; flatten it with []");
}

function filterProject(left: JV | Cur, cond: JNode, right: JNode, ctx: JmesCtx): JV {
  const s = streamOf(left, ctx);
  if (s.k === "val") return s;
  const c = leniently(cond, s.elem, ctx);
  const keep = truthy(listVal(c, "filter condition"), ctx);
  const last = s.loops[s.loops.length - 1]!;
  // the condition reads the innermost element
  const loops = [...s.loops.slice(0, -1), { ...last, keep: last.keep ? { k: "and", of: [last.keep, keep] } as Pred : keep }];
  const base: JList = { k: "list", loops, elem: s.elem, ...nullOf(s) };
  if (right.t === "current") return base;
  return project(base, right, ctx);
}

/** JMESPath falsiness as equalities (CEL's heterogeneous equality never errors): null, false, "", [], {}. */
function falsy(v: Val, t: Ty): Pred {
  const eq = (x: Json): Pred => ({ k: "cmp", lhs: v, op: "==", rhs: lit(x), ifAbsent: "error" });
  const parts: Pred[] = [];
  if (may(t, K.null)) parts.push(eq(null));
  if (may(t, K.bool)) parts.push(eq(false));
  // an enum of non-empty strings (request.operation: always set at admission) is never ""
  if (may(t, K.string) && !(t.oneOf && !t.oneOf.includes(""))) parts.push(eq(""));
  if (may(t, K.list)) parts.push(eq([]));
  if (may(t, K.map)) parts.push(eq({}));
  return parts.length === 0 ? { k: "const", value: false } : parts.length === 1 ? parts[0]! : { k: "or", of: parts };
}

/** JMESPath truthiness: false, null, "", [], {} are false; everything else true. */
export function truthy(j: JVal, _ctx: JmesCtx): Pred {
  const t = j.ty;
  // a bool or null (`contains` of a missing field, …): null is falsy as false is, and null == true is false
  if (t.m === K.bool || t.m === (K.bool | K.null)) return { k: "cmp", lhs: j.v, op: "==", rhs: lit(true), ifAbsent: "error" };
  const f = falsy(j.v, t);
  return f.k === "const" ? { k: "const", value: !f.value } : { k: "not", of: f };
}

function orVal(a: JVal, b: JVal, ctx: JmesCtx): JVal {
  // `a || b` = a when a is truthy, else b. Null/absent a (the idiom `x || ''`) is a model default.
  const ta = a.ty;
  if (a.v.k === "lit") return truthyLit(a.v.value) ? a : b;
  if (isNullDefault(a.v)) {
    const of = a.v.of;
    const presentTy: Ty = { ...ta, m: ta.m & ~K.null };
    // values that are never falsy once present: the default is exact
    const neverFalsy = (presentTy.m & (K.bool | K.string | K.list | K.map)) === 0 && presentTy.m !== 0;
    if (neverFalsy) return val({ k: "default", of, fallback: b.v }, union(presentTy, b.ty));
    if (of.k !== "path") throw new LowerGap("kyverno.jmespath.or-computed", "`x || d` where x is a computed value that may be falsy");
    // present and truthy → x; absent or falsy ("", [], {}, false, null) → d
    return val({ k: "cond", test: { k: "present", path: of.path }, then: { k: "cond", test: falsy(of, ta), then: b.v, else: of }, else: b.v }, union(presentTy, b.ty));
  }
  return val({ k: "cond", test: truthy(a, ctx), then: a.v, else: b.v }, union({ ...ta, m: ta.m & ~K.null || ta.m }, b.ty));
}

function truthyLit(v: Json): boolean {
  if (v === null || v === false || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v).length > 0;
  return true;
}

/** JMESPath comparison `a op b` (go-jmespath: == / != deep equality of any values; ordering numbers only, else null). */
function comparePred(n: Extract<JNode, { t: "cmp" }>, cur: Cur, ctx: JmesCtx): Pred {
  const a = lenient(listVal(leniently(n.left, cur, ctx), "comparison"));
  const b = lenient(listVal(leniently(n.right, cur, ctx), "comparison"));
  if (n.op === "==" || n.op === "!=") return { k: "cmp", lhs: a.v, op: n.op, rhs: b.v, ifAbsent: "error" };
  if (!only(a.ty, K.number) || !only(b.ty, K.number))
    throw new LowerGap("kyverno.jmespath.ordering", `ordering comparison ${n.op} of values not known to be numbers (null otherwise)`);
  return { k: "cmp", lhs: a.v, op: n.op, rhs: b.v, as: "number", ifAbsent: "error" };
}

// ---------------------------------------------------------------------------------------------------------------
// Functions

function argVals(args: JNode[], cur: Cur, ctx: JmesCtx): JV[] {
  return args.map((a) => leniently(a, cur, ctx));
}

function need(j: JVal, kind: number, fn: string, what = "argument"): void {
  if (j.ty.m & ~(kind | K.null)) {
    if (j.ty.m === ANY) return; // schema-typed: assumed (a wrong kind errors in CEL as in Kyverno)
    if (!may(j.ty, kind)) throw new LowerGap(`kyverno.jmespath.function.${fn}.type`, `${fn}(): ${what} cannot have the required type`);
  }
}

function callFn(name: string, argNodes: JNode[], cur: Cur, ctx: JmesCtx): JV {
  ctx.stats.functions[name] = (ctx.stats.functions[name] ?? 0) + 1;
  if (name === "contains") return containsCall(argNodes, cur, ctx);
  const args = argVals(argNodes, cur, ctx);
  const arity = (n: number): void => {
    if (args.length !== n) throw new LowerGap(`kyverno.jmespath.function.${name}.arity`, `${name}() takes ${n} arguments, got ${args.length}`);
  };
  const one = (i: number): JVal => lenient(listVal(args[i]!, `${name}()`));
  switch (name) {
    case "length": {
      arity(1);
      const a = args[0]!;
      if (a.k === "list" && a.loops.length > 1) return streamLength(a);
      const j = one(0);
      return val(call("size", j.v), T.num, false);
    }
    case "keys":
    case "values": {
      arity(1);
      const j = one(0);
      need(j, K.map, name);
      const of = j.v.k === "default" ? j.v.of : j.v;
      const valueTy = of.k === "path" && of.path.root.k === "object" ? objectMetaType({ ...of.path, segs: [...of.path.segs, { k: "key", key: "x" }] }, ctx.facts) : undefined;
      if (name === "values") return val(call(name, j.v), T.list(valueTy ?? T.any));
      // keys of a struct inside a built-in object are field names; of labels/annotations, validated keys
      return val(call(name, j.v), T.list(j.ty.inBuiltin || metaKeysPlain(j.v, ctx.facts) ? T.word : T.str));
    }
    case "to_upper":
    case "to_lower": {
      arity(1);
      const j = one(0);
      need(j, K.string, name);
      return val(call(name === "to_upper" ? "upper" : "lower", j.v), T.str);
    }
    case "starts_with":
    case "ends_with": {
      arity(2);
      const [s, p] = [one(0), one(1)];
      need(s, K.string, name);
      need(p, K.string, name);
      return val(boolOf({ k: "truthy", value: call(name === "starts_with" ? "startsWith" : "endsWith", s.v, p.v), ifAbsent: "error" }), T.bool);
    }
    case "split": {
      arity(2);
      const [s, sep] = [one(0), one(1)];
      need(s, K.string, name);
      need(sep, K.string, name);
      if (sep.v.k === "lit" && sep.v.value === "") throw new LowerGap("kyverno.jmespath.function.split.empty", "split(s, '') splits into UTF-8 sequences in Go");
      return val(call("split", s.v, sep.v), T.list(T.str));
    }
    case "join": {
      arity(2);
      const [sep, l] = [one(0), listVal(args[1]!, "join()")];
      need(sep, K.string, name);
      const lj = lenient(l);
      if (lj.ty.elem && !only(lj.ty.elem, K.string)) throw new LowerGap("kyverno.jmespath.function.join.type", "join() of elements not known to be strings");
      return val(call("join", lj.v, sep.v), T.str);
    }
    case "regex_match": {
      arity(2);
      const [re, s] = [one(0), one(1)];
      need(re, K.string, name);
      if (re.v.k !== "lit" || typeof re.v.value !== "string") throw new LowerGap("kyverno.jmespath.function.regex_match.dynamic", "regex_match() with a computed regular expression");
      checkRe2(re.v.value);
      // regex_match(re, string|number): a number is formatted by Go's %v
      let subject: Val = s.v;
      if ((s.ty.m & ~K.null) === K.number) subject = call("string", call("double", s.v));
      else if (!may(s.ty, K.string)) throw new LowerGap("kyverno.jmespath.function.regex_match.type", "regex_match() of a value that cannot be a string or a number");
      // otherwise a string (schema-typed: a number there would be formatted with %v by Kyverno)
      return val(boolOf({ k: "match", value: subject, pattern: { k: "regex", re: re.v.value }, ifAbsent: "error" }), T.bool);
    }
    case "label_match": {
      arity(2);
      const [sel, labels] = [one(0), one(1)];
      need(sel, K.map, name);
      need(labels, K.map, name);
      // every selector entry must be present in labels with the same value (labels.SelectorFromSet)
      if (sel.v.k !== "lit" || sel.v.value === null || typeof sel.v.value !== "object" || Array.isArray(sel.v.value))
        throw new LowerGap("kyverno.jmespath.function.label_match.dynamic", "label_match() with a computed selector");
      const entries = Object.entries(sel.v.value as Record<string, Json>);
      const ps: Pred[] = entries.map(([k, v]): Pred => {
        const got: Val = { k: "default", of: { k: "let", name: "lm", value: labels.v, body: at(varPath("lm", [{ k: "key", key: k }])) }, fallback: DNULL };
        return { k: "cmp", lhs: got, op: "==", rhs: lit(v), ifAbsent: "error" };
      });
      return val(boolOf({ k: "and", of: [notNull(labels.v), ...ps] }), T.bool);
    }
    case "to_string": {
      arity(1);
      const j = one(0);
      if (only(j.ty, K.string)) return j;
      if (only(j.ty, K.bool)) return val(call("string", j.v), T.str);
      if (!may(j.ty, K.string | K.bool | K.number | K.null))
        throw new LowerGap("kyverno.jmespath.function.to_string", `to_string() of a value that may be ${kindsText(j.ty)} (JSON encoding of a document)`);
      return val(jsonTextByKind(j.v, j.ty, ctx), T.str);
    }
    case "divide":
      arity(2);
      return divide(one(0), one(1));
    case "to_number": {
      arity(1);
      const j = one(0);
      if (only(j.ty, K.number)) return j;
      if (j.v.k === "lit" && typeof j.v.value === "string") {
        const f = Number(j.v.value);
        return val(lit(/^\s*$/.test(j.v.value) || !Number.isFinite(f) ? null : f), Number.isFinite(f) ? T.num : T.null);
      }
      return toNumber(j, ctx);
    }
    case "max":
    case "min":
      arity(1);
      return extremum(one(0), name, ctx);
    case "regex_replace_all":
    case "regex_replace_all_literal":
      arity(3);
      return regexReplaceAll(one(0), one(1), one(2), name, ctx);
    case "to_array": {
      arity(1);
      const a = args[0]!;
      if (a.k === "list") return a.nullIf ? listVal(a) : a;
      const j = one(0);
      if (only(j.ty, K.list)) return j;
      throw new LowerGap("kyverno.jmespath.function.to_array", "to_array() of a value that may not be a list");
    }
    case "not_null": {
      if (args.length === 0) throw new LowerGap("kyverno.jmespath.function.not_null.arity", "not_null() needs arguments");
      const js = args.map((_, i) => one(i));
      let out: Val = NULL;
      let ty: Ty = T.null;
      for (let i = js.length - 1; i >= 0; i--) {
        const j = js[i]!;
        out = may(j.ty, K.null) ? { k: "cond", test: notNull(j.v), then: j.v, else: out } : j.v;
        ty = may(j.ty, K.null) ? union({ ...j.ty, m: j.ty.m & ~K.null }, ty) : j.ty;
      }
      return val(out, ty);
    }
    case "sort": {
      arity(1);
      const a = args[0]!;
      if (a.k === "list" && a.loops.length > 1 && !a.orElse) return sortedStream(a, ctx);
      const l = lenient(listVal(a, "sort()"));
      const et = l.ty.elem ?? T.any;
      if (only(et, K.string) || only(et, K.number)) return val(call("sort", l.v), l.ty);
      if (!may(et, K.string) && !may(et, K.number)) throw new LowerGap("kyverno.jmespath.function.sort.type", `sort() of elements that may be ${kindsText(et)} (a type error)`);
      // elements of unknown kinds: all strings or all numbers at run time, else Kyverno's type error
      const all = (kind: "string" | "number"): Pred => {
        const e = ctx.fresh("e");
        return { k: "quant", q: "all", over: l.v, v: e, body: kindIs(at(varPath(e)), kind), ifAbsent: "error" };
      };
      return val({ k: "cond", test: { k: "or", of: [all("string"), all("number")] }, then: call("sort", l.v), else: ERROR_VAL }, l.ty);
    }
    default:
      throw new LowerGap(`kyverno.jmespath.function.${name}`, `JMESPath function ${name}() has no equivalent in the model`);
  }
}

/**
 * divide(a, b) (Kyverno arithmetic.go): numbers → a / b; strings → each a quantity (resource.ParseQuantity) or else a
 * duration: quantity / quantity → AsApproximateFloat64 quotient; a zero divisor, mixed kinds and invalid operands are
 * errors. Duration / duration (seconds quotient) is not modelled: an evaluation error here (stricter).
 */
function divide(a: JVal, b: JVal): JVal {
  const zero = (x: Val): Pred => ({ k: "cmp", lhs: x, op: "==", rhs: lit({ double: 0 }), as: "number", ifAbsent: "error" });
  // a null operand (a missing field) is Kyverno's invalid operand: double() / isQuantity() of null errs likewise
  const is = (j: JVal, kind: number): boolean => (j.ty.m & ~K.null) === kind;
  if (is(a, K.number) && is(b, K.number)) {
    const [x, y] = [call("double", a.v), call("double", b.v)];
    return val({ k: "cond", test: zero(y), then: ERROR_VAL, else: call("divide", x, y) }, T.num);
  }
  if (!is(a, K.string) || !is(b, K.string)) throw new LowerGap("kyverno.jmespath.function.divide.type", "divide() of operands not known to be both numbers or both strings");
  const isQ = (x: Val): Pred => ({ k: "truthy", value: call("isQuantity", x), ifAbsent: "error" });
  const [x, y] = [call("approxFloat", a.v), call("approxFloat", b.v)];
  const quotient: Val = { k: "cond", test: zero(y), then: ERROR_VAL, else: call("divide", x, y) };
  return val({ k: "cond", test: { k: "and", of: [isQ(a.v), isQ(b.v)] }, then: quotient, else: ERROR_VAL }, T.num);
}

/** Decimal strings strconv.ParseFloat turns into a finite double (≤ 200 integer digits, exponent ≤ 99: no overflow). */
export const FINITE_DECIMAL_RE = "^[+-]?([0-9]{1,200}(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]{1,2})?$";
/** Every string strconv.ParseFloat may accept (a superset of its grammar: decimal and hexadecimal digits with `_`
 *  separators and exponents, Inf, Infinity, NaN); a string outside it is certainly not a number. */
export const MAYBE_FLOAT_RE = "^[+-]?(0[xX][0-9a-fA-F_.]*([pP][+-]?[0-9_]*)?|[0-9_.]+([eE][+-]?[0-9_]*)?|[iI][nN][fF]([iI][nN][iI][tT][yY])?|[nN][aA][nN])$";

/**
 * to_number(x) of a computed value (go-jmespath jpfToNumber): a number is itself; a string is strconv.ParseFloat's
 * value, null when it does not parse (or overflows); null, bools, lists and maps → null. A string ParseFloat may
 * accept beyond plain finite decimals (hexadecimal floats, `_` separators, Inf, NaN, huge exponents) is not modelled:
 * an evaluation error here (stricter).
 */
function toNumber(j: JVal, ctx: JmesCtx): JVal {
  const fromString = (x: Val): Val => {
    const decimal: Pred = { k: "match", value: x, pattern: { k: "regex", re: FINITE_DECIMAL_RE }, ifAbsent: "error" };
    const maybe: Pred = { k: "match", value: x, pattern: { k: "regex", re: MAYBE_FLOAT_RE }, ifAbsent: "error" };
    return { k: "cond", test: decimal, then: call("double", x), else: { k: "cond", test: maybe, then: ERROR_VAL, else: DNULL } };
  };
  const kinds = j.ty.m & ~K.null;
  const out = bindOnce(j.v, ctx, (x) => {
    if (kinds === K.string) return may(j.ty, K.null) ? { k: "cond", test: notNull(x), then: fromString(x), else: DNULL } : fromString(x);
    if (!may(j.ty, K.string | K.number)) return DNULL;
    // unknown kind: dispatch at run time
    const str: Val = { k: "cond", test: kindIs(x, "string"), then: fromString(x), else: DNULL };
    return may(j.ty, K.number) ? { k: "cond", test: kindIs(x, "number"), then: x, else: str } : str;
  });
  return val(out, withNull(T.num));
}

/**
 * max(list) / min(list) (go-jmespath jpfMax/jpfMin): a list of numbers or a list of strings (an empty list is both:
 * null), anything else a type error; the first element no other exceeds (resp. undercuts). Elements of unknown kinds
 * are checked at run time.
 */
function extremum(j: JVal, fn: "max" | "min", ctx: JmesCtx): JVal {
  if (!may(j.ty, K.list)) throw new LowerGap(`kyverno.jmespath.function.${fn}.type`, `${fn}() of a value that cannot be a list (a type error)`);
  const et = elemTy(j.ty);
  if (!may(et, K.number | K.string)) throw new LowerGap(`kyverno.jmespath.function.${fn}.type`, `${fn}() of elements that may be ${kindsText(et)} (a type error)`);
  const op = fn === "max" ? "<=" : ">=";
  const out = bindOnce(j.v, ctx, (l) => {
    const every = (kind: "number" | "string"): Pred => {
      const e = ctx.fresh("e");
      return { k: "quant", q: "all", over: l, v: e, body: kindIs(at(varPath(e)), kind), ifAbsent: "error" };
    };
    const best = (as: "number" | "string"): Val => {
      const [x, y, t] = [ctx.fresh("x"), ctx.fresh("y"), ctx.fresh("t")];
      const unbeaten: Pred = { k: "quant", q: "all", over: l, v: y, body: { k: "cmp", lhs: at(varPath(y)), op, rhs: at(varPath(x)), as, ifAbsent: "error" }, ifAbsent: "error" };
      const first: Val = { k: "let", name: t, value: { k: "filter", list: l, v: x, pred: unbeaten }, body: at(varPath(t, [{ k: "index", at: lit(0) }])) };
      return { k: "cond", test: { k: "cmp", lhs: call("size", l), op: "==", rhs: lit(0), ifAbsent: "error" }, then: DNULL, else: first };
    };
    let body: Val;
    if (only(et, K.number)) body = best("number");
    else if (only(et, K.string)) body = best("string");
    else body = { k: "cond", test: every("number"), then: best("number"), else: { k: "cond", test: every("string"), then: best("string"), else: ERROR_VAL } };
    return only(j.ty, K.list) ? body : { k: "cond", test: kindIs(l, "list"), then: body, else: ERROR_VAL };
  });
  const ty = only(et, K.number) ? T.num : only(et, K.string) ? T.str : { m: K.number | K.string };
  return val(out, withNull(ty));
}

/**
 * regex_replace_all(re, src, repl) / regex_replace_all_literal (Kyverno functions.go: Go regexp ReplaceAll over the
 * source as a string): modelled for a pattern `<literal>.*` (a literal without metacharacters or line breaks) and a
 * literal replacement (without `$` for regex_replace_all, where it would expand groups). Go's `.` stops at a line
 * break, so each line is cut at its first occurrence of the literal, the replacement appended. The source is a
 * string, or a number formatted as Kyverno's ifaceToString does (`numberText`); other kinds are Kyverno's type error.
 */
function regexReplaceAll(re: JVal, src: JVal, repl: JVal, fn: string, ctx: JmesCtx): JVal {
  const literal = (j: JVal): string | undefined => (j.v.k === "lit" && typeof j.v.value === "string" ? j.v.value : undefined);
  const [pattern, replacement] = [literal(re), literal(repl)];
  const cut = pattern !== undefined ? /^([^\\.+*?()|[\]{}^$\n]+)\.\*$/.exec(pattern)?.[1] : undefined;
  if (cut === undefined) throw new LowerGap(`kyverno.jmespath.function.${fn}.pattern`, `${fn}() with a pattern other than a literal followed by .*`);
  if (replacement === undefined || (fn === "regex_replace_all" && replacement.includes("$")))
    throw new LowerGap(`kyverno.jmespath.function.${fn}.replacement`, `${fn}() with a computed replacement or one expanding $ groups`);
  if (!may(src.ty, K.string | K.number)) throw new LowerGap(`kyverno.jmespath.function.${fn}.type`, `${fn}() of a value that cannot be a string or a number (a type error)`);
  const replaceIn = (s: Val): Val => {
    const line = ctx.fresh("line");
    const l = at(varPath(line));
    const where = call("indexOf", l, lit(cut));
    const found: Pred = { k: "cmp", lhs: where, op: ">=", rhs: lit(0), ifAbsent: "error" };
    const cutLine: Val = { k: "strcat", parts: [call("substring", l, lit(0), where), ...(replacement ? [lit(replacement)] : [])] };
    return call("join", { k: "project", list: call("split", s, lit("\n")), v: line, body: { k: "cond", test: found, then: cutLine, else: l } }, lit("\n"));
  };
  if (only(src.ty, K.string)) return val(bindOnce(src.v, ctx, replaceIn), T.str);
  return val(bindOnce(src.v, ctx, (s) => ({ k: "cond", test: kindIs(s, "string"), then: replaceIn(s), else: bindOnce(numberText(s), ctx, replaceIn) })), T.str);
}

/**
 * ifaceToString of a number (Kyverno functions.go: strconv.FormatFloat(x, 'f', -1, 32)): an integer of at most 2^24
 * in magnitude (exact in a float32) prints as CEL's string(); other numbers, and values that are not numbers (a type
 * error), are an evaluation error here.
 */
function numberText(x: Val): Val {
  const small: Pred = { k: "and", of: [{ k: "kind", value: x, kind: "int", ifAbsent: "error" }, { k: "cmp", lhs: x, op: ">=", rhs: lit(-16777216), as: "number", ifAbsent: "error" }, { k: "cmp", lhs: x, op: "<=", rhs: lit(16777216), as: "number", ifAbsent: "error" }] };
  return { k: "cond", test: small, then: call("string", x), else: ERROR_VAL };
}

/**
 * contains(subject, search) (go-jmespath jpfContains): a string subject → substring test (false when search is not a
 * string); a list → some element `==` search (Go interface equality: same kind and value); anything else (null
 * included) → a type error. A subject of unknown kind dispatches on its runtime kind.
 */
function containsCall(argNodes: JNode[], cur: Cur, ctx: JmesCtx): JVal {
  if (argNodes.length !== 2) throw new LowerGap("kyverno.jmespath.function.contains.arity", `contains() takes 2 arguments, got ${argNodes.length}`);
  const x = lenient(listVal(leniently(argNodes[1]!, cur, ctx), "contains()"));
  const wrapped = toArrayOf(argNodes[0]!, cur, ctx);
  if (wrapped) {
    // contains(to_array(s), x): a null s is [null] (contains x iff x is null), else the list itself
    const p = quantify({ ...wrapped, nullIf: undefined } as JList, "any", (e) => elemEquals(e, x), ctx);
    const ifNull: Pred = x.v.k === "lit" ? { k: "const", value: x.v.value === null } : { k: "cmp", lhs: call("dyn", x.v), op: "==", rhs: NULL, ifAbsent: "error" };
    return val(boolOf(wrapped.nullIf ? { k: "or", of: [{ k: "and", of: [wrapped.nullIf, ifNull] }, { k: "and", of: [{ k: "not", of: wrapped.nullIf }, p] }] } : p), T.bool);
  }
  const subj = leniently(argNodes[0]!, cur, ctx);
  if (subj.k === "list") {
    // contains(null, …) is a type error in Kyverno: a null stream errors
    const p = quantify(subj, "any", (e) => elemEquals(e, x), ctx);
    return val(subj.nullIf ? { k: "cond", test: subj.nullIf, then: ERROR_VAL, else: boolOf(p) } : boolOf(p), T.bool);
  }
  const kinds = subj.ty.m & ~K.null;
  if (kinds === K.list) return val(boolOf({ k: "in", value: x.v, list: subj.v, ifAbsent: "error" }), T.bool);
  if (kinds === K.string) return val(boolOf(substring(subj.v, x)), T.bool);
  if (!may(subj.ty, K.list | K.string)) throw new LowerGap("kyverno.jmespath.function.contains.type", `contains() of a value that can only be ${kindsText(subj.ty)} (a type error)`);
  // unknown kind: dispatch at run time (null, bool, number, map → Kyverno's type error)
  const e = ctx.fresh("e");
  const inList: Pred = { k: "quant", q: "any", over: subj.v, v: e, body: elemEquals(val(at(varPath(e)), subj.ty.elem ?? T.any), x), ifAbsent: "error" };
  const out: Val = { k: "cond", test: kindIs(subj.v, "string"), then: boolOf(substring(subj.v, x)), else: { k: "cond", test: kindIs(subj.v, "list"), then: boolOf(inList), else: ERROR_VAL } };
  return val(out, T.bool);
}

/** Go `item == el` of JSON values: CEL equality (heterogeneous: different kinds are unequal). */
const elemEquals = (e: JVal, x: JVal): Pred => ({ k: "cmp", lhs: e.v, op: "==", rhs: x.v, ifAbsent: "error" });

/** strings.Contains(s, x) when x is a string, else false. */
function substring(s: Val, x: JVal): Pred {
  const test: Pred = { k: "truthy", value: call("contains", s, x.v), ifAbsent: "error" };
  if (only(x.ty, K.string)) return test;
  if (!may(x.ty, K.string)) return { k: "const", value: false };
  return { k: "and", of: [kindIs(x.v, "string"), test] };
}

/** `to_array(s)` of a stream that may be null, evaluated leniently (as a function argument), else undefined. */
function toArrayOf(n: JNode, cur: Cur, ctx: JmesCtx): JList | undefined {
  if (n.t !== "fn" || n.name !== "to_array" || n.args.length !== 1) return undefined;
  const saved = { ...ctx.stats.functions };
  const inner = leniently(n.args[0]!, cur, ctx);
  if (inner.k !== "list" || !inner.nullIf || inner.orElse) {
    ctx.stats.functions = saved;
    return undefined;
  }
  ctx.stats.functions["to_array"] = (ctx.stats.functions["to_array"] ?? 0) + 1;
  return inner;
}

/**
 * sort() of a stream of nested loops: the same elements in another order. Every consumer of a nested stream is
 * order-free (quantifiers, length, contains; an ordered use needs listVal, a gap for nested loops), so the stream is
 * kept, with sort()'s type check (all strings or all numbers, else an error) on its outer list; null → a type error.
 */
function sortedStream(l: JList, ctx: JmesCtx): JList {
  const et = l.elem.ty;
  const bare: JList = { ...l, nullIf: undefined } as JList;
  const checks: Pred[] = [];
  if (!only(et, K.string) && !only(et, K.number)) {
    if (!may(et, K.string) && !may(et, K.number)) throw new LowerGap("kyverno.jmespath.function.sort.type", `sort() of elements that may be ${kindsText(et)} (a type error)`);
    const every = (kind: "string" | "number"): Pred => quantify(bare, "all", (e) => kindIs(e.v, kind), ctx);
    checks.push({ k: "or", of: [every("string"), every("number")] });
  }
  if (l.nullIf) checks.unshift({ k: "not", of: l.nullIf });
  if (!checks.length) return l;
  const [first, ...rest] = l.loops as [Loop, ...Loop[]];
  const test: Pred = checks.length === 1 ? checks[0]! : { k: "and", of: checks };
  return { ...bare, loops: [{ ...first, over: { k: "cond", test, then: first.over, else: ERROR_VAL } }, ...rest] };
}

/** Reject regular expressions whose Go (RE2) meaning CEL's RE2 would not share: none known; syntax errors are gaps. */
function checkRe2(re: string): void {
  try {
    new RegExp(re.replace(/\(\?[a-zA-Z]+\)/g, "").replace(/\\[pP]\{[^}]*\}/g, "x"), "u");
  } catch {
    throw new LowerGap("kyverno.jmespath.regex", `regular expression ${JSON.stringify(re)} could not be checked`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Entry points

/** Lower one JMESPath expression (the text inside `{{ }}`) at the top of a variable: NotFound is an error. */
export function lowerJmes(expr: string, ctx: JmesCtx): JV {
  let ast: JNode;
  try {
    ast = parseJmes(expr);
  } catch (e) {
    if (e instanceof JmesSyntaxError) throw new LowerGap("kyverno.jmespath.syntax", `JMESPath ${JSON.stringify(expr)}: ${e.message}`, "stricter");
    throw e;
  }
  return asJV(tr(ast, { k: "root" }, ctx), JSON.stringify(expr));
}

// Kyverno's variable regex (pkg/engine/variables/regex/vars.go)
const VAR_RE = /(^|[^\\])(\{\{(?:\{[^{}]*\}|[^{}])*\}\})/g;

/** True when the string holds a `{{ }}` variable. */
export const hasVariables = (s: string): boolean => new RegExp(VAR_RE.source).test(s);

/**
 * A condition key/value string with `{{ }}` variables (pkg/engine/variables/vars.go substituteVariablesIfAny):
 * a string that is exactly one variable keeps the variable's type; otherwise each variable is substituted as text
 * (strings as they are, other values JSON-encoded). Variables nested inside a variable are substituted first, as
 * text into the JMESPath source (a gap unless they sit inside a raw string literal '…').
 */
export function lowerTemplate(s: string, ctx: JmesCtx): JV {
  const matches = [...s.matchAll(VAR_RE)];
  if (!matches.length) return val(lit(unescapeBraces(s)), T.str);
  const first = matches[0]!;
  const whole = first.index === 0 && first[1] === "" && first[2] === s;
  if (whole) return lowerVariable(first[2]!, ctx);
  if (/\{\{/.test(s.replace(VAR_RE, "$1"))) {
    // an inner {{ }} inside an outer one: the inner is substituted as text into the outer's JMESPath source
    return nested(s, ctx);
  }
  const parts: Val[] = [];
  let last = 0;
  for (const m of matches) {
    const start = m.index! + m[1]!.length;
    if (start > last) parts.push(lit(unescapeBraces(s.slice(last, start))));
    parts.push(textOf(lenientOrStrict(lowerVariable(m[2]!, ctx)), m[2]!, ctx));
    last = start + m[2]!.length;
  }
  if (last < s.length) parts.push(lit(unescapeBraces(s.slice(last))));
  const err = matches.length > 0;
  return val({ k: "strcat", parts }, T.str, err);
}

const unescapeBraces = (s: string): string => s.replace(/\\\{\{/g, "{{");

function lenientOrStrict(j: JV): JVal {
  return listVal(j, "embedded variable");
}

/** A variable `{{ expr }}` (shallow `{{- expr }}` and `{{@}}` are not modelled). */
function lowerVariable(text: string, ctx: JmesCtx): JV {
  const inner = text.slice(2, -2).trim();
  if (inner.startsWith("-")) throw new LowerGap("kyverno.variable.shallow", "shallow substitution {{- }} is not modelled");
  if (inner === "@") throw new LowerGap("kyverno.variable.at", "{{@}} (the value at this position) is not modelled");
  return lowerJmes(inner, ctx);
}

/** Text of a substituted value: strings as they are, other values JSON-encoded (Go json.Marshal). */
function textOf(j: JVal, what: string, ctx: JmesCtx): Val {
  const t = j.ty;
  if (only(t, K.string)) return j.v;
  if (only(t, K.bool)) return call("string", j.v);
  if (only(t, K.number)) {
    // json.Marshal(float64): integers print as integers below 1e21; other doubles differ in exponent form
    return call("string", j.v);
  }
  if (!may(t, K.string | K.bool | K.number | K.null))
    throw new LowerGap("kyverno.variable.embedded-type", `${what} embedded in a string: its JSON text (a value that may be ${kindsText(t)}) is not modelled`);
  return jsonTextByKind(j.v, t, ctx);
}

/**
 * json.Marshal text of a value of unknown kind, dispatched at run time: strings as they are; bools and integers as
 * CEL string() (the same text); a double where CEL's shortest format has no exponent (Go's JSON then prints the same
 * digits); null as `null`. Other doubles, lists and maps (Go's JSON text of a document) → an evaluation error.
 */
function jsonTextByKind(v: Val, t: Ty, ctx: JmesCtx): Val {
  return bindOnce(v, ctx, (x) => {
    const str = call("string", x);
    const noExponent: Pred = { k: "not", of: { k: "truthy", value: call("contains", str, lit("e")), ifAbsent: "error" } };
    const branches: [Pred, Val][] = [];
    if (may(t, K.number)) branches.push([{ k: "kind", value: x, kind: "double", ifAbsent: "error" }, { k: "cond", test: noExponent, then: str, else: ERROR_VAL }]);
    if (may(t, K.null)) branches.push([kindIs(x, "null"), lit("null")]);
    if (may(t, K.list | K.map)) branches.push([{ k: "or", of: [kindIs(x, "list"), kindIs(x, "map")] }, ERROR_VAL]);
    return branches.reduceRight<Val>((rest, [test, then]) => ({ k: "cond", test, then, else: rest }), str);
  });
}

/**
 * `f(x)` with x bound to v once: `[v].map(x, f(x))[0]` (CEL has no let in every environment; the model's let is
 * inlined), or f(v) itself when v is a path or a literal (cheap to repeat).
 */
export function bindOnce(v: Val, ctx: JmesCtx, f: (x: Val) => Val): Val {
  if (v.k === "path" || v.k === "lit") return f(v);
  const x = ctx.fresh("b");
  return bindAs(v, x, f(at(varPath(x))), ctx);
}

export function kindsText(t: Ty): string {
  return Object.entries(K).filter(([, b]) => t.m & b).map(([n]) => n).join(" or ");
}

/** A nested variable inside a raw string literal `'{{ inner }}'` or a quoted identifier `"{{ inner }}"`. */
const NESTED_RE = /(['"])\{\{((?:\{[^{}]*\}|[^{}])*)\}\}\1/g;

/**
 * `{{ f('{{ inner }}') }}`, `{{ m."{{ inner }}" }}`: the inner variable's text is spliced into a raw string literal
 * (a string) or a quoted identifier (a field named by it: a key read at run time) of the outer one.
 */
function nested(s: string, ctx: JmesCtx): JV {
  // only the form "{{ … '{{ inner }}' … }}" with the whole string one outer variable
  const outer = /^\{\{([\s\S]*)\}\}$/.exec(s);
  if (!outer) throw new LowerGap("kyverno.variable.nested", "nested variables outside one whole-string variable");
  const body = outer[1]!;
  const inners = [...body.matchAll(NESTED_RE)];
  if (!inners.length || /\{\{/.test(body.replace(NESTED_RE, "''")))
    throw new LowerGap("kyverno.variable.nested", "a nested variable outside a raw string literal '…' or a quoted identifier \"…\"");
  const bindings: [string, Val, "'" | '"'][] = [];
  let src = body;
  inners.forEach((m) => {
    const quote = m[1] as "'" | '"';
    const text = textOf(listVal(lowerVariable(`{{${m[2]!}}}`, ctx), "nested variable"), m[2]!, ctx);
    const name = ctx.fresh("inner");
    bindings.push([name, text, quote]);
    const placeholder = `__kyverno_nested_${name}__`;
    if (quote === "'") ctx.spliced.set(placeholder, val(at(varPath(name)), T.str));
    else ctx.splicedKeys.set(placeholder, at(varPath(name)));
    src = src.replace(m[0], `${quote}${placeholder}${quote}`);
  });
  const out = listVal(lowerJmes(src, ctx), "nested variable");
  // each text is substituted first (bound once: its failure, e.g. Unknown key, is the rule's error), then the outer
  const ok: Pred = { k: "and", of: bindings.map(([n, , q]) => splicesCleanly(at(varPath(n)), q)) };
  const inner: Val = { k: "cond", test: ok, then: out.v, else: ERROR_VAL };
  const v = bindings.reduceRight<Val>((b, [n, text]) => bindAs(text, n, b, ctx), inner);
  return val(v, out.ty, true);
}

/** `[v].map(name, body)[0]`: body with `name` bound to v, which is evaluated (strictly) once. */
function bindAs(v: Val, name: string, body: Val, ctx: JmesCtx): Val {
  const t = ctx.fresh("bl");
  return { k: "let", name: t, value: { k: "project", list: { k: "list", items: [v] }, v: name, body }, body: at(varPath(t, [{ k: "index", at: lit(0) }])) };
}

/**
 * The text, spliced into the raw string literal '…' of the outer variable, reads back as itself: no quote (it would
 * end the literal: the outer expression changes), no trailing backslash (`\'` escapes the closing quote), no brace
 * (the outer `{{ }}` would no longer be one variable, or a new one would appear). Otherwise the outer expression is
 * whatever the text makes of it: modelled as an evaluation error (a deny under failurePolicy Fail).
 */
function splicesCleanly(text: Val, quote: "'" | '"' = "'"): Pred {
  const has = (x: string): Pred => ({ k: "truthy", value: call("contains", text, lit(x)), ifAbsent: "error" });
  if (quote === '"') {
    // a JSON string's content: no quote, no escape, no control character (each would change or break the identifier)
    if (text.k === "lit" && typeof text.value === "string") return { k: "const", value: !/["\\{}\x00-\x1f]/.test(text.value) };
    return { k: "not", of: { k: "match", value: text, pattern: { k: "regex", re: '["\\\\{}\\x00-\\x1f]' }, ifAbsent: "error" } };
  }
  const bad: Pred[] = [has("'"), has("{"), has("}"), { k: "truthy", value: call("endsWith", text, lit("\\")), ifAbsent: "error" }];
  if (text.k === "lit" && typeof text.value === "string") {
    const t = text.value;
    return { k: "const", value: !/['{}]/.test(t) && !t.endsWith("\\") };
  }
  return { k: "not", of: { k: "or", of: bad } };
}
