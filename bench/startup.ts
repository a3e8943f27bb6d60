// `npm run bench`, start-up section (8): cold start of the built CLI as a user runs it (`node bin/migrate.js …`, a new
// process each time) for `--help` and one small input per converting or deciding command, against `node -e 0` — the
// floor every Node program pays. Median wall time of RUNS rounds; each round runs every command once, so load on
// the machine falls on all of them alike. Issue #10's goal: `migrate psp` within 2× of `node -e 0`. It measures what
// bin/migrate.js runs: the bundle (dist/bundle, `npm run build`) while it is current, else the tsc output (dist/src).
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import path from "node:path";
import type { BenchRow } from "./kyverno.js";

const BIN = path.resolve("bin/migrate.js");
const RUNS = 11;
/** `migrate psp` may take at most this multiple of `node -e 0` (issue #10). */
const PSP_GOAL = 2;

interface Probe {
  /** What the row names. */
  label: string;
  /** Arguments to node. */
  argv: string[];
  /** The exit code a correct run ends with (a run that fails measures nothing). */
  exit: number;
}

const cli = (args: string[], exit = 0): Probe => ({ label: `migrate ${args.join(" ")}`, argv: [BIN, ...args], exit });

const PROBES: readonly Probe[] = [
  { label: "node -e 0", argv: ["-e", "0"], exit: 0 },
  cli(["--help"]),
  cli(["psp", "fixtures/psp/restricted.yaml"]),
  cli(["eval", "fixtures/eval/replicas-policy.yaml", "--request", "fixtures/eval/deployment-3.yaml"]),
  cli(["kyverno", "fixtures/kyverno/disallow-host-namespaces.yaml"]),
  cli(["gatekeeper", "fixtures/gatekeeper/template.yaml", "fixtures/gatekeeper/constraint.yaml"]),
];

export interface StartupBench {
  runs: number;
  /** What bin/migrate.js ran: `bundle` (dist/bundle) or `tsc` (dist/src). */
  build: "bundle" | "tsc";
  nodeMs: number;
  /** codeCache: the command started from dist/bundle/vm/main.js with its V8 code cache (bundle builds only). */
  commands: { command: string; ms: number; ratio: number; codeCache: boolean }[];
  pspGoal: { maxRatio: number; ratio: number; met: boolean };
}

/** Modification time of a file under the package, undefined when it is missing. */
const mtime = (p: string): number | undefined => {
  try {
    return statSync(path.resolve(p)).mtimeMs;
  } catch {
    return undefined;
  }
};

/** The choice bin/migrate.js makes: the bundle while it is at least as new as the tsc output. */
function builtAs(): "bundle" | "tsc" {
  const bundle = mtime("dist/bundle/main.js");
  const compiled = mtime("dist/src/cli/main.js");
  return bundle !== undefined && (compiled === undefined || bundle >= compiled) ? "bundle" : "tsc";
}

/** Whether bin/migrate.js starts `args` from a code cache: the bundle is current and the command has one (the launcher
 *  also checks the cache's header; a build writes only whole caches). */
const cached = (build: "bundle" | "tsc", args: readonly string[]): boolean =>
  build === "bundle" && args[1] !== undefined && /^[a-z][a-z-]*$/.test(args[1]) && mtime(`dist/bundle/vm/${args[1]}.cache`) !== undefined;

/** Wall time of one run (ms); throws when the run does not end as a correct one does. */
function timeRun(p: Probe): number {
  const start = performance.now();
  const r = spawnSync(process.execPath, p.argv, { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  const ms = performance.now() - start;
  if (r.status !== p.exit) throw new Error(`bench: ${p.label} exited ${r.status} (want ${p.exit}): ${r.stderr.trim()}`);
  return ms;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export function benchStartup(): { rows: BenchRow[]; results: StartupBench } {
  const times = PROBES.map(() => [] as number[]);
  for (let round = 0; round < RUNS; round++) PROBES.forEach((p, i) => times[i]!.push(timeRun(p)));
  const ms = times.map(median);
  const nodeMs = ms[0]!;
  const build = builtAs();
  const commands = PROBES.slice(1).map((p, i) => ({ command: p.label, ms: ms[i + 1]!, ratio: ms[i + 1]! / nodeMs, codeCache: cached(build, p.argv) }));
  const psp = commands.find((c) => c.command.startsWith("migrate psp "))!;
  const rows: BenchRow[] = commands.map((c) => ({
    bench: `start-up (${build}${c.codeCache ? ", code cache" : ""}): ${c.command}`,
    ours: `${c.ms.toFixed(0)} ms`,
    baseline: `${nodeMs.toFixed(0)} ms node -e 0`,
    ratio: `${c.ratio.toFixed(1)}×${c === psp ? ` (goal ≤ ${PSP_GOAL}×)` : ""}`,
  }));
  return { rows, results: { runs: RUNS, build, nodeMs, commands, pspGoal: { maxRatio: PSP_GOAL, ratio: psp.ratio, met: psp.ratio <= PSP_GOAL } } };
}
