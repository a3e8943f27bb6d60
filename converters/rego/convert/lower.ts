// Rego → rule model by symbolic evaluation. A body becomes a predicate "some binding of its vars satisfies every
// expression": iteration (`xs[_]`, `some x in xs`, a partial set, a known list) becomes an `any` quantifier (or a
// disjunction over known elements), helper rules and functions are inlined (several bodies = disjunction), `not`
// negates the existential of its expression, and Rego's undefined is a false leaf (`ifAbsent: false`) — except
// where OPA evaluates a call argument outside the negation (the compiler hoists it; see engine/dynamics.ts), which
// the compiled bodies already show as `$dN = ref` bindings with a presence guard. What cannot be expressed throws
// Unsupported with the Rego location, and the caller turns it into a named gap on that rule.
// With `scope.reach` set a body lowers instead to "evaluating it raises eval_conflict_error": some binding reaches a
// call of a function (or a read of a complete rule) whose definitions give different values (./conflicts.ts) — the
// prefix of the body up to the call holds and two definitions hold with different values. OPA evaluates a negation,
// a comprehension and every definition of a called function in full, so a conflict anywhere inside counts; the
// body's own success does not (its final continuation is false).
import type { Body, Expr, Loc, Term } from "../ast.js";
import type { CompiledProgram } from "../engine/compile.js";
import type { CompiledRule, RuleNode } from "../engine/program.js";
import { hasOwnRules } from "../engine/program.js";
import { compare, equal, isArray, RObject, RSet, type Value } from "../value.js";
import { P, V, valPaths, type CompareOp, type Json, type Path, type Pred, type Root, type Val } from "../../../src/ir/model.js";
import { GO_FLOAT_RE, lowerBuiltinPred, lowerBuiltinVal, objectGet } from "./builtins.js";
import type { ConflictInfo, ConflictPairs } from "./conflicts.js";
import type { NamedValues } from "./named.js";
import { builtCollection, defined, elementKind, extend, inputSym, kindOf, known, NotPath, pathOf, rt, selectKey, UNDEF, valKind, valOf, type InputShape, type ParamsSource, type StaticKind, type Sym } from "./sym.js";

export class Unsupported extends Error {
  constructor(
    readonly reason: string,
    readonly loc?: Loc,
  ) {
    super(loc ? `${reason} (line ${loc.line})` : reason);
  }
}

export type Env = ReadonlyMap<string, Sym>;
type Then = (env: Env) => Pred;
type ThenSym = (sym: Sym, env: Env) => Pred;

export interface Scope {
  program: CompiledProgram;
  params: ParamsSource;
  /** Quantifier variable names in use (CEL identifiers must not collide). */
  names: Set<string>;
  /** Inlining depth (recursion guard). */
  depth: number;
  /** Labels for quantifiers over lists whose elements have a `name` (containers, volumes). */
  labelNames: boolean;
  /** What `input` is (default: Gatekeeper's). */
  input?: InputShape;
  /** Set while materializing a comprehension: its one iteration becomes the list it filters and projects. */
  collect?: Collect;
  /** Set while lowering where an eval_conflict_error is reached (see the header); undefined for the normal lowering. */
  reach?: Reach;
  /** Where values computed once per admission become VAP variables (./named.ts); absent: they stay in place. */
  named?: NamedValues;
}

/** The conflict analysis, and the names of the functions and rules whose conflicts the lowering met. */
export interface Reach {
  info: ConflictInfo;
  met: Set<string>;
}

/** The scope of the normal lowering (no conflict reach). */
const plain = (scope: Scope): Scope => (scope.reach ? { ...scope, reach: undefined } : scope);

interface Collect {
  list?: Val;
  v?: string;
  head?: Val;
}

const MAX_DEPTH = 24;

const bind = (env: Env, name: string, sym: Sym): Env => new Map(env).set(name, sym);

/** A fresh CEL identifier derived from a Rego var name. */
function freshName(scope: Scope, hint: string): string {
  const base = hint.replace(/^\$.*/, "").replace(/[^A-Za-z0-9_]/g, "") || "x";
  let name = /^[A-Za-z_]/.test(base) ? base : `x${base}`;
  for (let n = 2; scope.names.has(name) || RESERVED.has(name); n++) name = `${base || "x"}${n}`;
  scope.names.add(name);
  return name;
}

const RESERVED = new Set(["object", "oldObject", "request", "params", "namespaceObject", "variables", "authorizer", "in", "true", "false", "null", "int", "uint", "double", "bool", "string", "bytes", "list", "map", "type", "dyn", "has", "all", "exists", "exists_one", "map", "filter", "size",
  // CEL's reserved words (a helper named `let` binds its values under another name)
  "as", "break", "const", "continue", "else", "for", "function", "if", "import", "let", "loop", "package", "namespace", "return", "var", "void", "while"]);

// ---- bodies and expressions ------------------------------------------------------------------------------------

export function lowerBody(body: Body, index: number, env: Env, scope: Scope, then: Then): Pred {
  if (index === body.length) return then(env);
  return lowerExpr(body[index]!, env, scope, (next) => lowerBody(body, index + 1, next, scope, then));
}

function lowerExpr(expr: Expr, env: Env, scope: Scope, then: Then): Pred {
  if (expr.with.length > 0) throw new Unsupported("`with` in a policy body", expr.loc);
  if (expr.negated) return negation((inner, final) => lowerExpr({ ...expr, negated: false } as Expr, env, inner, final), () => !!scope.reach?.info.exprReaches(expr), scope, () => then(env));
  switch (expr.type) {
    case "some":
      return then(env);
    case "somein":
      return lowerTerm(expr.domain, env, scope, (domain, next) =>
        iterate(domain, expr.value.type === "var" ? expr.value.name : "x", scope, expr.loc, (key, value) =>
          matchPattern(expr.value, value, next, scope, expr.loc, (bound) => (expr.key ? matchPattern(expr.key, key, bound, scope, expr.loc, then) : then(bound))),
        ),
      );
    case "every":
      return lowerEvery(expr, env, scope, then);
    case "term":
      return lowerTermExpr(expr.term, env, scope, expr.loc, then);
    case "notbody":
      return negation((inner, final) => lowerBody(expr.body, 0, env, inner, final), () => !!scope.reach?.info.bodyReaches(expr.body), scope, () => then(env));
    case "and":
      noReach(expr, scope);
      return andThen(and(...expr.operands.map((operand) => lowerBody(operand, 0, env, scope, () => P.t))), () => then(env));
    case "or":
      noReach(expr, scope);
      return andThen(or(...expr.operands.map((operand) => lowerBody(operand, 0, env, scope, () => P.t))), () => then(env));
  }
}

/**
 * `not E`, then the rest: E must have no solution. Reaching a conflict inside E raises the error whatever E's
 * outcome (OPA evaluates a negation in full, topdown/eval.go evalNot), so in reach mode E's own reach is added.
 */
function negation(inner: (scope: Scope, final: () => Pred) => Pred, reaches: () => boolean, scope: Scope, then: () => Pred): Pred {
  const normal = andThen(not(inner(plain(scope), () => P.t)), then);
  if (!scope.reach || !reaches()) return normal;
  return or(inner(scope, () => P.f), normal);
}

/** Constructs whose conflict reach is not lowered: a gap when one holds a conflicting call. */
function noReach(expr: Expr, scope: Scope): void {
  if (scope.reach?.info.exprReaches(expr)) throw new Unsupported(`a call that may raise eval_conflict_error inside \`${expr.type === "every" ? "every" : expr.type}\``, expr.loc);
}

function lowerEvery(expr: Extract<Expr, { type: "every" }>, env: Env, scope: Scope, then: Then): Pred {
  noReach(expr, scope);
  return lowerTerm(expr.domain, env, scope, (domain, next) => {
    const val = valOf(domain);
    if (domain.k === "known") {
      const members = knownMembers(domain.value);
      return andThen(and(...members.map(([key, value]) => bodyHolds(expr, key, value, next, scope))), () => then(next));
    }
    if (!val) throw new Unsupported("`every` over this value", expr.loc);
    const name = freshName(scope, expr.value.type === "var" ? expr.value.name : "x");
    const element = rt(V.at({ root: { k: "var", name }, segs: [] }));
    if (expr.key) throw new Unsupported("`every` with a key over a runtime collection", expr.loc);
    const body = matchPattern(expr.value, element, next, scope, expr.loc, (bound) => lowerBody(expr.body, 0, bound, scope, () => P.t));
    return andThen(P.all(val, name, body), () => then(next));
  });
}

function bodyHolds(expr: Extract<Expr, { type: "every" }>, key: Value, value: Value, env: Env, scope: Scope): Pred {
  return matchPattern(expr.value, known(value), env, scope, expr.loc, (bound) =>
    expr.key ? matchPattern(expr.key, known(key), bound, scope, expr.loc, (both) => lowerBody(expr.body, 0, both, scope, () => P.t)) : lowerBody(expr.body, 0, bound, scope, () => P.t),
  );
}

function lowerTermExpr(term: Term, env: Env, scope: Scope, loc: Loc, then: Then): Pred {
  if (term.type === "call") {
    if (term.name === "eq" || term.name === "assign") return unify(term.args[0]!, term.args[1]!, env, scope, loc, then);
    const arity = scope.program.arityOf(term.name);
    if (arity !== undefined && term.args.length === arity + 1) {
      return lowerCallValue({ ...term, args: term.args.slice(0, arity) }, env, scope, (result, next) => matchPattern(term.args[arity]!, result, next, scope, loc, then));
    }
    if (term.name === "to_number" && term.args.length === 1 && !isUserFunction(term.name, scope)) return lowerCallValue(term, env, scope, (sym, next) => andThen(truthy(sym), () => then(next)));
    if (!isUserFunction(term.name, scope) && !term.name.startsWith("data.")) {
      // a string that matched a decimal pattern is known to be a number's text (to_number needs no guard then)
      return lowerTerms(term.args, env, scope, (args, next) => andThen(lowerBuiltinPred(term.name, args, loc), () => then(decimalFact(term.name, args, next))));
    }
  }
  return lowerTerm(term, env, scope, (sym, next) => andThen(truthy(sym), () => then(next)));
}

function isUserFunction(name: string, scope: Scope): boolean {
  return scope.program.functions.has(name);
}

/** A value that makes an expression succeed: defined and not `false`. */
export function truthy(sym: Sym): Pred {
  switch (sym.k) {
    case "known":
      return sym.value === false ? P.f : P.t;
    case "rt":
      // values that are never `false` (built maps, lists, strings, numbers) succeed as they are
      return sym.kind || neverFalse(sym.val) ? P.t : P.cmp(sym.val, "!=", false, false);
    case "undef":
      return P.f;
    default:
      return P.t;
  }
}

function neverFalse(val: Val): boolean {
  switch (val.k) {
    case "map":
    case "list":
    case "strcat":
    case "concat":
    case "filter":
    case "project":
      return true;
    case "lit":
      return val.value !== false;
    case "call":
      return val.fn !== "bool" && val.fn !== "dyn";
    case "cond":
      return neverFalse(val.then) && neverFalse(val.else);
    default:
      return false;
  }
}

// ---- unification -----------------------------------------------------------------------------------------------

function isUnbound(term: Term, env: Env): term is Extract<Term, { type: "var" }> {
  return term.type === "var" && !env.has(term.name) && term.name !== "input" && term.name !== "data";
}

function unify(left: Term, right: Term, env: Env, scope: Scope, loc: Loc, then: Then): Pred {
  if (isUnbound(left, env)) return lowerTerm(right, env, scope, (sym, next) => bindGuarded(next, left.name, sym, then));
  if (isUnbound(right, env)) return lowerTerm(left, env, scope, (sym, next) => bindGuarded(next, right.name, sym, then));
  if (left.type === "array" && right.type === "array" && left.items.length === right.items.length) {
    const step = (index: number, current: Env): Pred => (index === left.items.length ? then(current) : unify(left.items[index]!, right.items[index]!, current, scope, loc, (next) => step(index + 1, next)));
    return step(0, env);
  }
  if (hasUnbound(left, env)) return lowerTerm(right, env, scope, (sym, next) => matchPattern(left, sym, next, scope, loc, then));
  if (hasUnbound(right, env)) return lowerTerm(left, env, scope, (sym, next) => matchPattern(right, sym, next, scope, loc, then));
  return lowerTerm(left, env, scope, (a, afterLeft) => lowerTerm(right, afterLeft, scope, (b, afterRight) => andThen(compareSyms(a, "==", b, loc), () => then(afterRight))));
}

function hasUnbound(term: Term, env: Env): boolean {
  if (isUnbound(term, env)) return true;
  if (term.type === "array") return term.items.some((item) => hasUnbound(item, env));
  if (term.type === "object") return term.entries.some(([, value]) => hasUnbound(value, env));
  return false;
}

/** Binds a var to a value; a runtime value must be defined for the binding to succeed. */
function bindGuarded(env: Env, name: string, sym: Sym, then: Then): Pred {
  if (sym.k === "undef") return P.f;
  return andThen(defined(sym), () => then(bind(env, name, sym)));
}

/** Matches a pattern term (vars, arrays of vars, constants) against a value. */
function matchPattern(pattern: Term, sym: Sym, env: Env, scope: Scope, loc: Loc, then: Then): Pred {
  if (isUnbound(pattern, env)) return bindGuarded(env, pattern.name, sym, then);
  if (pattern.type === "array" && hasUnbound(pattern, env)) {
    if (sym.k !== "known" || !isArray(sym.value) || sym.value.length !== pattern.items.length) {
      if (sym.k === "known") return P.f;
      throw new Unsupported("destructuring a runtime array", loc);
    }
    const items = sym.value;
    const step = (index: number, current: Env): Pred => (index === items.length ? then(current) : matchPattern(pattern.items[index]!, known(items[index]!), current, scope, loc, (next) => step(index + 1, next)));
    return step(0, env);
  }
  if (pattern.type === "object" && hasUnbound(pattern, env)) return matchObject(pattern, sym, env, scope, loc, then);
  return lowerTerm(pattern, env, scope, (own, next) => andThen(compareSyms(own, "==", sym, loc), () => then(next)));
}

/** An object pattern with vars (`{"msg": msg, "field": "containers"}`) against a value: same keys, values matched. */
function matchObject(pattern: Extract<Term, { type: "object" }>, sym: Sym, env: Env, scope: Scope, loc: Loc, then: Then): Pred {
  if (!pattern.entries.every(([key]) => key.type === "string")) throw new Unsupported("an object pattern with computed keys", loc);
  const keys = pattern.entries.map(([key]) => (key as { value: string }).value);
  let members: Sym[];
  if (sym.k === "known") {
    if (!(sym.value instanceof RObject) || sym.value.size !== keys.length) return P.f;
    const object = sym.value;
    const values = keys.map((key) => object.get(key));
    if (values.some((value) => value === undefined)) return P.f;
    members = values.map((value) => known(value!));
  } else if (sym.k === "rt" && sym.val.k === "map") {
    const entries = new Map(sym.val.entries);
    if (entries.size !== keys.length || keys.some((key) => !entries.has(key))) return P.f;
    members = keys.map((key) => rt(entries.get(key)!));
  } else {
    throw new Unsupported("matching an object pattern against a runtime object", loc);
  }
  const step = (index: number, current: Env): Pred =>
    index === keys.length ? then(current) : matchPattern(pattern.entries[index]![1], members[index]!, current, scope, loc, (next) => step(index + 1, next));
  return step(0, env);
}

// ---- comparisons -----------------------------------------------------------------------------------------------

const OPS: Record<string, CompareOp> = { equal: "==", neq: "!=", lt: "<", lte: "<=", gt: ">", gte: ">=" };

export function compareOp(name: string): CompareOp | undefined {
  return OPS[name];
}

export function compareSyms(a: Sym, op: CompareOp, b: Sym, loc: Loc): Pred {
  if (a.k === "undef" || b.k === "undef") return P.f;
  if (a.k === "known" && b.k === "known") return P.t.k === "const" && decide(a.value, op, b.value) ? P.t : P.f;
  // a double the lowering computed against a number literal: the literal as a double (CEL's `==` takes one type)
  const asDoubleLit = (sym: Sym, other: Sym): Val | undefined => (sym.k === "known" && typeof sym.value === "number" && kindOf(other) === "double" ? V.lit({ double: sym.value }) : undefined);
  const left = asDoubleLit(a, b) ?? valOf(a);
  const right = asDoubleLit(b, a) ?? valOf(b);
  if (!left || !right) throw new Unsupported("comparing a value the rule model cannot hold", loc);
  return P.cmp(left, op, right, false);
}

function decide(a: Value, op: CompareOp, b: Value): boolean {
  const order = compare(a, b);
  switch (op) {
    case "==":
      return equal(a, b);
    case "!=":
      return !equal(a, b);
    case "<":
      return order < 0;
    case "<=":
      return order <= 0;
    case ">":
      return order > 0;
    case ">=":
      return order >= 0;
  }
}

// ---- terms -----------------------------------------------------------------------------------------------------

/** Lowers terms left to right, enumerating their values. */
export function lowerTerms(terms: readonly Term[], env: Env, scope: Scope, then: (syms: Sym[], env: Env) => Pred): Pred {
  const step = (index: number, acc: Sym[], current: Env): Pred =>
    index === terms.length ? then(acc, current) : lowerTerm(terms[index]!, current, scope, (sym, next) => step(index + 1, [...acc, sym], next));
  return step(0, [], env);
}

export function lowerTerm(term: Term, env: Env, scope: Scope, then: ThenSym): Pred {
  switch (term.type) {
    case "null":
      return then(known(null), env);
    case "boolean":
      return then(known(term.value), env);
    case "number":
      return then(known(Number(term.text)), env);
    case "string":
      return then(known(term.value), env);
    case "var":
      return lowerVar(term, env, scope, then);
    case "ref":
      return lowerRef(term, env, scope, then);
    case "array":
      return lowerTerms(term.items, env, scope, (items, next) => then(collection(items, "array", term.loc), next));
    case "set":
      return lowerTerms(term.items, env, scope, (items, next) => then(collection(items, "set", term.loc), next));
    case "object":
      return lowerObject(term, env, scope, then);
    case "arraycomp":
    case "setcomp": {
      const value = comprehension(term, env, plain(scope));
      if (!scope.reach?.info.termReaches(term)) return then(value, env);
      // OPA evaluates the whole comprehension here: a conflict reached by any of its bindings raises
      return or(lowerBody(term.body, 0, env, scope, (inner) => lowerTerm(term.head, inner, scope, () => P.f)), then(value, env));
    }
    case "objectcomp":
      throw new Unsupported("object comprehension", term.loc);
    case "call":
      return lowerCallValue(term, env, scope, then);
    case "template":
      throw new Unsupported("string interpolation", term.loc);
  }
}

function lowerVar(term: Extract<Term, { type: "var" }>, env: Env, scope: Scope, then: ThenSym): Pred {
  const sym = env.get(term.name);
  if (sym) return then(sym, env);
  if (term.name === "input") return then(inputSym(scope.input ?? "gatekeeper"), env);
  if (term.name === "data") throw new Unsupported("reading all of `data`", term.loc);
  throw new Unsupported(`var ${term.name} is not bound here`, term.loc);
}

function collection(items: readonly Sym[], kind: "array" | "set", loc: Loc): Sym {
  if (items.every((item) => item.k === "known")) {
    const values = items.map((item) => (item as { value: Value }).value);
    return known(kind === "array" ? values : new RSet(values));
  }
  if (items.some((item) => item.k === "undef")) return UNDEF;
  const vals = items.map(valOf);
  if (vals.some((val) => val === undefined)) throw new Unsupported("a collection of values the rule model cannot hold", loc);
  // Kubernetes CEL wants homogeneous list literals: known items among runtime ones are made dyn too
  const mixed = vals.some((val) => val!.k === "lit") && vals.some((val) => val!.k !== "lit");
  const list: Val = { k: "list", items: mixed ? (vals as Val[]).map((val) => (val.k === "lit" ? V.call("dyn", val) : val)) : (vals as Val[]) };
  return rt(kind === "set" ? V.call("distinct", list) : list);
}

function lowerObject(term: Extract<Term, { type: "object" }>, env: Env, scope: Scope, then: ThenSym): Pred {
  const flat = term.entries.flatMap(([key, value]) => [key, value]);
  return lowerTerms(flat, env, scope, (syms, next) => {
    if (syms.some((sym) => sym.k === "undef")) return P.f;
    if (syms.every((sym) => sym.k === "known")) {
      const entries: [Value, Value][] = [];
      for (let index = 0; index < syms.length; index += 2) entries.push([(syms[index] as { value: Value }).value, (syms[index + 1] as { value: Value }).value]);
      return then(known(new RObject(entries)), next);
    }
    const entries: [string, Val][] = [];
    for (let index = 0; index < syms.length; index += 2) {
      const key = syms[index]!;
      const value = valOf(syms[index + 1]!);
      if (key.k !== "known" || typeof key.value !== "string" || !value) throw new Unsupported("an object with computed keys", term.loc);
      entries.push([key.value, value]);
    }
    return then(rt({ k: "map", entries }), next);
  });
}

// ---- refs ------------------------------------------------------------------------------------------------------

function lowerRef(ref: Extract<Term, { type: "ref" }>, env: Env, scope: Scope, then: ThenSym): Pred {
  const head = ref.head;
  if (head.type === "var" && head.name === "data" && !env.has("data")) return lowerDataRef(ref, env, scope, then);
  return lowerTerm(head, env, scope, (sym, next) => walk(sym, ref.path, 0, next, scope, ref.loc, then));
}

/** Walks a ref's path from a value: keys select, unbound vars iterate. */
function walk(sym: Sym, path: readonly Term[], index: number, env: Env, scope: Scope, loc: Loc, then: ThenSym): Pred {
  if (index === path.length) return then(sym, env);
  if (sym.k === "undef") return P.f;
  const element = path[index]!;
  if (isUnbound(element, env)) {
    const name = element.name;
    return iterate(sym, name, scope, loc, (key, value) => walk(value, path, index + 1, bind(env, name, key), scope, loc, then));
  }
  return lowerTerm(element, env, scope, (key, next) => {
    // `s[x]` on a set the policy built: x when it is a member (the model holds such sets as lists)
    if (sym.k === "rt" && builtCollection(sym.val) && key.k !== "undef") {
      const keyVal = valOf(key);
      if (!keyVal) throw new Unsupported("a set lookup with a key the rule model cannot hold", loc);
      return andThen(P.in(keyVal, sym.val, false), () => walk(key, path, index + 1, next, scope, loc, then));
    }
    return walk(select(sym, key, scope, loc), path, index + 1, next, scope, loc, then);
  });
}

/** `sym[key]` for a known or runtime key. */
function select(sym: Sym, key: Sym, scope: Scope, loc: Loc): Sym {
  if (key.k === "undef") return UNDEF;
  if (key.k === "index" && sym.k === "rt" && sameVal(key.of, sym.val)) return key.element;
  if (key.k === "known" && typeof key.value === "string") return guardPath(() => selectKey(sym, key.value as string, scope.params), loc);
  if (sym.k === "known" && key.k === "known") {
    const value = sym.value;
    if (isArray(value)) return typeof key.value === "number" && Number.isInteger(key.value) && value[key.value] !== undefined ? known(value[key.value]!) : UNDEF;
    if (value instanceof RSet) return value.has(key.value) ? key : UNDEF;
    if (value instanceof RObject) {
      const member = value.get(key.value);
      return member === undefined ? UNDEF : known(member);
    }
    return UNDEF;
  }
  if (sym.k === "rt") {
    const at = valOf(key);
    if (!at) throw new Unsupported("indexing with a value the rule model cannot hold", loc);
    return guardPath(() => rt(extend(sym.val, { k: "index", at })), loc);
  }
  const literal = sym.k === "known" ? valOf(sym) : undefined;
  const at = valOf(key);
  // a runtime position in a known list (`allowed[i]` with i from another list): the literal indexed at runtime
  if (literal && at && (isArray((sym as { value: Value }).value) || (sym as { value: Value }).value instanceof RObject)) return guardPath(() => rt(extend(literal, { k: "index", at })), loc);
  throw new Unsupported("indexing a known value with a runtime key", loc);
}

function sameVal(a: Val, b: Val): boolean {
  const strip = (val: Val): Val => (val.k === "default" ? val.of : val);
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}

function guardPath(build: () => Sym, loc: Loc): Sym {
  try {
    return build();
  } catch (error) {
    if (error instanceof NotPath) throw new Unsupported(error.message, loc);
    throw error;
  }
}

/**
 * Iteration over a collection, calling `each(key, value)` per member: a known collection unrolls into a
 * disjunction; a runtime list becomes an `any` quantifier (element named after the Rego var).
 */
function iterate(sym: Sym, hint: string, scope: Scope, loc: Loc, each: (key: Sym, value: Sym) => Pred): Pred {
  if (sym.k === "undef") return P.f;
  if (scope.collect) return collectIteration(sym, hint, scope, loc, each, hint);
  if (sym.k === "union") return or(...sym.parts.map((part) => iterate(part, hint, scope, loc, each)));
  if (sym.k === "lazy" || (sym.k === "rt" && sym.lazy)) {
    // iterating a comprehension: its body inlined, the element its head (sets: key = element)
    const lazy = sym.k === "lazy" ? sym.lazy : sym.lazy!;
    if (lazy.term.type === "arraycomp") throw new Unsupported("iterating an array comprehension by index", loc);
    return lowerBody(lazy.term.body, 0, lazy.env, scope, (inner) => lowerTerm(lazy.term.head, inner, scope, (element) => each(element, element)));
  }
  if (sym.k === "known") return or(...knownMembers(sym.value).map(([key, value]) => each(known(key), known(value))));
  if (sym.k !== "rt") throw new Unsupported("iterating over `input`", loc);
  const name = freshName(scope, hint.startsWith("$") ? elementHint(sym.val) : hint);
  const mapLike = isMapLike(sym.val);
  const keyName = freshName(scope, mapLike ? "key" : `${name}Index`);
  const ref = (varName: string): Sym => rt(V.at({ root: { k: "var", name: varName }, segs: [] }));
  // lists: v = element, index = position; maps (entries): v = key, index = value
  const body = mapLike ? each(ref(name), ref(keyName)) : each({ k: "index", of: sym.val, element: ref(name), val: V.at({ root: { k: "var", name: keyName }, segs: [] }) }, ref(name));
  if (body.k === "const" && !body.value) {
    // no element can satisfy the body (e.g. no element reaches a conflict in reach mode): nothing to quantify
    scope.names.delete(name);
    scope.names.delete(keyName);
    return P.f;
  }
  const usesIndex = JSON.stringify(body).includes(`"name":"${keyName}"`);
  if (!usesIndex) scope.names.delete(keyName);
  const label = scope.labelNames && !mapLike && namedElements(sym.val) ? V.at({ root: { k: "var", name }, segs: [{ k: "field", name: "name" }] }) : undefined;
  return {
    k: "quant",
    q: "any",
    over: sym.val,
    v: name,
    ...(usesIndex || mapLike ? { index: keyName } : {}),
    ...(mapLike ? { entries: true } : {}),
    body,
    ifAbsent: false,
    ...(label ? { label } : {}),
  };
}

/** The one iteration of a comprehension being materialized: the list, and the element bound to its variable. */
function collectIteration(sym: Sym, hint: string, scope: Scope, loc: Loc, each: (key: Sym, value: Sym) => Pred, keyVar?: string): Pred {
  const collect = scope.collect!;
  if (collect.list) throw new Unsupported("a comprehension with more than one iteration", loc);
  const list = sym.k === "known" ? valOf(sym) : sym.k === "rt" ? sym.val : undefined;
  if (!list) throw new Unsupported("a comprehension over a value the rule model cannot hold", loc);
  // a named key var over a runtime value of unknown shape reads an object's keys (lists use `_` or i/j)
  const mapLike = sym.k === "rt" && (isMapLike(sym.val) || (keyVar !== undefined && !/^(\$.*|i|j|n|idx|index)$/.test(keyVar)));
  const name = freshName(scope, hint.startsWith("$") ? elementHint(list) : hint);
  // iterating an undefined collection yields nothing: the comprehension is then empty, not undefined
  collect.list = mapLike ? V.call("keys", V.or(list, V.lit({}))) : sym.k === "rt" ? V.or(list, V.lit([])) : list;
  collect.v = name;
  const element = rt(V.at({ root: { k: "var", name }, segs: [] }));
  if (mapLike) return each(element, rt(extend(list, { k: "index", at: V.at({ root: { k: "var", name }, segs: [] }) })));
  if (sym.k === "known" && !isArray(sym.value)) return each(element, element);
  // the position has no name in a filter: usable only to index the same list again (`xs[i].a` after `xs[i]`)
  return each({ k: "index", of: list, element }, element);
}

/** Maps by their field name (labels, annotations…): iterating them binds keys and values. */
function isMapLike(val: Val): boolean {
  const path = pathOf(val.k === "default" ? val.of : val);
  // parameters have the shapes the template's schema gives them, not Kubernetes field names
  if (!path || path.root.k === "variable" || path.root.k === "params") return false;
  const last = path?.segs[path.segs.length - 1];
  const name = last?.k === "field" ? last.name : last?.k === "key" ? last.key : "";
  return /^(labels|annotations|matchLabels|nodeSelector|data|stringData|selector|limits|requests|capacity|allocatable)$/.test(name);
}

/** A readable element name for an iterated list: `containers` → `container`. */
function elementHint(val: Val): string {
  const path = pathOf(val);
  const last = path?.segs[path.segs.length - 1];
  const name = last?.k === "field" ? last.name : last?.k === "key" ? last.key : "x";
  return name.endsWith("ies") ? `${name.slice(0, -3)}y` : name.endsWith("s") ? name.slice(0, -1) : name;
}

/** Lists whose elements carry a `name` a message can show (containers, volumes, ports…). */
function namedElements(val: Val): boolean {
  const path = pathOf(val);
  const last = path?.segs[path.segs.length - 1];
  const name = last?.k === "field" ? last.name : "";
  return /^(containers|initContainers|ephemeralContainers|volumes|volumeMounts|ports|env)$/.test(name) || val.k === "concat";
}

function knownMembers(value: Value): [Value, Value][] {
  if (isArray(value)) return value.map((item, index) => [index, item]);
  if (value instanceof RSet) return value.sorted().map((item) => [item, item]);
  if (value instanceof RObject) return value.sortedEntries();
  return [];
}

/** `data.<path>`: rules of the program (inlined) or undefined base data. */
function lowerDataRef(ref: Extract<Term, { type: "ref" }>, env: Env, scope: Scope, then: ThenSym): Pred {
  let node: RuleNode | undefined = scope.program.root;
  let index = 0;
  while (index < ref.path.length && node && !hasOwnRules(node)) {
    const element = ref.path[index]!;
    if (element.type !== "string") throw new Unsupported("a computed key into `data`", ref.loc);
    if (element.value === "inventory") throw new Unsupported("referential data (`data.inventory`) cannot be read by a ValidatingAdmissionPolicy", ref.loc);
    node = node.children.get(element.value);
    index++;
  }
  if (!node) throw new Unsupported(`undefined document data.${ref.path.slice(0, index).map((t) => (t as { value: string }).value).join(".")}`, ref.loc);
  if (!hasOwnRules(node)) throw new Unsupported("reading a whole package", ref.loc);
  return ruleDocument(node, ref.path, index, env, scope, ref.loc, then);
}

/** The document of a rule node, continued along the rest of the ref. */
function ruleDocument(node: RuleNode, path: readonly Term[], index: number, env: Env, scope: Scope, loc: Loc, then: ThenSym): Pred {
  if (scope.depth > MAX_DEPTH) throw new Unsupported("rules nested too deeply (recursion?)", loc);
  const inner: Scope = { ...scope, depth: scope.depth + 1 };
  if (node.partialSets.length > 0) {
    const element = path[index];
    if (!element) {
      const value = partialSetValue(node, plain(inner), loc);
      if (!scope.reach?.info.nodeReaches(node)) return then(value, env);
      // the whole set is evaluated here: a conflict reached by any of its rules raises
      const reached = node.partialSets.map((compiled) => lowerBody(compiled.rule.body, 0, new Map(), inner, (ruleEnv) => lowerTerm(compiled.rule.head.key ?? compiled.rule.head.value!, ruleEnv, inner, () => P.f)));
      return or(...reached, then(value, env));
    }
    // iterating (or testing membership of) a partial set: one branch per rule body, the element its head key
    return or(
      ...node.partialSets.map((compiled) =>
        lowerBody(compiled.rule.body, 0, preBound(compiled.rule.head.key, element, env), inner, (ruleEnv) =>
          lowerTerm(compiled.rule.head.key ?? compiled.rule.head.value!, ruleEnv, inner, (member) =>
            isUnbound(element, env)
              ? walk(member, path, index + 1, bind(env, element.name, member), scope, loc, then)
              : hasUnbound(element, env)
                ? matchPattern(element, member, env, scope, loc, (next) => walk(member, path, index + 1, next, scope, loc, then))
                : lowerTerm(element, env, scope, (key, next) => andThen(compareSyms(key, "==", member, loc), () => walk(member, path, index + 1, next, scope, loc, then))),
          ),
        ),
      ),
    );
  }
  if (node.dynamic.length > 0) {
    const lookup = partialObjectLookup(node, path, index, env, inner, scope, loc, then);
    if (!scope.reach) return lookup;
    return or(objectConflict(node, path[index], env, inner, scope, loc), lookup);
  }
  return completeValue(node, inner, (value) => walk(value, path, index, env, scope, loc, then), loc);
}

/**
 * Reach mode, reading a partial object (`p[k] = v { … }`): OPA builds it whole and refuses two rule bindings that
 * give one key different values ("object keys must be unique"). A key given by the ref restricts the test to it.
 */
function objectConflict(node: RuleNode, element: Term | undefined, env: Env, inner: Scope, scope: Scope, loc: Loc): Pred {
  const rules = node.dynamic.filter((compiled) => compiled.suffix.length === 1 && compiled.rule.kind !== "partialset");
  if (rules.length !== node.dynamic.length) throw new Unsupported("partial object rules with deeper ref heads", loc);
  const test = plain(inner);
  const entries = (index: number, on: (key: Sym, value: Sym) => Pred): Pred => {
    const compiled = rules[index]!;
    return lowerBody(compiled.rule.body, 0, new Map(), test, (ruleEnv) =>
      lowerTerm(compiled.suffix[0]!, ruleEnv, test, (key, afterKey) => (compiled.rule.head.value ? lowerTerm(compiled.rule.head.value, afterKey, test, (value) => on(key, value)) : on(key, known(true)))),
    );
  };
  const given = (key: Sym, on: () => Pred): Pred => (!element || isUnbound(element, env) || hasUnbound(element, env) ? on() : lowerTerm(element, env, plain(scope), (wanted) => andThen(compareSyms(wanted, "==", key, loc), on)));
  const pairs: [number, number][] = [];
  for (let i = 0; i < rules.length; i++) for (let j = i; j < rules.length; j++) pairs.push([i, j]);
  const conflict = or(...pairs.map(([i, j]) => entries(i, (k1, v1) => given(k1, () => entries(j, (k2, v2) => and(compareSyms(k1, "==", k2, loc), differ(v1, v2, loc)))))));
  if (!(conflict.k === "const" && !conflict.value)) scope.reach?.met.add(node.path[node.path.length - 1] ?? "");
  return conflict;
}

/**
 * Looking up `p[{"msg": msg, "field": "containers"}]`: the rule's head vars that the pattern fixes to a literal are
 * bound before its body is lowered (as OPA's rule indexing does), so `spec[field]` reads `spec.containers`.
 */
function preBound(head: Term | undefined, element: Term, env: Env): Env {
  const bound = new Map<string, Sym>();
  if (head?.type !== "object" || element.type !== "object") return bound;
  for (const [key, value] of head.entries) {
    if (key.type !== "string" || value.type !== "var") continue;
    const given = element.entries.find(([k]) => k.type === "string" && k.value === key.value)?.[1];
    const literal = given && literalValue(given, env);
    if (literal !== undefined) bound.set(value.name, known(literal));
  }
  return bound;
}

/** A scalar literal term, or a var bound to a known value. */
function literalValue(term: Term, env: Env): Value | undefined {
  switch (term.type) {
    case "string":
      return term.value;
    case "number":
      return Number(term.text);
    case "boolean":
      return term.value;
    case "null":
      return null;
    case "var": {
      const sym = env.get(term.name);
      return sym?.k === "known" ? sym.value : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * `p[k]` on a partial object (`p[key] = value { … }`, one-element ref heads): one branch per rule body, the key its
 * head key — an unbound `k` iterates the entries, a bound one must equal the key — continued with the head value.
 * Partial objects read whole, or with deeper ref heads, are unsupported.
 */
function partialObjectLookup(node: RuleNode, path: readonly Term[], index: number, env: Env, inner: Scope, scope: Scope, loc: Loc, then: ThenSym): Pred {
  const element = path[index];
  if (!element) throw new Unsupported("a partial object used as a whole value", loc);
  if (node.complete.length + node.partialSets.length > 0 || node.dynamic.some((compiled) => compiled.suffix.length !== 1 || compiled.rule.kind === "partialset")) throw new Unsupported("partial object rules with deeper ref heads", loc);
  return or(
    ...node.dynamic.map((compiled) =>
      lowerBody(compiled.rule.body, 0, new Map(), inner, (ruleEnv) =>
        lowerTerm(compiled.suffix[0]!, ruleEnv, inner, (key, afterKey) =>
          (compiled.rule.head.value ? (fn: ThenSym) => lowerTerm(compiled.rule.head.value!, afterKey, inner, fn) : (fn: ThenSym) => fn(known(true), afterKey))((value) =>
            isUnbound(element, env)
              ? walk(value, path, index + 1, bind(env, element.name, key), scope, loc, then)
              : lowerTerm(element, env, scope, (given, next) => andThen(compareSyms(given, "==", key, loc), () => walk(value, path, index + 1, next, scope, loc, then))),
          ),
        ),
      ),
    ),
  );
}

/** A partial set as a whole value: the union of its rules, each materialized like a set comprehension. */
function partialSetValue(node: RuleNode, scope: Scope, loc: Loc): Sym {
  const parts = node.partialSets.map((compiled) => comprehension({ type: "setcomp", head: compiled.rule.head.key ?? compiled.rule.head.value!, body: compiled.rule.body, loc: compiled.rule.loc }, new Map(), scope));
  if (parts.every((part) => part.k === "known")) return known(new RSet(parts.flatMap((part) => [...((part as { value: Value }).value as RSet)])));
  const vals = parts.map(valOf);
  // a rule with no list form can still be iterated (its body inlined): the set is then only iterable
  if (vals.some((val) => val === undefined)) return parts.every((part) => part.k === "known" || part.k === "rt" || part.k === "lazy") ? { k: "union", parts } : unsupported(loc);
  return rt(vals.length === 1 ? vals[0]! : V.call("distinct", { k: "concat", lists: vals as Val[] }));
}

function unsupported(loc: Loc): never {
  throw new Unsupported("a partial set whose rules have no list form", loc);
}

/**
 * A complete rule's value; in reach mode also its conflict (two definitions with different values) and the
 * conflicts its bodies reach.
 */
function completeValue(node: RuleNode, scope: Scope, then: (sym: Sym) => Pred, loc: Loc): Pred {
  const normal = completeValuePlain(node, plain(scope), then);
  if (!scope.reach?.info.nodeReaches(node)) return normal;
  const conflict = conflictOf(node.complete, scope.reach.info.completePairs(node), undefined, scope, loc, `data.${node.path.join(".")}`);
  const inside = node.complete.filter((compiled) => ruleReaches(compiled.rule, scope.reach!.info)).flatMap((compiled) => reachBranches(compiled.rule, scope));
  return or(conflict, ...inside, normal);
}

/** A complete rule's value: one branch per body (and else), the default when none holds. */
function completeValuePlain(node: RuleNode, scope: Scope, then: (sym: Sym) => Pred): Pred {
  const bodies = node.complete.flatMap((compiled) => ruleBranches(compiled.rule, () => new Map<string, Sym>() as Env, scope));
  const valued = valueForm(bodies);
  const fallback = node.defaults[0];
  if (valued && !fallback) return andThen(valued.defined, () => then(valued.value));
  const branches = bodies.map((body) => body(then));
  if (fallback) {
    const guards = bodies.map((body) => body(() => P.t));
    const value = fallback.rule.head.value;
    const defaultBranch = value ? lowerTerm(value, new Map(), scope, (sym) => then(sym)) : then(known(true));
    branches.push(andThen(not(or(...guards)), () => defaultBranch));
  }
  return or(...branches);
}

type Branch = (onValue: (sym: Sym) => Pred) => Pred;

/**
 * A rule's bodies in `else` order, each as "this body holds (and no earlier one of its chain does), giving this
 * value": `p = a { b1 } else = c { b2 }` is `b1 → a` and `¬b1 ∧ b2 → c`. Each branch starts from `start()`, with a
 * function's arguments bound to its head patterns by `bindArgs`.
 */
function ruleBranches(rule: CompiledRule["rule"], start: () => Env, scope: Scope, bindArgs?: (env: Env, then: Then) => Pred): Branch[] {
  const parts = [{ body: rule.body, value: rule.head.value }, ...rule.elses.map((branch) => ({ body: branch.body, value: branch.value }))];
  const withArgs = (then: Then): Pred => (bindArgs ? bindArgs(start(), then) : then(start()));
  return parts.map((part, index) => (onValue: (sym: Sym) => Pred): Pred =>
    withArgs((env) => {
      const earlier = parts.slice(0, index).map((previous) => not(lowerBody(previous.body, 0, env, scope, () => P.t)));
      return andThen(and(...earlier), () => lowerBody(part.body, 0, env, scope, (bodyEnv) => (part.value ? lowerTerm(part.value, bodyEnv, scope, (value) => onValue(value)) : onValue(known(true)))));
    }),
  );
}

/**
 * Reach mode: the conflicts a rule's bodies reach, in `else` order (a later branch is evaluated only when the earlier
 * ones give nothing), each branch's value included; the bodies' own success does not count.
 */
function reachBranches(rule: CompiledRule["rule"], scope: Scope, bindArgs?: (env: Env, then: Then) => Pred): Pred[] {
  const parts = [{ body: rule.body, value: rule.head.value }, ...rule.elses.map((branch) => ({ body: branch.body, value: branch.value }))];
  const withArgs = (then: Then): Pred => (bindArgs ? bindArgs(new Map(), then) : then(new Map()));
  return parts.map((part, index) =>
    withArgs((env) => {
      const earlier = parts.slice(0, index).map((previous) => not(lowerBody(previous.body, 0, env, plain(scope), () => P.t)));
      return andThen(and(...earlier), () => lowerBody(part.body, 0, env, scope, (bodyEnv) => (part.value ? lowerTerm(part.value, bodyEnv, scope, () => P.f) : P.f)));
    }),
  );
}

/** Can evaluating one definition (its bodies, values and else branches) reach a conflict? */
function ruleReaches(rule: CompiledRule["rule"], info: ConflictInfo): boolean {
  return info.bodyReaches(rule.body) || (rule.head.value !== undefined && info.termReaches(rule.head.value)) || rule.elses.some((branch) => info.bodyReaches(branch.body) || (branch.value !== undefined && info.termReaches(branch.value)));
}

/**
 * "Two definitions give different values": for each pair [i, j] of ./conflicts.ts, some value of definition i and
 * some value of definition j differ (args bound for a function). Lowered normally (it is a test, not a reach).
 */
function conflictOf(rules: readonly CompiledRule[], pairs: ConflictPairs, args: readonly Sym[] | undefined, scope: Scope, loc: Loc, name: string): Pred {
  if (!pairs.length) return P.f;
  const inner = plain(scope);
  const values = (index: number, onValue: (sym: Sym) => Pred): Pred => {
    const rule = rules[index]!.rule;
    const branches = ruleBranches(rule, () => new Map(), inner, args ? argBinder(rule, args, inner) : undefined);
    return or(...branches.map((branch) => branch(onValue)));
  };
  const conflict = or(...pairs.map(([i, j]) => values(i, (first) => values(j, (second) => differ(first, second, loc)))));
  if (!(conflict.k === "const" && !conflict.value)) scope.reach?.met.add(name.slice(name.lastIndexOf(".") + 1));
  return conflict;
}

/**
 * `a != b`; two objects the policy built with the same keys differ when some entry does (no map literal is built in
 * CEL for the comparison).
 */
function differ(a: Sym, b: Sym, loc: Loc): Pred {
  const entries = (sym: Sym): Map<string, Sym> | undefined => {
    if (sym.k === "rt" && sym.val.k === "map") return new Map(sym.val.entries.map(([key, val]) => [key, rt(val)]));
    if (sym.k === "known" && sym.value instanceof RObject && sym.value.sortedEntries().every(([key]) => typeof key === "string")) return new Map(sym.value.sortedEntries().map(([key, value]) => [key as string, known(value)]));
    return undefined;
  };
  const x = entries(a);
  const y = entries(b);
  if (x && y && (a.k !== "known" || b.k !== "known")) {
    if (x.size !== y.size || [...x.keys()].some((key) => !y.has(key))) return P.t;
    return or(...[...x].map(([key, value]) => differ(value, y.get(key)!, loc)));
  }
  return compareSyms(a, "!=", b, loc);
}

/** Binds a function's head patterns to the call's argument values. */
function argBinder(rule: CompiledRule["rule"], args: readonly Sym[], scope: Scope): (env: Env, done: Then) => Pred {
  return (env, done) => {
    const step = (index: number, current: Env): Pred => (index === args.length ? done(current) : matchPattern(rule.head.args![index]!, args[index]!, current, scope, rule.loc, (next) => step(index + 1, next)));
    return step(0, env);
  };
}

// ---- calls -----------------------------------------------------------------------------------------------------

/** A call's value(s): user functions inline (one branch per body), builtins map onto the model's calls. */
function lowerCallValue(call: Extract<Term, { type: "call" }>, env: Env, scope: Scope, then: ThenSym): Pred {
  const rules = scope.program.functions.get(call.name);
  if (rules) return lowerTerms(call.args, env, scope, (args, next) => inlineFunction(call.name, rules, args, scope, call.loc, (result) => then(result, next)));
  if (call.name.startsWith("data.") && call.args.length === 0) {
    const loc = call.loc;
    const path = call.name.split(".").slice(1).map((value) => ({ type: "string" as const, value, loc }));
    return lowerDataRef({ type: "ref", head: { type: "var", name: "data", loc }, path, loc }, env, scope, then);
  }
  // OPA evaluates every argument first: an undefined default (`object.get(p, "cpuRatio", p.ratio)` without `ratio`)
  // leaves the call undefined even where the key is present
  if (call.name === "object.get") return lowerTerms(call.args, env, scope, (args, next) => andThen(and(...args.map(defined)), () => then(objectGet(args, scope.params, call.loc), next)));
  if (call.name === "to_number" && call.args.length === 1) return lowerTerms(call.args, env, scope, ([arg], next) => toNumber(arg!, next, scope, call.loc, (sym) => then(sym, next)));
  if (call.name === "internal.member_2") return lowerTerms(call.args, env, scope, (args, next) => then(membership(args[0]!, args[1]!, call.loc), next));
  const [format, list] = call.args;
  if (call.name === "sprintf" && format && list?.type === "array") {
    // message text only: a set without a list form (always defined) prints as "…"
    return lowerTerm(format, env, scope, (formatSym, afterFormat) =>
      lowerTerms(list.items, afterFormat, scope, (items, next) => then(lowerBuiltinVal("sprintf", [formatSym, collection(items.map(messagePart), "array", call.loc)], call.loc), next)),
    );
  }
  return lowerTerms(call.args, env, scope, (args, next) => then(lowerBuiltinVal(call.name, args, call.loc), next));
}

function messagePart(sym: Sym): Sym {
  return sym.k === "lazy" || sym.k === "union" ? known("…") : sym;
}

/** `x in xs` as a value: a known boolean, or a runtime test folded into a boolean value. */
function membership(item: Sym, domain: Sym, loc: Loc): Sym {
  if (item.k === "known" && domain.k === "known") return known(knownMembers(domain.value).some(([, value]) => equal(value, item.value)));
  const itemVal = valOf(item);
  const domainVal = valOf(domain);
  if (!itemVal || !domainVal) throw new Unsupported("membership over values the rule model cannot hold", loc);
  return rt(V.cond(P.in(itemVal, domainVal, false), V.lit(true), V.lit(false)));
}

/**
 * A user function's value(s), its bodies inlined; in reach mode also its conflict for these arguments and the
 * conflicts its bodies reach (OPA evaluates every definition of a called function).
 */
function inlineFunction(name: string, rules: readonly CompiledRule[], args: readonly Sym[], scope: Scope, loc: Loc, then: (sym: Sym) => Pred): Pred {
  if (scope.depth > MAX_DEPTH) throw new Unsupported("functions nested too deeply (recursion?)", loc);
  for (const compiled of rules) if (compiled.rule.default) throw new Unsupported("default functions", compiled.rule.loc);
  const normal = inlineFunctionPlain(rules, args, plain(scope), then, name);
  if (!scope.reach?.info.functionReaches(name)) return normal;
  const inner: Scope = { ...scope, depth: scope.depth + 1 };
  const conflict = conflictOf(rules, scope.reach.info.functionPairs(name), args, inner, loc, name);
  const inside = rules.filter((compiled) => ruleReaches(compiled.rule, inner.reach!.info)).flatMap((compiled) => reachBranches(compiled.rule, inner, argBinder(compiled.rule, args, inner)));
  return or(conflict, ...inside, normal);
}

function inlineFunctionPlain(rules: readonly CompiledRule[], args: readonly Sym[], scope: Scope, then: (sym: Sym) => Pred, name?: string): Pred {
  const inner: Scope = { ...scope, depth: scope.depth + 1 };
  const bodies = rules.flatMap((compiled) => ruleBranches(compiled.rule, () => new Map(), inner, argBinder(compiled.rule, args, inner)));
  const short = name?.slice(name.lastIndexOf(".") + 1);
  const valued = valueForm(bodies, short ? { scope, name: short } : undefined);
  if (valued) return andThen(valued.defined, () => then(valued.value));
  // (not while materializing a comprehension: its head must not read a name bound inside its filter)
  const listed = short && !scope.collect ? listedCall(rules, args, inner, short) : undefined;
  if (listed) return bindValues(listed.list, listed.kind, short!, scope, then);
  return or(...bodies.map((body) => body(then)));
}

/**
 * A call as the list of the function's values (valueList). An argument the list reads more than once is bound to
 * the function's parameter name first (`container.?resources.?limits.?memory.optMap(orig, …).orValue([])`: no
 * value when it is absent, as OPA leaves a call with an undefined argument undefined), so the list reads the short
 * name. A list that reads no comprehension variable (the call's arguments are parameters) becomes a VAP variable
 * named after the function and its argument (`variables.canonify_mem_memory`), computed once per admission.
 */
function listedCall(rules: readonly CompiledRule[], args: readonly Sym[], scope: Scope, name: string): { list: Val; kind?: StaticKind } | undefined {
  const binds = args.map((arg, index) => {
    if (arg.k !== "rt" || arg.lazy || (arg.val.k === "path" && arg.val.path.segs.length === 0)) return undefined;
    const param = rules[0]?.rule.head.args?.[index];
    const bound = freshName(scope, param?.type === "var" ? param.name : "arg");
    const sym: Sym = { k: "rt", val: V.at({ root: { k: "var", name: bound }, segs: [] }), ...(kindOf(arg) ? { kind: kindOf(arg) } : {}) };
    return { name: bound, arg: arg as Extract<Sym, { k: "rt" }>, sym };
  });
  const release = (): void => binds.forEach((bind) => bind && scope.names.delete(bind.name));
  const bound = args.map((arg, index) => binds[index]?.sym ?? arg);
  let list: Val | undefined = valueList(rules.flatMap((compiled) => ruleBranches(compiled.rule, () => new Map(), scope, argBinder(compiled.rule, bound, scope))));
  if (!list) {
    release();
    return undefined;
  }
  const kind = elementKind(list);
  for (let index = binds.length - 1; index >= 0; index--) {
    const bind = binds[index];
    if (!bind) continue;
    const substituted: Val | undefined = varReads(list, bind.name) <= 1 ? substituteVar(list, bind.name, bind.arg.val) : undefined;
    if (substituted) {
      list = substituted;
      scope.names.delete(bind.name);
    } else if (bind.arg.val.k === "path" && bind.arg.val.path.segs.every((seg) => seg.k === "field")) {
      list = { k: "let", name: bind.name, value: bind.arg.val, body: list, ifAbsent: V.lit([]) };
    } else {
      // a computed argument, or a path through a map key (`limits['ephemeral-storage']`, whose optional form
      // `limits[?'…']` would give the bound name a type parameter the first overloaded call fixes, in cel-go's checker
      // as in ours): `[arg].map(orig, list)[0]` when it is defined
      const mapped = extend({ k: "project", list: { k: "list", items: [bind.arg.val] }, v: bind.name, body: list }, { k: "index", at: V.lit(0) });
      const guard = defined(bind.arg);
      list = guard.k === "const" ? mapped : V.cond(guard, mapped, V.lit([]));
    }
  }
  if (scope.named && !freeVars(list).size) {
    const arg = args.find((item) => item.k === "rt");
    const path = arg?.k === "rt" ? pathOf(arg.val.k === "default" ? arg.val.of : arg.val) : undefined;
    const last = path?.segs[path.segs.length - 1];
    const hint = last?.k === "field" ? last.name : last?.k === "key" ? last.key : "";
    list = scope.named.ref(hint ? `${name}_${hint}` : name, list);
  }
  return { list, ...(kind ? { kind } : {}) };
}

/** The comprehension (and let) variables a tree reads that it does not bind itself. */
function freeVars(node: unknown, bound: ReadonlySet<string> = new Set(), into: Set<string> = new Set()): Set<string> {
  if (typeof node !== "object" || node === null) return into;
  if (Array.isArray(node)) {
    for (const item of node) freeVars(item, bound, into);
    return into;
  }
  const record = node as Record<string, unknown>;
  const root = record.root as { k?: string; name?: string } | undefined;
  if (root?.k === "var" && root.name !== undefined && !bound.has(root.name)) into.add(root.name);
  // what binds a name: a quantifier (its body), a projection or filter (its body / predicate), a let (its body)
  const binds = (names: (string | undefined)[]): Set<string> => new Set([...bound, ...names.filter((name): name is string => name !== undefined)]);
  switch (record.k) {
    case "quant":
      freeVars(record.over, bound, into);
      freeVars(record.body, binds([record.v as string, record.index as string | undefined]), into);
      freeVars(record.label, binds([record.v as string]), into);
      return into;
    case "project":
      freeVars(record.list, bound, into);
      freeVars(record.body, binds([record.v as string]), into);
      return into;
    case "filter":
      freeVars(record.list, bound, into);
      freeVars(record.pred, binds([record.v as string]), into);
      return into;
    case "let":
      freeVars(record.value, bound, into);
      freeVars(record.ifAbsent, bound, into);
      freeVars(record.body, binds([record.name as string]), into);
      return into;
  }
  for (const child of Object.values(record)) freeVars(child, bound, into);
  return into;
}

/**
 * A function (or rule) whose bodies each yield one value outside any quantifier, as one conditional value —
 * `b1 ? v1 : b2 ? v2 : …` defined when some body holds — so the caller's continuation is lowered once instead of
 * once per body (the quantity templates' suffix tables would otherwise multiply). Undefined when a body yields
 * several values or one that reads its own iteration variables.
 */
function valueForm(bodies: readonly ((onValue: (sym: Sym) => Pred) => Pred)[], table?: { scope: Scope; name: string }): { defined: Pred; value: Sym } | undefined {
  const branches: { cond: Pred; value: Sym }[] = [];
  for (const body of bodies) {
    const values: Sym[] = [];
    const cond = body((value) => {
      values.push(value);
      return P.t;
    });
    if (cond.k === "const" && !cond.value) continue;
    if (values.length !== 1) return undefined;
    const value = values[0]!;
    // only constants (tables like suffix → multiplier): a runtime value read further (`probe.httpGet.host`) needs
    // the caller's leaves inside each branch, which the per-body lowering gives
    if (value.k !== "known") return undefined;
    branches.push({ cond, value });
  }
  if (branches.length === 0) return { defined: P.f, value: UNDEF };
  if (branches.length === 1) return { defined: branches[0]!.cond, value: branches[0]!.value };
  if (branches.every((b) => b.value.k === "known") && branches.every((b) => equal((b.value as { value: Value }).value, (branches[0]!.value as { value: Value }).value))) {
    return { defined: or(...branches.map((b) => b.cond)), value: branches[0]!.value };
  }
  // CEL's conditional wants one type: numbers of a table become doubles when they are not all integers
  const numbers = branches.every((b) => typeof (b.value as { value: Value }).value === "number");
  const mixed = numbers && !branches.every((b) => Number.isInteger((b.value as { value: Value }).value as number));
  const vals = branches.map((b) => (numbers && (mixed || branches.length > 1) ? V.lit({ double: (b.value as { value: number }).value }) : valOf(b.value)));
  if (vals.some((val) => val === undefined)) return undefined;
  const lookup = lookupTable(branches.map((b) => b.cond), vals as Val[], table);
  if (lookup) return lookup;
  let chain: Val = vals[vals.length - 1]!;
  for (let index = branches.length - 2; index >= 0; index--) chain = V.cond(branches[index]!.cond, vals[index]!, chain);
  return { defined: or(...branches.map((b) => b.cond)), value: rt(chain) };
}

/**
 * A table `f("E") = v1 { true } f("P") = v2 { true } …` called with a runtime key: every definition holds exactly
 * when the key equals its own string literal, so the function is defined when the key is one of them (`k in […]`)
 * and its value is the map literal's entry (`{'E': v1, …}[k]`), instead of one comparison chain per use.
 */
function lookupTable(conds: readonly Pred[], vals: readonly Val[], table?: { scope: Scope; name: string }): { defined: Pred; value: Sym } | undefined {
  let key: Val | undefined;
  const literals: string[] = [];
  for (const cond of conds) {
    if (cond.k !== "cmp" || cond.op !== "==" || cond.as !== undefined) return undefined;
    const [literal, other] = cond.lhs.k === "lit" ? [cond.lhs, cond.rhs] : [cond.rhs, cond.lhs];
    if (literal.k !== "lit" || typeof literal.value !== "string" || other.k === "lit") return undefined;
    if (key && JSON.stringify(key) !== JSON.stringify(other)) return undefined;
    key = other;
    literals.push(literal.value);
  }
  if (!key || new Set(literals).size !== literals.length || !vals.every((val) => val.k === "lit")) return undefined;
  const entries: { [name: string]: Json } = {};
  literals.forEach((literal, index) => (entries[literal] = (vals[index] as { value: Json }).value));
  const kind = valKind(extend(V.lit(entries), { k: "index", at: key }));
  // a named table (`variables.mem_multiple`): `k in variables.mem_multiple`, `variables.mem_multiple[k]`
  const named = table?.scope.named ? table.scope.named.ref(table.name, V.lit(entries)) : undefined;
  // (a named table is read through a local name, so `defined` asks for no presence: the `in` test is it)
  const local = `${table?.name ?? "table"}Table`;
  const val: Val = named ? { k: "let", name: local, value: named, body: V.at({ root: { k: "var", name: local }, segs: [{ k: "index", at: key }] }) } : extend(V.lit(entries), { k: "index", at: key });
  const value: Sym = { k: "rt", val, ...(kind ? { kind } : {}) };
  return { defined: P.in(key, named ?? V.lit(literals), false), value };
}

// ---- to_number ---------------------------------------------------------------------------------------------------

/** Anchored decimal patterns every match of which is a number's text (`^[0-9]+(\.[0-9]+)?$` and its parts). */
const DECIMAL_PATTERN = /^\^\[0-9\]\+(?:(?:\\\.|\[\.\])\[0-9\]\+|\((?:\\\.|\[\.\])\[0-9\]\+\)\?)?\$$/;

const decimalKey = (val: Val): string => `\u0000decimal:${JSON.stringify(val)}`;

/** After `regex.match(p, s)` succeeded with such a pattern: s is known to be a number's text. */
function decimalFact(name: string, args: readonly Sym[], env: Env): Env {
  if (name !== "regex.match" && name !== "re_match") return env;
  const [pattern, subject] = args;
  if (pattern?.k !== "known" || typeof pattern.value !== "string" || !DECIMAL_PATTERN.test(pattern.value) || subject?.k !== "rt") return env;
  return bind(env, decimalKey(subject.val), known(true));
}

/**
 * `to_number(x)` as OPA computes it (without strict builtin errors a failure is undefined, not an error): a number
 * is itself, a string its ParseFloat value when it is a number's text (else undefined: CEL's double() would fail the
 * whole expression, failing closed where OPA just finds no value), true/false 1/0, null 0. Known kinds take one
 * case; a value of unknown kind (a parameter) becomes the list of its value (`[double(x)]` or `[]`), bound once.
 * Strings of numbers beyond ±1.8e308 remain a difference: ParseFloat refuses them (undefined in OPA) and CEL's
 * double() errors, which denies — stricter only.
 */
function toNumber(arg: Sym, env: Env, scope: Scope, loc: Loc, then: (sym: Sym) => Pred): Pred {
  if (arg.k === "undef") return P.f;
  if (arg.k === "known") {
    const value = lowerBuiltinVal("to_number", [arg], loc);
    return value.k === "undef" ? P.f : then(value);
  }
  const val = valOf(arg);
  if (!val) throw new Unsupported("to_number of a value the rule model cannot hold", loc);
  const number: Sym = { k: "rt", val: kindOf(arg) === "double" ? val : V.call("double", val), kind: "double" };
  const kind = kindOf(arg);
  // a number, or a string that matched a decimal pattern (so a string, and a number's text)
  if (kind === "number" || kind === "double" || env.has(decimalKey(val))) return andThen(defined(arg), () => then(number));
  if (kind === "string") return andThen(and(defined(arg), P.match(val, { k: "regex", re: GO_FLOAT_RE }, false)), () => then(number));
  // any kind: a number or a number's text, a boolean, null (one branch each while materializing a comprehension,
  // whose head must not read a name bound inside its filter)
  if (scope.collect) {
    const is = (k: "int" | "uint" | "double" | "string" | "bool" | "null"): Pred => P.kind(val, k, false);
    return or(
      andThen(or(is("int"), is("uint"), is("double"), and(is("string"), P.match(val, { k: "regex", re: GO_FLOAT_RE }, false))), () => then(number)),
      andThen(is("bool"), () => then({ k: "rt", val: V.cond(P.cmp(val, "==", true, false), V.lit({ double: 1 }), V.lit({ double: 0 })), kind: "double" })),
      andThen(is("null"), () => then({ k: "rt", val: V.lit({ double: 0 }), kind: "double" })),
    );
  }
  // otherwise over the value bound once to a name
  const path = pathOf(val.k === "default" ? val.of : val);
  const last = path?.segs[path.segs.length - 1];
  const hint = last?.k === "field" ? last.name : last?.k === "key" ? last.key : "";
  const name = freshName(scope, hint || "value");
  const x = V.at({ root: { k: "var", name }, segs: [] });
  const is = (k: "int" | "uint" | "double" | "string" | "bool" | "null"): Pred => P.kind(x, k, false);
  const one = (value: Val): Val => ({ k: "list", items: [value] });
  const textOf = P.match(x, { k: "regex", re: GO_FLOAT_RE }, false);
  const body = V.cond(or(is("int"), is("uint"), is("double"), and(is("string"), textOf)), one(V.call("double", x)), V.cond(is("bool"), one(V.cond(P.cmp(x, "==", true, false), V.lit({ double: 1 }), V.lit({ double: 0 }))), V.cond(is("null"), one(V.lit({ double: 0 })), V.lit([]))));
  const fieldsOnly = (v: Val): boolean => (v.k === "path" ? v.path.segs.every((seg) => seg.k === "field") : v.k === "default" && fieldsOnly(v.of) && fieldsOnly(v.fallback));
  let list: Val;
  if (fieldsOnly(val)) list = { k: "let", name, value: val, body, ifAbsent: V.lit([]) };
  else {
    const mapped = extend({ k: "project", list: { k: "list", items: [val] }, v: name, body }, { k: "index", at: V.lit(0) });
    const guard = defined(arg);
    list = guard.k === "const" ? mapped : V.cond(guard, mapped, V.lit([]));
  }
  const named = scope.named && !freeVars(list).size ? scope.named.ref(hint ? `${hint}_number` : "number", list) : list;
  return bindValues(named, "double", "number", scope, then);
}

// ---- functions as lists of values --------------------------------------------------------------------------------

/**
 * One body's values under its conditions: one value (`c ? [v] : …`), or a list of values (a body that iterates:
 * `c ? xs.filter(x, …).map(x, v) : []`).
 */
type Listed = { cond: Pred; value: Val } | { cond: Pred; list: Val };

let markerCounter = 0;

/**
 * A function whose bodies give runtime values, as the list of its values (`c1 ? [v1] : c2 ? [v2] : []`; a body
 * that iterates once `xs.filter(x, c).map(x, v)`), so the caller's continuation is lowered once over a bound
 * element (`list.exists(f, …)`) instead of once per body, with the body's conditions copied into every use of the
 * value (the quantity helpers' suffix tables multiplied into megabytes). Two definitions that both hold with
 * different values raise eval_conflict_error in OPA, which the body's conflict rule checks (./conflicts.ts): so a
 * chain that takes the first holding definition's value gives OPA's value wherever OPA gives one. A body with a
 * list of values is not part of the chain (its list may be empty, and the later definitions still count): its
 * list is concatenated. Undefined when a body cannot be put so (its value under a negation or under two
 * iterations…): the caller inlines the bodies then.
 */
function valueList(bodies: readonly Branch[]): Val | undefined {
  const parts: Listed[] = [];
  for (const body of bodies) {
    const values = new Map<string, Sym>();
    const pred = body((value) => {
      const cel = `\u0000value${++markerCounter}`;
      values.set(cel, value);
      return { k: "raw", cel };
    });
    if (pred.k === "const" && !pred.value) continue;
    const listed = listOf(pred, values);
    if (!listed || formatsText("value" in listed ? listed.value : listed.list)) return undefined;
    parts.push(listed);
  }
  const reached = chainConditions(parts);
  let chain: Val = V.lit([]);
  for (let index = parts.length - 1; index >= 0; index--) {
    const part = reached[index];
    if (!part) continue;
    if ("list" in part) chain = concatLists(guardedList(part.cond, part.list), chain);
    else if (part.cond.k === "const" && part.cond.value) chain = { k: "list", items: [part.value] };
    else chain = V.cond(part.cond, { k: "list", items: [part.value] }, chain);
  }
  return chain;
}

/**
 * Does a value hold text that sprintf formats from runtime values (`'…' + string(x)`)? Such a function builds a
 * message: CEL's string() fails on a map or a list where sprintf prints it, so its value must not be computed in
 * the check (inlined, only its definedness is).
 */
function formatsText(node: unknown): boolean {
  if (typeof node !== "object" || node === null) return false;
  if (Array.isArray(node)) return node.some(formatsText);
  const record = node as Record<string, unknown>;
  if (record.k === "strcat" && Array.isArray(record.parts) && record.parts.some((part: Val) => part.k === "call" && part.fn === "string")) return true;
  return Object.values(record).some(formatsText);
}

/** `cond ? list : []`. */
function guardedList(cond: Pred, list: Val): Val {
  if (cond.k === "const") return cond.value ? list : V.lit([]);
  return V.cond(cond, list, V.lit([]));
}

/**
 * The parts' conditions as the chain evaluates them: a part is reached only when every earlier single-value part's
 * condition failed, so what that failure implies is dropped from its condition (`not is_number(orig)` after the
 * definition for numbers: `type(orig) != int && …` once, not in every later definition), and a single-value part
 * whose condition implies an earlier one's is never reached (undefined in the result). An earlier condition that has
 * one conjunct beyond this one's failed on that conjunct when the shared ones hold: its negation is a fact supported
 * by them, usable while they stay in the condition (a conjunct dropped on such a fact never supports another drop,
 * so no two conjuncts justify each other).
 */
function chainConditions(parts: readonly Listed[]): (Listed | undefined)[] {
  const key = (pred: Pred): string => JSON.stringify(pred);
  const conjuncts = (pred: Pred): Pred[] => (pred.k === "and" ? pred.of : pred.k === "const" && pred.value ? [] : [pred]);
  const earlier: Pred[][] = [];
  return parts.map((part) => {
    const original = conjuncts(part.cond);
    const ownKeys = new Set(original.map(key));
    const facts: { key: string; support: string[] }[] = [];
    let dead = false;
    for (const previous of earlier) {
      const extra = previous.filter((conjunct) => !ownKeys.has(key(conjunct)));
      if (extra.length === 0) dead = true;
      if (extra.length !== 1) continue;
      const failed = extra[0]!;
      const support = previous.filter((conjunct) => conjunct !== failed).map(key);
      const negations = failed.k === "or" ? [not(failed), ...failed.of.map(not)] : [not(failed)];
      for (const negation of negations) for (const fact of conjuncts(negation)) facts.push({ key: key(fact), support });
    }
    if (dead) return "list" in part ? { cond: P.f, list: part.list } : undefined;
    if ("value" in part) earlier.push(original);
    if (!facts.length) return part;
    const kept = [...original];
    const keptKeys = (except: Pred): Set<string> => new Set(kept.filter((conjunct) => conjunct !== except).map(key));
    // a fact without support (the failure of an earlier one-conjunct condition) holds wherever this part is reached
    const unconditional = new Set(facts.filter((fact) => fact.support.length === 0).map((fact) => fact.key));
    const known = (wanted: string, except: Pred): boolean => {
      const others = keptKeys(except);
      const holds = (k: string): boolean => others.has(k) || unconditional.has(k);
      return holds(wanted) || facts.some((fact) => fact.key === wanted && fact.support.every(holds));
    };
    for (const conjunct of original) {
      const at = kept.indexOf(conjunct);
      if (known(key(conjunct), conjunct)) {
        kept.splice(at, 1);
        continue;
      }
      // `not (a && b)` where a holds: `not b` (stronger, and equal where a holds, which the condition requires)
      if (conjunct.k === "not" && conjunct.of.k === "and") {
        const open = conjunct.of.of.filter((inner) => !known(key(inner), conjunct));
        if (open.length === 1) {
          const negated = not(open[0]!);
          if (known(key(negated), conjunct)) kept.splice(at, 1);
          else kept[at] = negated;
        }
      }
    }
    return { ...part, cond: and(...kept) };
  });
}

const isEmptyList = (val: Val): boolean => val.k === "lit" && Array.isArray(val.value) && val.value.length === 0;

function concatLists(a: Val, b: Val): Val {
  if (isEmptyList(a)) return b;
  if (isEmptyList(b)) return a;
  return { k: "concat", lists: [...(a.k === "concat" ? a.lists : [a]), ...(b.k === "concat" ? b.lists : [b])] };
}

/** A listed part as one list. */
const asList = (part: Listed): Val => ("list" in part ? guardedList(part.cond, part.list) : guardedList(part.cond, { k: "list", items: [part.value] }));

/** A body's predicate, whose solutions end in value markers, as the body's values (see valueList). */
function listOf(pred: Pred, values: ReadonlyMap<string, Sym>): Listed | undefined {
  switch (pred.k) {
    case "raw": {
      const sym = values.get(pred.cel);
      if (!sym) return undefined;
      if (sym.k === "undef") return { cond: P.f, list: V.lit([]) };
      const val = valOf(sym);
      return val ? { cond: defined(sym), value: val } : undefined;
    }
    case "and": {
      const marked = pred.of.filter((part) => hasMarker(part, values));
      if (marked.length !== 1) return undefined;
      const inner = listOf(marked[0]!, values);
      if (!inner) return undefined;
      return { ...inner, cond: and(...pred.of.filter((part) => part !== marked[0]), inner.cond) };
    }
    case "or": {
      // several solutions of one body: all its values
      const lists: Val[] = [];
      for (const part of pred.of) {
        const inner = hasMarker(part, values) ? listOf(part, values) : undefined;
        if (!inner) return undefined;
        lists.push(asList(inner));
      }
      return { cond: P.t, list: lists.reduce(concatLists) };
    }
    case "quant": {
      // one iteration: the elements that satisfy the body, mapped to the value (an absent list has none)
      if (pred.q !== "any" || pred.index !== undefined || pred.entries) return undefined;
      const inner = listOf(pred.body, values);
      if (!inner || !("value" in inner)) return undefined;
      const over = valPaths(pred.over).length ? V.or(pred.over, V.lit([])) : pred.over;
      const filtered: Val = inner.cond.k === "const" && inner.cond.value ? over : { k: "filter", list: over, v: pred.v, pred: inner.cond };
      const identity = inner.value.k === "path" && inner.value.path.root.k === "var" && inner.value.path.root.name === pred.v && inner.value.path.segs.length === 0;
      return { cond: P.t, list: identity ? filtered : { k: "project", list: filtered, v: pred.v, body: inner.value } };
    }
    default:
      return undefined;
  }
}

/** Does the predicate (or a value in it) hold one of the value markers? */
function hasMarker(node: unknown, values: ReadonlyMap<string, Sym>): boolean {
  if (typeof node !== "object" || node === null) return false;
  if (Array.isArray(node)) return node.some((item) => hasMarker(item, values));
  const record = node as Record<string, unknown>;
  if (record.k === "raw" && typeof record.cel === "string") return values.has(record.cel);
  return Object.values(record).some((item) => hasMarker(item, values));
}

/**
 * The caller's continuation over a function's values: `some value satisfies it` (`list.exists(f, …)`). A single
 * value under conditions is put in place instead (`c && …v…`) where the continuation reads it at most once or it is
 * a plain path: a binding would only add a name.
 */
function bindValues(list: Val, kind: StaticKind | undefined, hint: string, scope: Scope, then: (sym: Sym) => Pred): Pred {
  const withKind = (val: Val): Sym => ({ ...(rt(val) as Sym), ...(kind && !valKind(val) && rt(val).k === "rt" ? { kind } : {}) }) as Sym;
  if (isEmptyList(list)) return P.f;
  if (list.k === "list" && list.items.length === 1) return then(withKind(list.items[0]!));
  // one value under conditions, a path or a short value: in place, no name (the continuation may keep the value it
  // is given — a value marker, a comprehension's head — so the choice is made before it runs)
  const single = list.k === "cond" && isEmptyList(list.else) && list.then.k === "list" && list.then.items.length === 1 ? { cond: list.test, value: list.then.items[0]! } : undefined;
  if (single && (single.value.k === "path" || JSON.stringify(single.value).length <= SHORT_VALUE)) return andThen(single.cond, () => then(withKind(single.value)));
  const name = freshName(scope, hint);
  const element: Sym = { k: "rt", val: V.at({ root: { k: "var", name }, segs: [] }), ...(kind ? { kind } : {}) };
  const body = then(element);
  if (body.k === "const" && !body.value) {
    scope.names.delete(name);
    return P.f;
  }
  return { k: "quant", q: "any", over: list, v: name, body, ifAbsent: false };
}

/** Rule-model size (JSON characters) of a value short enough to repeat rather than name. */
const SHORT_VALUE = 240;

/** How often a tree reads the variable `name`. */
function varReads(node: unknown, name: string): number {
  if (typeof node !== "object" || node === null) return 0;
  if (Array.isArray(node)) return node.reduce((sum: number, item) => sum + varReads(item, name), 0);
  const record = node as Record<string, unknown>;
  const root = record.root as { k?: string; name?: string } | undefined;
  const own = root && root.k === "var" && root.name === name ? 1 : 0;
  return own + Object.values(record).reduce((sum: number, item) => sum + varReads(item, name), 0);
}

/** The tree with the variable `name` replaced by `value`; undefined where a non-path value would need a path. */
function substituteVar<T>(node: T, name: string, value: Val): T | undefined {
  let failed = false;
  const visit = (item: unknown): unknown => {
    if (failed || typeof item !== "object" || item === null) return item;
    if (Array.isArray(item)) return item.map(visit);
    const record = item as Record<string, unknown>;
    if (record.k === "path") {
      const path = record.path as Path;
      if (path.root.k === "var" && path.root.name === name) {
        const segs = path.segs.map((seg) => visit(seg) as Path["segs"][number]);
        if (!segs.length) return value;
        if (value.k === "path") return V.at({ root: value.path.root, segs: [...value.path.segs, ...segs] });
        failed = true;
        return item;
      }
    }
    const root = record.root as Root | undefined;
    if (root && root.k === "var" && root.name === name) {
      // a bare path (a presence test's): only a path value extends it
      if (value.k !== "path") {
        failed = true;
        return item;
      }
      const segs = (record.segs as Path["segs"]).map((seg) => visit(seg) as Path["segs"][number]);
      return { root: value.path.root, segs: [...value.path.segs, ...segs] };
    }
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(record)) out[key] = visit(child);
    return out;
  };
  const result = visit(node) as T;
  return failed ? undefined : result;
}

// ---- comprehensions --------------------------------------------------------------------------------------------

/**
 * `[h | body]` / `{h | body}`: over known values it is computed here; with one iteration it is the filter and
 * projection of that list (`xs.filter(x, conditions).map(x, h)`), kept lazy too so iterating it inlines the body;
 * otherwise it is lazy only (it can be iterated, not counted or compared).
 */
function comprehension(term: Extract<Term, { type: "arraycomp" | "setcomp" }>, env: Env, scope: Scope): Sym {
  const lazy = { term, env };
  const constant = knownComprehension(term, env, scope);
  if (constant) return constant;
  try {
    const collect: Collect = {};
    const filter = lowerBody(term.body, 0, env, { ...scope, collect }, (inner) =>
      lowerTerm(term.head, inner, { ...scope, collect: undefined }, (head) => {
        const val = valOf(head);
        if (!val) throw new Unsupported("a comprehension head the rule model cannot hold", term.loc);
        if (collect.head && JSON.stringify(collect.head) !== JSON.stringify(val)) throw new Unsupported("a comprehension whose head differs per branch", term.loc);
        collect.head = val;
        return and(defined(head), P.t);
      }),
    );
    if (!collect.list || !collect.v || !collect.head) throw new Unsupported("a comprehension without an iteration", term.loc);
    const filtered: Val = filter.k === "const" && filter.value ? collect.list : { k: "filter", list: collect.list, v: collect.v, pred: filter };
    const head = collect.head;
    const identity = head.k === "path" && head.path.root.k === "var" && head.path.root.name === collect.v && head.path.segs.length === 0;
    const projected: Val = identity ? filtered : { k: "project", list: filtered, v: collect.v, body: head };
    return { k: "rt", val: term.type === "setcomp" ? V.call("distinct", projected) : projected, lazy };
  } catch (error) {
    if (!(error instanceof Unsupported)) throw error;
    return { k: "lazy", lazy };
  }
}

/** A comprehension over known values only, computed now (undefined when it reads runtime values). */
function knownComprehension(term: Extract<Term, { type: "arraycomp" | "setcomp" }>, env: Env, scope: Scope): Sym | undefined {
  const results: Sym[] = [];
  let pred: Pred;
  try {
    pred = lowerBody(term.body, 0, env, scope, (inner) =>
      lowerTerm(term.head, inner, scope, (sym) => {
        results.push(sym);
        return P.t;
      }),
    );
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
  if (!results.every((sym) => sym.k === "known") || !onlyTrue(pred)) return undefined;
  const values = results.map((sym) => (sym as { value: Value }).value);
  return known(term.type === "arraycomp" ? values : new RSet(values));
}

function onlyTrue(pred: Pred): boolean {
  if (pred.k === "const") return true;
  if (pred.k === "or") return pred.of.every(onlyTrue);
  return false;
}

// ---- predicate helpers -----------------------------------------------------------------------------------------

/** `pred && then()`, where `then` is not lowered at all when `pred` is false (its branch is dead). */
function andThen(pred: Pred, then: () => Pred): Pred {
  return pred.k === "const" && !pred.value ? P.f : and(pred, then());
}

/** Negation with constant folding (`!true` → false, `!!x` → x). */
export function not(pred: Pred): Pred {
  if (pred.k === "const") return pred.value ? P.f : P.t;
  if (pred.k === "not") return pred.of;
  return P.not(pred);
}

/** Conjunction with constant folding. */
export function and(...preds: Pred[]): Pred {
  const parts: Pred[] = [];
  for (const pred of preds) {
    if (pred.k === "const") {
      if (!pred.value) return P.f;
      continue;
    }
    if (pred.k === "and") parts.push(...pred.of);
    else parts.push(pred);
  }
  return parts.length === 0 ? P.t : parts.length === 1 ? parts[0]! : P.and(...parts);
}

/** Disjunction with constant folding. */
export function or(...preds: Pred[]): Pred {
  const parts: Pred[] = [];
  for (const pred of preds) {
    if (pred.k === "const") {
      if (pred.value) return P.t;
      continue;
    }
    if (pred.k === "or") parts.push(...pred.of);
    else parts.push(pred);
  }
  return parts.length === 0 ? P.f : parts.length === 1 ? parts[0]! : P.or(...parts);
}

// ---- conflict reach (entry points) ---------------------------------------------------------------------------------

/**
 * "Evaluating this entry body (and its head) raises eval_conflict_error", with the names of the functions and rules
 * whose conflicts it can reach; undefined when it reaches none.
 */
export function conflictReach(body: Body, head: Term | undefined, scope: Scope, info: ConflictInfo): { pred: Pred; met: string[] } | undefined {
  const reach: Reach = { info, met: new Set() };
  const inner: Scope = { ...scope, reach };
  const pred = lowerBody(body, 0, new Map(), inner, (env) => (head ? lowerTerm(head, env, inner, () => P.f) : P.f));
  if (pred.k === "const" && !pred.value) return undefined;
  return { pred, met: [...reach.met].sort() };
}

/** "The complete rules of this node give different values" (an entry such as `deny := msg { … }`); undefined: never. */
export function completeConflict(node: RuleNode, scope: Scope, info: ConflictInfo): Pred | undefined {
  const pred = conflictOf(node.complete, info.completePairs(node), undefined, plain(scope), node.complete[0]?.rule.loc ?? { file: "", line: 0, col: 0 }, `data.${node.path.join(".")}`);
  return pred.k === "const" && !pred.value ? undefined : pred;
}
