// A whole repo run in memory: walk the tree, classify every file, plan the units, keep this shard's (and with
// `changedFiles` only the changed) units, run them on worker threads, and assemble the report and the output files.
// Writing OUTDIR is the CLI's job (src/cli/repo.ts); `migrate review` runs this on two checkouts.
import { statSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../input/yaml.js";
import { classifyText, readBounded, type ClassifiedFile } from "./classify.js";
import { inShard, planUnits } from "./plan.js";
import { buildReport } from "./report.js";
import { defaultWorkers, runTasks, type Task } from "./tasks.js";
import type { OutputFile, RepoOptions, RepoRun } from "./types.js";
import { walkTree } from "./walk.js";

export interface RunRepoOptions extends RepoOptions {
  /** Worker threads (default: one per core; ≤ 1 runs in this thread). */
  workers?: number;
  shard?: { index: number; count: number };
  /** Only units and suites that read one of these files (relative to the root) run. */
  changedFiles?: ReadonlySet<string>;
  /** Directories (relative to the root) not to walk, e.g. the output directory when it lies inside the tree. */
  excludeDirs?: readonly string[];
  /** Called after each task with (done, total). */
  onProgress?: (done: number, total: number) => void;
}

export const DEFAULT_REPO_OPTIONS: RepoOptions = { targetVersion: "1.36", params: "inline", emitTests: false, target: "vap" };

/** Classify one file; an unreadable one is an `error` role, never a throw. */
function classifyFile(root: string, path: string, chartDirs: ReadonlySet<string>): ClassifiedFile {
  let text: string;
  try {
    text = readBounded(join(root, path), path);
  } catch (e) {
    if (e instanceof InputError) return { path, role: { role: "error", message: e.detail, line: 1 } };
    throw e;
  }
  return classifyText(path, text, (dir) => chartDirs.has(dir));
}

const dirOf = (path: string): string => (path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".");

/** Convert and replay everything under `root`; never throws for a bad file inside it (only for a bad root). */
export async function runRepo(root: string, opts: RunRepoOptions): Promise<RepoRun> {
  let isDir = false;
  try {
    isDir = statSync(root).isDirectory();
  } catch {
    throw new InputError("no such directory", root);
  }
  if (!isDir) throw new InputError("not a directory", root);
  const walk = walkTree(root, new Set(opts.excludeDirs ?? []));
  const chartDirs = new Set(walk.files.filter((f) => /(^|\/)Chart\.ya?ml$/.test(f)).map(dirOf));
  const classified = walk.files.map((f) => classifyFile(root, f, chartDirs));
  const plan = planUnits(classified);
  plan.skipped.push(...walk.skipped);
  plan.skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const wanted = (id: string): boolean => inShard(id, opts.shard) && (!opts.changedFiles || (plan.inputs.get(id) ?? [id]).some((f) => opts.changedFiles!.has(f)));
  const tasks: Task[] = [
    ...plan.units.filter((u) => wanted(u.id)).map((unit): Task => ({ type: "unit", unit })),
    ...plan.suites.filter((s) => wanted(s.id)).map((suite): Task => ({ type: "suite", suite })),
  ];
  const repoOptions: RepoOptions = { targetVersion: opts.targetVersion, params: opts.params, emitTests: opts.emitTests, target: opts.target };
  const results = await runTasks(root, tasks, repoOptions, opts.workers ?? defaultWorkers(), opts.onProgress);
  const sources = results.flatMap((r) => (r.type === "unit" ? [r.outcome.entry] : []));
  const suites = results.flatMap((r) => (r.type === "suite" ? [r.outcome] : []));
  const outputs: OutputFile[] = results.flatMap((r) => (r.type === "unit" ? r.outcome.outputs : [])).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { report: buildReport(plan, sources, suites, repoOptions, opts.shard), outputs };
}
