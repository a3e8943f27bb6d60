// `migrate review -o github`: GitHub Actions workflow commands, which the runner turns into annotations on the PR's
// files. An error per gap opened with a weaker effect, a warning per other gap opened (both at the gap's source
// line), an error per changed policy whose equivalence is `differ` at head or that fails to convert, and one
// notice with the summary. Properties and messages are escaped as @actions/core escapes them.
import type { ReportGap } from "../convert/types.js";
import type { PolicyChange, ReviewReport } from "./types.js";

/** A workflow command's message: `%`, CR and LF percent-encoded. */
export function escapeData(s: string): string {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** A workflow command's property value: as a message, and `:` and `,` too. */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

export type AnnotationLevel = "error" | "warning" | "notice";

export interface Annotation {
  level: AnnotationLevel;
  file?: string;
  line?: number;
  title: string;
  message: string;
}

/** `::level file=…,line=…,title=…::message`. */
export function workflowCommand(a: Annotation): string {
  const props: string[] = [];
  if (a.file !== undefined) props.push(`file=${escapeProperty(a.file)}`);
  if (a.line !== undefined) props.push(`line=${Math.max(1, a.line)}`);
  props.push(`title=${escapeProperty(a.title)}`);
  return `::${a.level} ${props.join(",")}::${escapeData(a.message)}`;
}

/** Where a gap is: its own file when it names one (a constraint of a template), else the policy's source. */
export const gapFile = (p: PolicyChange, g: ReportGap): string => g.file || p.path;

const gapMessage = (g: ReportGap): string => `${g.rule}: ${g.id && !g.reason.startsWith(`[${g.id}]`) ? `[${g.id}] ` : ""}${g.reason}${g.effect ? ` (${g.effect})` : ""}`;

/** The annotations of one policy (in order: conversion error, equivalence, gaps opened). */
export function policyAnnotations(p: PolicyChange): Annotation[] {
  const out: Annotation[] = [];
  if (p.change === "removed") return out;
  if (p.error) out.push({ level: "error", file: p.error.file || p.path, line: p.error.line, title: "migrate: conversion failed", message: `${p.path}: ${p.error.message}` });
  if (p.equivalence.head === "differ") {
    const r = p.replay.head;
    const detail = r ? ` (${r.failed} of ${r.cases} replayed cases disagree)` : "";
    const failures = r?.failures.length ? `\n${r.failures.join("\n")}` : "";
    out.push({ level: "error", file: p.path, line: 1, title: "migrate: source and VAP differ", message: `The generated VAP does not decide like the source policy${detail}.${failures}` });
  }
  for (const g of p.gaps.opened)
    out.push({ level: g.effect === "weaker" ? "error" : "warning", file: gapFile(p, g), line: g.line, title: `migrate: new gap${g.id ? ` ${g.id}` : ""}`, message: gapMessage(g) });
  return out;
}

/** Every annotation of the review, then the summary notice; one workflow command per line. */
export function renderGithub(r: ReviewReport): string {
  const lines = r.policies.flatMap(policyAnnotations).map(workflowCommand);
  lines.push(workflowCommand({ level: "notice", title: "migrate review", message: r.summary.line }));
  return lines.join("\n") + "\n";
}
