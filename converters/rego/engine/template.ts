// Rego v1 string interpolation (`$"… {x} …"`): how an expression part prints. OPA evaluates each part as a set
// comprehension: no value prints `<undefined>`, one value prints as itself (a string as it is, anything else in
// Rego syntax), more than one is an error.
import type { Loc } from "../ast.js";
import { formatValue } from "./builtins/format.js";
import { RegoError } from "./errors.js";
import type { Value } from "../value.js";

export const UNDEFINED_PART = "<undefined>";

export function formatTemplateValue(value: Value): string {
  return typeof value === "string" ? value : formatValue(value);
}

/** The text of one expression part from its distinct values. */
export function renderTemplatePart(values: readonly Value[], loc: Loc): string {
  const [first, ...rest] = values;
  if (first === undefined) return UNDEFINED_PART;
  if (rest.length > 0) throw new RegoError("eval_conflict_error", "template-strings must not produce multiple outputs", loc);
  return formatTemplateValue(first);
}
