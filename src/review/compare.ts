// Comparing two repo-mode runs (base and head ref) source by source: which policies were added, removed or changed,
// the unified diff of their generated output, gaps opened and closed, status and equivalence before → after, one
// summary line each, and the review's exit code. Pure: RepoRun values in, a ReviewReport out.
import { formatPatch, FILE_HEADERS_ONLY, structuredPatch } from "diff";
import type { ReportGap } from "../convert/types.js";
import type { Equivalence, RepoRun, ReplayStats, SourceEntry } from "../repo/types.js";
import type { BeforeAfter, ChangeReason, PolicyChange, RefInfo, ReviewReport, ReviewStatus, ReviewSummary, SideState } from "./types.js";

const EMPTY_REPLAY: ReplayStats = { suites: [], cases: 0, agreeing: 0, failed: 0, maxCaseCost: 0, maxExpressionCost: 0, failures: [] };

/** Every source of a run by path, with its generated files' text; files that could not be read count as sources in error. */
export function sourceStates(run: RepoRun): Map<string, SideState> {
  const text = new Map(run.outputs.map((o) => [o.path, o.text]));
  const states = new Map<string, SideState>();
  for (const s of run.report.sources) states.set(s.path, stateOf(s, text));
  for (const e of run.report.errors) {
    if (states.has(e.path)) continue;
    states.set(e.path, {
      converter: "",
      status: "error",
      names: [],
      equivalence: "untested",
      replay: EMPTY_REPLAY,
      gaps: [],
      error: { message: e.message, file: e.path, line: e.line },
      outputs: {},
    });
  }
  return states;
}

function stateOf(s: SourceEntry, text: ReadonlyMap<string, string>): SideState {
  const outputs: Record<string, string> = {};
  for (const p of [...s.outputs].sort()) outputs[p] = text.get(p) ?? "";
  return {
    converter: s.converter,
    status: s.status,
    names: [...s.names],
    equivalence: s.equivalence,
    replay: s.replay,
    gaps: s.gaps,
    error: s.error ?? null,
    outputs,
  };
}

// --- gaps -------------------------------------------------------------------------------------------------------

/** A gap's identity across refs: id, rule and reason (its line moves with unrelated edits). */
const gapKey = (g: ReportGap): string => `${g.id ?? ""}\u0000${g.rule}\u0000${g.reason}`;

/** Gaps of `a` not matched by a gap of `b` (as multisets, so a second identical gap still counts). */
export function gapsMissingFrom(a: readonly ReportGap[], b: readonly ReportGap[]): ReportGap[] {
  const left = new Map<string, number>();
  for (const g of b) left.set(gapKey(g), (left.get(gapKey(g)) ?? 0) + 1);
  const out: ReportGap[] = [];
  for (const g of a) {
    const n = left.get(gapKey(g)) ?? 0;
    if (n > 0) left.set(gapKey(g), n - 1);
    else out.push(g);
  }
  return out;
}

// --- output diff ------------------------------------------------------------------------------------------------

/** The unified diff of a source's generated files (base → head), the files that differ, and +/− line counts. */
export function outputDiff(base: Readonly<Record<string, string>>, head: Readonly<Record<string, string>>): { diff: string; files: string[]; added: number; removed: number } {
  const paths = [...new Set([...Object.keys(base), ...Object.keys(head)])].sort();
  let diff = "";
  let added = 0;
  let removed = 0;
  const files: string[] = [];
  for (const p of paths) {
    const before = base[p];
    const after = head[p];
    if (before === after) continue;
    files.push(p);
    const patch = structuredPatch(before === undefined ? "/dev/null" : `a/${p}`, after === undefined ? "/dev/null" : `b/${p}`, before ?? "", after ?? "", undefined, undefined, { context: 3 });
    for (const h of patch.hunks)
      for (const l of h.lines) {
        if (l.startsWith("+")) added++;
        else if (l.startsWith("-")) removed++;
      }
    diff += formatPatch(patch, FILE_HEADERS_ONLY);
  }
  return { diff, files, added, removed };
}

// --- one source -------------------------------------------------------------------------------------------------

const STATUS_RANK: Record<ReviewStatus, number> = { converted: 0, partial: 1, unsupported: 2, error: 3 };
const EQUIVALENCE_RANK: Record<Equivalence, number> = { agree: 0, untested: 1, differ: 2 };

const sameReplay = (a: ReplayStats, b: ReplayStats): boolean => a.cases === b.cases && a.agreeing === b.agreeing && a.failed === b.failed;

/** `before → after`, or just the value when it did not change; `–` stands for "absent at that ref". */
export function arrow<T extends string>(v: BeforeAfter<T>): string {
  if (v.base === v.head) return v.base ?? "–";
  return `${v.base ?? "–"} → ${v.head ?? "–"}`;
}

const replayText = (r: ReplayStats): string => (r.cases ? `${r.agreeing}/${r.cases} cases agree` : "no cases");
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The change of one source between the refs, or null when nothing review reports changed. */
export function compareSource(path: string, base: SideState | undefined, head: SideState | undefined): PolicyChange | null {
  if (!base && !head) return null;
  const d = outputDiff(base?.outputs ?? {}, head?.outputs ?? {});
  const opened = head ? gapsMissingFrom(head.gaps, base?.gaps ?? []) : [];
  const closed = base ? gapsMissingFrom(base.gaps, head?.gaps ?? []) : [];
  const reasons: ChangeReason[] = [];
  if (base && head) {
    if (d.files.length) reasons.push("output");
    if (base.status !== head.status) reasons.push("status");
    if (base.equivalence !== head.equivalence) reasons.push("equivalence");
    if (opened.length || closed.length) reasons.push("gaps");
    if (!sameReplay(base.replay, head.replay)) reasons.push("replay");
    if ((base.error?.message ?? "") !== (head.error?.message ?? "")) reasons.push("error");
    if (!reasons.length) return null;
  }
  const change = !base ? "added" : !head ? "removed" : "changed";
  const status: BeforeAfter<ReviewStatus> = { base: base?.status ?? null, head: head?.status ?? null };
  const equivalence: BeforeAfter<Equivalence> = { base: base?.equivalence ?? null, head: head?.equivalence ?? null };
  const worse = <T extends string>(v: BeforeAfter<T>, rank: Record<T, number>): boolean => v.head !== null && rank[v.head] > (v.base === null ? 0 : rank[v.base]);
  const regression = !!head && (worse(status, STATUS_RANK) || (equivalence.head === "differ" && equivalence.base !== "differ") || (base !== undefined && worse(equivalence, EQUIVALENCE_RANK)) || opened.length > 0);
  const side = (head ?? base)!;
  const entry: PolicyChange = {
    path,
    change,
    reasons,
    converter: side.converter,
    names: side.names,
    status,
    equivalence,
    replay: { base: base?.replay ?? null, head: head?.replay ?? null },
    gaps: { opened, closed, head: head?.gaps ?? [] },
    error: head?.error ?? null,
    diff: d.diff,
    changedOutputs: d.files,
    regression,
    summary: "",
  };
  entry.summary = policySummary(entry, d);
  return entry;
}

function policySummary(p: PolicyChange, d: { files: string[]; added: number; removed: number }): string {
  const parts = [`${p.path}: ${p.change}${p.regression ? " (regression)" : ""}`];
  if (d.files.length) parts.push(`VAP diff +${d.added} −${d.removed} in ${plural(d.files.length, "file")}`);
  else if (p.change === "changed") parts.push("VAP unchanged");
  parts.push(`status ${arrow(p.status)}`);
  const replay = p.replay.head ?? p.replay.base;
  parts.push(`equivalence ${arrow(p.equivalence)}${replay ? ` (${replayText(replay)}${p.replay.head ? "" : " at base"})` : ""}`);
  if (p.gaps.opened.length || p.gaps.closed.length) parts.push(`gaps +${p.gaps.opened.length} −${p.gaps.closed.length}`);
  else if (p.gaps.head.length) parts.push(`${plural(p.gaps.head.length, "gap")}`);
  if (p.error) parts.push(`error: ${p.error.message}`);
  return parts.join("; ");
}

// --- the whole review -------------------------------------------------------------------------------------------

/** 1 when a changed or added source differs or fails to convert at head, else 3 when one has gaps there, else 0. */
export function exitCodeOf(s: Pick<ReviewSummary, "differ" | "errors" | "withGaps">): 0 | 1 | 3 {
  if (s.differ || s.errors) return 1;
  return s.withGaps ? 3 : 0;
}

function summarize(policies: readonly PolicyChange[], unchanged: number): ReviewSummary {
  const atHead = policies.filter((p) => p.change !== "removed");
  const counts = {
    changed: policies.filter((p) => p.change === "changed").length,
    added: policies.filter((p) => p.change === "added").length,
    removed: policies.filter((p) => p.change === "removed").length,
    unchanged,
    regressions: policies.filter((p) => p.regression).length,
    differ: atHead.filter((p) => p.equivalence.head === "differ").length,
    errors: atHead.filter((p) => p.status.head === "error").length,
    withGaps: atHead.filter((p) => p.gaps.head.length > 0).length,
    gapsOpened: policies.reduce((n, p) => n + p.gaps.opened.length, 0),
    gapsClosed: policies.reduce((n, p) => n + p.gaps.closed.length, 0),
  };
  const exitCode = exitCodeOf(counts);
  return { ...counts, exitCode, line: summaryLine(counts) };
}

function summaryLine(s: Omit<ReviewSummary, "exitCode" | "line">): string {
  const total = s.changed + s.added + s.removed;
  if (!total) return `No policy changes (${s.unchanged} unchanged).`;
  const parts = [`${s.changed} changed, ${s.added} added, ${s.removed} removed (${s.unchanged} unchanged)`];
  parts.push(plural(s.regressions, "regression"));
  if (s.differ) parts.push(`equivalence differs in ${s.differ}`);
  if (s.errors) parts.push(`${s.errors} failing to convert`);
  parts.push(`gaps +${s.gapsOpened} −${s.gapsClosed}`);
  return parts.join("; ") + ".";
}

/** The review of `head` against `base`: every added, removed or changed source by path, and the summary. */
export function compareRuns(base: RepoRun, head: RepoRun, refs: { base: RefInfo; head: RefInfo }, options: ReviewReport["options"]): ReviewReport {
  const b = sourceStates(base);
  const h = sourceStates(head);
  const paths = [...new Set([...b.keys(), ...h.keys()])].sort();
  const policies: PolicyChange[] = [];
  let unchanged = 0;
  for (const p of paths) {
    const c = compareSource(p, b.get(p), h.get(p));
    if (c) policies.push(c);
    else unchanged++;
  }
  return { version: 1, base: refs.base, head: refs.head, options, summary: summarize(policies, unchanged), policies };
}
