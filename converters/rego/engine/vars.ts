// Variable analysis over the Rego AST: which vars a term or expression needs bound before it can run, which it
// binds (patterns, iteration vars in ref brackets, output arguments), and var occurrence counts for deciding a
// comprehension's closure. Nested scopes — comprehension, `every`, `and` / `or` operand and `not { }` bodies, and
// template-string parts — read only their closure (the enclosing vars they mention) and bind nothing outside.
// Pure; used by safety ordering in compile.ts.
import type { Body, Expr, Term } from "../ast.js";

/** Arity of a callable (builtin or user function), or undefined when unknown. */
export type ArityOf = (name: string) => number | undefined;

export function isGenerated(name: string): boolean {
  return name.startsWith("$");
}

/** The name a var has in the source: a nested declaration the compiler renamed (`a$3`) prints as written. */
export function sourceName(name: string): string {
  return name.replace(/\$\d+$/, "");
}

/** Every var occurring in a term (with `shallow`, outside comprehension, `every`, `and` / `or` and `not { }`
 *  bodies), with counts. */
export function countVars(node: Term | Body | Expr, counts = new Map<string, number>(), shallow = false): Map<string, number> {
  const add = (name: string): void => void counts.set(name, (counts.get(name) ?? 0) + 1);
  const visitTerm = (term: Term): void => {
    switch (term.type) {
      case "var":
        add(term.name);
        return;
      case "ref":
        visitTerm(term.head);
        term.path.forEach(visitTerm);
        return;
      case "array":
      case "set":
        term.items.forEach(visitTerm);
        return;
      case "object":
        for (const [key, value] of term.entries) {
          visitTerm(key);
          visitTerm(value);
        }
        return;
      case "arraycomp":
      case "setcomp":
        if (shallow) return;
        visitTerm(term.head);
        visitBody(term.body);
        return;
      case "objectcomp":
        if (shallow) return;
        visitTerm(term.key);
        visitTerm(term.value);
        visitBody(term.body);
        return;
      case "call":
        term.args.forEach(visitTerm);
        return;
      case "template":
        for (const part of term.parts) if (typeof part !== "string") visitTerm(part);
        for (const w of (term.withs ?? []).flat()) visitTerm(w.value);
        return;
      default:
        return;
    }
  };
  const visitExpr = (expr: Expr): void => {
    switch (expr.type) {
      case "term":
        visitTerm(expr.term);
        break;
      case "some":
        expr.vars.forEach(add);
        break;
      case "somein":
        if (expr.key) visitTerm(expr.key);
        visitTerm(expr.value);
        visitTerm(expr.domain);
        break;
      case "every":
        visitTerm(expr.domain);
        if (shallow) break;
        if (expr.key) visitTerm(expr.key);
        visitTerm(expr.value);
        visitBody(expr.body);
        break;
      case "and":
      case "or":
        if (!shallow) expr.operands.forEach(visitBody);
        break;
      case "notbody":
        if (!shallow) visitBody(expr.body);
        break;
    }
    for (const w of expr.with) {
      visitTerm(w.target);
      visitTerm(w.value);
    }
  };
  const visitBody = (body: Body): void => body.forEach(visitExpr);
  if (Array.isArray(node)) visitBody(node);
  else if ("negated" in node) visitExpr(node);
  else visitTerm(node as Term);
  return counts;
}

/** Needs and outputs of one term in a given role. */
export interface VarUse {
  needs: Set<string>;
  outputs: Set<string>;
  /** The outputs that are iteration vars in ref brackets (`xs[i]`): they are bound by the time the rest of the
   *  expression reads them (`i == xs[i]` runs), as OPA's safety check has it. */
  iteration: Set<string>;
}

export function newUse(): VarUse {
  return { needs: new Set(), outputs: new Set(), iteration: new Set() };
}

/**
 * Collects a term's var use. `pattern`: the term sits where unification can bind its vars (top level of `=`, an
 * output argument, a function argument pattern), so bare vars and vars inside arrays/objects there are outputs.
 * Vars inside ref brackets are iteration vars: outputs. `closure(comp)` gives a comprehension's outer vars.
 */
export function collectUse(term: Term, pattern: boolean, use: VarUse, closure: (comp: Term) => Iterable<string>): void {
  switch (term.type) {
    case "var":
      (pattern ? use.outputs : use.needs).add(term.name);
      return;
    case "ref":
      if (term.head.type === "var") use.needs.add(term.head.name);
      else collectUse(term.head, false, use, closure);
      for (const element of term.path) {
        if (element.type === "var") {
          use.outputs.add(element.name);
          use.iteration.add(element.name);
        } else collectUse(element, elementIsPattern(element), use, closure);
      }
      return;
    case "array":
      term.items.forEach((item) => collectUse(item, pattern, use, closure));
      return;
    case "object":
      for (const [key, value] of term.entries) {
        collectUse(key, false, use, closure);
        collectUse(value, pattern, use, closure);
      }
      return;
    case "set":
      term.items.forEach((item) => collectUse(item, false, use, closure));
      return;
    case "arraycomp":
    case "setcomp":
    case "objectcomp":
      for (const name of closure(term)) use.needs.add(name);
      return;
    case "call":
      term.args.forEach((arg) => collectUse(arg, false, use, closure));
      return;
    case "template":
      for (const part of templateScopes(term)) for (const name of closure(part)) use.needs.add(name);
      return;
    default:
      return;
  }
}

/** Each expression part of a template string as a comprehension-like scope (OPA wraps each in a set comprehension),
 *  its `with` values included. */
export function templateScopes(term: Extract<Term, { type: "template" }>): Term[] {
  const scopes: Term[] = [];
  term.parts.forEach((part, index) => {
    if (typeof part === "string") return;
    const withTerms = (term.withs?.[index] ?? []).map((w) => w.value);
    const head: Term = withTerms.length === 0 ? part : { type: "array", items: [part, ...withTerms], loc: part.loc };
    scopes.push({ type: "setcomp", head, body: [], loc: part.loc });
  });
  return scopes;
}

/** `x[[a, b]]`: composite ref elements are patterns too (their vars bind when matched against keys). */
function elementIsPattern(element: Term): boolean {
  return element.type === "array" || element.type === "object";
}

/** Var use of one body expression (not negation-aware: the caller handles `not`). */
export function exprUse(expr: Expr, arityOf: ArityOf, closure: (comp: Term) => Iterable<string>): VarUse {
  const use = newUse();
  switch (expr.type) {
    case "term":
      termExprUse(expr.term, arityOf, closure, use);
      break;
    case "some":
      break;
    case "somein":
      collectUse(expr.domain, false, use, closure);
      if (expr.key) collectUse(expr.key, true, use, closure);
      collectUse(expr.value, true, use, closure);
      break;
    case "every":
      collectUse(expr.domain, false, use, closure);
      for (const name of closure(everyAsTerm(expr))) use.needs.add(name);
      break;
    case "and":
    case "or":
    case "notbody":
      for (const scope of logicalScopes(expr)) for (const name of closure(scope)) use.needs.add(name);
      break;
  }
  for (const w of expr.with) if (!namesFunction(w.value, arityOf)) collectUse(w.value, false, use, closure);
  return use;
}

/** `with f as object.keys`: the value names a function, not vars. */
function namesFunction(term: Term, arityOf: ArityOf): boolean {
  if (term.type === "var") return arityOf(term.name) !== undefined;
  if (term.type !== "ref" || term.head.type !== "var" || !term.path.every((element) => element.type === "string")) return false;
  return arityOf([term.head.name, ...term.path.map((element) => (element as { value: string }).value)].join(".")) !== undefined;
}

/** An `every` seen as a comprehension-like scope, for closure computation. */
export function everyAsTerm(expr: Extract<Expr, { type: "every" }>): Term {
  const loopVars: Term[] = expr.key ? [expr.key, expr.value] : [expr.value];
  return { type: "arraycomp", head: { type: "array", items: loopVars, loc: expr.loc }, body: expr.body, loc: expr.loc };
}

/** The operand bodies of `and` / `or` (the body of `not { }`), each seen as a comprehension-like scope. */
export function logicalScopes(expr: Extract<Expr, { type: "and" | "or" | "notbody" }>): Term[] {
  const bodies = expr.type === "notbody" ? [expr.body] : expr.operands;
  return bodies.map((body) => ({ type: "arraycomp", head: { type: "null", loc: expr.loc }, body, loc: expr.loc }));
}

function termExprUse(term: Term, arityOf: ArityOf, closure: (comp: Term) => Iterable<string>, use: VarUse): void {
  if (term.type !== "call") {
    collectUse(term, false, use, closure);
    return;
  }
  if (term.name === "eq" || term.name === "assign") {
    term.args.forEach((arg) => collectUse(arg, true, use, closure));
    return;
  }
  const arity = arityOf(term.name);
  const outputIndex = arity !== undefined && term.args.length === arity + 1 ? arity : -1;
  term.args.forEach((arg, index) => collectUse(arg, index === outputIndex, use, closure));
}
