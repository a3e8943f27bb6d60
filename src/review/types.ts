// The shapes of `migrate review`: one ReviewReport comparing the repo-mode runs of two git refs, policy by policy.
// `ReviewReport` is the `migrate review -o json` contract (docs/schemas/review-report.schema.json); every renderer
// (markdown, github, sarif, junit) reads only this.
import type { ConversionStatus, ReportGap } from "../convert/types.js";
import type { Equivalence, ReplayStats } from "../repo/types.js";

/** A source's conversion status, `error` when it could not be read or converted at all. */
export type ReviewStatus = ConversionStatus | "error";

/** How a source path differs between the refs. Unchanged sources are only counted. */
export type ChangeKind = "added" | "removed" | "changed";

/** Why a source counts as changed (several may apply). */
export type ChangeReason = "output" | "status" | "equivalence" | "gaps" | "replay" | "error";

/** A value at the base and at the head ref; `null` where the source does not exist at that ref. */
export interface BeforeAfter<T> {
  base: T | null;
  head: T | null;
}

/** One source's state at one ref, as far as review needs it. */
export interface SideState {
  converter: string;
  status: ReviewStatus;
  names: string[];
  equivalence: Equivalence;
  replay: ReplayStats;
  gaps: ReportGap[];
  error: { message: string; file: string; line: number } | null;
  /** Generated files of this source: relative output path → text. */
  outputs: Record<string, string>;
}

/** One added, removed or changed source policy. */
export interface PolicyChange {
  /** Source file, relative to the repository root (`/`-separated). */
  path: string;
  change: ChangeKind;
  reasons: ChangeReason[];
  /** The converter at head (at base for a removed source). */
  converter: string;
  names: string[];
  status: BeforeAfter<ReviewStatus>;
  equivalence: BeforeAfter<Equivalence>;
  /** Replay evidence (cases / agreeing / failed / failures) at each ref. */
  replay: BeforeAfter<ReplayStats>;
  gaps: {
    /** At head, not at base (compared by id, rule and reason — not by line). */
    opened: ReportGap[];
    /** At base, not at head. */
    closed: ReportGap[];
    /** Every gap at head. */
    head: ReportGap[];
  };
  /** The conversion error at head, if the source could not be converted there. */
  error: { message: string; file: string; line: number } | null;
  /** Unified diff (base → head) of the generated output files that differ; "" when none differ. */
  diff: string;
  /** Output files (relative paths) whose text differs between the refs. */
  changedOutputs: string[];
  /** Worse at head: equivalence became `differ`, the status got worse, a gap opened, or the conversion now fails. */
  regression: boolean;
  /** One line for humans: `policies/x.yaml: changed; VAP 1 file changed (+2 −1); equivalence agree → differ; …`. */
  summary: string;
}

export interface ReviewSummary {
  changed: number;
  added: number;
  removed: number;
  unchanged: number;
  regressions: number;
  /** Changed or added sources whose equivalence is `differ` at head. */
  differ: number;
  /** Changed or added sources that fail to convert at head. */
  errors: number;
  /** Changed or added sources with gaps at head. */
  withGaps: number;
  gapsOpened: number;
  gapsClosed: number;
  /** The exit code review returns for this report (0 ok, 1 mismatch or error, 3 gaps). */
  exitCode: 0 | 1 | 3;
  /** The summary as one line of text. */
  line: string;
}

/** A ref as given on the command line, and the commit it resolved to. */
export interface RefInfo {
  ref: string;
  commit: string;
}

/** `migrate review -o json`. */
export interface ReviewReport {
  version: 1;
  base: RefInfo;
  head: RefInfo;
  options: { params: "inline" | "constraint"; targetVersion: string };
  summary: ReviewSummary;
  /** Added, removed and changed sources, by path. */
  policies: PolicyChange[];
}
