// OPA's eval_conflict_error, found statically: a function whose definitions can give different values for the same
// arguments ("functions must not produce multiple outputs for same inputs"), a complete rule whose definitions can
// give different values ("complete rules must not produce multiple outputs"), and partial objects (two bindings may
// give one key different values: "object keys must be unique"). OPA evaluates every definition of a called function
// (topdown/eval.go evalFunc.evalOneRule: a second, different result is functionConflictErr) and Gatekeeper turns the
// error into a violation of every constraint of the template (frameworks constraint/pkg/client/drivers/rego/driver.go
// Query), so a reachable conflict denies. This module lists, per function and complete rule, the pairs of
// definitions that may both hold with different values — pairs it can prove exclusive are left out: distinct literal
// arguments, `x` against `not x` (helpers of one test each expanded), `a == 1` against `a == 2` or `a != 1`,
// disjoint numeric bounds, `not x` / `x == null` against a field below x (callees' needs included), `not x` with
// `not x == false` against x, and equal values — and tells which rules and functions reach such a call. The lowering
// (./lower.ts) expresses the remaining pairs in CEL.
import type { Body, Expr, Term } from "../ast.js";
import type { CompiledProgram } from "../engine/compile.js";
import { hasOwnRules, type CompiledRule, type RuleNode } from "../engine/program.js";

/** Definition pairs [i, j] (i ≤ j; [i, i]: one definition may give several values) that may conflict. */
export type ConflictPairs = readonly (readonly [number, number])[];

export interface ConflictInfo {
  /** A function's conflicting definition pairs (indexes into its rules); absent or empty: none. */
  functionPairs(name: string): ConflictPairs;
  /** A node's conflicting complete-rule pairs (indexes into `node.complete`). */
  completePairs(node: RuleNode): ConflictPairs;
  /** Evaluating the function may raise a conflict (its own, or one of what it calls). */
  functionReaches(name: string): boolean;
  /** Reading the rule node may raise a conflict. */
  nodeReaches(node: RuleNode): boolean;
  /** Evaluating the expression / term / body may raise a conflict. */
  exprReaches(expr: Expr): boolean;
  termReaches(term: Term): boolean;
  bodyReaches(body: Body): boolean;
}

const cache = new WeakMap<CompiledProgram, ConflictInfo>();

/** The conflict analysis of a compiled program (computed once per program). */
export function conflictInfo(program: CompiledProgram): ConflictInfo {
  let info = cache.get(program);
  if (!info) cache.set(program, (info = analyse(program)));
  return info;
}

function analyse(program: CompiledProgram): ConflictInfo {
  const fnPairs = new Map<string, ConflictPairs>();
  const nodePairs = new Map<RuleNode, ConflictPairs>();
  const functionPairs = (name: string): ConflictPairs => {
    let pairs = fnPairs.get(name);
    if (!pairs) fnPairs.set(name, (pairs = conflictingPairs(program.functions.get(name) ?? [], program)));
    return pairs;
  };
  const completePairs = (node: RuleNode): ConflictPairs => {
    let pairs = nodePairs.get(node);
    if (!pairs) nodePairs.set(node, (pairs = conflictingPairs(node.complete, program)));
    return pairs;
  };

  const fnReach = new Map<string, boolean>();
  const nodeReach = new Map<RuleNode, boolean>();
  const rulesReach = (rules: readonly CompiledRule[]): boolean =>
    rules.some(({ rule }) => bodyReaches(rule.body) || [rule.head.value, rule.head.key, ...(rule.head.args ?? [])].some((t) => t !== undefined && termReaches(t)) || rule.elses.some((e) => bodyReaches(e.body) || (e.value !== undefined && termReaches(e.value))));
  const functionReaches = (name: string): boolean => {
    const known = fnReach.get(name);
    if (known !== undefined) return known;
    fnReach.set(name, false); // recursion: what is being computed reaches nothing new through itself
    const result = functionPairs(name).length > 0 || rulesReach(program.functions.get(name) ?? []);
    fnReach.set(name, result);
    return result;
  };
  const nodeReaches = (node: RuleNode): boolean => {
    const known = nodeReach.get(node);
    if (known !== undefined) return known;
    nodeReach.set(node, false);
    const own = [...node.complete, ...node.defaults, ...node.partialSets, ...node.dynamic];
    // partial objects: two bindings may give one key different values ("object keys must be unique")
    const result = completePairs(node).length > 0 || node.dynamic.length > 0 || rulesReach(own) || (!hasOwnRules(node) && [...node.children.values()].some(nodeReaches));
    nodeReach.set(node, result);
    return result;
  };
  /** The node a `data.…` ref reads (as the lowering resolves it), if any. */
  const dataNode = (term: Extract<Term, { type: "ref" }>): RuleNode | undefined => {
    let node: RuleNode | undefined = program.root;
    for (const element of term.path) {
      if (!node || hasOwnRules(node)) break;
      if (element.type !== "string") return node;
      node = node.children.get(element.value);
    }
    return node;
  };
  const termReaches = (term: Term): boolean => {
    switch (term.type) {
      case "call":
        if (program.functions.has(term.name) && functionReaches(term.name)) return true;
        if (term.name.startsWith("data.") && !program.functions.has(term.name)) {
          const loc = term.loc;
          const path = term.name.split(".").slice(1).map((value) => ({ type: "string" as const, value, loc }));
          const node = dataNode({ type: "ref", head: { type: "var", name: "data", loc }, path, loc });
          if (node && nodeReaches(node)) return true;
        }
        return term.args.some(termReaches);
      case "ref": {
        if (term.head.type === "var" && term.head.name === "data") {
          const node = dataNode(term);
          if (node && nodeReaches(node)) return true;
        } else if (termReaches(term.head)) return true;
        return term.path.some(termReaches);
      }
      case "array":
      case "set":
        return term.items.some(termReaches);
      case "object":
        return term.entries.some(([k, v]) => termReaches(k) || termReaches(v));
      case "arraycomp":
      case "setcomp":
        return termReaches(term.head) || bodyReaches(term.body);
      case "objectcomp":
        return termReaches(term.key) || termReaches(term.value) || bodyReaches(term.body);
      case "template":
        return term.parts.some((p) => typeof p !== "string" && termReaches(p));
      default:
        return false;
    }
  };
  const exprReaches = (expr: Expr): boolean => {
    if (expr.with.some((w) => termReaches(w.value))) return true;
    switch (expr.type) {
      case "term":
        return termReaches(expr.term);
      case "some":
        return false;
      case "somein":
        return termReaches(expr.domain) || termReaches(expr.value) || (expr.key !== null && termReaches(expr.key));
      case "every":
        return termReaches(expr.domain) || bodyReaches(expr.body);
      case "notbody":
        return bodyReaches(expr.body);
      case "and":
      case "or":
        return expr.operands.some(bodyReaches);
    }
  };
  const bodyReaches = (body: Body): boolean => body.some(exprReaches);
  return { functionPairs, completePairs, functionReaches, nodeReaches, exprReaches, termReaches, bodyReaches };
}

// ---- which definitions may conflict ----------------------------------------------------------------------------

/** A definition, seen through its facts: what must hold for it to give a value, and the value. */
interface Facts {
  hasElse: boolean;
  /** Canonical text of the value (after inlining local assignments); `open` when it reads a local the body binds by
   *  iteration or pattern (then the definition may give several values). */
  value: string;
  open: boolean;
  /** Canonical texts of the expressions that must succeed / must fail (`not x`). */
  pos: Set<string>;
  neg: Set<string>;
  /** `t == c` / `t != c` with c a scalar literal (canonical t → canonical c). */
  eq: Map<string, Set<string>>;
  neq: Map<string, Set<string>>;
  /** Numeric bounds on t: [low, lowOpen, high, highOpen]. */
  bounds: Map<string, Bound>;
  /** Canonical refs (and calls) that must be defined; refs keep their path for "below" tests. */
  required: CanonRef[];
  /** Terms known to be neither undefined nor false (`is_array(t)`, `t == "x"`, …). */
  truthy: Set<string>;
}

interface CanonRef {
  head: string;
  path: string[];
}

interface Bound {
  low: number;
  lowOpen: boolean;
  high: number;
  highOpen: boolean;
}

const TYPE_TESTS = new Set(["is_array", "is_string", "is_number", "is_object", "is_set", "is_boolean"]);
const COMPARES: Record<string, string> = { lt: "<", lte: "<=", gt: ">", gte: ">=" };
const FLIP: Record<string, string> = { "<": ">", "<=": ">=", ">": "<", ">=": "<=" };

/** The pairs of definitions that may give different values for the same input. */
function conflictingPairs(rules: readonly CompiledRule[], program: CompiledProgram): ConflictPairs {
  const live = rules.filter((r) => !r.rule.default);
  if (!live.length) return [];
  const facts = live.map((r, index) => factsOf(r, index, program));
  const pairs: [number, number][] = [];
  for (let i = 0; i < live.length; i++) {
    const own = rules.indexOf(live[i]!);
    if (facts[i]!.open) pairs.push([own, own]);
    for (let j = i + 1; j < live.length; j++) if (!cannotConflict(facts[i]!, facts[j]!)) pairs.push([own, rules.indexOf(live[j]!)]);
  }
  return pairs;
}

/** Two definitions that cannot both give a value, or give the same one. */
function cannotConflict(a: Facts, b: Facts): boolean {
  if (!a.open && !b.open && a.value === b.value && !a.hasElse && !b.hasElse) return true;
  if (a.hasElse || b.hasElse) return false;
  return exclusive(a, b) || exclusive(b, a);
}

/** Facts of `a` contradict facts of `b` (checked one way; the caller tries both). */
function exclusive(a: Facts, b: Facts): boolean {
  for (const p of a.pos) if (b.neg.has(p)) return true;
  for (const [t, cs] of a.eq) {
    for (const c of cs) {
      const other = b.eq.get(t);
      if (other && [...other].some((d) => d !== c)) return true;
      if (b.neq.get(t)?.has(c)) return true;
    }
  }
  for (const [t, x] of a.bounds) {
    const y = b.bounds.get(t);
    if (y && disjoint(x, y)) return true;
  }
  // `not x` (undefined or false) or `x == null`: nothing below x is defined
  for (const n of [...a.neg, ...[...a.eq].filter(([, cs]) => cs.has("null")).map(([t]) => t)]) {
    if (b.required.some((r) => below(r, n))) return true;
  }
  // `not x` and `not x == false`: x is undefined, and b needs it; `not x` where b knows x is a truthy value
  for (const n of a.neg) {
    if (b.truthy.has(n)) return true;
    if (a.neg.has(falseTest(n)) && b.required.some((r) => refText(r) === n)) return true;
  }
  return false;
}

function disjoint(x: Bound, y: Bound): boolean {
  const low = Math.max(x.low, y.low);
  const high = Math.min(x.high, y.high);
  if (low > high) return true;
  if (low < high) return false;
  const lowOpen = (x.low === low && x.lowOpen) || (y.low === low && y.lowOpen);
  const highOpen = (x.high === high && x.highOpen) || (y.high === high && y.highOpen);
  return lowOpen || highOpen;
}

const refText = (r: CanonRef): string => (r.path.length ? `${r.head}[${r.path.join("][")}]` : r.head);

/** Is `r` strictly below the ref whose canonical text is `text`? */
function below(r: CanonRef, text: string): boolean {
  for (let n = 0; n < r.path.length; n++) if (refText({ head: r.head, path: r.path.slice(0, n) }) === text) return true;
  return false;
}

const falseTest = (text: string): string => `equal(${[text, "false"].sort().join(",")})`;

/** The facts of one definition (its first body; `index` keeps its locals apart from other definitions'). */
function factsOf(compiled: CompiledRule, index: number, program: CompiledProgram): Facts {
  const rule = compiled.rule;
  const args = new Map<string, string>();
  const facts: Facts = { hasElse: rule.elses.length > 0, value: "", open: false, pos: new Set(), neg: new Set(), eq: new Map(), neq: new Map(), bounds: new Map(), required: [], truthy: new Set() };
  (rule.head.args ?? []).forEach((arg, position) => {
    if (arg.type === "var" && arg.name !== "_" && !arg.name.startsWith("$")) args.set(arg.name, `$arg${position}`);
    else if (isScalar(arg)) add(facts.eq, `$arg${position}`, scalarText(arg));
  });
  const ctx = scanBody(rule.body, args, `${index}`, program, facts);
  const valueCtx: Canon = { ...ctx, open: false };
  facts.value = rule.head.value ? canon(rule.head.value, valueCtx) : "true";
  facts.open = valueCtx.open;
  if (rule.head.value) requireIn(facts, rule.head.value, ctx);
  // an else branch gives its own value: several values when one of them reads a local it iterates
  rule.elses.forEach((branch, n) => {
    const elseCtx = scanBody(branch.body, args, `${index}e${n}`, program);
    const branchValue: Canon = { ...elseCtx, open: false };
    if (branch.value) canon(branch.value, branchValue);
    facts.open ||= branchValue.open;
  });
  return facts;
}

/** Inlines a body's local assignments (`x := t`) and, when `facts` is given, records what the body requires. */
function scanBody(body: Body, args: ReadonlyMap<string, string>, local: string, program: CompiledProgram, facts?: Facts, interprocedural = true): Canon {
  const subst = new Map<string, Term>();
  const bound = new Set<string>(args.keys());
  const ctx: Canon = { args, subst, local, open: false, ...(interprocedural ? { program } : {}) };
  for (const expr of body) {
    if (expr.type !== "term" || expr.with.length) continue;
    const term = expr.term;
    if (!expr.negated && term.type === "call" && (term.name === "assign" || term.name === "eq")) {
      const [l, r] = term.args as [Term, Term];
      const target = l.type === "var" && !bound.has(l.name) ? l : r.type === "var" && !bound.has(r.name) && term.name === "eq" ? r : undefined;
      if (target && target.type === "var") {
        const value = target === l ? r : l;
        subst.set(target.name, value);
        bound.add(target.name);
        if (facts) requireIn(facts, value, ctx);
        continue;
      }
    }
    for (const v of varsOf(term)) bound.add(v);
    if (!facts) continue;
    if (expr.negated) {
      facts.neg.add(canon(term, ctx));
      for (const inner of negatedBodies(term, ctx, program)) facts.neg.add(inner);
    } else {
      facts.pos.add(canon(term, ctx));
      record(facts, term, ctx);
      requireIn(facts, term, ctx);
    }
  }
  return ctx;
}

/**
 * `not f(a)` where every definition of f is one test (`f(x) { t(x) }`): none of the tests holds, so each `not t(a)`
 * is a fact too; likewise `not r` for a rule whose definitions are one test each.
 */
function negatedBodies(term: Term, ctx: Canon, program: CompiledProgram): string[] {
  let rules: readonly CompiledRule[] | undefined;
  let callArgs: readonly Term[] = [];
  if (term.type === "call" && program.functions.has(term.name)) {
    rules = program.functions.get(term.name);
    callArgs = term.args;
  } else if (term.type === "ref" && term.head.type === "var" && term.head.name === "data" && term.path.every((p) => p.type === "string")) {
    let node: RuleNode | undefined = program.root;
    for (const p of term.path) node = node?.children.get((p as { value: string }).value);
    if (node && !node.partialSets.length && !node.dynamic.length && !node.defaults.length && node.complete.length) rules = node.complete;
  }
  if (!rules?.length) return [];
  const out: string[] = [];
  for (const { rule } of rules) {
    const params = rule.head.args ?? [];
    const trueValue = !rule.head.value || (rule.head.value.type === "boolean" && rule.head.value.value);
    if (rule.elses.length || !trueValue || params.length !== callArgs.length || !params.every((p) => p.type === "var" && !p.name.startsWith("$"))) return [];
    const args = new Map(params.map((p, i) => [(p as { name: string }).name, canon(callArgs[i]!, ctx)]));
    // the compiler's hoisted bindings (`$d1 = f(x)`) are inlined: one test must be left
    const inner: Canon = { args, subst: new Map(), local: `${ctx.local}>${rule.loc.line}`, open: false };
    const tests = rule.body.filter((expr) => !inlineAssignment(expr, inner));
    const test = tests[0];
    if (tests.length !== 1 || !test || test.type !== "term" || test.negated || test.with.length) return [];
    out.push(canon(test.term, inner));
  }
  return out;
}

/** `x := t` / `x = t` binding a fresh local: recorded in the context's substitutions (true), else false. */
function inlineAssignment(expr: Expr, ctx: Canon): boolean {
  if (expr.type !== "term" || expr.negated || expr.with.length || expr.term.type !== "call" || (expr.term.name !== "assign" && expr.term.name !== "eq")) return false;
  const [l, r] = expr.term.args as [Term, Term];
  const fresh = (t: Term): boolean => t.type === "var" && !ctx.args.has(t.name) && !ctx.subst.has(t.name) && t.name !== "input" && t.name !== "data";
  if (fresh(l)) (ctx.subst as Map<string, Term>).set((l as { name: string }).name, r);
  else if (expr.term.name === "eq" && fresh(r)) (ctx.subst as Map<string, Term>).set((r as { name: string }).name, l);
  else return false;
  return true;
}

function add(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key) ?? new Set<string>();
  set.add(value);
  map.set(key, set);
}

const isScalar = (t: Term): boolean => t.type === "string" || t.type === "number" || t.type === "boolean" || t.type === "null";
const scalarText = (t: Term): string => (t.type === "string" ? JSON.stringify(t.value) : t.type === "number" ? String(Number(t.text)) : t.type === "boolean" ? String(t.value) : "null");

/** Comparisons of a non-negated expression: equalities with literals, numeric bounds, type tests. */
function record(facts: Facts, term: Term, ctx: Canon): void {
  if (term.type !== "call") return;
  const [a, b] = term.args;
  if (TYPE_TESTS.has(term.name) && a) facts.truthy.add(canon(a, ctx));
  if (!a || !b) return;
  const literalSide = isScalar(b) ? ([a, b] as const) : isScalar(a) ? ([b, a] as const) : undefined;
  if (!literalSide) return;
  const [t, c] = literalSide;
  const key = canon(t, ctx);
  if (term.name === "equal" || term.name === "eq") {
    add(facts.eq, key, scalarText(c));
    if (!(c.type === "boolean" && !c.value) && c.type !== "null") facts.truthy.add(key);
    if (c.type === "number") tighten(facts, key, "==", Number(c.text));
  } else if (term.name === "neq") add(facts.neq, key, scalarText(c));
  else if (COMPARES[term.name] && c.type === "number") tighten(facts, key, c === b ? COMPARES[term.name]! : FLIP[COMPARES[term.name]!]!, Number(c.text));
}

function tighten(facts: Facts, key: string, op: string, n: number): void {
  const b = facts.bounds.get(key) ?? { low: -Infinity, lowOpen: false, high: Infinity, highOpen: false };
  if ((op === ">" || op === ">=" || op === "==") && (n > b.low || (n === b.low && op === ">"))) Object.assign(b, { low: n, lowOpen: op === ">" });
  if ((op === "<" || op === "<=" || op === "==") && (n < b.high || (n === b.high && op === "<"))) Object.assign(b, { high: n, highOpen: op === "<" });
  facts.bounds.set(key, b);
}

/** Refs and calls a non-negated expression needs defined (not inside comprehensions, which are always defined). */
function requireIn(facts: Facts, term: Term, ctx: Canon): void {
  switch (term.type) {
    case "ref": {
      const head = canon(term.head, ctx);
      facts.required.push({ head, path: term.path.map((p) => canon(p, ctx)) });
      requireIn(facts, term.head, ctx);
      for (const p of term.path) requireIn(facts, p, ctx);
      return;
    }
    case "var": {
      const s = ctx.subst.get(term.name);
      if (s) requireIn(facts, s, ctx);
      return;
    }
    case "call":
      if (term.name !== "assign" && term.name !== "eq" && term.name !== "object.get") facts.required.push({ head: canon(term, ctx), path: [] });
      for (const a of term.args) requireIn(facts, a, ctx);
      // what every definition of a called function needs below its arguments, the caller needs too
      if (ctx.program?.functions.has(term.name)) {
        for (const need of calleeRequirements(term.name, ctx.program)) {
          const arg = term.args[need.arg];
          if (arg) facts.required.push({ head: canon(arg, ctx), path: need.path });
        }
      }
      return;
    case "array":
    case "set":
      for (const i of term.items) requireIn(facts, i, ctx);
      return;
    case "object":
      for (const [k, v] of term.entries) (requireIn(facts, k, ctx), requireIn(facts, v, ctx));
      return;
    default:
      return;
  }
}

interface Canon {
  args: ReadonlyMap<string, string>;
  subst: ReadonlyMap<string, Term>;
  /** For looking into callees (one level: not set while analysing a callee). */
  program?: CompiledProgram;
  /** Tag of the definition: its own locals never equal another's. */
  local: string;
  /** Set when the text reads a local that is not an argument or an inlined assignment. */
  open: boolean;
}

/** Canonical text of a term: arguments by position, assigned locals inlined, other locals tagged, no locations. */
function canon(term: Term, ctx: Canon, depth = 0): string {
  if (depth > 32) {
    ctx.open = true;
    return "…";
  }
  const c = (t: Term): string => canon(t, ctx, depth + 1);
  switch (term.type) {
    case "null":
    case "boolean":
    case "number":
    case "string":
      return scalarText(term);
    case "var": {
      if (term.name === "input" || term.name === "data") return term.name;
      const arg = ctx.args.get(term.name);
      if (arg) return arg;
      const s = ctx.subst.get(term.name);
      if (s) return c(s);
      ctx.open = true;
      return `?${ctx.local}:${term.name}`;
    }
    case "ref": {
      // iterating a function's result that holds one element at most is one value, not several
      const single = ctx.program !== undefined && singletonCall(resolve(term.head, ctx), ctx.program);
      const element = (p: Term): string => (single && p.type === "var" && !ctx.args.has(p.name) && !ctx.subst.has(p.name) ? `?${ctx.local}:${p.name}` : c(p));
      return `${c(term.head)}[${term.path.map(element).join("][")}]`.replace(/\[\]$/, "");
    }
    case "call": {
      const args = term.args.map(c);
      if (term.name === "equal" || term.name === "neq" || term.name === "eq") args.sort();
      return `${term.name === "eq" ? "equal" : term.name}(${args.join(",")})`;
    }
    case "array":
      return `[${term.items.map(c).join(",")}]`;
    case "set":
      return `{${term.items.map(c).sort().join(",")}}`;
    case "object":
      return `{${term.entries.map(([k, v]) => `${c(k)}:${c(v)}`).join(",")}}`;
    default:
      // comprehensions and templates: one value each, never equal to another definition's
      return `${term.type}#${ctx.local}:${term.loc.line}:${term.loc.col}`;
  }
}

/** A term with its local assignments followed. */
function resolve(term: Term, ctx: Canon, depth = 0): Term {
  if (term.type === "var" && depth < 32) {
    const s = ctx.subst.get(term.name);
    if (s) return resolve(s, ctx, depth + 1);
  }
  return term;
}

/** Every value (branch) of a definition, with the facts of its body and the value term resolved. */
function branchesOf(rule: CompiledRule["rule"], program: CompiledProgram, tag: string): { facts: Facts; value: Term | undefined }[] {
  const args = new Map((rule.head.args ?? []).flatMap((arg, position): [string, string][] => (arg.type === "var" && !arg.name.startsWith("$") ? [[arg.name, `$arg${position}`]] : [])));
  const parts = [{ body: rule.body, value: rule.head.value }, ...rule.elses.map((branch) => ({ body: branch.body, value: branch.value }))];
  return parts.map((part, n) => {
    const facts: Facts = { hasElse: false, value: "", open: false, pos: new Set(), neg: new Set(), eq: new Map(), neq: new Map(), bounds: new Map(), required: [], truthy: new Set() };
    (rule.head.args ?? []).forEach((arg, position) => {
      if (isScalar(arg)) add(facts.eq, `$arg${position}`, scalarText(arg));
    });
    const ctx = scanBody(part.body, args, `${tag}b${n}`, program, facts, false);
    if (part.value) requireIn(facts, part.value, ctx);
    return { facts, value: part.value ? resolve(part.value, ctx) : undefined };
  });
}

const requirementsCache = new WeakMap<CompiledProgram, Map<string, { arg: number; path: string[] }[]>>();

/** Refs strictly below its arguments (literal paths) that every definition and branch of a function needs. */
function calleeRequirements(name: string, program: CompiledProgram): { arg: number; path: string[] }[] {
  let byName = requirementsCache.get(program);
  if (!byName) requirementsCache.set(program, (byName = new Map()));
  const cached = byName.get(name);
  if (cached) return cached;
  byName.set(name, []);
  let common: Map<string, { arg: number; path: string[] }> | undefined;
  const rules = program.functions.get(name) ?? [];
  // a default definition gives a value whatever the others need
  if (rules.some(({ rule }) => rule.default)) return [];
  for (const { rule } of rules) {
    for (const branch of branchesOf(rule, program, "req")) {
      const mine = new Map<string, { arg: number; path: string[] }>();
      for (const r of branch.facts.required) {
        const m = /^\$arg(\d+)$/.exec(r.head);
        if (m && r.path.length && r.path.every((p) => /^("|-?\d)/.test(p))) mine.set(refText(r), { arg: Number(m[1]), path: r.path });
      }
      common = common ? new Map([...common].filter(([key]) => mine.has(key))) : mine;
    }
  }
  const out = [...(common?.values() ?? [])];
  byName.set(name, out);
  return out;
}

/** A call of a function each of whose possible branches gives a list of at most one element. */
function singletonCall(term: Term, program: CompiledProgram): boolean {
  if (term.type !== "call" || !program.functions.has(term.name)) return false;
  for (const { rule } of program.functions.get(term.name)!) {
    if (rule.default) return false;
    for (const branch of branchesOf(rule, program, "one")) {
      // a branch whose argument test the call's argument can never meet gives nothing
      const impossible = [...branch.facts.eq].some(([key, values]) => {
        const m = /^\$arg(\d+)$/.exec(key);
        const possible = m ? possibleScalars(term.args[Number(m[1])], program) : undefined;
        return possible !== undefined && [...values].some((v) => !possible.has(v));
      });
      if (impossible) continue;
      if (branch.value?.type !== "array" || branch.value.items.length > 1) return false;
    }
  }
  return true;
}

/** The scalar values a term can have: a literal, or a rule / zero-argument function whose every value is one. */
function possibleScalars(term: Term | undefined, program: CompiledProgram): Set<string> | undefined {
  if (!term) return undefined;
  if (isScalar(term)) return new Set([scalarText(term)]);
  let rules: readonly CompiledRule[] | undefined;
  if (term.type === "call" && !term.args.length) rules = program.functions.get(term.name);
  else if (term.type === "ref" && term.head.type === "var" && term.head.name === "data" && term.path.every((p) => p.type === "string")) {
    const name = `data.${term.path.map((p) => (p as { value: string }).value).join(".")}`;
    rules = program.functions.get(name);
    if (!rules) {
      let node: RuleNode | undefined = program.root;
      for (const p of term.path) node = node?.children.get((p as { value: string }).value);
      if (node && !node.partialSets.length && !node.dynamic.length) rules = [...node.complete, ...node.defaults];
    }
  }
  if (!rules?.length) return undefined;
  const out = new Set<string>();
  for (const { rule } of rules) {
    if (rule.head.args?.length) return undefined;
    for (const branch of branchesOf(rule, program, "val")) {
      if (!branch.value || !isScalar(branch.value)) return undefined;
      out.add(scalarText(branch.value));
    }
  }
  return out;
}

function varsOf(term: Term): string[] {
  switch (term.type) {
    case "var":
      return [term.name];
    case "ref":
      return [...varsOf(term.head), ...term.path.flatMap(varsOf)];
    case "call":
      return term.args.flatMap(varsOf);
    case "array":
    case "set":
      return term.items.flatMap(varsOf);
    case "object":
      return term.entries.flatMap(([k, v]) => [...varsOf(k), ...varsOf(v)]);
    default:
      return [];
  }
}
