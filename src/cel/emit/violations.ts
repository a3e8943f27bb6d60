// IR predicate → CEL `list(string)` naming the fields that make it false, for messageExpressions:
// `spec.containers[nginx].securityContext.privileged`-style names (list elements named by their label field,
// e.g. the container name). Conjunctions are distributed (one entry per failing conjunct and element); any other
// failing sub-predicate yields one entry named after the first path it reads. Never errors on absent fields.
import { refPaths, simplify, type Path, type Pred } from "../../ir/model.js";
import { celString } from "./literal.js";
import { accessText, emitPredicateCode, guards, PREC, wrap } from "./predicate.js";

type Part = { lit: string } | { expr: string };

function render(parts: Part[]): string {
  const merged: Part[] = [];
  for (const p of parts) {
    const last = merged[merged.length - 1];
    if ("lit" in p && last && "lit" in last) merged[merged.length - 1] = { lit: last.lit + p.lit };
    else merged.push(p);
  }
  if (merged.length === 0) return "''";
  return merged.map((p) => ("lit" in p ? celString(p.lit) : p.expr)).join(" + ");
}

interface VCtx {
  /** Display parts per element variable. */
  vars: Map<string, Part[]>;
  fallback: string;
  /** Display names of VAP variables used as path roots (default: the variable name). */
  displayRoots: Readonly<Record<string, string>>;
}

function displayParts(p: Path, ctx: VCtx): Part[] {
  const parts: Part[] = [];
  let first = true;
  if (p.root.k === "var") {
    const d = ctx.vars.get(p.root.name);
    if (d) {
      parts.push(...d);
      first = false;
    } else {
      parts.push({ lit: p.root.name });
      first = false;
    }
  } else if (p.root.k === "variable") {
    const d = ctx.displayRoots[p.root.name] ?? p.root.name;
    if (d) {
      parts.push({ lit: d });
      first = false;
    }
  } else if (p.root.k !== "object") {
    parts.push({ lit: p.root.k });
    first = false;
  }
  for (const s of p.segs) {
    if (s.k === "field") parts.push({ lit: first ? s.name : `.${s.name}` });
    else if (s.k === "key") parts.push({ lit: `[${s.key}]` });
    else parts.push({ lit: "[*]" });
    first = false;
  }
  return parts;
}

/** First path a predicate reads (for naming a failing compound predicate). */
function firstPath(p: Pred): Path | undefined {
  switch (p.k) {
    case "and":
    case "or":
      for (const c of p.of) {
        const f = firstPath(c);
        if (f) return f;
      }
      return undefined;
    case "not":
      return firstPath(p.of);
    case "present":
    case "compare":
    case "in":
    case "contains":
    case "inRanges":
    case "match":
    case "matchAny":
    case "quant":
      return refPaths(p.ref)[0];
    default:
      return undefined;
  }
}

function label(p: Pred, ctx: VCtx): string {
  const f = firstPath(p);
  return render(f ? displayParts(f, ctx) : [{ lit: ctx.fallback }]);
}

function concat(lists: string[]): string {
  const xs = lists.filter((l) => l !== "[]");
  if (xs.length === 0) return "[]";
  if (xs.length === 1) return xs[0]!;
  return xs.map((x) => (x.includes(" ? ") ? `(${x})` : x)).join(" + ");
}

function viol(p: Pred, ctx: VCtx): string {
  if (p.k === "const") return p.value ? "[]" : `[${celString(ctx.fallback)}]`;
  if (p.k === "and") return concat(p.of.map((c) => viol(c, ctx)));
  if (p.k === "quant" && p.q === "all" && refPaths(p.ref).length === 1) {
    const list = refPaths(p.ref)[0]!;
    if (list.segs.some((s) => s.k === "each")) return fallbackViol(p, ctx);
    const elemName: Part[] = p.label
      ? [
          ...displayParts(list, ctx),
          { lit: "[" },
          { expr: `(has(${p.v}.${p.label}) ? string(${p.v}.${p.label}) : '')` },
          { lit: "]" },
        ]
      : [...displayParts(list, ctx), { lit: "[*]" }];
    const inner: VCtx = { ...ctx, vars: new Map(ctx.vars).set(p.v, elemName) };
    const conj = p.body.k === "and" ? p.body.of : [p.body];
    const access = accessText(list);
    const lists = conj.map((c) => {
      const test = emitPredicateCode(c);
      return `${access}.filter(${p.v}, !${wrap(test, PREC.unary)}).map(${p.v}, ${label(c, inner)})`;
    });
    const body = concat(lists);
    const g = guards(list);
    if (body === "[]") return "[]";
    if (g.length === 0) return body;
    // absent list: no elements, no violations (when ifAbsent is false the whole predicate fails: name the list)
    const absent = p.ifAbsent ? "[]" : `[${render(displayParts(list, ctx))}]`;
    return `${g.join(" && ")} ? ${body.includes(" ? ") || lists.length > 1 ? `(${body})` : body} : ${absent}`;
  }
  return fallbackViol(p, ctx);
}

function fallbackViol(p: Pred, ctx: VCtx): string {
  const test = emitPredicateCode(p);
  return `${wrap(test, PREC.or + 1)} ? [] : [${label(p, ctx)}]`;
}

/** CEL list(string) expression naming the failing fields of `p` (empty when `p` holds). */
export function emitViolations(p: Pred, fallback: string, displayRoots: Readonly<Record<string, string>> = {}): string {
  const s = simplify(p);
  const ctx: VCtx = { vars: new Map(), fallback, displayRoots };
  const out = viol(s, ctx);
  return out;
}
