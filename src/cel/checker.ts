// STUB — replaced by the CEL type checker.
import type { CelIssue, ParsedExpr } from "./ast.js";
import type { Env } from "./env.js";
import type { Overload } from "./registry.js";
import { T, type CelType } from "./types.js";

export interface CheckResult {
  /** Static type of the whole expression. */
  type: CelType;
  /** Compile errors; empty when the expression type-checks. */
  issues: CelIssue[];
  /** Per call node id: the overloads the checker found applicable (interpreter may dispatch among only these). */
  refs: Map<number, Overload[]>;
  /** Static type per node id. */
  types: Map<number, CelType>;
}

export function check(_parsed: ParsedExpr, _env: Env): CheckResult {
  return { type: T.dyn, issues: [], refs: new Map(), types: new Map() };
}
