// `migrate review -o markdown`: the PR comment. It starts with a hidden marker (the GitHub Action finds its own
// comment by it), then the summary line and one section per added, removed or changed policy: status, equivalence
// and replay before → after, gaps opened and closed, and the generated VAP's diff in a ```diff block (folded when
// long). Kept under GitHub's 65,536-character comment limit by shortening diffs, then dropping sections, with a note.
import type { ReportGap } from "../convert/types.js";
import type { ReplayStats } from "../repo/types.js";
import { arrow } from "./compare.js";
import type { PolicyChange, ReviewReport } from "./types.js";

/** The first line of every review comment. */
export const REVIEW_MARKER = "<!-- migrate-review -->";

/** GitHub refuses issue comments over 65,536 characters; stay a little below. */
export const COMMENT_LIMIT = 65_000;

/** Diffs longer than this many lines are folded in <details>. */
const FOLD_LINES = 30;

/** Text safe inside markdown prose and table cells (HTML and markdown punctuation escaped). */
export function mdText(s: string): string {
  return s
    .replace(/[\r\n]+/g, " ")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/([\\`*_[\]|#~])/g, "\\$1");
}

/** An inline code span for any text (the fence is longer than any run of backticks inside). */
export function mdCode(s: string): string {
  const flat = s.replace(/[\r\n]+/g, " ");
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((r) => r.length));
  const fence = "`".repeat(longest + 1);
  const pad = flat.startsWith("`") || flat.endsWith("`") ? " " : "";
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** A fenced block whose fence no line of the body can close. */
function fenced(lang: string, body: string): string {
  // a line of only backticks, indented up to three spaces (a diff context line is indented one), could close it
  const longest = Math.max(2, ...(body.match(/^ {0,3}`+/gm) ?? []).map((r) => r.trimStart().length));
  const fence = "`".repeat(longest + 1);
  return `${fence}${lang}\n${body.endsWith("\n") ? body : body + "\n"}${fence}`;
}

/** `- rule (line N): id reason (effect)`; a reason that already leads with `[id]` loses that prefix. */
function gapLine(g: ReportGap): string {
  const reason = g.id && g.reason.startsWith(`[${g.id}]`) ? g.reason.slice(g.id.length + 2).trimStart() : g.reason;
  return `- ${mdCode(g.rule)}${g.line ? ` (line ${g.line})` : ""}: ${g.id ? `${mdCode(g.id)} ` : ""}${mdText(reason)}${g.effect ? ` _(${g.effect})_` : ""}`;
}

const replayCell = (r: ReplayStats | null): string => (r === null ? "–" : r.cases ? `${r.agreeing}/${r.cases} agree${r.failed ? `, ${r.failed} failed` : ""}` : "no cases");

const ICON: Record<PolicyChange["change"], string> = { added: "➕", removed: "➖", changed: "✏️" };

/** The diff block, at most `maxLines` lines (the rest replaced by a note); folded when long. */
function diffBlock(diff: string, maxLines: number): string {
  if (!diff) return "";
  const lines = diff.replace(/\n$/, "").split("\n");
  const shown = lines.length > maxLines ? lines.slice(0, maxLines) : lines;
  const cut = lines.length - shown.length;
  const block = fenced("diff", shown.join("\n")) + (cut ? `\n\n_… ${cut} more diff lines not shown (\`migrate review -o json\` has the full diff)._` : "");
  if (lines.length <= FOLD_LINES) return `${block}\n`;
  return `<details><summary>Generated VAP diff (${lines.length} lines)</summary>\n\n${block}\n\n</details>\n`;
}

/** One policy's section; `maxDiffLines` 0 leaves the diff out. */
export function policySection(p: PolicyChange, maxDiffLines: number): string {
  const out: string[] = [];
  const names = p.names.length ? ` — ${p.names.map(mdCode).join(", ")}` : "";
  out.push(`### ${ICON[p.change]} ${mdCode(p.path)} (${p.change}${p.regression ? ", **regression**" : ""})${names}`, "");
  out.push(mdText(p.summary), "");
  out.push("| | base | head |", "|---|---|---|");
  out.push(`| status | ${p.status.base ?? "–"} | ${p.status.head ?? "–"} |`);
  out.push(`| equivalence | ${p.equivalence.base ?? "–"} | ${p.equivalence.head === "differ" ? "**differ**" : (p.equivalence.head ?? "–")} |`);
  out.push(`| replay | ${replayCell(p.replay.base)} | ${replayCell(p.replay.head)} |`);
  out.push(`| gaps | ${p.status.base === null ? "–" : p.gaps.head.length - p.gaps.opened.length + p.gaps.closed.length} | ${p.status.head === null ? "–" : p.gaps.head.length} |`, "");
  if (p.equivalence.base !== p.equivalence.head) out.push(`Equivalence: ${mdText(arrow(p.equivalence))}.`, "");
  if (p.error) out.push(`**Conversion error** at ${mdCode(`${p.error.file}:${p.error.line}`)}: ${mdText(p.error.message)}`, "");
  const failures = p.replay.head?.failures ?? [];
  if (p.equivalence.head === "differ" && failures.length) out.push("Failing cases:", "", ...failures.map((f) => `- ${mdText(f)}`), "");
  if (p.gaps.opened.length) out.push(`Gaps opened (${p.gaps.opened.length}):`, "", ...p.gaps.opened.map(gapLine), "");
  if (p.gaps.closed.length) out.push(`Gaps closed (${p.gaps.closed.length}):`, "", ...p.gaps.closed.map(gapLine), "");
  if (p.diff && maxDiffLines > 0) out.push(diffBlock(p.diff, maxDiffLines));
  else if (p.diff) out.push(`_VAP diff (${p.changedOutputs.length} file(s)) left out to fit GitHub's comment limit; see \`migrate review -o json\`._`, "");
  else if (p.change === "changed") out.push("_The generated VAP is unchanged._", "");
  return out.join("\n").replace(/\n*$/, "\n\n");
}

function header(r: ReviewReport): string {
  const badge = r.summary.exitCode === 1 ? "❌" : r.summary.exitCode === 3 ? "⚠️" : "✅";
  return [
    REVIEW_MARKER,
    `## ${badge} migrate review`,
    "",
    `**${mdText(r.summary.line)}**`,
    "",
    `Base ${mdCode(r.base.ref)} (${mdCode(r.base.commit.slice(0, 12))}) → head ${mdCode(r.head.ref)} (${mdCode(r.head.commit.slice(0, 12))}); ` +
      `\`--params ${r.options.params} --target-version ${r.options.targetVersion}\`.`,
    "",
    "",
  ].join("\n");
}

/** The PR comment, at most `limit` characters (shortening diffs first, then leaving sections out). */
export function renderMarkdown(r: ReviewReport, limit: number = COMMENT_LIMIT): string {
  const head = header(r);
  for (const maxDiff of [400, 150, 50, 0]) {
    const sections = r.policies.map((p) => policySection(p, maxDiff));
    const text = head + sections.join("");
    if (text.length <= limit) return text;
  }
  // still too long without diffs: as many sections as fit, then a note
  let text = head;
  let shown = 0;
  const note = (left: number): string => `_… ${left} more changed ${left === 1 ? "policy" : "policies"} not shown (GitHub's comment size limit); run \`migrate review -o json\` for all._\n`;
  for (const p of r.policies) {
    const s = policySection(p, 0);
    if (text.length + s.length + note(r.policies.length - shown).length > limit) break;
    text += s;
    shown++;
  }
  return text + note(r.policies.length - shown);
}
