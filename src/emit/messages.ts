// Messages that name the failing element: a rule's check → CEL `list(string)` of the fields that make it false
// (`spec.containers[nginx].securityContext.privileged`: list elements named by their label, e.g. the container
// name), and message templates → messageExpression text. Conjunctions are distributed (one entry per failing
// conjunct and element); any other failing sub-predicate yields one entry named after the first path it reads.
import type { Message, Path, Pred, Val } from "../ir/model.js";
import { displayPath, valPaths } from "../ir/model.js";
import { C, type CExpr } from "./ast.js";
import { lowerPred, lowerVal, type context } from "./lower.js";

type Ctx = ReturnType<typeof context>;
type Part = string | CExpr;

interface Names {
  /** Display parts per element variable. */
  vars: Map<string, Part[]>;
  /** Display names of VAP variables used as path roots. */
  roots: Readonly<Record<string, string>>;
}

function strcat(parts: Part[]): CExpr {
  const merged: Part[] = [];
  for (const p of parts) {
    const last = merged[merged.length - 1];
    if (typeof p === "string" && typeof last === "string") merged[merged.length - 1] = last + p;
    else merged.push(p);
  }
  if (!merged.length) return C.lit("");
  return merged.map((p) => (typeof p === "string" ? C.lit(p) : p)).reduce((a, b) => C.bin("+", a, b));
}

function display(p: Path, names: Names): Part[] {
  const out: Part[] = [];
  if (p.root.k === "var") out.push(...(names.vars.get(p.root.name) ?? [p.root.name]));
  else if (p.root.k === "variable") {
    const d = names.roots[p.root.name] ?? p.root.name;
    if (d) out.push(d);
  } else if (p.root.k !== "object") out.push(p.root.k);
  for (const s of p.segs) {
    const first = out.length === 0;
    if (s.k === "field") out.push(first ? s.name : `.${s.name}`);
    else if (s.k === "key") out.push(`[${s.key}]`);
    else out.push(s.k === "each" ? "[*]" : "[…]");
  }
  return out;
}

/** The path a value is named after (a default: its preferred path). */
function firstOf(v: Val): Path | undefined {
  return v.k === "default" ? firstOf(v.of) : valPaths(v)[0];
}

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
      return p.path;
    case "cmp":
      return firstOf(p.lhs);
    case "in":
      return firstOf(p.value.k === "lit" ? p.list : p.value);
    case "match":
    case "truthy":
    case "kind":
      return firstOf(p.value);
    case "quant":
      return firstOf(p.over);
    default:
      return undefined;
  }
}

function label(p: Pred, fallback: string, names: Names): CExpr {
  const f = firstPath(p);
  return strcat(f ? display(f, names) : [fallback]);
}

function violations(p: Pred, fallback: string, names: Names, ctx: Ctx): CExpr {
  if (p.k === "const") return p.value ? C.list([]) : C.list([C.lit(fallback)]);
  if (p.k === "and") return p.of.map((c) => violations(c, fallback, names, ctx)).reduce((a, b) => C.bin("+", a, b), C.list([]));
  if (p.k === "quant" && p.q === "all" && !p.entries && p.index === undefined && p.over.k === "path" && p.ifAbsent !== "error") {
    const list = p.over.path;
    const elem: Part[] = p.label
      ? [...display(list, names), "[", C.call("string", [lowerVal(p.label, withVar(ctx, p.v))]), "]"]
      : [...display(list, names), "[*]"];
    const inner: Names = { ...names, vars: new Map(names.vars).set(p.v, elem) };
    const conj = (p.body.k === "and" ? p.body.of : [p.body]).filter((c) => !(c.k === "const" && c.value));
    const listExpr = lowerVal({ k: "default", of: p.over, fallback: { k: "lit", value: [] } }, ctx);
    const parts = conj.map((c) => C.macro(C.macro(listExpr, "filter", [p.v], [C.not(lowerPred(c, ctx))]), "map", [p.v], [label(c, fallback, inner)]));
    const all = parts.length ? parts.reduce((a, b) => C.bin("+", a, b)) : C.list([]);
    if (p.ifAbsent) return all;
    // an absent list fails the rule: name the list
    return C.cond(lowerPred({ k: "present", path: list }, ctx), all, C.list([strcat(display(list, names))]));
  }
  return C.cond(lowerPred(p, ctx), C.list([]), C.list([label(p, fallback, names)]));
}

/** Element labels are read with the element variable; nothing to substitute. */
const withVar = (ctx: Ctx, _v: string): Ctx => ctx;

/** CEL list(string) naming the failing fields of `check` (empty when it holds). */
export function failingFields(check: Pred, fallback: string, ctx: Ctx, roots: Readonly<Record<string, string>> = {}): CExpr {
  return violations(check, fallback, { vars: new Map(), roots }, ctx);
}

/** messageExpression for a message template (undefined when the message is fixed text). */
export function messageExpr(m: Message, ctx: Ctx): CExpr | undefined {
  if (!m.parts?.length) return undefined;
  return strcat([m.text, ...m.parts.map((x: string | Val) => (typeof x === "string" ? x : C.call("string", [lowerVal(x, ctx)])))]);
}

export { strcat, displayPath };
