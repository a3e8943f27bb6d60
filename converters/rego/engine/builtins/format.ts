// Rego's textual form of values (OPA's ast Value.String()): strings quoted Go-style, sets sorted as `{1, 2}`
// (`set()` when empty), objects `{"a": 1}` with sorted keys. Used by sprintf's %v and by string interpolation.
import type { Value } from "../../value.js";
import { regoString } from "./util.js";

export function formatValue(value: Value): string {
  return regoString(value);
}
