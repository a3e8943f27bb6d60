// OPA's compiler rewrites that move evaluation out of an expression and in front of it (compile stages
// RewriteExprTerms and RewriteDynamicTerms): a call nested in an expression, and a ref or comprehension given as a
// call argument, become `$dN = term` expressions placed just before it — outside any `not`. So
// `not f(input.missing)` is undefined (the body fails), not true. Gatekeeper's library depends on this (the
// psp users template's `not accept_value(rule, v, params.ranges)` with no `ranges`). Nested bodies (comprehension,
// `every`, `and` / `or` operands, `not { }`) are rewritten on their own, so what they compute stays inside them;
// template-string parts are scopes too and keep their calls. Runs on ordered bodies.
import type { Body, Expr, Term } from "../ast.js";

let counter = 0;

function generated(term: Term, expr: Expr, extras: Expr[]): Term {
  const variable: Term = { type: "var", name: `$d${++counter}`, loc: term.loc };
  extras.push({ type: "term", term: { type: "call", name: "eq", args: [variable, term], loc: term.loc }, negated: false, with: expr.with, loc: expr.loc });
  return variable;
}

/** Rewrites every expression of an (ordered) body, recursing into comprehension and `every` bodies. */
export function hoistDynamics(body: Body): Body {
  const out: Expr[] = [];
  for (const expr of body) {
    const extras: Expr[] = [];
    const rewritten = hoistExpr(expr, extras);
    out.push(...extras, rewritten);
  }
  return out;
}

function hoistExpr(expr: Expr, extras: Expr[]): Expr {
  switch (expr.type) {
    case "some":
      return expr;
    case "somein":
      return { ...expr, domain: nestedBodies(expr.domain) };
    case "every":
      return { ...expr, domain: nestedBodies(expr.domain), body: hoistDynamics(expr.body) };
    case "and":
    case "or":
      return { ...expr, operands: expr.operands.map(hoistDynamics) };
    case "notbody":
      return { ...expr, body: hoistDynamics(expr.body) };
    case "term":
      break;
  }
  const term = expr.term;
  if (term.type === "call" && (term.name === "print" || term.name === "trace")) return expr;
  if (term.type !== "call") return { ...expr, term: dynamicsInTerm(expandCalls(term, expr, extras), expr, extras) };
  const args = term.args.map((arg) => expandCalls(arg, expr, extras));
  const isEquality = term.name === "eq" || term.name === "assign";
  const hoisted = args.map((arg) => (isEquality ? dynamicsInTerm(arg, expr, extras) : dynamicsOne(arg, expr, extras)));
  return { ...expr, term: { ...term, args: hoisted } };
}

/** RewriteExprTerms: calls nested anywhere in `term` (not in comprehension bodies) become generated vars. */
function expandCalls(term: Term, expr: Expr, extras: Expr[]): Term {
  switch (term.type) {
    case "call": {
      const args = term.args.map((arg) => expandCalls(arg, expr, extras));
      return generated({ ...term, args }, expr, extras);
    }
    case "ref":
      return { ...term, head: term.head.type === "call" ? expandCalls(term.head, expr, extras) : term.head, path: term.path.map((element) => expandCalls(element, expr, extras)) };
    case "array":
    case "set":
      return { ...term, items: term.items.map((item) => expandCalls(item, expr, extras)) };
    case "object":
      return { ...term, entries: term.entries.map(([key, value]) => [expandCalls(key, expr, extras), expandCalls(value, expr, extras)] as [Term, Term]) };
    case "template":
      return templateBodies(term);
    default:
      return nestedBodies(term);
  }
}

/** RewriteDynamicTerms on a term in an equality or a term expression: only a ref's dynamic elements move. */
function dynamicsInTerm(term: Term, expr: Expr, extras: Expr[]): Term {
  if (term.type === "ref") return { ...term, path: term.path.map((element) => dynamicsOne(element, expr, extras)) };
  if (term.type === "arraycomp" || term.type === "setcomp" || term.type === "objectcomp") return nestedBodies(term);
  return dynamicsOne(term, expr, extras);
}

/** RewriteDynamicTerms on a call argument (or ref element): refs and comprehensions move, composites recurse. */
function dynamicsOne(term: Term, expr: Expr, extras: Expr[]): Term {
  switch (term.type) {
    case "ref": {
      const path = term.path.map((element) => dynamicsOne(element, expr, extras));
      return generated({ ...term, path }, expr, extras);
    }
    case "array":
    case "set":
      return { ...term, items: term.items.map((item) => dynamicsOne(item, expr, extras)) };
    case "object":
      return { ...term, entries: term.entries.map(([key, value]) => [dynamicsOne(key, expr, extras), dynamicsOne(value, expr, extras)] as [Term, Term]) };
    case "arraycomp":
    case "setcomp":
    case "objectcomp":
      return generated(nestedBodies(term), expr, extras);
    default:
      return term;
  }
}

/** A comprehension with its body rewritten too. */
function nestedBodies(term: Term): Term {
  switch (term.type) {
    case "arraycomp":
    case "setcomp":
    case "objectcomp":
      return { ...term, body: hoistDynamics(term.body) };
    case "template":
      return templateBodies(term);
    default:
      return term;
  }
}

/** A template string keeps its parts (each is evaluated on its own); comprehensions inside them are rewritten. */
function templateBodies(term: Extract<Term, { type: "template" }>): Term {
  return { ...term, parts: term.parts.map((part) => (typeof part === "string" ? part : inComprehensions(part))) };
}

/** Rewrites the bodies of the comprehensions anywhere inside a term. */
function inComprehensions(term: Term): Term {
  switch (term.type) {
    case "ref":
      return { ...term, head: inComprehensions(term.head), path: term.path.map(inComprehensions) };
    case "array":
    case "set":
      return { ...term, items: term.items.map(inComprehensions) };
    case "object":
      return { ...term, entries: term.entries.map(([key, value]) => [inComprehensions(key), inComprehensions(value)] as [Term, Term]) };
    case "call":
      return { ...term, args: term.args.map(inComprehensions) };
    default:
      return nestedBodies(term);
  }
}
