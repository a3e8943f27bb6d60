// Rule-model mutations → one MutatingAdmissionPolicy JSONPatch expression (a CEL list of JSONPatch) computed in a
// single evaluation on the incoming object. Targets share parents (every container default lives under
// `securityContext`), so each missing parent object is first created empty — only when some default below it
// applies — and every default is then added at its full path; lists (`spec.containers[*]…`) become
// `transformList(i, c, applies, patch)` (two-variable comprehensions, CEL env ≥ 1.32). Sibling lists that get the
// same defaults (`containers`, `initContainers`, `ephemeralContainers`) are patched by one comprehension over their
// concatenation, with a variable holding each element's JSON pointer.
import type { Mutation, Path, Pred, Segment } from "../ir/model.js";
import { C, type CExpr } from "./ast.js";
import type { NamedCExpr } from "./hoist.js";
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
  /** The lists whose elements are mutated, all with the same defaults (empty: the object itself). */
  lists: Path[];
  v: string;
  leaves: Leaf[];
  /** For several lists: the variable holding each element's JSON pointer (set while emitting). */
  pointers?: CExpr;
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
    let g = out.find((x) => (x.lists[0] ? JSON.stringify(x.lists[0]) : "") === k);
    if (!g) out.push((g = { lists: list ? [list] : [], v, leaves: [] }));
    g.leaves.push({ rel, m });
  }
  return mergeSiblings(out);
}

/** What a list group does to each element, independent of which list it is. */
function signature(g: Group): string {
  return JSON.stringify([g.v, g.leaves.map(({ rel, m }) => [rel, { ...m, target: undefined, provenance: undefined }])]);
}

/** Lists under the same parent with the same defaults become one group (kept at the first one's position). */
function mergeSiblings(gs: Group[]): Group[] {
  const out: Group[] = [];
  for (const g of gs) {
    const parent = g.lists.length === 1 ? JSON.stringify(g.lists[0]!.segs.slice(0, -1)) : undefined;
    const same = parent === undefined ? undefined : out.find((x) => x.lists.length > 0 && JSON.stringify(x.lists[0]!.segs.slice(0, -1)) === parent && signature(x) === signature(g));
    if (same) same.lists.push(...g.lists);
    else out.push({ ...g, lists: [...g.lists] });
  }
  return out;
}

const listPointer = (list: Path): string => `/${list.segs.map((s) => ptrEscape(segName(s))).join("/")}/`;

function pointer(g: Group, rel: Segment[]): CExpr {
  const tail = rel.map((s) => `/${ptrEscape(segName(s))}`).join("");
  const [only, ...more] = g.lists;
  if (!only) return C.lit(tail);
  const head = more.length ? C.idx(g.pointers!, C.id("i")) : C.bin("+", C.lit(listPointer(only)), C.call("string", [C.id("i")]));
  return tail ? C.bin("+", head, C.lit(tail)) : head;
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
  return g.lists.length ? { root: { k: "var", name: g.v }, segs: rel } : { root: { k: "object" }, segs: rel };
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
    // a default set whenever its field is absent applies whenever the parent is absent
    const always = below.some(({ l }) => l.m.k === "setIfAbsent" && !l.m.when);
    const absent = C.not(presence(basePath(g, rel), ctx));
    out.push({ applies: always ? absent : C.and(absent, C.or(...below.map((x) => x.applies))), patch: patch("add", pointer(g, rel), { t: "map", entries: [] }) });
  }
  for (const x of leaves) out.push({ applies: x.applies, patch: x.patch });
  return out;
}

const concat = (xs: CExpr[]): CExpr => (xs.length ? xs.reduce((a, b) => C.bin("+", a, b)) : C.list([]));

/** Name of the pointer variable of sibling lists: `containers` → `containerPaths`. */
function pointersName(list: Path): string {
  const last = list.segs[list.segs.length - 1];
  const base = last ? segName(last).replace(/s$/, "") : "element";
  return `${base}Paths`;
}

/**
 * The JSONPatch list expression applying every mutation (throws LowerError when not expressible), and the variables
 * it reads (JSON pointers of elements of sibling lists patched together).
 */
export function jsonPatchList(muts: readonly Mutation[], ctx: Ctx): { expr: CExpr; variables: NamedCExpr[] } {
  const parts: CExpr[] = [];
  const variables: NamedCExpr[] = [];
  for (const g of groups(muts)) {
    if (!g.lists.length) {
      for (const p of groupPatches(g, ctx)) parts.push(C.cond(p.applies, C.list([p.patch]), C.list([])));
      continue;
    }
    const orEmpty = (l: Path): CExpr => lowerVal({ k: "default", of: { k: "path", path: l }, fallback: { k: "lit", value: [] } }, ctx);
    if (g.lists.length > 1) {
      const name = pointersName(g.lists[0]!);
      const expr = concat(g.lists.map((l) => C.macro(orEmpty(l), "transformList", ["i", g.v], [C.bin("+", C.lit(listPointer(l)), C.call("string", [C.id("i")]))])));
      if (!variables.some((v) => v.name === name)) variables.push({ name, expr });
      g.pointers = C.sel(C.id("variables"), name);
    }
    const list = concat(g.lists.map(orEmpty));
    for (const p of groupPatches(g, ctx)) parts.push(C.macro(list, "transformList", ["i", g.v], [p.applies, p.patch]));
  }
  return { expr: concat(parts), variables };
}
