// Rego v1 string interpolation (`$"… {x} …"`): how an embedded value prints — strings as they are, everything
// else in Rego syntax.
import { formatValue } from "./builtins/format.js";
import type { Value } from "../value.js";

export function formatTemplateValue(value: Value): string {
  return typeof value === "string" ? value : formatValue(value);
}
