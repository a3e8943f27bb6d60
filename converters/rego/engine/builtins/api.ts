// The builtin contract shared by every area module: the function shape, the registry entry, and BuiltinError
// (re-exported from index.ts, which is what the evaluator imports).
import type { Value } from "../../value.js";

export interface BuiltinContext {
  /** OPA's strict-builtin-errors (the evaluator decides what an error becomes; builtins behave the same). */
  strict: boolean;
}

/** A builtin's implementation; `undefined` means the call is undefined. Throws BuiltinError on failure. */
export type BuiltinFn = (args: readonly Value[], ctx: BuiltinContext) => Value | undefined;

export interface Builtin {
  name: string;
  /** Number of operands (the output operand not counted). */
  arity: number;
  fn: BuiltinFn;
}

export type BuiltinErrorCode = "eval_type_error" | "eval_builtin_error";

/** A builtin failed; `message` is OPA's full text, builtin name first (e.g. `count: operand 1 must be ...`). */
export class BuiltinError extends Error {
  constructor(
    readonly code: BuiltinErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "BuiltinError";
  }
}

/** An area module's entries before wrapping: name, arity, implementation (which may throw OperandError or
 *  BuiltinFailure with the unprefixed message). */
export type BuiltinDef = readonly [name: string, arity: number, fn: BuiltinFn];
