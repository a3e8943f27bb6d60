// IR predicate → CEL boolean text. Owns path access text, presence guards (has() / `in` for map keys, never a
// bare access to a field that may be absent), operator precedence and parenthesization. Output only uses the
// standard library + Kubernetes ext.Strings v0 (substring/split) + authz, so it type-checks in every environment
// from 1.27 (authz) and, without authz, from 1.0 — no optionals, no two-variable comprehensions.
import {
  displayPath,
  refPaths,
  simplify,
  type AuthzCheck,
  type CompareOp,
  type Json,
  type Operand,
  type Path,
  type PathRoot,
  type Pred,
  type Ref,
  type StringPattern,
} from "../../ir/model.js";
import { celLiteral, celString, globToRe2, isSafeIdent, literalKind } from "./literal.js";

/** Precedence levels: a child is parenthesized when its level is lower than the slot requires. */
const PREC = { cond: 1, or: 2, and: 3, rel: 4, unary: 6, primary: 7 } as const;

export interface Code {
  text: string;
  prec: number;
}

const code = (text: string, prec: number): Code => ({ text, prec });
const wrap = (c: Code, min: number): string => (c.prec < min ? `(${c.text})` : c.text);

// ---------------------------------------------------------------------------------------------------------------
// Paths

function rootText(r: PathRoot): string {
  switch (r.k) {
    case "var":
      return r.name;
    case "variable":
      return isSafeIdent(r.name) ? `variables.${r.name}` : `variables[${celString(r.name)}]`;
    default:
      return r.k;
  }
}

/** Typed roots (request, namespaceObject): fields are always selectable with `.`, never guarded. */
const isTyped = (r: PathRoot): boolean => r.k === "request" || r.k === "namespaceObject";

/** Access text for a path without guards. `each` segments are not allowed here (lowered by the caller). */
export function accessText(p: Path): string {
  let s = rootText(p.root);
  for (const seg of p.segs) {
    if (seg.k === "each") throw new Error(`path ${displayPath(p)}: [*] must be lowered to a quantifier`);
    if (seg.k === "field" && (isSafeIdent(seg.name) || isTyped(p.root))) s += `.${seg.name}`;
    else s += `[${celString(seg.k === "field" ? seg.name : seg.key)}]`;
  }
  return s;
}

/** Presence guards for every prefix of `p`, outermost first (empty for typed roots). */
export function guards(p: Path): string[] {
  if (isTyped(p.root)) return [];
  const out: string[] = [];
  for (let i = 0; i < p.segs.length; i++) {
    const seg = p.segs[i]!;
    if (seg.k === "each") throw new Error(`path ${displayPath(p)}: [*] must be lowered to a quantifier`);
    const parent = accessText({ root: p.root, segs: p.segs.slice(0, i) });
    if (seg.k === "field" && isSafeIdent(seg.name)) out.push(`has(${parent}.${seg.name})`);
    else out.push(`${celString(seg.k === "field" ? seg.name : seg.key)} in ${parent}`);
  }
  return out;
}

/** `has(a) && has(a.b)` style presence test for a path (true for the bare root). */
export function presenceText(p: Path): Code {
  const g = guards(p);
  if (g.length === 0) return code("true", PREC.primary);
  return code(g.join(" && "), g.length > 1 ? PREC.and : g[0]!.includes(" in ") ? PREC.rel : PREC.primary);
}

// ---------------------------------------------------------------------------------------------------------------
// Context

export interface EmitOptions {
  /** Kubernetes CEL environment version the text must compile in (default "1.35"). */
  envVersion?: string;
}

interface Ctx {
  opts: EmitOptions;
  fresh: number;
}

/** Apply a leaf test to a (possibly coalesced) reference with its absent semantics. */
function guarded(ref: Ref, ifAbsent: boolean, test: (access: string) => Code): Code {
  const paths = refPaths(ref);
  if (paths.some((p) => p.segs.some((s) => s.k === "each"))) throw new Error("[*] in a leaf reference must be lowered first");
  if (paths.length === 1) {
    const p = paths[0]!;
    const g = guards(p);
    const t = test(accessText(p));
    if (g.length === 0) return t;
    if (ifAbsent) return code([...g.map((x) => `!${wrapGuard(x)}`), wrap(t, PREC.or)].join(" || "), PREC.or);
    return code([...g, wrap(t, PREC.and)].join(" && "), PREC.and);
  }
  // coalesce: first present path decides
  let out = ifAbsent ? "true" : "false";
  let prec: number = PREC.primary;
  for (let i = paths.length - 1; i >= 0; i--) {
    const p = paths[i]!;
    const pres = presenceText(p);
    const t = test(accessText(p));
    out = `${wrap(pres, PREC.or + 1)} ? ${wrap(t, PREC.or + 1)} : ${prec < PREC.cond + 1 ? `(${out})` : out}`;
    prec = PREC.cond;
  }
  return code(out, prec);
}

const wrapGuard = (g: string): string => (g.includes(" in ") ? `(${g})` : g);

function operandText(o: Operand): Code {
  switch (o.k) {
    case "lit":
      return code(celLiteral(o.value), PREC.primary);
    case "cel":
      return code(o.expr, PREC.cond);
    case "ref": {
      const paths = refPaths(o.ref);
      const fallback = o.ifAbsent === undefined ? undefined : celLiteral(o.ifAbsent);
      if (fallback === undefined && paths.length === 1) return code(accessText(paths[0]!), PREC.primary);
      let out = fallback ?? "null";
      for (let i = paths.length - 1; i >= 0; i--) {
        const p = paths[i]!;
        const g = guards(p);
        if (g.length === 0) {
          out = accessText(p);
          continue;
        }
        out = `${wrap(presenceText(p), PREC.or + 1)} ? ${accessText(p)} : ${out.includes("?") ? `(${out})` : out}`;
      }
      return code(out, out.includes(" ? ") ? PREC.cond : PREC.primary);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Leaves

function compareText(access: string, op: CompareOp, rhs: Operand): Code {
  return code(`${access} ${op} ${wrap(operandText(rhs), PREC.rel + 1)}`, PREC.rel);
}

function inText(access: string, values: Json[]): Code {
  if (values.length === 0) return code("false", PREC.primary);
  if (values.length === 1) return code(`${access} == ${celLiteral(values[0]!)}`, PREC.rel);
  const kinds = new Set(values.map(literalKind));
  if (kinds.size === 1) return code(`${access} in [${values.map(celLiteral).join(", ")}]`, PREC.rel);
  return code(values.map((v) => `${access} == ${celLiteral(v)}`).join(" || "), PREC.or);
}

/** Whole-string pattern test on a string value. */
export function patternText(access: string, pat: StringPattern, ctx?: Ctx): Code {
  switch (pat.k) {
    case "exact":
      return code(`${access} == ${celString(pat.value)}`, PREC.rel);
    case "prefix":
      return pat.prefix === "" ? code("true", PREC.primary) : code(`${access}.startsWith(${celString(pat.prefix)})`, PREC.primary);
    case "suffix":
      return pat.suffix === "" ? code("true", PREC.primary) : code(`${access}.endsWith(${celString(pat.suffix)})`, PREC.primary);
    case "regex":
      return code(`${access}.matches(${celString(pat.re)})`, PREC.primary);
    case "glob": {
      const g = pat.glob;
      if (!/[*?]/.test(g)) return code(`${access} == ${celString(g)}`, PREC.rel);
      if (g === "*") return code("true", PREC.primary);
      const star = g.indexOf("*");
      if (!g.includes("?") && star === g.length - 1 && g.indexOf("*") === g.lastIndexOf("*"))
        return code(`${access}.startsWith(${celString(g.slice(0, -1))})`, PREC.primary);
      if (!g.includes("?") && star === 0 && g.lastIndexOf("*") === 0)
        return code(`${access}.endsWith(${celString(g.slice(1))})`, PREC.primary);
      return code(`${access}.matches(${celString(globToRe2(g))})`, PREC.primary);
    }
    case "wildcardSuffix": {
      const w = pat.pattern;
      if (w === "*") return code("true", PREC.primary);
      if (w.endsWith("*")) return code(`${access}.startsWith(${celString(w.slice(0, -1))})`, PREC.primary);
      return code(`${access} == ${celString(w)}`, PREC.rel);
    }
    case "pathPrefix": {
      const p = pat.prefix.endsWith("/") ? pat.prefix.slice(0, -1) : pat.prefix;
      return code(`${access} == ${celString(p)} || ${access}.startsWith(${celString(`${p}/`)})`, PREC.or);
    }
    case "multisetAfter": {
      const n = [...pat.prefix].length;
      const rest = `${access}.substring(${n}).split(${celString(pat.sep)})`;
      const counts = new Map<string, number>();
      for (const it of [...pat.items].sort()) counts.set(it, (counts.get(it) ?? 0) + 1);
      const v = ctx ? `x${ctx.fresh++}` : "x";
      const parts = [`${access}.startsWith(${celString(pat.prefix)})`, `size(${rest}) == ${pat.items.length}`];
      for (const [it, c] of counts) parts.push(`size(${rest}.filter(${v}, ${v} == ${celString(it)})) == ${c}`);
      return code(parts.join(" && "), PREC.and);
    }
  }
}

function authzText(a: AuthzCheck): Code {
  let s = "authorizer";
  if (a.subject.k === "serviceAccount") {
    s += `.serviceAccount(${operandText(a.subject.namespace).text}, ${operandText(a.subject.name).text})`;
  }
  s += `.group(${celString(a.group)}).resource(${celString(a.resource)})`;
  if (a.subresource) s += `.subresource(${celString(a.subresource)})`;
  if (a.namespace) s += `.namespace(${operandText(a.namespace).text})`;
  if (a.name !== undefined) s += `.name(${celString(a.name)})`;
  s += `.check(${celString(a.verb)}).allowed()`;
  return code(s, PREC.primary);
}

type Leaf = Extract<Pred, { k: "compare" | "in" | "contains" | "inRanges" | "match" | "matchAny" }>;
const LEAF_KINDS = new Set(["compare", "in", "contains", "inRanges", "match", "matchAny"]);

/** The test of a value-reading leaf on an already guarded access text. */
function leafTest(p: Leaf, a: string, ctx: Ctx): Code {
  switch (p.k) {
    case "compare":
      return compareText(a, p.op, p.rhs);
    case "in":
      return inText(a, p.values);
    case "contains":
      return code(`${celLiteral(p.value)} in ${a}`, PREC.rel);
    case "inRanges":
      {
        if (p.ranges.length === 0) return code("false", PREC.primary);
        const parts = p.ranges.map((r) => (r.min === r.max ? `${a} == ${celLiteral(r.min)}` : `${a} >= ${celLiteral(r.min)} && ${a} <= ${celLiteral(r.max)}`));
        if (parts.length === 1) return code(parts[0]!, parts[0]!.includes("&&") ? PREC.and : PREC.rel);
        return code(parts.map((x) => (x.includes("&&") ? `(${x})` : x)).join(" || "), PREC.or);
      }
    case "match":
      return patternText(a, p.pattern, ctx);
    case "matchAny":
      {
        if (p.patterns.length === 0) return code("false", PREC.primary);
        const cs = p.patterns.map((x) => patternText(a, x, ctx));
        if (cs.some((c) => c.text === "true")) return code("true", PREC.primary);
        // merge plain equalities into one `in` list
        const exact = p.patterns.filter((x) => x.k === "exact" || (x.k === "glob" && !/[*?]/.test(x.glob)) || (x.k === "wildcardSuffix" && !x.pattern.endsWith("*")));
        const other = p.patterns.filter((x) => !exact.includes(x));
        const parts: Code[] = [];
        if (exact.length) {
          const vals = exact.map((x) => (x.k === "exact" ? x.value : x.k === "glob" ? x.glob : (x as { pattern: string }).pattern));
          parts.push(inText(a, vals));
        }
        for (const x of other) parts.push(patternText(a, x, ctx));
        if (parts.length === 1) return parts[0]!;
        return code(parts.map((c) => wrap(c, PREC.or)).join(" || "), PREC.or);
      }
  }
}

/** Key of a leaf that can share its guard with neighbours (single path, no `[*]`), else undefined. */
function guardKey(p: Pred): string | undefined {
  if (!LEAF_KINDS.has(p.k)) return undefined;
  const l = p as Leaf;
  const paths = refPaths(l.ref);
  if (paths.length !== 1 || paths[0]!.segs.some((s) => s.k === "each") || guards(paths[0]!).length === 0) return undefined;
  return `${JSON.stringify(paths[0])}|${l.ifAbsent}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Lowering of `[*]` in leaf references into `all` quantifiers

function lowerEach(p: Pred, ctx: Ctx): Pred {
  if (!("ref" in p) || p.k === "quant") return p;
  const paths = refPaths(p.ref);
  if (paths.length !== 1) return p;
  const path0 = paths[0]!;
  const at = path0.segs.findIndex((s) => s.k === "each");
  if (at < 0) return p;
  const v = `e${ctx.fresh++}`;
  const inner: Path = { root: { k: "var", name: v }, segs: path0.segs.slice(at + 1) };
  const body = { ...p, ref: inner } as Pred;
  const ifAbsent = "ifAbsent" in p ? (p as { ifAbsent: boolean }).ifAbsent : false;
  return { k: "quant", q: "all", ref: { root: path0.root, segs: path0.segs.slice(0, at) }, v, body, ifAbsent };
}

// ---------------------------------------------------------------------------------------------------------------
// Predicates

function emit(p0: Pred, ctx: Ctx): Code {
  const p = lowerEach(p0, ctx);
  switch (p.k) {
    case "const":
      return code(p.value ? "true" : "false", PREC.primary);
    case "and":
    case "or": {
      const prec = p.k === "and" ? PREC.and : PREC.or;
      const op = p.k === "and" ? " && " : " || ";
      // adjacent leaves on the same path with the same absent semantics share one guard:
      // or/and of leaves that are all X when the path is absent is X when absent, else the or/and of the tests
      const parts: Code[] = [];
      for (let i = 0; i < p.of.length; ) {
        const key = guardKey(p.of[i]!);
        let j = i + 1;
        while (key !== undefined && j < p.of.length && guardKey(p.of[j]!) === key) j++;
        if (j - i > 1) {
          const group = p.of.slice(i, j) as Leaf[];
          parts.push(guarded(group[0]!.ref, group[0]!.ifAbsent, (a) => code(group.map((l) => wrap(leafTest(l, a, ctx), prec)).join(op), prec)));
        } else parts.push(emit(p.of[i]!, ctx));
        i = j;
      }
      // children of the same operator need no parens; a lower-precedence child does
      return code(parts.map((c) => wrap(c, prec)).join(op), prec);
    }
    case "not":
      return code(`!${wrap(emit(p.of, ctx), PREC.unary)}`, PREC.unary);
    case "present": {
      const paths = refPaths(p.ref);
      const parts = paths.map((x) => presenceText(x));
      if (parts.length === 1) return parts[0]!;
      return code(parts.map((c) => wrap(c, PREC.or)).join(" || "), PREC.or);
    }
    case "compare":
    case "in":
    case "contains":
    case "inRanges":
    case "match":
    case "matchAny":
      return guarded(p.ref, p.ifAbsent, (a) => leafTest(p, a, ctx));
    case "quant": {
      const body = emit(p.body, ctx);
      const macro = p.q === "all" ? "all" : "exists";
      return guarded(p.ref, p.ifAbsent, (a) => code(`${a}.${macro}(${p.v}, ${body.text})`, PREC.primary));
    }
    case "authz":
      return authzText(p.check);
    case "cel":
      return code(p.expr, PREC.cond);
  }
}

/** Emit a predicate as CEL boolean text (simplified first; deterministic). */
export function emitPredicate(p: Pred, opts: EmitOptions = {}): string {
  return emit(simplify(p), { opts, fresh: 0 }).text;
}

/** Same as emitPredicate but returns the precedence too (for composing larger expressions). */
export function emitPredicateCode(p: Pred, opts: EmitOptions = {}): Code {
  return emit(simplify(p), { opts, fresh: 0 });
}

/** Emit an operand (value expression). */
export function emitOperand(o: Operand): string {
  return operandText(o).text;
}

export { PREC, wrap };
