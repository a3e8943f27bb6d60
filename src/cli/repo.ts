// `migrate repo DIR --out OUTDIR`: convert every policy of a repository and replay every suite in it (src/repo/),
// then write the outputs under OUTDIR (mirroring the source paths, each file via a temporary name and a rename) with
// migration-report.json and MIGRATION.md; `--shard i/n` writes a shard report instead, `--merge` joins them.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, realpathSync, rmSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { InputError } from "../input/yaml.js";
import { parseShard } from "../repo/plan.js";
import { mergeReports, renderMigrationMarkdown, repoExitCode } from "../repo/report.js";
import { DEFAULT_REPO_OPTIONS, runRepo, type RunRepoOptions } from "../repo/run.js";
import type { RepoReport, RepoRun } from "../repo/types.js";
import { checkTargetVersion } from "../convert/target-version.js";
import { EXIT, outputFormatOk, reportInputError, type CommandContext, type Streams } from "./shared.js";
import { writeFileAtomic } from "./io.js";

export interface RepoCliOptions {
  out: string;
  output: string;
  params: string;
  targetVersion: string;
  target: string;
  emitTests?: boolean;
  shard?: string;
  changedSince?: string;
  workers?: string;
  merge?: boolean;
}

const REPORT = "migration-report.json";
const MARKDOWN = "MIGRATION.md";
const shardReportName = (s: { index: number; count: number }): string => `migration-report.shard-${s.index}-of-${s.count}.json`;

/** Files changed since `ref` (committed, staged, unstaged and untracked), relative to `dir`. */
function changedSince(dir: string, ref: string): Set<string> {
  const git = (args: string[]): string[] => {
    try {
      return execFileSync("git", ["-C", dir, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).split("\n").filter(Boolean);
    } catch (e) {
      const stderr = String((e as { stderr?: unknown }).stderr ?? "").trim().split("\n")[0];
      throw new InputError(`--changed-since ${ref}: ${stderr || "git failed"}`, dir);
    }
  };
  return new Set([...git(["diff", "--name-only", "--relative", ref, "--"]), ...git(["ls-files", "--others", "--exclude-standard"])]);
}

/** Options for runRepo from the flags; InputError for a bad flag. */
function runOptions(dir: string, out: string, o: RepoCliOptions): RunRepoOptions {
  const flag = (msg: string): InputError => new InputError(msg, "<flags>");
  if (o.params !== "inline" && o.params !== "constraint") throw flag(`--params must be inline or constraint, not ${JSON.stringify(o.params)}`);
  if (o.target !== "vap" && o.target !== "kyverno") throw flag(`--target must be vap or kyverno, not ${JSON.stringify(o.target)}`);
  const tv = checkTargetVersion(o.targetVersion);
  if ("error" in tv) throw flag(tv.error);
  let shard: RunRepoOptions["shard"];
  if (o.shard !== undefined) {
    try {
      shard = parseShard(o.shard);
    } catch (e) {
      throw flag((e as Error).message);
    }
  }
  const workers = o.workers === undefined ? undefined : Number(o.workers);
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 0)) throw flag(`--workers must be a whole number, not ${JSON.stringify(o.workers)}`);
  let dirReal: string;
  try {
    dirReal = realpathSync(dir);
  } catch {
    throw new InputError("no such directory", dir);
  }
  const outRel = relative(dirReal, resolve(out));
  const outInside = outRel && !outRel.startsWith("..") && !isAbsolute(outRel);
  return {
    ...DEFAULT_REPO_OPTIONS,
    targetVersion: tv.version,
    params: o.params,
    target: o.target,
    emitTests: !!o.emitTests,
    ...(shard ? { shard } : {}),
    ...(workers !== undefined ? { workers } : {}),
    ...(o.changedSince ? { changedFiles: changedSince(dir, o.changedSince) } : {}),
    ...(outInside ? { excludeDirs: [outRel.split(sep).join("/")] } : {}),
  };
}

/** OUTDIR must be a directory (created when missing); a file there is bad input. */
function checkOutDir(out: string): void {
  try {
    if (!statSync(out).isDirectory()) throw new InputError("--out is not a directory", out);
  } catch (e) {
    if (e instanceof InputError) throw e;
  }
}

/** Write every output and the reports under OUTDIR; a path escaping OUTDIR is refused (it cannot come from the walk). */
function writeRun(out: string, run: RepoRun, shard: RunRepoOptions["shard"]): void {
  const base = resolve(out);
  const write = (rel: string, text: string): void => {
    const target = resolve(base, rel);
    if (!target.startsWith(base + sep)) throw new InputError("refusing to write outside --out", rel);
    writeFileAtomic(target, text);
  };
  for (const o of run.outputs) write(o.path, o.text);
  const json = JSON.stringify(run.report, null, 2) + "\n";
  if (shard) write(shardReportName(shard), json);
  else {
    write(REPORT, json);
    write(MARKDOWN, renderMigrationMarkdown(run.report));
  }
}

/** The text summary: one line per source, then the totals. */
function renderText(report: RepoReport): string {
  const lines = report.sources.map((s) => {
    const cases = s.replay.cases ? `, ${s.replay.agreeing}/${s.replay.cases} cases agree` : "";
    const err = s.error ? ` — ${s.error.file}:${s.error.line}: ${s.error.message}` : "";
    return `${s.status.padEnd(11)} ${s.path} (${s.converter}${s.gaps.length ? `, ${s.gaps.length} gap(s)` : ""}${cases})${err}`;
  });
  for (const t of report.suites) lines.push(`${(t.error ? "error" : "suite").padEnd(11)} ${t.path} (${t.suite}${t.error ? `: ${t.error}` : `, ${t.agreeing}/${t.cases} cases pass`})`);
  for (const e of report.errors) lines.push(`${"error".padEnd(11)} ${e.path}:${e.line}: ${e.message}`);
  return lines.join("\n") + (lines.length ? "\n" : "") + summaryLine(report) + "\n";
}

function summaryLine(report: RepoReport): string {
  const s = report.summary;
  return `${s.sources} source(s): ${s.converted} converted, ${s.partial} with gaps, ${s.unsupported} unsupported, ${s.errors} error(s); ${s.gaps} gap(s); ${s.agreeing}/${s.cases} replayed cases agree in ${s.suites} suite(s); ${s.skipped} file(s) skipped`;
}

/** A progress bar on a terminal, nothing otherwise. */
function progress(io: Streams): ((done: number, total: number) => void) | undefined {
  if (!io.errIsTTY) return undefined;
  return (done, total) => {
    const width = 30;
    const filled = Math.round((done / Math.max(total, 1)) * width);
    io.err(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total}${done === total ? "\n" : ""}`);
  };
}

function print(report: RepoReport, output: string, io: Streams): void {
  if (output === "json") io.out(JSON.stringify(report, null, 2) + "\n");
  else if (output === "markdown") io.out(renderMigrationMarkdown(report));
  else io.out(renderText(report));
}

/** `--merge`: the shard reports in OUTDIR joined into the single run's report and MIGRATION.md. */
function runMerge(out: string, output: string, io: Streams): number {
  let merged: RepoReport;
  let files: string[];
  try {
    files = readdirSync(out).filter((f) => /^migration-report\.shard-\d+-of-\d+\.json$/.test(f)).sort();
    if (!files.length) throw new InputError("no shard reports (migration-report.shard-I-of-N.json) to merge", out);
    const reports = files.map((f) => {
      try {
        return JSON.parse(readFileSync(join(out, f), "utf8")) as RepoReport;
      } catch (e) {
        throw new InputError(`not a shard report: ${(e as Error).message}`, join(out, f));
      }
    });
    try {
      merged = mergeReports(reports);
    } catch (e) {
      throw new InputError((e as Error).message, out);
    }
    writeRun(out, { report: merged, outputs: [] }, undefined);
  } catch (e) {
    return reportInputError(e, io);
  }
  for (const f of files) rmSync(join(out, f));
  print(merged, output, io);
  io.err(`merged ${files.length} shard report(s) into ${join(out, REPORT)}\n`);
  return repoExitCode(merged);
}

export async function runRepoCommand(dir: string | undefined, opts: RepoCliOptions, ctx: CommandContext): Promise<number> {
  if (!outputFormatOk(opts.output, ["text", "json", "markdown"], ctx.io)) return EXIT.badInput;
  if (opts.merge) {
    if (dir !== undefined) {
      ctx.io.err("error: --merge takes no DIR: it joins the shard reports already in --out\n");
      return EXIT.badInput;
    }
    return runMerge(opts.out, opts.output, ctx.io);
  }
  if (dir === undefined) {
    ctx.io.err("error: missing DIR (the repository to convert)\n");
    return EXIT.badInput;
  }
  let run: RepoRun;
  let ropts: RunRepoOptions;
  try {
    checkOutDir(opts.out);
    ropts = runOptions(dir, opts.out, opts);
    const onProgress = progress(ctx.io);
    run = await runRepo(dir, { ...ropts, ...(onProgress ? { onProgress } : {}) });
    writeRun(opts.out, run, ropts.shard);
  } catch (e) {
    return reportInputError(e, ctx.io);
  }
  print(run.report, opts.output, ctx.io);
  const where = ropts.shard ? join(opts.out, shardReportName(ropts.shard)) : join(opts.out, REPORT);
  ctx.io.err(`${summaryLine(run.report)}\nwrote ${run.outputs.length} file(s) and ${where}\n`);
  return repoExitCode(run.report);
}
