// STUB — replaced by the CEL interpreter (AST → closures).
import type { ParsedExpr } from "./ast.js";
import type { CheckResult } from "./checker.js";
import type { Activation, Env } from "./env.js";
import { CelError, type Value } from "./values.js";

/** Plan an expression once; the returned function evaluates it and throws CelError on evaluation errors. */
export function interpret(_parsed: ParsedExpr, _env: Env, _checked?: CheckResult): (act: Activation) => Value {
  return () => {
    throw new CelError("interpreter not implemented");
  };
}
