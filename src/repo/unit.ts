// One unit of a repo run, as a worker thread runs it: read the unit's files, parse and convert them through the
// converter registry (plain Rego modules through their entrypoint), render the output YAML, replay the suites that
// exercise the source, and return the report entry with the output text. Paths in everything returned are relative
// to the root, so two checkouts of one tree give byte-identical results. Never throws for bad input.
import { join } from "node:path";
import { RegoParseError } from "../../converters/rego/ast.js";
import { convertModules } from "../../converters/rego/convert/module.js";
import { RegoError } from "../../converters/rego/engine/errors.js";
import type { GatekeeperSource } from "../../converters/rego/index.js";
import { parseDocsLenient } from "../../converters/rego/gatekeeper/suite.js";
import { parseModule } from "../../converters/rego/parser.js";
import { asKyvernoTarget } from "../../converters/kyverno/target.js";
import { checkOutput } from "../convert/output-check.js";
import { converterById } from "../convert/registry.js";
import { renderYaml } from "../convert/render.js";
import type { ConvertResult, ReportGap } from "../convert/types.js";
import type { CaseResult } from "../equivalence/contract.js";
import { runSuiteFile } from "../equivalence/suites.js";
import { InputError, parseDocuments, type LoadedDoc } from "../input/yaml.js";
import { readBounded } from "./classify.js";
import { emitTests } from "./emit-tests.js";
import type { Equivalence, OutputFile, RepoOptions, ReplayStats, SourceEntry, SuiteTask, SuiteType, Unit } from "./types.js";

export interface UnitOutcome {
  entry: SourceEntry;
  outputs: OutputFile[];
}

export type SuiteOutcome = ReplayStats & { path: string; suite: SuiteType; error?: string };

/** Where a source's output goes: YAML sources keep their name, others get `.yaml` appended. */
export function outputPathFor(source: string): string {
  return /\.ya?ml$/i.test(source) ? source : `${source}.yaml`;
}

/** Root-independent text: the root's absolute path removed from messages. */
const scrubber =
  (root: string) =>
  (text: string): string =>
    text.split(root.endsWith("/") ? root : `${root}/`).join("");

function readDocs(root: string, path: string): LoadedDoc[] {
  const text = readBounded(join(root, path), path);
  // Gatekeeper reads with yaml.v3 (YAML 1.2, leniently); everything else is read as kubectl / Kyverno read it
  return /ConstraintTemplate|test\.gatekeeper\.sh/.test(text) ? parseDocsLenient(text, path).docs : parseDocuments(text, path, { schema: "kubectl" });
}

/** A Gatekeeper template without constraints in the tree has nothing to inline: it converts with its constraint as paramKind. */
function gatekeeperOptions(sources: readonly unknown[], opts: RepoOptions): { params: "inline" | "constraint" } {
  const lonely = (sources as GatekeeperSource[]).some((s) => !s.constraints.length);
  return { params: lonely ? "constraint" : opts.params };
}

/** Parse and convert a unit's sources; returns the result with the header's label and names. */
function convertUnit(root: string, unit: Unit, opts: RepoOptions): { result: ConvertResult; label: string; names: string[] } {
  const copts = { targetVersion: opts.targetVersion };
  if (unit.converter === "rego") {
    const modules = unit.files.map((f) => parseModule(readBounded(join(root, f), f), f, { regoVersion: 1 }));
    const text = readBounded(join(root, unit.id), unit.id);
    const pkg = /^\s*package\s+([\w.]+)/m.exec(text)?.[1] ?? "";
    const entrypoint = `data.${pkg}.deny`;
    const input = /\binput\.request\b/.test(text) ? "admission" : "object";
    return { result: convertModules(modules, { ...copts, entrypoint, input }), label: "Rego entrypoint", names: [entrypoint] };
  }
  const converter = converterById(unit.converter);
  if (!converter) throw new InputError(`no converter ${unit.converter}`, unit.id);
  const docs = unit.files.flatMap((f) => readDocs(root, f)).filter((d) => converter.detect(d.doc));
  const sources = converter.parse(docs);
  const extra = unit.converter === "psp" ? { rbac: "authorizer", controllers: false } : unit.converter === "gatekeeper" ? gatekeeperOptions(sources, opts) : {};
  let result = converter.convert(sources, { ...copts, ...extra });
  if (unit.converter === "kyverno" && opts.target === "kyverno") result = asKyvernoTarget(result);
  return { result, label: converter.label, names: converter.names(sources) };
}

/** Replay evidence from result rows. */
export function replayStats(suites: readonly string[], cases: readonly CaseResult[], scrub: (s: string) => string): ReplayStats {
  const failing = cases.filter((c) => !c.pass);
  return {
    suites: [...suites],
    cases: cases.length,
    agreeing: cases.length - failing.length,
    failed: failing.length,
    maxCaseCost: cases.reduce((m, c) => Math.max(m, c.cost), 0),
    maxExpressionCost: cases.reduce((m, c) => Math.max(m, c.maxExpressionCost ?? 0), 0),
    failures: failing.slice(0, 5).map((c) => scrub(`${c.policy} ${c.operation} ${c.resource}: ${c.reason ?? "failed"}`)),
  };
}

const emptyStats = (suites: readonly string[]): ReplayStats => replayStats(suites, [], (s) => s);

/** A bad input or a converter failure as the entry's error (file relative, line ≥ 1). */
function errorOf(e: unknown, fallbackFile: string, scrub: (s: string) => string): { message: string; file: string; line: number } {
  if (e instanceof InputError) return { message: scrub(e.detail), file: scrub(e.file), line: e.line ?? 1 };
  if (e instanceof RegoParseError) return { message: `rego_parse_error: ${e.detail}`, file: scrub(e.loc.file), line: e.loc.line };
  if (e instanceof RegoError) return { message: `${e.code}: ${e.detail}`, file: scrub(e.loc?.file ?? fallbackFile), line: e.loc?.line ?? 1 };
  return { message: `internal error: ${scrub(e instanceof Error ? e.message : String(e))}`, file: fallbackFile, line: 1 };
}

const equivalenceOf = (stats: ReplayStats): Equivalence => (!stats.cases ? "untested" : stats.failed ? "differ" : "agree");

const relativeGap = (g: ReportGap, unit: Unit, scrub: (s: string) => string): ReportGap => ({ ...g, file: scrub(g.file ?? unit.id) });

/** Run every suite of a unit; rows (all, and per suite), or the first suite that could not be run. */
function replaySuites(root: string, suites: readonly string[], opts: RepoOptions): { cases: CaseResult[]; bySuite: { suite: string; cases: CaseResult[] }[]; error?: unknown } {
  const bySuite: { suite: string; cases: CaseResult[] }[] = [];
  const all = (): CaseResult[] => bySuite.flatMap((s) => s.cases);
  for (const suite of suites) {
    try {
      bySuite.push({ suite, cases: runSuiteFile(join(root, suite), { params: opts.params }).cases });
    } catch (e) {
      return { cases: all(), bySuite, error: e };
    }
  }
  return { cases: all(), bySuite };
}

/** Convert one unit and replay its suites. */
export function runUnit(root: string, unit: Unit, opts: RepoOptions): UnitOutcome {
  const scrub = scrubber(root);
  const base = { path: unit.id, converter: unit.converter, names: [] as string[], outputs: [] as string[], gaps: [] as ReportGap[] };
  let converted: ReturnType<typeof convertUnit>;
  try {
    converted = convertUnit(root, unit, opts);
    // what the target version's API server would refuse is left out, as a named gap (src/convert/output-check.ts)
    converted = { ...converted, result: checkOutput(converted.result, { targetVersion: opts.targetVersion, source: unit.converter }) };
  } catch (e) {
    return { entry: { ...base, status: "error", equivalence: "untested", replay: emptyStats(unit.suites), error: errorOf(e, unit.id, scrub) }, outputs: [] };
  }
  const { result, label, names } = converted;
  const outputs: OutputFile[] = [];
  if (result.manifests.length) outputs.push({ path: outputPathFor(unit.id), text: renderYaml(result, { files: unit.files, label, names }) });
  const replay = replaySuites(root, unit.suites, opts);
  const stats = replayStats(unit.suites, replay.cases, scrub);
  if (opts.emitTests && outputs.length) outputs.push(...emitTests(root, unit, outputs[0]!, result, replay.bySuite, opts));
  const entry: SourceEntry = {
    ...base,
    names: [...names].sort(),
    outputs: outputs.map((o) => o.path),
    gaps: result.gaps.map((g) => relativeGap(g, unit, scrub)),
    status: result.status,
    equivalence: replay.error ? "untested" : equivalenceOf(stats),
    replay: stats,
    ...(replay.error ? { error: errorOf(replay.error, unit.suites[0] ?? unit.id, scrub) } : {}),
  };
  return { entry, outputs };
}

/** Replay a suite that tests no source of ours (kaptest manifests of existing VAPs). */
export function runSuiteTask(root: string, task: SuiteTask, opts: RepoOptions): SuiteOutcome {
  const scrub = scrubber(root);
  const replay = replaySuites(root, [task.id], opts);
  const stats = replayStats([task.id], replay.cases, scrub);
  return { path: task.id, suite: task.suite, ...stats, ...(replay.error ? { error: errorOf(replay.error, task.id, scrub).message } : {}) };
}
