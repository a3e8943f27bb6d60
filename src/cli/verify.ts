// `migrate verify SOURCE... --fixtures PATH...`: detect the sources' language through the converter registry, convert
// them, then replay every fixture through that converter's source engine and through the generated policies in the
// VAP engine; print the shared result contract (and CEL cost warnings on stderr). Exit 1 when a case fails, else 3
// when the conversion had gaps, else 0.
import { checkRequestDocument } from "../vap/validate-input.js";
import { renderText, summarize, type ReplayReport } from "../equivalence/contract.js";
import { countErrors } from "../equivalence/replay.js";
import { detectSource, type AnyConverter } from "../convert/registry.js";
import { InputError } from "../input/yaml.js";
import { runRegoConvert } from "./rego-convert.js";
import {
  checkOutput,
  convertOptions,
  EXIT,
  expandPaths,
  loadAuthz,
  outputFormatOk,
  printCostWarnings,
  printGaps,
  readDocuments,
  reportInputError,
  type CommandContext,
  type ConvertFlags,
} from "./shared.js";

export interface VerifyOptions extends ConvertFlags {
  fixtures: string[];
  params?: string;
  entrypoint?: string;
  input?: string;
  output: string;
  authz?: string;
  verbose?: boolean;
}

/** Sources of whichever registered converter detects every document, and the files (directories expanded). */
function loadSources(paths: readonly string[]): { converter: AnyConverter; sources: unknown[]; files: string[] } {
  const files = expandPaths(paths);
  const docs = readDocuments(files);
  const converter = detectSource(docs, files.join(", "));
  return { converter, sources: converter.parse(docs), files };
}

export function runVerify(sources: string[], opts: VerifyOptions, ctx: CommandContext): number {
  if (!outputFormatOk(opts.output, ["text", "json"], ctx.io)) return EXIT.badInput;
  // plain Rego modules: the entrypoint evaluated by the Rego engine beside the converted VAP (as `migrate rego --fixtures`)
  if (opts.entrypoint || sources.some((source) => source.endsWith(".rego"))) {
    const { output, fixtures, input, ...flags } = opts;
    return runRegoConvert(sources, { ...flags, output: output === "json" ? "json" : "yaml", fixtures, input: input ?? "admission" }, ctx);
  }
  let report: ReplayReport;
  let gaps: number;
  try {
    const loaded = loadSources(sources);
    const conv = loaded.converter;
    if (opts.params !== undefined && opts.params !== "inline" && opts.params !== "constraint") throw new InputError(`--params must be inline or constraint, not ${JSON.stringify(opts.params)}`, "<flags>");
    const copts = convertOptions(opts, conv.id);
    const result = checkOutput(conv.convert(loaded.sources, { ...copts, ...(opts.params ? { params: opts.params } : {}) }), { targetVersion: copts.targetVersion ?? "1.36", source: conv.id });
    printGaps(result.gaps, ctx.io);
    gaps = result.gaps.length;
    const fixtureDocs = readDocuments(opts.fixtures);
    for (const d of fixtureDocs) checkRequestDocument(d); // what the API server would refuse is bad input, not a case
    const fixtures = fixtureDocs.map((d) => ({ doc: d.doc, file: d.file, line: d.line }));
    // zero fixtures would "pass" having checked nothing
    if (!fixtures.length) throw new InputError("no fixtures found (pods, objects or AdmissionReviews as YAML/JSON)", opts.fixtures.join(", "));
    ctx.io.err(`replaying ${fixtures.length} fixture(s) through the ${conv.id} source engine and the generated policies\n`);
    const authz = loadAuthz(opts.authz);
    const cases = conv.replay({ sources: loaded.sources, manifests: result.manifests, fixtures, suite: conv.id, ...(authz ? { authz } : {}) });
    report = summarize(cases, countErrors(cases));
  } catch (e) {
    return reportInputError(e, ctx.io);
  }
  printCostWarnings(report.cases, ctx.io);
  ctx.io.out(opts.output === "json" ? JSON.stringify(report, null, 2) + "\n" : renderText(report, !!opts.verbose));
  // a failing case outranks the gaps: 1; every case passes but the conversion is not exact: 3 (as for .rego sources)
  return report.summary.failed ? EXIT.failed : gaps ? EXIT.gaps : EXIT.ok;
}
