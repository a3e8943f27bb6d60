// The Rego engine's public face: compile modules once, then evaluate queries or `data` paths against an input and
// base data, as `opa eval` does.
import type { Body, Expr, Module } from "../ast.js";
import { fromJSON, type Value } from "../value.js";
import { compileProgram, orderQuery, resolveQuery, type CompiledProgram } from "./compile.js";
import { evalBody, evalTerm, Frame, newContext } from "./eval.js";
import { isGenerated } from "./vars.js";

export { RegoError, type RegoErrorCode } from "./errors.js";

export interface EvalInput {
  input?: Value;
  /** Base documents under `data` (where rules define the same path, the rules win). */
  data?: Value;
  /** OPA's strict-builtin-errors: a builtin error is an error, not undefined. */
  strictBuiltinErrors?: boolean;
}

/** Compiled modules, ready to evaluate many times. */
export type Program = CompiledProgram;

/** Compiles modules (name resolution, safety ordering, rule tree); throws RegoError(rego_*). */
export function compileModules(modules: readonly Module[]): Program {
  return compileProgram(modules);
}

/** The result set of a query: one map of the query's (non-generated) variables per solution; [] = undefined. */
export function evalQuery(program: Program, query: Body, input: EvalInput = {}): Map<string, Value>[] {
  return evalQueryWithExpressions(program, query, input, false).map((result) => result.bindings);
}

export interface QueryResult {
  bindings: Map<string, Value>;
  /** One value per query expression (`opa eval`'s "expressions"): a term's value (false included), else true. */
  expressions: Value[];
}

/** A query as `opa eval` runs it: each plain term expression's value is captured (a false one does not fail). */
export function evalQueryWithExpressions(program: Program, query: Body, input: EvalInput = {}, capture = true): QueryResult[] {
  const captured = query.map((expr, index) => (capture ? captureExpression(expr, index, program) : expr));
  const body = orderQuery(resolveQuery(captured), program);
  const ctx = newContext(program, input.input, input.data === undefined ? undefined : fromJSON(input.data), input.strictBuiltinErrors ?? false);
  const frame = new Frame();
  const results: QueryResult[] = [];
  evalBody(body, 0, frame, ctx, () => {
    results.push({
      bindings: new Map([...frame.vars].filter(([name]) => !isGenerated(name))),
      expressions: query.map((_, index) => frame.vars.get(`$expr${index}`) ?? true),
    });
    return false;
  });
  return results;
}

/** `t` → `$exprN = t` for a plain term expression, so its value is kept even when false. */
function captureExpression(expr: Expr, index: number, program: Program): Expr {
  if (expr.type !== "term" || expr.negated) return expr;
  const term = expr.term;
  if (term.type === "call" && (term.name === "eq" || term.name === "assign" || term.args.length === (program.arityOf(term.name) ?? -1) + 1)) return expr;
  const target = { type: "var" as const, name: `$expr${index}`, loc: expr.loc };
  return { ...expr, term: { type: "call", name: "eq", args: [target, term], loc: expr.loc } };
}

/** The value of `data.<path>` (undefined when the document is undefined). */
export function evalPath(program: Program, path: readonly string[], input: EvalInput = {}): Value | undefined {
  const ctx = newContext(program, input.input, input.data === undefined ? undefined : fromJSON(input.data), input.strictBuiltinErrors ?? false);
  const loc = { file: "<query>", line: 1, col: 1 };
  const ref = { type: "ref" as const, head: { type: "var" as const, name: "data", loc }, path: path.map((value) => ({ type: "string" as const, value, loc })), loc };
  let result: Value | undefined;
  evalTerm(ref, new Frame(), ctx, (value) => {
    result = value;
    return true;
  });
  return result;
}
