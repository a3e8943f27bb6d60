// Compiling Rego modules for evaluation: resolving names (package rules and imports become `data…` refs, calls
// get their full function path, each `_` becomes a fresh var, a var declared in a nested body under a name an
// enclosing body uses gets a fresh name — `x$3`), ordering every body for safety as OPA's compiler does (an
// expression runs once the vars it reads are bound; nested bodies — comprehensions, `every`, `and` / `or`
// operands, `not { }`, template-string parts — read their closure), and building the rule tree.
import type { Body, Expr, Loc, Module, Rule, Term, With } from "../ast.js";
import { BUILTINS } from "./builtins/index.js";
import { RegoError } from "./errors.js";
import { hoistDynamics } from "./dynamics.js";
import { newNode, nodeAt, type CompiledRule, type RuleNode } from "./program.js";
import { collectUse, countVars, exprUse, isGenerated, newUse, sourceName, type ArityOf } from "./vars.js";

export interface CompiledProgram {
  modules: readonly Module[];
  root: RuleNode;
  /** User functions by full path (`data.lib.f`). */
  functions: Map<string, CompiledRule[]>;
  arityOf: ArityOf;
}

/** Calls the evaluator implements itself (not in the builtin table). */
export const SPECIAL_CALLS: ReadonlyMap<string, number> = new Map([
  ["eq", 2],
  ["assign", 2],
  ["internal.member_2", 2],
  ["internal.member_3", 3],
  ["print", -1],
  ["trace", 1],
]);

type Global = { root: "data" | "input"; path: string[] };

export function compileProgram(modules: readonly Module[]): CompiledProgram {
  const root = newNode([]);
  const functions = new Map<string, CompiledRule[]>();
  const rulesByPackage = new Map<string, Set<string>>();
  for (const module of modules) {
    const names = rulesByPackage.get(module.package.join(".")) ?? new Set<string>();
    for (const rule of module.rules) names.add(rule.head.name);
    rulesByPackage.set(module.package.join("."), names);
  }
  const resolved = modules.map((module) => resolveModule(module, rulesByPackage.get(module.package.join("."))!));
  for (const module of resolved) nodeAt(root, module.package).virtual = true;
  for (const module of resolved) for (const rule of module.rules) placeRule(root, functions, module, rule);
  const arityOf: ArityOf = (name) => {
    const special = SPECIAL_CALLS.get(name);
    if (special !== undefined) return special < 0 ? undefined : special;
    const user = functions.get(name);
    if (user) return user[0]!.rule.head.args!.length;
    return BUILTINS.get(name)?.arity;
  };
  const program: CompiledProgram = { modules: resolved, root, functions, arityOf };
  for (const rules of allRules(root, functions)) for (const compiled of rules) compiled.rule = orderRule(compiled.rule, program);
  return program;
}

function* allRules(node: RuleNode, functions: Map<string, CompiledRule[]>): Generator<CompiledRule[]> {
  yield* functions.values();
  const visit = function* (current: RuleNode): Generator<CompiledRule[]> {
    yield current.complete;
    yield current.defaults;
    yield current.partialSets;
    yield current.dynamic;
    for (const child of current.children.values()) yield* visit(child);
  };
  yield* visit(node);
}

function placeRule(root: RuleNode, functions: Map<string, CompiledRule[]>, module: Module, rule: Rule): void {
  const ref = rule.head.ref;
  let groundLength = 0;
  while (groundLength < ref.length && ref[groundLength]!.type === "string") groundLength++;
  const ground = ref.slice(0, groundLength).map((term) => (term as { value: string }).value);
  const path = [...module.package, ...ground];
  const compiled: CompiledRule = { rule, module, suffix: ref.slice(groundLength), path };
  if (rule.kind === "function") {
    markVirtual(root, path.slice(0, -1));
    const key = "data." + path.join(".");
    const existing = functions.get(key);
    if (existing && existing[0]!.rule.head.args!.length !== rule.head.args!.length) {
      throw new RegoError("rego_type_error", `conflicting rules data.${path.join(".")} found`, rule.loc);
    }
    functions.set(key, [...(existing ?? []), compiled]);
    return;
  }
  const node = markVirtual(root, path);
  if (rule.default) node.defaults.push(compiled);
  else if (rule.kind === "partialset" && compiled.suffix.length === 0) node.partialSets.push(compiled);
  else if (compiled.suffix.length > 0) node.dynamic.push(compiled);
  else node.complete.push(compiled);
}

/** The node at `path`, with it and its ancestors marked as holding virtual documents. */
function markVirtual(root: RuleNode, path: readonly string[]): RuleNode {
  let node = root;
  node.virtual = true;
  for (const segment of path) {
    node = nodeAt(node, [segment]);
    node.virtual = true;
  }
  return node;
}

// ---- name resolution -------------------------------------------------------------------------------------------

function resolveModule(module: Module, packageRules: ReadonlySet<string>): Module {
  const globals = new Map<string, Global>();
  for (const name of packageRules) globals.set(name, { root: "data", path: [...module.package, name] });
  for (const imp of module.imports) {
    const path = refPath(imp.path);
    if (!path || (path[0] !== "data" && path[0] !== "input")) continue;
    const alias = imp.alias ?? path[path.length - 1]!;
    if (path.length === 1 && !imp.alias) continue;
    globals.set(alias, { root: path[0] as "data" | "input", path: path.slice(1) });
  }
  const resolver = new Resolver(globals);
  return { ...module, rules: module.rules.map((rule) => resolver.rule(rule)) };
}

/** A ref of plain names (`data.a.b`, `input.x`) as strings, else undefined. */
export function refPath(term: Term): string[] | undefined {
  if (term.type === "var") return [term.name];
  if (term.type !== "ref" || term.head.type !== "var") return undefined;
  const path = [term.head.name];
  for (const element of term.path) {
    if (element.type !== "string") return undefined;
    path.push(element.value);
  }
  return path;
}

let wildcardCounter = 0;
let renameCounter = 0;

/** What names mean inside one scope (a rule or query body, or a nested body). */
interface Scope {
  /** Declared names (arguments, `:=` targets, `some` vars) visible here: they shadow package rules and imports. */
  locals: ReadonlySet<string>;
  /** Vars declared in a nested scope under a name an enclosing scope also uses, and their fresh names: OPA gives
   *  such a declaration a var of its own (`a := 1; { a := 2; a > 1 } and a == 1`). */
  renames: ReadonlyMap<string, string>;
  /** Every var name occurring in this scope or an enclosing one (outside nested bodies). */
  visible: ReadonlySet<string>;
}

class Resolver {
  constructor(private readonly globals: Map<string, Global>) {}

  rule(rule: Rule): Rule {
    const locals = new Set<string>();
    for (const arg of rule.head.args ?? []) for (const name of countVars(arg).keys()) locals.add(name);
    declaredIn(rule.body, locals);
    for (const branch of rule.elses) declaredIn(branch.body, locals);
    const headTerms = [...rule.head.ref.slice(1), ...(rule.head.args ?? []), rule.head.key, rule.head.value];
    const visible = scopeVars([...headTerms, rule.body, ...rule.elses.flatMap((branch) => [branch.body, branch.value])]);
    const scope: Scope = { locals, renames: new Map(), visible };
    const head = {
      ...rule.head,
      ref: rule.head.ref.map((term, index) => (index === 0 ? term : this.term(term, scope))),
      args: rule.head.args?.map((arg) => this.term(arg, scope)),
      key: rule.head.key && this.term(rule.head.key, scope),
      value: rule.head.value && this.term(rule.head.value, scope),
    };
    return {
      ...rule,
      head,
      body: this.body(rule.body, scope),
      elses: rule.elses.map((branch) => ({ ...branch, value: branch.value && this.term(branch.value, scope), body: this.body(branch.body, scope) })),
    };
  }

  /** A query: one scope, nothing renamed. */
  query(body: Body): Body {
    const locals = new Set<string>();
    declaredIn(body, locals);
    return this.body(body, { locals, renames: new Map(), visible: scopeVars([body]) });
  }

  private body(body: Body, scope: Scope): Body {
    return body.map((expr) => this.expr(expr, scope));
  }

  /** The scope of a nested body declaring `declared`, whose own vars occur in `nodes`. */
  private nested(scope: Scope, declared: ReadonlySet<string>, nodes: readonly (Term | Body)[]): Scope {
    const renames = new Map(scope.renames);
    for (const name of declared) {
      if (scope.visible.has(name)) renames.set(name, `${name}$${++renameCounter}`);
      else renames.delete(name);
    }
    return { locals: new Set([...scope.locals, ...declared]), renames, visible: scopeVars(nodes, scope.visible) };
  }

  private nestedBody(body: Body, scope: Scope): Body {
    const declared = new Set<string>();
    declaredIn(body, declared);
    return this.body(body, this.nested(scope, declared, [body]));
  }

  private expr(expr: Expr, scope: Scope): Expr {
    const withs: With[] = expr.with.map((w) => this.with(w, scope));
    switch (expr.type) {
      case "term":
        return { ...expr, term: this.term(expr.term, scope), with: withs };
      case "some":
        return { ...expr, vars: expr.vars.map((name) => scope.renames.get(name) ?? name), with: withs };
      case "somein":
        return { ...expr, key: expr.key && this.term(expr.key, scope), value: this.term(expr.value, scope), domain: this.term(expr.domain, scope), with: withs };
      case "every":
        return this.every(expr, scope, withs);
      case "and":
      case "or":
        return { ...expr, operands: expr.operands.map((operand) => this.nestedBody(operand, scope)), with: withs };
      case "notbody":
        return { ...expr, body: this.nestedBody(expr.body, scope), with: withs };
    }
  }

  private with(w: With, scope: Scope): With {
    return { ...w, target: this.withTarget(w.target, scope.locals), value: this.term(w.value, scope) };
  }

  private every(expr: Extract<Expr, { type: "every" }>, scope: Scope, withs: With[]): Expr {
    const declared = new Set<string>();
    for (const term of expr.key ? [expr.key, expr.value] : [expr.value]) for (const name of countVars(term).keys()) declared.add(name);
    declaredIn(expr.body, declared);
    const inner = this.nested(scope, declared, [expr.body, expr.value, ...(expr.key ? [expr.key] : [])]);
    return {
      ...expr,
      key: expr.key && this.term(expr.key, inner),
      value: this.term(expr.value, inner),
      domain: this.term(expr.domain, scope),
      body: this.body(expr.body, inner),
      with: withs,
    };
  }

  term(term: Term, scope: Scope): Term {
    switch (term.type) {
      case "var":
        return this.variable(term, scope);
      case "ref": {
        const head = this.term(term.head, scope);
        const path = term.path.map((element) => this.term(element, scope));
        if (head.type === "ref") return { ...term, head: head.head, path: [...head.path, ...path] };
        return { ...term, head, path };
      }
      case "array":
      case "set":
        return { ...term, items: term.items.map((item) => this.term(item, scope)) };
      case "object":
        return { ...term, entries: term.entries.map(([key, value]) => [this.term(key, scope), this.term(value, scope)] as [Term, Term]) };
      case "arraycomp":
      case "setcomp":
      case "objectcomp":
        return this.comprehension(term, scope);
      case "call":
        return { ...term, name: this.callName(term.name, scope.locals), args: term.args.map((arg) => this.term(arg, scope)) };
      case "template":
        return this.template(term, scope);
      default:
        return term;
    }
  }

  private comprehension(term: Extract<Term, { type: "arraycomp" | "setcomp" | "objectcomp" }>, scope: Scope): Term {
    const declared = new Set<string>();
    declaredIn(term.body, declared);
    const heads = term.type === "objectcomp" ? [term.key, term.value] : [term.head];
    const inner = this.nested(scope, declared, [term.body, ...heads]);
    const body = this.body(term.body, inner);
    if (term.type === "objectcomp") return { ...term, key: this.term(term.key, inner), value: this.term(term.value, inner), body };
    return { ...term, head: this.term(term.head, inner), body };
  }

  private template(term: Extract<Term, { type: "template" }>, scope: Scope): Term {
    const parts = term.parts.map((part) => (typeof part === "string" ? part : this.term(part, scope)));
    if (term.withs === undefined) return { ...term, parts };
    return { ...term, parts, withs: term.withs.map((withs) => withs.map((w) => this.with(w, scope))) };
  }

  private variable(term: Extract<Term, { type: "var" }>, scope: Scope): Term {
    if (term.name === "_") return { ...term, name: `$_${++wildcardCounter}` };
    const renamed = scope.renames.get(term.name);
    if (renamed !== undefined) return { ...term, name: renamed };
    if (scope.locals.has(term.name)) return term;
    const global = this.globals.get(term.name);
    if (!global) return term;
    return {
      type: "ref",
      head: { type: "var", name: global.root, loc: term.loc },
      path: global.path.map((segment) => ({ type: "string", value: segment, loc: term.loc })),
      loc: term.loc,
    };
  }

  /** `with f as …` names a function by its package-local name: make it the full path, like a call. */
  private withTarget(target: Term, locals: ReadonlySet<string>): Term {
    const path = refPath(target);
    if (!path || path[0] === "input" || path[0] === "data") return target;
    const [root, ...rest] = this.callName(path.join("."), locals).split(".");
    if (root !== "data") return target;
    const loc = target.loc;
    return { type: "ref", head: { type: "var", name: "data", loc }, path: rest.map((value) => ({ type: "string", value, loc })), loc };
  }

  private callName(name: string, locals: ReadonlySet<string>): string {
    const [first, ...rest] = name.split(".");
    if (first === "data" || locals.has(first!)) return name;
    const global = this.globals.get(first!);
    if (!global || global.root !== "data") return name;
    return ["data", ...global.path, ...rest].join(".");
  }
}

/** Adds the vars a body declares (`:=` targets, `some`, `some … in`) to `locals`. */
function declaredIn(body: Body, locals: Set<string>): void {
  for (const expr of body) {
    if (expr.type === "some") expr.vars.forEach((name) => locals.add(name));
    else if (expr.type === "somein") {
      for (const term of expr.key ? [expr.key, expr.value] : [expr.value]) for (const name of countVars(term).keys()) locals.add(name);
    } else if (expr.type === "term" && expr.term.type === "call" && expr.term.name === "assign") {
      for (const name of countVars(expr.term.args[0]!).keys()) locals.add(name);
    }
  }
}

// ---- safety ordering -------------------------------------------------------------------------------------------

/** Always bound. */
const ROOTS = ["data", "input"];

interface OrderContext {
  arityOf: ArityOf;
  /** Vars the enclosing body declares with `:=` / `some`, and where: a comprehension written before the
   *  declaration has a var of its own (OPA: "referenced above"), one written after it reads the declared var. */
  declared: ReadonlyMap<string, Loc>;
  /** Vars of the enclosing scopes outside any comprehension: a comprehension's vars among these are its closure. */
  outer: ReadonlySet<string>;
}

/** Vars a scope shows to comprehensions nested in it: those outside any nested comprehension. */
function scopeVars(nodes: readonly (Term | Body | undefined)[], base: ReadonlySet<string> = new Set()): Set<string> {
  const counts = new Map<string, number>();
  for (const node of nodes) if (node) countVars(node, counts, true);
  return new Set([...base, ...counts.keys()]);
}

function orderRule(original: Rule, program: CompiledProgram): Rule {
  const rule = templateArgs(original);
  const outer = scopeVars([...rule.head.ref.slice(1), ...(rule.head.args ?? []), rule.head.key, rule.head.value, rule.body, ...rule.elses.flatMap((branch) => [branch.body, branch.value])]);
  const ctx: OrderContext = { arityOf: program.arityOf, outer, declared: declarations(rule.body) };
  const initial = new Set<string>(ROOTS);
  for (const arg of rule.head.args ?? []) for (const name of countVars(arg).keys()) initial.add(name);
  const ordered = orderBody(rule.body, initial, ctx);
  checkHeadSafe([...rule.head.ref.slice(1), rule.head.key, rule.head.value], ordered.bound, ctx);
  const elses = rule.elses.map((branch) => {
    const orderedElse = orderBody(branch.body, initial, ctx);
    checkHeadSafe([branch.value], orderedElse.bound, ctx);
    return { ...branch, body: orderedElse.body };
  });
  return { ...rule, body: hoistDynamics(ordered.body), elses: elses.map((branch) => ({ ...branch, body: hoistDynamics(branch.body) })) };
}

let templateArgCounter = 0;

/** A function argument holding a template string is no pattern (OPA lowers it to a call): the argument becomes a
 *  fresh var, compared with the template once the body has bound the template's vars. */
function templateArgs(rule: Rule): Rule {
  const args = rule.head.args;
  if (!args?.some(hasTemplate)) return rule;
  const checks: Expr[] = [];
  const replaced = args.map((arg) => {
    if (!hasTemplate(arg)) return arg;
    const variable: Term = { type: "var", name: `$targ${++templateArgCounter}`, loc: arg.loc };
    checks.push({ type: "term", term: { type: "call", name: "eq", args: [variable, arg], loc: arg.loc }, negated: false, with: [], loc: arg.loc });
    return variable;
  });
  return {
    ...rule,
    head: { ...rule.head, args: replaced },
    body: [...rule.body, ...checks],
    elses: rule.elses.map((branch) => ({ ...branch, body: [...branch.body, ...checks] })),
  };
}

function hasTemplate(term: Term): boolean {
  switch (term.type) {
    case "template":
      return true;
    case "array":
    case "set":
      return term.items.some(hasTemplate);
    case "object":
      return term.entries.some(([key, value]) => hasTemplate(key) || hasTemplate(value));
    default:
      return false;
  }
}

/** Orders a query body (no head; every var may be output). */
export function orderQuery(body: Body, program: CompiledProgram): Body {
  return hoistDynamics(orderBody(body, new Set(ROOTS), { arityOf: program.arityOf, outer: scopeVars([body]), declared: declarations(body) }).body);
}

function checkHeadSafe(terms: readonly (Term | undefined)[], bound: ReadonlySet<string>, ctx: OrderContext): void {
  for (const term of terms) {
    if (!term) continue;
    const use = newUse();
    collectUse(term, false, use, closureOf(ctx, bound));
    for (const name of [...use.needs, ...use.outputs]) {
      if (!bound.has(name) && !isGenerated(name)) throw new RegoError("rego_unsafe_var_error", `var ${sourceName(name)} is unsafe`, term.loc);
    }
  }
}

function closureOf(ctx: OrderContext, bound: ReadonlySet<string>): (comp: Term) => Iterable<string> {
  return (comp) => [...countVars(comp).keys()].filter((name) => bound.has(name) || (ctx.outer.has(name) && !declaredAfter(ctx.declared.get(name), comp.loc)));
}

function declaredAfter(declaration: Loc | undefined, at: Loc): boolean {
  return declaration !== undefined && (declaration.line > at.line || (declaration.line === at.line && declaration.col > at.col));
}

/** The vars a body declares (`:=` targets, `some`, `some … in`), each at its first declaration. */
function declarations(body: Body): Map<string, Loc> {
  const out = new Map<string, Loc>();
  for (const expr of body) {
    const names = new Set<string>();
    declaredIn([expr], names);
    for (const name of names) if (!out.has(name)) out.set(name, expr.loc);
  }
  return out;
}

function orderBody(body: Body, initiallyBound: ReadonlySet<string>, ctx: OrderContext): { body: Body; bound: Set<string> } {
  const bound = new Set(initiallyBound);
  const remaining = [...body];
  const ordered: Expr[] = [];
  while (remaining.length > 0) {
    const index = remaining.findIndex((expr) => canRun(expr, bound, ctx));
    if (index < 0) throw unsafe(remaining[0]!, bound, ctx);
    const [expr] = remaining.splice(index, 1);
    ordered.push(orderNested(expr!, bound, ctx));
    if (!expr!.negated) for (const name of exprUse(expr!, ctx.arityOf, closureOf(ctx, bound)).outputs) bound.add(name);
  }
  return { body: ordered, bound };
}

function canRun(expr: Expr, bound: ReadonlySet<string>, ctx: OrderContext): boolean {
  const use = exprUse(expr, ctx.arityOf, closureOf(ctx, bound));
  const needs = expr.negated ? [...use.needs, ...use.outputs] : [...use.needs].filter((name) => !use.iteration.has(name));
  if (needs.some((name) => !bound.has(name) && !(expr.negated && isGenerated(name)))) return false;
  if (expr.type === "term" && expr.term.type === "call" && (expr.term.name === "eq" || expr.term.name === "assign")) {
    return unifiable(expr.term.args[0]!, expr.term.args[1]!, bound);
  }
  return true;
}

/** Whether `a = b` can run now: one side has no unbound pattern vars, or both are composites that pair up. */
function unifiable(a: Term, b: Term, bound: ReadonlySet<string>): boolean {
  if (a.type === "array" && b.type === "array" && a.items.length === b.items.length) {
    return a.items.every((item, index) => unifiable(item, b.items[index]!, bound));
  }
  const stringKeys = (t: Extract<Term, { type: "object" }>): boolean => t.entries.every(([key]) => key.type === "string");
  if (a.type === "object" && b.type === "object" && a.entries.length === b.entries.length && stringKeys(a) && stringKeys(b)) {
    const byKey = new Map(b.entries.map(([key, value]) => [JSON.stringify(key.type === "string" ? key.value : key.loc), value]));
    return a.entries.every(([key, value]) => {
      const other = key.type === "string" ? byKey.get(JSON.stringify(key.value)) : undefined;
      return other !== undefined && unifiable(value, other, bound);
    });
  }
  return patternVarsUnbound(a, bound).length === 0 || patternVarsUnbound(b, bound).length === 0;
}

function patternVarsUnbound(term: Term, bound: ReadonlySet<string>): string[] {
  switch (term.type) {
    case "var":
      return bound.has(term.name) ? [] : [term.name];
    case "array":
      return term.items.flatMap((item) => patternVarsUnbound(item, bound));
    case "object":
      return term.entries.flatMap(([, value]) => patternVarsUnbound(value, bound));
    default:
      return [];
  }
}

function unsafe(expr: Expr, bound: ReadonlySet<string>, ctx: OrderContext): RegoError {
  const use = exprUse(expr, ctx.arityOf, closureOf(ctx, bound));
  const names = [...use.needs, ...use.outputs].filter((name) => !bound.has(name) && !isGenerated(name));
  return new RegoError("rego_unsafe_var_error", `var ${sourceName(names[0] ?? "_")} is unsafe`, expr.loc);
}

/** Orders the bodies nested in an expression (comprehensions, every), given what is bound when it runs. */
function orderNested(expr: Expr, bound: ReadonlySet<string>, ctx: OrderContext): Expr {
  const term = (t: Term): Term => orderTerm(t, bound, ctx);
  const withs = expr.with.map((w) => ({ ...w, value: term(w.value) }));
  switch (expr.type) {
    case "term":
      return { ...expr, term: term(expr.term), with: withs };
    case "some":
      return expr;
    case "somein":
      return { ...expr, domain: term(expr.domain), with: withs };
    case "every": {
      const inner = new Set(bound);
      for (const loopVar of expr.key ? [expr.key, expr.value] : [expr.value]) for (const name of countVars(loopVar).keys()) inner.add(name);
      return { ...expr, domain: term(expr.domain), body: orderBody(expr.body, inner, { ...ctx, outer: scopeVars([expr.body], ctx.outer), declared: declarations(expr.body) }).body, with: withs };
    }
    case "and":
    case "or":
      return { ...expr, operands: expr.operands.map((operand) => orderScope(operand, bound, ctx)), with: withs };
    case "notbody":
      return { ...expr, body: orderScope(expr.body, bound, ctx), with: withs };
  }
}

/** Orders a nested body that sees only its closure (an `and` / `or` operand, a `not { }` body). */
function orderScope(body: Body, bound: ReadonlySet<string>, ctx: OrderContext): Body {
  const scope: Term = { type: "arraycomp", head: { type: "null", loc: body[0]!.loc }, body, loc: body[0]!.loc };
  const inner = new Set([...closureOf(ctx, bound)(scope)].filter((name) => bound.has(name)));
  return orderBody(body, new Set([...inner, ...ROOTS]), { ...ctx, outer: scopeVars([body], ctx.outer), declared: declarations(body) }).body;
}

function orderTerm(term: Term, bound: ReadonlySet<string>, ctx: OrderContext): Term {
  const recur = (t: Term): Term => orderTerm(t, bound, ctx);
  switch (term.type) {
    case "ref":
      return { ...term, head: recur(term.head), path: term.path.map(recur) };
    case "array":
    case "set":
      return { ...term, items: term.items.map(recur) };
    case "object":
      return { ...term, entries: term.entries.map(([key, value]) => [recur(key), recur(value)] as [Term, Term]) };
    case "call":
      return { ...term, args: term.args.map(recur) };
    case "template":
      return { ...term, parts: term.parts.map((part) => (typeof part === "string" ? part : recur(part))) };
    case "arraycomp":
    case "setcomp":
    case "objectcomp": {
      const inner = new Set([...closureOf(ctx, bound)(term)].filter((name) => bound.has(name)));
      const heads = term.type === "objectcomp" ? [term.key, term.value] : [term.head];
      const innerCtx = { ...ctx, outer: scopeVars([term.body, ...heads], ctx.outer), declared: declarations(term.body) };
      const ordered = orderBody(term.body, new Set([...inner, ...ROOTS]), innerCtx);
      checkHeadSafe(heads, ordered.bound, innerCtx);
      return { ...term, body: ordered.body } as Term;
    }
    default:
      return term;
  }
}

/** Resolves a query body: no package, so only `_` and nested declarations change. */
export function resolveQuery(body: Body): Body {
  return new Resolver(new Map()).query(body);
}
