// `migrate review -o json`: the ReviewReport itself (docs/schemas/review-report.schema.json), two-space indented.
import type { ReviewReport } from "./types.js";

export function renderJson(r: ReviewReport): string {
  return JSON.stringify(r, null, 2) + "\n";
}
