// The shapes of repo mode (`migrate repo`), shared by the walk, the planner, the unit runner (in worker threads),
// the report writers and the commands built on it (`migrate review`, `migrate impact`). Everything a worker returns is
// plain JSON (structured-clone safe). `RepoReport` is the `migration-report.json` / `-o json` contract.
import type { ConversionStatus, ReportGap } from "../convert/types.js";

/** Options of one repo run; every field is plain data so a worker thread can receive it. */
export interface RepoOptions {
  /** Oldest Kubernetes version the output must work on ("1.36"). */
  targetVersion: string;
  /** Gatekeeper templates: one VAP per constraint (inline) or per template with paramKind (constraint). */
  params: "inline" | "constraint";
  /** Write a kaptest manifest (and with target kyverno a kyverno-test.yaml) beside each output from its replayed fixtures. */
  emitTests: boolean;
  /** `vap` (default) or `kyverno` (Kyverno sources become ValidatingPolicies). */
  target: "vap" | "kyverno";
}

/** What a file in the tree was found to be. */
export type FileRole =
  | { role: "policy"; converter: string }
  | { role: "constraint"; kind: string }
  | { role: "suite"; suite: SuiteType }
  | { role: "rego"; entrypoint?: string; input?: "admission" | "object"; note?: string }
  | { role: "not-rendered"; reason: string }
  | { role: "vap" }
  | { role: "other" }
  | { role: "error"; message: string; line: number };

export type SuiteType = "kyverno" | "gator" | "kaptest";

/** One file of the tree (paths relative to the root, `/`-separated). */
export interface RepoFile {
  path: string;
  role: FileRole;
}

/** One conversion: a source file (a Gatekeeper template together with the constraint files of its kind). */
export interface Unit {
  /** The source file's path; also the key of its report entry and the base of its output path. */
  id: string;
  converter: string;
  /** Every file the unit reads (the source first), relative to the root. */
  files: string[];
  /** Suites that exercise this source (relative paths), replayed as part of the unit. */
  suites: string[];
}

/** A suite with no source in the tree (e.g. kaptest manifests of hand-written VAPs): replayed on its own. */
export interface SuiteTask {
  id: string;
  suite: SuiteType;
}

export interface RepoPlan {
  root: string;
  files: RepoFile[];
  units: Unit[];
  /** Suites not attached to any unit. */
  suites: SuiteTask[];
}

/** Replay evidence for one source (or one standalone suite). */
export interface ReplayStats {
  suites: string[];
  cases: number;
  /** Cases where the source engine and the VAP agree (and meet the suite's expectation). */
  agreeing: number;
  failed: number;
  /** Largest runtime CEL cost of one case, and of one expression, observed in the replay (0 without cases). */
  maxCaseCost: number;
  maxExpressionCost: number;
  /** First few failing cases, one line each. */
  failures: string[];
}

export type Equivalence = "agree" | "differ" | "untested";

/** One source's line in the report. */
export interface SourceEntry {
  path: string;
  converter: string;
  /** `error`: the source could not be read or converted at all (see `error`). */
  status: ConversionStatus | "error";
  /** Policy names in the source (PSP names, Kyverno policy names, template kinds…). */
  names: string[];
  /** Files written under OUTDIR for this source (relative to OUTDIR). */
  outputs: string[];
  gaps: ReportGap[];
  equivalence: Equivalence;
  replay: ReplayStats;
  error?: { message: string; file: string; line: number };
}

/** A file that was seen but not converted, and why. */
export interface SkippedFile {
  path: string;
  reason: string;
}

export interface RepoSummary {
  sources: number;
  converted: number;
  partial: number;
  unsupported: number;
  errors: number;
  gaps: number;
  suites: number;
  cases: number;
  agreeing: number;
  failed: number;
  skipped: number;
}

/** `migration-report.json` and `migrate repo -o json`. */
export interface RepoReport {
  version: 1;
  options: RepoOptions;
  shard: { index: number; count: number } | null;
  summary: RepoSummary;
  sources: SourceEntry[];
  /** Suites replayed on their own (no source of ours in the tree: kaptest manifests of existing VAPs). */
  suites: (ReplayStats & { path: string; suite: SuiteType; error?: string })[];
  skipped: SkippedFile[];
  /** Files that could not be read (path, line, message); the run went on without them. */
  errors: { path: string; line: number; message: string }[];
}

/** A file to write under OUTDIR (relative path) with its content. */
export interface OutputFile {
  path: string;
  text: string;
}

/** A whole run in memory: the report and every output file. */
export interface RepoRun {
  report: RepoReport;
  outputs: OutputFile[];
}
