// Rule-model mutations → one MutatingAdmissionPolicy JSONPatch expression (a CEL list of JSONPatch) computed in a
// single evaluation on the incoming object. Targets share parents (every container default lives under
// `securityContext`), so each missing parent object is first created empty — only when some default below it
// applies — and every default is then added at its full path; lists (`spec.containers[*]…`) become
// `transformList(i, c, applies, patch)` (two-variable comprehensions, CEL env ≥ 1.32).
import type { Mutation, Path, Pred, Segment } from "../ir/model.js";
import { C, type CExpr } from "./ast.js";
import { access, lowerPred, lowerVal, LowerError, presence, type context } from "./lower.js";

type Ctx = ReturnType<typeof context>;

const ptrEscape = (s: string): string => s.replace(/~/g, "~0").replace(/\//g, "~1");

function segName(s: Segment): string {
  if (s.k === "field") return s.name;
  if (s.k === "key") return s.key;
  throw new LowerError("mutation targets may only contain fields, map keys and one [*]");
}

/** One default at a path relative to its group's base (the object, or the list element). */
interface Leaf {
  rel: Segment[];
  m: Mutation;
}

interface Group {
  /** The list whose elements are mutated (undefined: the object itself). */
  list?: Path;
  v: string;
  leaves: Leaf[];
}

function groups(muts: readonly Mutation[]): Group[] {
  const out: Group[] = [];
  for (const m of muts) {
    if (m.target.root.k !== "object") throw new LowerError("mutation targets must be rooted at object");
    const each = m.target.segs.findIndex((s) => s.k === "each");
    if (m.target.segs.filter((s) => s.k === "each").length > 1) throw new LowerError("nested list mutations are not supported");
    const list = each >= 0 ? { root: m.target.root, segs: m.target.segs.slice(0, each) } : undefined;
    const rel = each >= 0 ? m.target.segs.slice(each + 1) : m.target.segs;
    const v = m.vars?.[0] ?? "c";
    const k = list ? JSON.stringify(list) : "";
    let g = out.find((x) => (x.list ? JSON.stringify(x.list) : "") === k);
    if (!g) out.push((g = { ...(list ? { list } : {}), v, leaves: [] }));
    g.leaves.push({ rel, m });
  }
  return out;
}

function pointer(g: Group, rel: Segment[]): CExpr {
  const tail = rel.map((s) => `/${ptrEscape(segName(s))}`).join("");
  if (!g.list) return C.lit(tail);
  const head = `/${g.list.segs.map((s) => ptrEscape(segName(s))).join("/")}/`;
  return C.bin("+", C.bin("+", C.lit(head), C.call("string", [C.id("i")])), C.lit(tail));
}

const patch = (op: "add" | "replace", path: CExpr, value: CExpr): CExpr => ({
  t: "obj",
  type: "JSONPatch",
  fields: [
    { name: "op", value: C.lit(op) },
    { name: "path", value: path },
    { name: "value", value },
  ],
});

function basePath(g: Group, rel: Segment[]): Path {
  return g.list ? { root: { k: "var", name: g.v }, segs: rel } : { root: { k: "object" }, segs: rel };
}

/** Whether a leaf changes anything, and the patch that does it (evaluated on the incoming object). */
function leafPatch(g: Group, leaf: Leaf, ctx: Ctx): { applies: CExpr; patch: CExpr } {
  const target = basePath(g, leaf.rel);
  const when = leaf.m.when ? lowerPred(leaf.m.when, ctx) : C.T;
  const m = leaf.m;
  switch (m.k) {
    case "setIfAbsent":
      return { applies: C.and(when, C.not(presence(target, ctx))), patch: patch("add", pointer(g, leaf.rel), lowerVal(m.value, ctx)) };
    case "set":
      return { applies: when, patch: patch("add", pointer(g, leaf.rel), lowerVal(m.value, ctx)) };
    case "addToList": {
      const existing = (p: Path): Pred => ({ k: "in", value: { k: "path", path: { root: { k: "var", name: "x" }, segs: [] } }, list: { k: "default", of: { k: "path", path: p }, fallback: { k: "lit", value: [] } }, ifAbsent: false });
      const keep: Pred = { k: "and", of: [{ k: "not", of: existing(target) }, ...(m.exceptIn ? [{ k: "not", of: existing(m.exceptIn) } as Pred] : [])] };
      const missing = C.macro(C.lit(m.values), "filter", ["x"], [lowerPred(keep, ctx)]);
      const value = C.cond(presence(target, ctx), C.bin("+", access(target, ctx), missing), missing);
      return { applies: C.and(when, C.bin(">", C.call("size", [missing]), C.lit(0))), patch: patch("add", pointer(g, leaf.rel), value) };
    }
  }
}

/** Patches of one group in order: missing parents first (each only when a default below applies), then leaves. */
function groupPatches(g: Group, ctx: Ctx): { applies: CExpr; patch: CExpr }[] {
  const leaves = g.leaves.map((l) => ({ l, ...leafPatch(g, l, ctx) }));
  const out: { applies: CExpr; patch: CExpr }[] = [];
  const parents = new Map<string, Segment[]>();
  for (const { l } of leaves) for (let n = 1; n < l.rel.length; n++) parents.set(JSON.stringify(l.rel.slice(0, n)), l.rel.slice(0, n));
  const sorted = [...parents.values()].sort((a, b) => a.length - b.length);
  for (const rel of sorted) {
    const k = JSON.stringify(rel);
    const below = leaves.filter(({ l }) => JSON.stringify(l.rel.slice(0, rel.length)) === k);
    out.push({ applies: C.and(C.not(presence(basePath(g, rel), ctx)), C.or(...below.map((x) => x.applies))), patch: patch("add", pointer(g, rel), { t: "map", entries: [] }) });
  }
  for (const x of leaves) out.push({ applies: x.applies, patch: x.patch });
  return out;
}

/** The JSONPatch list expression applying every mutation (throws LowerError when not expressible). */
export function jsonPatchList(muts: readonly Mutation[], ctx: Ctx): CExpr {
  const parts: CExpr[] = [];
  for (const g of groups(muts)) {
    const ps = groupPatches(g, ctx);
    if (!g.list) {
      for (const p of ps) parts.push(C.cond(p.applies, C.list([p.patch]), C.list([])));
      continue;
    }
    const list = lowerVal({ k: "default", of: { k: "path", path: g.list }, fallback: { k: "lit", value: [] } }, ctx);
    for (const p of ps) parts.push(C.macro(list, "transformList", ["i", g.v], [p.applies, p.patch]));
  }
  return parts.length ? parts.reduce((a, b) => C.bin("+", a, b)) : C.list([]);
}
