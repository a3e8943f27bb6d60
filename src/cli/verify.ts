// `migrate verify SOURCE... --fixtures PATH...`: detect the sources' language through the converter registry, convert
// them, then replay every fixture through that converter's source engine and through the generated policies in the
// VAP engine; print the shared result contract (and CEL cost warnings on stderr). Exit 1 when a case fails, else 3
// when the conversion had gaps, else 0.
import type { Command } from "commander";
import { renderText, summarize, type ReplayReport } from "../equivalence/contract.js";
import { countErrors } from "../equivalence/replay.js";
import { InputError } from "../input/yaml.js";
import { runRegoConvert } from "./rego-convert.js";
import {
  checkOutput,
  convertOptions,
  EXIT,
  loadAuthz,
  loadSources,
  outputFormatOk,
  printCostWarnings,
  printGaps,
  readDocuments,
  reportInputError,
  type CommandContext,
  type ConvertFlags,
} from "./shared.js";

interface VerifyOptions extends ConvertFlags {
  fixtures: string[];
  params?: string;
  entrypoint?: string;
  input?: string;
  output: string;
  authz?: string;
  verbose?: boolean;
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
    const fixtures = readDocuments(opts.fixtures).map((d) => ({ doc: d.doc, file: d.file, line: d.line }));
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

export function registerVerify(program: Command, ctx: CommandContext): void {
  program
    .command("verify")
    .description("Replay fixtures through the source engine and the generated VAP (+MAP); report every divergence")
    .argument("<sources...>", "policy files or directories (one source language: PodSecurityPolicies, Kyverno policies, or ConstraintTemplates + Constraints)")
    .requiredOption("--fixtures <paths...>", "pods or AdmissionReviews (files or directories)")
    .option("-o, --output <format>", "text or json", "text")
    .option("--target-version <version>", "as for `migrate psp`", "1.36")
    .option("--rbac <mode>", "PodSecurityPolicies only: as for `migrate psp` (default: authorizer)")
    .option("--controllers", "PodSecurityPolicies only: as for `migrate psp`")
    .option("--actions <list>", "as for `migrate psp`", "Deny")
    .option("--params <mode>", "Gatekeeper only: inline or constraint, as for `migrate gatekeeper`")
    .option("--entrypoint <rule>", "Rego modules only: the denying rule, as for `migrate rego`")
    .option("--input <shape>", "Rego modules only: admission or object, as for `migrate rego`")
    .option("--authz <file>", "authorization table used by both engines (PSP `use` and CEL `authorizer`)")
    .option("-v, --verbose", "print details for passing cases too")
    .addHelpText(
      "after",
      `
Examples:
  migrate verify fixtures/psp/restricted.yaml --fixtures fixtures/psp/pods
  migrate verify psps/ --fixtures pods/ review.yaml -o json
  migrate verify fixtures/gatekeeper/template.yaml fixtures/gatekeeper/constraint.yaml --fixtures fixtures/gatekeeper/cases
  migrate verify fixtures/rego/conftest/policy.rego --entrypoint data.main.deny --input object --fixtures fixtures/rego/conftest/deployments

A fixture named allowed*.yaml must be admitted, disallowed*.yaml denied; any fixture may instead carry the annotation
vap-migrate.io/expect: admit|deny. A case passes when both engines agree (and match the expectation).
Exit codes: 0 all cases pass and the conversion is exact, 1 a case failed, 2 bad input, 3 all cases pass but the
conversion has gaps (listed on stderr).`,
    )
    .action((sources: string[], opts: VerifyOptions) => ctx.setExit(runVerify(sources, opts, ctx)));
}
