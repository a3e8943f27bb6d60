// What `migrate` commands share, in one module (commands import this, never each other): the command context,
// `-o` checking, the `--authz` table, loading policy sources of a converter, convert options from flags, rendering a
// ConvertResult (YAML with a header, or the JSON report contract), writing `--out`, and printing gaps and CEL cost
// warnings on stderr. File access goes through io.ts. Nothing here loads the converter registry (every converter):
// a command that detects the source language (verify) imports it itself.
import { join } from "node:path";
import type { PspConvertOptions } from "../../converters/psp/index.js";
import { authzTableDecider, parseAuthzTable, type AuthzDecide } from "../cel/k8s/authz.js";
import { gapText, gapWhere } from "../convert/render.js";
import { checkTargetVersion } from "../convert/target-version.js";
import type { CommonConvertOptions, Converter, ConvertResult, ReportGap } from "../convert/types.js";
import { costWarnings, type CaseResult } from "../equivalence/contract.js";
import { InputError, type LoadedDoc } from "../input/yaml.js";
import { EXIT, expandPaths, readDocuments, reportInputError, writeFileAtomic, type Streams } from "./io.js";

export { renderYaml, type SourceSummary } from "../convert/render.js";
export { checkOutput } from "../convert/output-check.js";
export { EXIT, expandPaths, expandRegoPaths, readDocuments, readText, reportInputError, stdStreams, type Streams } from "./io.js";

/** What a command gets from main.ts: its output streams and where to put its exit code. */
export interface CommandContext {
  io: Streams;
  setExit(code: number): void;
}

/** False (after printing the error) when `-o` is not one of `allowed`. */
export function outputFormatOk(output: string, allowed: readonly string[], io: Streams): boolean {
  if (allowed.includes(output)) return true;
  io.err(`error: -o must be ${allowed.join(" or ")}, not ${JSON.stringify(output)}\n`);
  return false;
}

/** The `--authz` table as a decision function; undefined without a file (the engine's default then applies:
 *  members of system:masters are allowed everything, as a cluster's superuser authorizer would; all else denied). */
export function loadAuthz(file: string | undefined): AuthzDecide | undefined {
  if (!file) return undefined;
  const docs = readDocuments([file]);
  try {
    return authzTableDecider(docs.flatMap((d) => parseAuthzTable(d.doc)));
  } catch (e) {
    throw new InputError((e as Error).message, file, docs[0]?.line);
  }
}

// --- policy sources ---------------------------------------------------------------------------------------------

/** Every document of the given files (directories expanded), and the files. */
function readSourceDocuments(paths: readonly string[]): { docs: LoadedDoc[]; files: string[] } {
  const files = expandPaths(paths);
  return { docs: readDocuments(files), files };
}

/** A document a directory walk found that is not a policy of the command's kind (a note, not an error). */
export interface SkippedDoc {
  file: string;
  line: number;
  kind: string;
}

const kindText = (doc: unknown): string => {
  const o = (doc && typeof doc === "object" && !Array.isArray(doc) ? doc : {}) as { kind?: unknown; apiVersion?: unknown };
  return `kind ${String(o.kind)}, apiVersion ${String(o.apiVersion)}`;
};

/**
 * Sources of one known converter (`migrate psp`); `noun` names what is missing when the files hold nothing. A file
 * named on the command line must hold only such policies (another kind is bad input, by the converter's parse); in
 * the files found by walking a directory — a `helm template --output-dir` render, a repository folder — documents of
 * other kinds are skipped and listed in `skipped`.
 */
export function loadSourcesOf<S, O extends CommonConvertOptions>(
  converter: Converter<S, O>,
  paths: readonly string[],
  noun: string,
): { sources: S[]; files: string[]; skipped: SkippedDoc[] } {
  const docs: LoadedDoc[] = [];
  const files: string[] = [];
  const skipped: SkippedDoc[] = [];
  for (const p of paths) {
    const expanded = expandPaths([p]);
    const walked = p !== "-" && (expanded.length !== 1 || expanded[0] !== p);
    for (const file of expanded) {
      let used = !walked;
      for (const d of readDocuments([file])) {
        if (walked && !converter.detect(d.doc)) skipped.push({ file: d.file, line: d.line, kind: kindText(d.doc) });
        else {
          docs.push(d);
          used = true;
        }
      }
      if (used) files.push(file);
    }
  }
  if (!docs.length) throw new InputError(`no ${noun} found${skipped.length ? ` (${skipped.length} document(s) of other kinds skipped)` : ""}`, paths.join(", "));
  return { sources: converter.parse(docs), files, skipped };
}

/** One stderr line for the skipped documents of a directory walk (nothing when there are none). */
export function skippedNote(skipped: readonly SkippedDoc[], noun: string): string {
  if (!skipped.length) return "";
  const first = skipped[0]!;
  return `skipping ${skipped.length} document(s) that are not ${noun} (first: ${first.file}:${first.line}, ${first.kind})\n`;
}

// --- convert options --------------------------------------------------------------------------------------------

/** Convert flags as commander hands them over; `rbac` / `controllers` are read by the PSP converter only. */
export interface ConvertFlags {
  targetVersion: string;
  /** Absent: the converter's default (PSP: Deny; Kyverno: from each policy's failure action). */
  actions?: string;
  rbac?: string;
  controllers?: boolean;
  name?: string;
}

/** `--name`: a DNS subdomain short enough for the `-defaults-binding` suffix. */
const NAME_RE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

const flagError = (msg: string): InputError => new InputError(msg, "<flags>");

/** Options for the converter `sourceId` from the flags; a bad flag is an InputError (exit 2). */
export function convertOptions(o: ConvertFlags, sourceId: string): CommonConvertOptions & Partial<PspConvertOptions> {
  const tv = checkTargetVersion(o.targetVersion);
  if ("error" in tv) throw flagError(tv.error);
  const psp: Partial<PspConvertOptions> = {};
  if (sourceId === "psp") {
    const rbac = o.rbac ?? "authorizer";
    if (rbac !== "authorizer" && rbac !== "ignore") throw flagError(`--rbac must be authorizer or ignore, not ${JSON.stringify(rbac)}`);
    psp.rbac = rbac;
    psp.controllers = !!o.controllers;
  } else if (o.rbac !== undefined || o.controllers) {
    throw flagError(`--rbac and --controllers apply to PodSecurityPolicies only, not to ${sourceId} sources`);
  }
  const actions = o.actions === undefined ? undefined : o.actions.split(",").map((s) => s.trim()).filter(Boolean);
  const valid = ["Deny", "Warn", "Audit"] as const;
  const isAction = (a: string): a is (typeof valid)[number] => (valid as readonly string[]).includes(a);
  for (const a of actions ?? []) if (!isAction(a)) throw flagError(`--actions: unknown action ${JSON.stringify(a)} (Deny, Warn, Audit)`);
  if (actions && !actions.length) throw flagError("--actions needs at least one action");
  if (actions?.includes("Deny") && actions.includes("Warn")) throw flagError("--actions: Deny and Warn together are invalid in a binding");
  if (o.name !== undefined && (!NAME_RE.test(o.name) || o.name.length > 236))
    throw flagError(`--name must be a lowercase DNS subdomain of at most 236 characters, not ${JSON.stringify(o.name)}`);
  return { targetVersion: tv.version, ...psp, ...(actions ? { actions: actions.filter(isAction) } : {}), ...(o.name !== undefined ? { name: o.name } : {}) };
}

// --- rendering a ConvertResult ----------------------------------------------------------------------------------

/** Name of the (first) generated ValidatingAdmissionPolicy, "" when there is none. */
export function vapName(result: ConvertResult): string {
  const vap = result.manifests.find((m) => (m as { kind?: string }).kind === "ValidatingAdmissionPolicy") as { metadata?: { name?: string } } | undefined;
  return vap?.metadata?.name ?? "";
}

/** One `gap: …` line per gap on stderr. */
export function printGaps(gaps: readonly ReportGap[], io: Streams): void {
  for (const g of gaps) io.err(`gap: ${g.rule}${gapWhere(g)}: ${gapText(g)}\n`);
}

/** A gap as the JSON report shows it: rule, reason, line, then id / effect / file when present. */
function reportGap(g: ReportGap): ReportGap {
  return { rule: g.rule, reason: g.reason, line: g.line, ...(g.id ? { id: g.id } : {}), ...(g.effect ? { effect: g.effect } : {}), ...(g.file ? { file: g.file } : {}) };
}

/**
 * The `-o json` report contract: `{"results":[{file, files, source, name, …extra, status, gaps, manifests}]}`.
 * `extra` carries source-specific fields (e.g. `psps`).
 */
export function renderJsonReport(result: ConvertResult, r: { files: readonly string[]; source: string; extra?: Record<string, unknown> }): string {
  const entry = {
    file: r.files.length === 1 ? r.files[0] : r.files.join(","),
    files: r.files,
    source: r.source,
    name: vapName(result),
    ...r.extra,
    status: result.status,
    gaps: result.gaps.map(reportGap),
    manifests: result.manifests,
  };
  return JSON.stringify({ results: [entry] }, null, 2) + "\n";
}

/**
 * The last step of every converting command: print the output on stdout, or write it atomically to
 * `DIR/<name>.<yaml|json>` with `--out DIR`; returns the exit code (3 with gaps, 2 when the write fails).
 */
export function emitConversion(text: string, o: { out?: string | undefined; name: string; json: boolean }, result: ConvertResult, io: Streams): number {
  if (o.out) {
    const path = join(o.out, `${o.name}.${o.json ? "json" : "yaml"}`);
    try {
      writeFileAtomic(path, text);
    } catch (e) {
      return reportInputError(e, io);
    }
    io.err(`wrote ${path}\n`);
  } else io.out(text);
  return result.gaps.length ? EXIT.gaps : EXIT.ok;
}

// --- replay reports ---------------------------------------------------------------------------------------------

/** One `warning: …` line on stderr per case over the CEL cost threshold (see contract.ts). */
export function printCostWarnings(cases: readonly CaseResult[], io: Streams): void {
  for (const w of costWarnings(cases)) io.err(`warning: ${w}\n`);
}
