// Hoisting: subexpressions that occur more than once across a policy's variables, validations and
// messageExpressions become named VAP variables (`variables.securityContext`), largest saving first. Only closed
// subexpressions move (no comprehension variables, no `authorizer`, which messageExpressions cannot read), and
// matchConditions are never rewritten (they cannot read variables). Names come from the expression (its last field or
// call), made unique; variables are ordered so each one only reads earlier ones.
import { forEachChild, freeIds, key, mapChildren, type CExpr } from "./ast.js";
import { flat } from "./unparse.js";
import { isSafeIdent } from "./literal.js";

export interface NamedCExpr {
  name: string;
  expr: CExpr;
}

const okName = (n: string): string => (n.endsWith("Ok") ? n : `${n}Ok`);

const ADMISSION = new Set(["object", "oldObject", "request", "params", "namespaceObject", "variables"]);
/** CEL type identifiers (kind tests `type(dyn(x)) == string`): constants, not free variables. */
const TYPE_IDS = new Set(["null_type", "bool", "int", "uint", "double", "string", "bytes", "list", "map"]);
const MIN_CHARS = 28;
/** Short literals read better in place than behind a name. */
const MIN_LITERAL_CHARS = 60;

function literal(e: CExpr): boolean {
  return e.t === "lit" || (e.t === "list" && e.items.every(literal)) || (e.t === "map" && e.entries.every((x) => literal(x.key) && literal(x.value)));
}

function closed(e: CExpr): boolean {
  for (const id of freeIds(e)) if (!ADMISSION.has(id) && !TYPE_IDS.has(id)) return false;
  return true;
}

/** The nodes of a tree that can be shared, in pre-order, with their keys (and the set of those keys). */
interface Shareable {
  nodes: CExpr[];
  keys: string[];
  has: Set<string>;
}

/**
 * Per tree (trees are never changed once built): hoisting rounds re-read every tree, most of them unchanged. One
 * cache per hoist() call, dropped with it: a process-wide WeakMap whose values hold every node of their key's tree
 * made chains of ephemerons that V8's major GC walks repeatedly — a long run (the bench's thousands of conversions)
 * slowed down 20-fold as the heap grew.
 */
type ShareableCache = Map<CExpr, Shareable>;

/** Every node but identifiers and scalar literals, pre-order; the argument of has() is left out (it must stay a field
 *  selection). */
function shareable(root: CExpr, shareableOf: ShareableCache): Shareable {
  let s = shareableOf.get(root);
  if (s === undefined) {
    const out: Shareable = { nodes: [], keys: [], has: new Set() };
    const visit = (e: CExpr): void => {
      // literal lists too (long ones become variables: MIN_LITERAL_CHARS)
      if ((e.t !== "lit" || Array.isArray(e.v)) && e.t !== "id") {
        const k = key(e);
        out.nodes.push(e);
        out.keys.push(k);
        out.has.add(k);
      }
      if (e.t === "call" && e.fn === "has") return;
      forEachChild(e, visit);
    };
    visit(root);
    shareableOf.set(root, (s = out));
  }
  return s;
}

/** How often each structure occurs in the trees, each with one occurrence; kept up to date as trees are swapped
 *  (a hoisting round changes few trees: recounting all of them every round was most of a conversion's time). */
class Counts {
  readonly of = new Map<string, { e: CExpr; n: number }>();
  constructor(private readonly cache: ShareableCache) {}

  add(t: CExpr, sign: 1 | -1): void {
    const { nodes, keys } = shareable(t, this.cache);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const cur = this.of.get(k);
      if (cur) {
        cur.n += sign;
        if (cur.n === 0) this.of.delete(k);
      } else if (sign > 0) this.of.set(k, { e: nodes[i]!, n: 1 });
    }
  }

  /** `t` replaced by `by` (nothing when they are the same tree). */
  swap(t: CExpr, by: CExpr): CExpr {
    if (by !== t) {
      this.add(t, -1);
      this.add(by, 1);
    }
    return by;
  }
}

/** `e` with every shareable node of structure `k` replaced by `by` (`e` itself when it has none). */
function replaceIn(e: CExpr, k: string, by: CExpr, cache: ShareableCache): CExpr {
  return shareable(e, cache).has.has(k) ? replace(e, k, by) : e;
}

function replace(e: CExpr, k: string, by: CExpr): CExpr {
  if (key(e) === k) return by;
  if (e.t === "call" && e.fn === "has") return e;
  return mapChildren(e, (c) => replace(c, k, by));
}

function pick(xs: CExpr[]): string {
  for (const x of xs) {
    const n = nameFor(x);
    if (n !== "shared") return n;
  }
  return "shared";
}

/** The first operand of a `+` chain (the literal prefix of a computed key). */
const leftmost = (e: CExpr): CExpr => (e.t === "bin" && e.op === "+" ? leftmost(e.l) : e);

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** `seccomp.security.alpha.kubernetes.io/pod` → `seccompPod`, `app.kubernetes.io/name` → `appName`, `team` → `team`. */
function keyName(k: string): string {
  const slash = k.lastIndexOf("/");
  if (slash < 0) return k.split(".").filter(Boolean).map((w, i) => (i ? cap(w) : w)).join("");
  const labels = k.slice(0, slash).split(".");
  const domain = labels[0] === "container" || labels[0] === "pod" ? `${labels[0]}${cap(labels[1] ?? "")}` : (labels[0] ?? "");
  const rest = k.slice(slash + 1);
  return rest ? `${domain}${cap(rest)}` : domain;
}

const GENERIC = new Set(["shared", "name", "key", "value", "type"]);

/** A quantifier is named after what its body reads, or after its list when the body says nothing specific. */
function macroName(e: Extract<CExpr, { t: "call" }>): string {
  const body = nameFor(e.args[e.args.length - 1]!);
  // a body testing presence (`!c.?x.hasValue()`) says less than the list it runs over
  return GENERIC.has(body.replace(/Ok$/, "")) || /^any(Shared|Name|Key|Value|Type)$/.test(body) || /^(has|no)[A-Z]/.test(body) ? nameFor(e.target!) : body;
}

const CONVERSIONS = new Set(["string", "int", "uint", "double", "bool", "dyn", "size"]);

/** The identifier a field/index chain starts from (`oldObject.spec.x` → oldObject, `variables.oldPod.x` → oldPod). */
function chainRoot(e: CExpr): string | undefined {
  if (e.t === "sel" && e.of.t === "id" && e.of.name === "variables") return e.field;
  if (e.t === "sel" || e.t === "idx") return chainRoot(e.of);
  if (e.t === "call" && e.target && (e.fn === "orValue" || e.fn === "hasValue")) return chainRoot(e.target);
  return e.t === "id" ? e.name : undefined;
}

/** Old-object reads are named as such (`oldName`), so they never read as the new object's. */
const oldPrefix = (e: CExpr, n: string): string => (/^old[A-Z]/.test(n) || !/^old[A-Z]|^oldObject$/.test(chainRoot(e) ?? "") ? n : `old${cap(n)}`);

const RELATIONS = new Set(["==", "!=", "<", "<=", ">", ">=", "in"]);
/** Names that already read as a test. */
const BOOLISH = /^(has|no|any|is)[A-Z]|Ok\d*$/;

/** A readable variable name for an expression. */
function nameFor(e: CExpr): string {
  switch (e.t) {
    case "sel":
      return oldPrefix(e, e.field);
    case "idx": {
      const k = e.key.t === "bin" && e.key.op === "+" ? leftmost(e.key) : e.key;
      return k.t === "lit" && typeof k.v === "string" ? oldPrefix(e, keyName(k.v)) : nameFor(e.of);
    }
    case "call":
      if (e.fn === "hasValue" && e.target) return `has${cap(nameFor(e.target))}`;
      if (e.fn === "all" && e.target) return okName(macroName(e));
      if (e.fn === "exists" && e.target) return `any${cap(macroName(e))}`;
      if (["orValue", "optMap", "filter", "map", "distinct", "sort"].includes(e.fn) && e.target) return nameFor(e.target);
      if (e.fn === "has" && e.args[0]) return `has${cap(nameFor(e.args[0]))}`;
      // a conversion is named after what it converts (`string(x.name)` → name)
      if (!e.target && CONVERSIONS.has(e.fn) && e.args.length === 1) return nameFor(e.args[0]!);
      return e.target ? `${nameFor(e.target)}_${e.fn}` : e.fn;
    case "cond": {
      // `test ? [] : ['pod.spec']`: the fields reported when the test fails
      const n = pick([e.test, e.then, e.else]);
      const lists = [e.then, e.else].every((b) => b.t === "list" || (b.t === "lit" && Array.isArray(b.v)));
      // a value chosen by a test is named for the test's subject, not as a test
      if (!lists || n === "shared") return n.replace(/(?<=[a-z])Ok\d*$/, "");
      const base = n.replace(/^(has|no)(?=[A-Z])/, "").replace(/Ok\d*$/, "");
      return `${base.charAt(0).toLowerCase()}${base.slice(1)}Failures`;
    }
    case "bin": {
      // a test is named for what it tests, as a test (`x.?runAsUser.orValue(1) > 0` → runAsUserOk)
      const n = pick([e.l, e.r]);
      // (not the request's own fields: `request.kind.kind != 'Pod'` stays `kind`)
      return RELATIONS.has(e.op) && n !== "shared" && !BOOLISH.test(n) && chainRoot(e.l) !== "request" ? okName(n) : n;
    }
    case "and":
      return pick(e.of);
    case "or": {
      // `!x.hasValue() || test(x)`: "x is absent or fine" reads as xOk, not hasX
      const n = pick(e.of);
      const m = /^(has|no)([A-Z].*)$/.exec(n);
      return e.of[0]?.t === "not" && m ? okName(m[2]!.charAt(0).toLowerCase() + m[2]!.slice(1)) : n;
    }
    case "not": {
      // `!x.?a.hasValue()` is "no a", not "has a"; `!x.?hostIPC.orValue(false)` "no hostIPC"
      const n = nameFor(e.of);
      if (/^has[A-Z]/.test(n)) return `no${n.slice(3)}`;
      // (a negated comparison is named as the comparison: `!(request.operation in [...])` stays `operation`)
      return n === "shared" || BOOLISH.test(n) || e.of.t === "bin" ? n : `no${cap(n)}`;
    }
    default:
      return "shared";
  }
}

function identifier(raw: string, used: Set<string>): string {
  let base = raw.replace(/[^A-Za-z0-9_]/g, "_").replace(/^(\d)/, "_$1").replace(/_+/g, "_");
  if (!base || !isSafeIdent(base)) base = `v_${base}`;
  let n = base;
  for (let i = 2; used.has(n); i++) n = `${base}${i}`;
  used.add(n);
  return n;
}

/**
 * Hoist repeated closed subexpressions of `exprs` (validations, messageExpressions, existing variables) into new
 * variables. Returns every variable (hoisted and existing, each after what it reads) and the rewritten expressions.
 */
export function hoist(exprs: CExpr[], existing: NamedCExpr[], reserved: Iterable<string> = []): { variables: NamedCExpr[]; rewritten: CExpr[] } {
  const used = new Set<string>([...reserved, ...existing.map((v) => v.name)]);
  const cache: ShareableCache = new Map();
  let all = [...existing.map((v) => v.expr), ...exprs];
  // an existing variable's whole expression found elsewhere is read from that variable; a later variable with the
  // same expression already reads the first one (replacing again would make the two read each other)
  const firstOf = new Set<string>();
  existing.forEach((v, i) => {
    const k = key(v.expr);
    if (v.expr.t === "lit" || v.expr.t === "id" || isVariableRef(v.expr) || firstOf.has(k)) return;
    firstOf.add(k);
    const ref: CExpr = { t: "sel", of: { t: "id", name: "variables" }, field: v.name };
    all = all.map((e, j) => (j === i ? e : replaceIn(e, k, ref, cache)));
  });
  const added: NamedCExpr[] = [];
  // per structure: its text (for length and ties) and whether it may become a variable at all
  const text = new Map<string, string>();
  const textOf = (k: string, e: CExpr): string => text.get(k) ?? (text.set(k, flat(e)), text.get(k)!);
  const hoistable = new Map<string, boolean>();
  const canHoist = (k: string, e: CExpr): boolean => {
    let ok = hoistable.get(k);
    if (ok === undefined) {
      const len = textOf(k, e).length;
      ok = !isVariableRef(e) && len >= MIN_CHARS && !(literal(e) && len < MIN_LITERAL_CHARS) && !buildsObject(e) && closed(e) && !freeIds(e).has("authorizer") && !flatHasAuthorizer(e);
      hoistable.set(k, ok);
    }
    return ok;
  };
  const counts = new Counts(cache);
  for (const t of all) counts.add(t, 1);
  for (let round = 0; round < 64; round++) {
    let best: { k: string; e: CExpr; gain: number; text: string } | undefined;
    for (const [k, { e, n }] of counts.of) {
      if (n < 2 || !canHoist(k, e)) continue;
      const t = textOf(k, e);
      const gain = (n - 1) * t.length;
      if (!best || gain > best.gain || (gain === best.gain && t < best.text)) best = { k, e, gain, text: t };
    }
    if (!best) break;
    // a literal list is named for what it is (its uses name their own parts)
    const name = identifier(literal(best.e) ? "values" : nameFor(best.e), used);
    const ref: CExpr = { t: "sel", of: { t: "id", name: "variables" }, field: name };
    all = all.map((e) => counts.swap(e, replaceIn(e, best.k, ref, cache)));
    for (const v of added) v.expr = counts.swap(v.expr, replaceIn(v.expr, best.k, ref, cache));
    added.push({ name, expr: best.e });
    counts.add(best.e, 1);
  }
  const nExisting = existing.length;
  const rewrittenExisting = existing.map((v, i) => ({ name: v.name, expr: all[i]! }));
  return { variables: orderByUse([...added, ...rewrittenExisting]), rewritten: all.slice(nExisting) };
}

/** Typed object construction (`JSONPatch{…}`, `Object{…}`) exists only in mutations, never in variables. */
function buildsObject(e: CExpr): boolean {
  if (e.t === "obj") return true;
  let found = false;
  forEachChild(e, (c) => void (found ||= buildsObject(c)));
  return found;
}

const isVariableRef = (e: CExpr): boolean => e.t === "sel" && e.of.t === "id" && e.of.name === "variables";

function flatHasAuthorizer(e: CExpr): boolean {
  return flat(e).includes("authorizer");
}

/** The names `text` reads as `variables.<name>` (every occurrence: the lookahead consumes no name). */
function variableReads(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/\bvariables\.(?=([A-Za-z0-9_]+))/g)) names.add(m[1]!);
  return names;
}

/** Order variables so that each reads only earlier ones (stable: a variable moves only behind what it reads). */
function orderByUse(vars: NamedCExpr[]): NamedCExpr[] {
  const out: NamedCExpr[] = [];
  const placed = new Set<string>();
  // `w` is read by `v` when v's text has `variables.<w.name>` as a whole word (names are CEL identifiers; any other
  // name is looked for with the same word-bounded pattern)
  const reads = (v: NamedCExpr): string[] => {
    const text = flat(v.expr);
    const found = variableReads(text);
    return vars.filter((w) => w !== v && (/^[A-Za-z0-9_]+$/.test(w.name) ? found.has(w.name) : new RegExp(`\\bvariables\\.${w.name}\\b`).test(text))).map((w) => w.name);
  };
  const visit = (v: NamedCExpr): void => {
    if (placed.has(v.name)) return;
    placed.add(v.name);
    for (const r of reads(v)) visit(vars.find((w) => w.name === r)!);
    out.push(v);
  };
  for (const v of vars) visit(v);
  return out;
}
