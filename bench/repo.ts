// `npm run bench`, repo section: `migrate repo` over the whole corpus as a user runs it (the built CLI, a fresh
// output directory) with one worker thread and with one per core — the speed-up from workers — against the sum of
// the single-file runs a user would otherwise make (`migrate psp|kyverno|gatekeeper|rego FILE…` per source and
// `migrate test SUITE` per suite). Spawning all of those takes minutes, so every 8th is timed and the sum
// extrapolated from that sample (said so in the row).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { classifyText } from "../src/repo/classify.js";
import { planUnits } from "../src/repo/plan.js";
import type { Unit } from "../src/repo/types.js";
import { walkTree } from "../src/repo/walk.js";
import type { BenchRow } from "./kyverno.js";

const BIN = path.resolve("bin/migrate.js");
const SAMPLE_EVERY = 8;

/** Wall time of one CLI run (ms). */
function timeCli(args: readonly string[]): number {
  const start = performance.now();
  spawnSync(process.execPath, [BIN, ...args], { stdio: "ignore" });
  return performance.now() - start;
}

/** The single-file command a user would run for a unit. */
function unitCommand(root: string, u: Unit): string[] {
  const files = u.files.map((f) => path.join(root, f));
  switch (u.converter) {
    case "gatekeeper":
      return ["gatekeeper", ...files, "--params", u.files.length > 1 ? "inline" : "constraint"];
    case "rego": {
      const pkg = /^\s*package\s+([\w.]+)/m.exec(readFileSync(files[0]!, "utf8"))?.[1] ?? "main";
      return ["rego", ...files, "--entrypoint", `data.${pkg}.deny`];
    }
    default:
      return [u.converter, files[0]!];
  }
}

function plan(root: string): { units: Unit[]; suites: string[] } {
  const walk = walkTree(root);
  const classified = walk.files.map((f) => {
    try {
      return classifyText(f, readFileSync(path.join(root, f), "utf8"), () => false);
    } catch {
      return { path: f, role: { role: "other" as const } };
    }
  });
  const p = planUnits(classified);
  return { units: p.units, suites: [...p.units.flatMap((u) => u.suites), ...p.suites.map((s) => s.id)] };
}

export interface RepoBench {
  sources: number;
  suites: number;
  cores: number;
  oneWorkerMs: number;
  workersMs: number;
  workerSpeedup: number;
  singleRunsSampled: number;
  singleRunsEstimatedMs: number;
  repoOverSingleRuns: number;
}

export function benchRepo(corpus: string): { rows: BenchRow[]; results: RepoBench } | undefined {
  if (!existsSync(path.join(corpus, "kyverno")) || !existsSync(BIN)) {
    console.error("bench: ../shared/corpus or the built CLI not found — repo benchmarks skipped");
    return undefined;
  }
  const cores = availableParallelism();
  const run = (workers: number): number => {
    const out = mkdtempSync(path.join(tmpdir(), "migrate-bench-repo-"));
    try {
      return timeCli(["repo", corpus, "--out", out, "--workers", String(workers)]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  };
  run(cores); // warm the file cache
  const oneWorkerMs = run(1);
  const workersMs = run(cores);
  const { units, suites } = plan(corpus);
  const commands = [...units.map((u) => unitCommand(corpus, u)), ...suites.map((s) => ["test", path.join(corpus, s)])];
  const sample = commands.filter((_, i) => i % SAMPLE_EVERY === 0);
  const sampledMs = sample.reduce((ms, args) => ms + timeCli(args), 0);
  const singleRunsEstimatedMs = (sampledMs / sample.length) * commands.length;
  const results: RepoBench = {
    sources: units.length,
    suites: suites.length,
    cores,
    oneWorkerMs,
    workersMs,
    workerSpeedup: oneWorkerMs / workersMs,
    singleRunsSampled: sample.length,
    singleRunsEstimatedMs,
    repoOverSingleRuns: workersMs / singleRunsEstimatedMs,
  };
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  const rows: BenchRow[] = [
    { bench: `repo: whole corpus (${units.length} sources, ${suites.length} suites), ${cores} workers vs 1`, ours: s(workersMs), baseline: s(oneWorkerMs), ratio: `${results.workerSpeedup.toFixed(2)}× faster` },
    {
      bench: `repo: whole corpus vs ${commands.length} single-file CLI runs (sum est. from ${sample.length})`,
      ours: s(workersMs),
      baseline: s(singleRunsEstimatedMs),
      ratio: `${(singleRunsEstimatedMs / workersMs).toFixed(1)}× faster`,
    },
  ];
  return { rows, results };
}
