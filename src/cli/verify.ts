// `migrate verify SOURCE... --fixtures PATH...`: convert the sources, then replay every fixture through the source
// engine and through the generated policies in the VAP engine; print the shared result contract.
import type { Command } from "commander";
import { convertPsps } from "../../converters/psp/convert.js";
import { renderText, summarize } from "../equivalence/contract.js";
import { replayPsp } from "../../converters/psp/replay.js";
import { mapStage, type MapStage } from "../equivalence/mapstage.js";
import { countErrors } from "../equivalence/replay.js";
import { loadAuthz } from "./eval.js";
import { EXIT, readDocuments, reportInputError } from "./io.js";
import type { CommandContext } from "./main.js";
import { loadPsps, parseConvertOptions } from "./psp.js";

interface VerifyOptions {
  fixtures: string[];
  output: string;
  targetVersion: string;
  rbac: string;
  controllers?: boolean;
  actions: string;
  authz?: string;
  verbose?: boolean;
}

export function runVerify(sources: string[], opts: VerifyOptions, ctx: CommandContext): number {
  if (opts.output !== "text" && opts.output !== "json") {
    ctx.io.err(`error: -o must be text or json, not ${JSON.stringify(opts.output)}\n`);
    return EXIT.badInput;
  }
  let report;
  try {
    const copts = parseConvertOptions(opts);
    const { psps } = loadPsps(sources);
    const conv = convertPsps(psps, copts);
    for (const g of conv.gaps) ctx.io.err(`gap: ${g.rule}: ${g.reason}\n`);
    const fixtures = readDocuments(opts.fixtures).map((d) => ({ doc: d.doc, file: d.file, line: d.line }));
    ctx.io.err(`replaying ${fixtures.length} fixture(s) through the PSP engine and the generated policies\n`);
    const authz = loadAuthz(opts.authz);
    const stage: MapStage = mapStage;
    const cases = replayPsp({ psps, manifests: conv.manifests, fixtures, mapStage: stage, suite: "psp", ...(authz ? { authz } : {}) });
    report = summarize(cases, countErrors(cases));
  } catch (e) {
    return reportInputError(e, ctx.io);
  }
  ctx.io.out(opts.output === "json" ? JSON.stringify(report, null, 2) + "\n" : renderText(report, !!opts.verbose));
  return report.summary.failed ? EXIT.failed : EXIT.ok;
}

export function registerVerify(program: Command, ctx: CommandContext): void {
  program
    .command("verify")
    .description("Replay fixtures through the source engine and the generated VAP (+MAP); report every divergence")
    .argument("<sources...>", "PodSecurityPolicy files or directories")
    .requiredOption("--fixtures <paths...>", "pods or AdmissionReviews (files or directories)")
    .option("-o, --output <format>", "text or json", "text")
    .option("--target-version <version>", "as for `migrate psp`", "1.36")
    .option("--rbac <mode>", "as for `migrate psp`", "authorizer")
    .option("--controllers", "as for `migrate psp`")
    .option("--actions <list>", "as for `migrate psp`", "Deny")
    .option("--authz <file>", "authorization table used by both engines (PSP `use` and CEL `authorizer`)")
    .option("-v, --verbose", "print details for passing cases too")
    .addHelpText(
      "after",
      `
Examples:
  migrate verify fixtures/psp/restricted.yaml --fixtures fixtures/psp/pods
  migrate verify psps/ --fixtures pods/ review.yaml -o json

A fixture named allowed*.yaml must be admitted, disallowed*.yaml denied; any fixture may instead carry the annotation
vap-migrate.io/expect: admit|deny. A case passes when both engines agree (and match the expectation).
Exit codes: 0 all cases pass, 1 a case failed, 2 bad input.`,
    )
    .action((sources: string[], opts: VerifyOptions) => ctx.setExit(runVerify(sources, opts, ctx)));
}
