// Rego errors with OPA's error codes and, where known, the source location.
import type { Loc } from "../ast.js";

/** Error codes as OPA names them. */
export type RegoErrorCode =
  | "rego_parse_error"
  | "rego_compile_error"
  | "rego_type_error"
  | "rego_unsafe_var_error"
  | "rego_recursion_error"
  | "eval_conflict_error"
  | "eval_type_error"
  | "eval_builtin_error"
  | "eval_internal_error";

export class RegoError extends Error {
  constructor(
    readonly code: RegoErrorCode,
    readonly detail: string,
    readonly loc?: Loc,
  ) {
    // OPA prints file:row (no column) before the code
    super(loc ? `${loc.file}:${loc.line}: ${code}: ${detail}` : `${code}: ${detail}`);
    this.name = "RegoError";
  }
}
