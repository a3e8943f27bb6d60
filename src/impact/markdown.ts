// The `migrate impact -o markdown` rendering, meant for a pull request: a summary table of every policy, then per
// policy its source, status and gaps and one table of the objects either engine rejects, the differing ones first
// and marked. Rows where both engines reject beyond ROW_LIMIT per policy are counted, not listed (-o json has all).
import type { ReportGap } from "../convert/types.js";
import type { ImpactDifference, ImpactReport, PolicyImpact } from "./types.js";

/** Rows of objects both engines reject listed per policy; differences are always listed. */
export const ROW_LIMIT = 50;

const ENGINE: Record<string, string> = { psp: "PSP", kyverno: "Kyverno", gatekeeper: "Gatekeeper" };
const engineOf = (p: PolicyImpact): string => ENGINE[p.converter] ?? p.converter;

/** Text safe inside a table cell: one line, pipes escaped, at most `max` characters. */
export function cell(text: string, max = 200): string {
  const one = text.replace(/\s+/g, " ").trim();
  const cut = one.length > max ? `${one.slice(0, max - 1)}…` : one;
  return cut.replace(/\\/g, "\\\\").replace(/\|/g, "\\|");
}

const code = (text: string): string => `\`${text.replace(/`/g, "'")}\``;
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
const hasGaps = (p: PolicyImpact): boolean => p.gaps.length > 0 || p.status !== "converted";

function verdictOf(rejected: boolean, diffVerdict: string | undefined): string {
  const word = rejected ? "rejects" : "admits";
  return diffVerdict && diffVerdict !== (rejected ? "deny" : "admit") ? `${word} (${diffVerdict})` : word;
}

function differenceNote(d: ImpactDifference, engine: string): string {
  const parts = [
    ...(d.reason ? [d.reason] : []),
    ...(d.sourceMessages ?? []).map((m) => `${engine}: ${m}`),
    ...(d.vapMessages ?? []).map((m) => `VAP: ${m}`),
  ];
  return `**differs**${parts.length ? ` — ${cell(parts.join(" · "), 400)}` : ""}`;
}

function gapLine(g: ReportGap): string {
  const where = g.file ? ` (${g.file}${g.line ? `:${g.line}` : ""})` : g.line ? ` (line ${g.line})` : "";
  const id = g.id && !g.reason.startsWith(`[${g.id}]`) ? `[${g.id}] ` : "";
  return `- ${code(g.rule)}${where}: ${id}${cell(g.reason, 400)}${g.effect ? ` (${g.effect})` : ""}`;
}

function objectTable(p: PolicyImpact): string[] {
  const engine = engineOf(p);
  const bySource = new Set(p.rejectedBySource);
  const byVap = new Set(p.rejectedByVap);
  const diffs = new Map(p.differences.map((d) => [d.object, d]));
  const both = p.rejectedBySource.filter((o) => byVap.has(o) && !diffs.has(o));
  if (!diffs.size && !both.length) return [`No object is rejected by either engine.`];
  const rows = [`| Object | ${engine} | VAP | |`, "|---|---|---|---|"];
  for (const d of p.differences) {
    rows.push(`| ${code(d.object)} | ${verdictOf(bySource.has(d.object), d.source)} | ${verdictOf(byVap.has(d.object), d.vap)} | ${differenceNote(d, engine)} |`);
  }
  for (const o of both.slice(0, ROW_LIMIT)) rows.push(`| ${code(o)} | rejects | rejects | |`);
  if (both.length > ROW_LIMIT) rows.push(`| … ${both.length - ROW_LIMIT} more rejected by both (see -o json) | | | |`);
  return rows;
}

function policySection(p: PolicyImpact): string[] {
  const engine = engineOf(p);
  const verdict = p.error !== undefined ? "could not be replayed" : p.differences.length ? `differs on ${plural(p.differences.length, "object")}` : "agrees";
  const lines = [`### ${engine} ${code(p.name)} — ${verdict}`, ""];
  const vaps = p.vapPolicies.length ? `VAP ${p.vapPolicies.map(code).join(", ")}` : "no VAP generated";
  lines.push(`${code(`${p.file}:${p.line}`)} · ${p.status} · ${plural(p.gaps.length, "gap")} · ${vaps}`, "");
  if (p.sources.length > 1) lines.push(`Sources: ${p.sources.map((s) => `${s.kind} ${code(s.name)}`).join(", ")}`, "");
  if (p.note) lines.push(`_${cell(p.note, 400)}_`, "");
  if (p.error !== undefined) lines.push(`**Error:** ${cell(p.error, 400)}`, "");
  lines.push(`${plural(p.objects, "object")}: ${p.rejectedBySource.length} rejected by ${engine}, ${p.rejectedByVap.length} by the VAP, ${p.differences.length} differ.`, "");
  if (p.error === undefined) lines.push(...objectTable(p), "");
  if (p.gaps.length) lines.push("Gaps:", "", ...p.gaps.map(gapLine), "");
  return lines;
}

/** The whole report as Markdown (ends with one newline). */
export function renderMarkdown(r: ImpactReport): string {
  const s = r.summary;
  const lines = [
    "## Impact of the migration to ValidatingAdmissionPolicy",
    "",
    `${plural(s.objects, "object")} replayed as ${r.operation === "UPDATE" ? "an UPDATE of themselves" : "a CREATE"} through ${plural(s.policies, "policy", "policies")}: ` +
      `${s.agreeing} agree, ${s.differing} differ (${plural(s.differences, "difference")}); ${s.withGaps} converted with gaps.`,
    "",
  ];
  if (r.namespacesAssumed.length) lines.push(`Namespaces not in the dump, assumed with only their name label: ${r.namespacesAssumed.map(code).join(", ")}.`, "");
  lines.push("| Policy | Source | Status | Gaps | Rejected by source | Rejected by VAP | Differences |", "|---|---|---|---:|---:|---:|---:|");
  for (const p of r.policies) {
    const diff = p.error !== undefined ? "error" : p.differences.length ? `**${p.differences.length}**` : "0";
    lines.push(`| ${code(p.name)} | ${p.converter} | ${p.status} | ${hasGaps(p) ? `**${p.gaps.length}**` : "0"} | ${p.rejectedBySource.length} | ${p.rejectedByVap.length} | ${diff} |`);
  }
  lines.push("");
  for (const p of r.policies) lines.push(...policySection(p));
  return lines.join("\n").replace(/\n+$/, "") + "\n";
}
