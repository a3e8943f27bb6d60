// `migrate psp FILE...`: PodSecurityPolicies → one ValidatingAdmissionPolicy (+ binding) and MutatingAdmissionPolicies
// for PSP defaults, as multi-document YAML (or the JSON result contract). Nothing is written unless everything converts.
import type { Command } from "commander";
import { pspConverter } from "../../converters/psp/index.js";
import type { PodSecurityPolicy } from "../../converters/psp/model.js";
import type { ConvertResult } from "../convert/types.js";
import {
  convertOptions,
  emitConversion,
  EXIT,
  loadSourcesOf,
  outputFormatOk,
  printGaps,
  renderJsonReport,
  renderYaml,
  reportInputError,
  vapName,
  type CommandContext,
  type ConvertFlags,
} from "./shared.js";

export interface PspCliOptions extends ConvertFlags {
  output: string;
  out?: string;
}

export function runPsp(files: string[], opts: PspCliOptions, ctx: CommandContext): number {
  if (!outputFormatOk(opts.output, ["yaml", "json"], ctx.io)) return EXIT.badInput;
  let result: ConvertResult;
  let loaded: { sources: PodSecurityPolicy[]; files: string[] };
  try {
    const copts = convertOptions(opts, pspConverter.id);
    loaded = loadSourcesOf(pspConverter, files, "PodSecurityPolicy");
    const n = loaded.sources.length;
    ctx.io.err(`converting ${n} PodSecurityPolic${n === 1 ? "y" : "ies"} from ${loaded.files.length} file(s)\n`);
    result = pspConverter.convert(loaded.sources, copts);
  } catch (e) {
    return reportInputError(e, ctx.io);
  }
  printGaps(result.gaps, ctx.io);
  const psps = loaded.sources;
  const json = opts.output === "json";
  const text = json
    ? renderJsonReport(result, {
        files: loaded.files,
        source: pspConverter.id,
        extra: { psps: psps.map((p) => ({ name: p.metadata.name, file: p.source.file, line: p.source.line })).sort((a, b) => (a.name < b.name ? -1 : 1)) },
      })
    : renderYaml(result, { files: loaded.files, label: "PodSecurityPolicies", names: psps.map((p) => p.metadata.name) });
  return emitConversion(text, { out: opts.out, name: vapName(result) || "psp-set", json }, result, ctx.io);
}

export function registerPsp(program: Command, ctx: CommandContext): void {
  program
    .command("psp")
    .description("Convert PodSecurityPolicies to one ValidatingAdmissionPolicy (+ MutatingAdmissionPolicies for PSP defaults)")
    .argument("<files...>", "PodSecurityPolicy YAML/JSON files or directories (policy/v1beta1 or extensions/v1beta1)")
    .option("-o, --output <format>", "yaml or json", "yaml")
    .option("--out <dir>", "write the result into DIR instead of stdout")
    .option("--target-version <version>", "oldest Kubernetes version the output must run on", "1.36")
    .option("--rbac <mode>", "authorizer: guard each PSP by a `use` check as PSP did; ignore: every PSP applies to everyone", "authorizer")
    .option("--controllers", "also check pod templates of Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs and CronJobs")
    .option("--actions <list>", "binding validationActions: Deny, or Warn,Audit", "Deny")
    .option("--name <name>", "base name of the generated objects (default: psp-<names of the PSPs>)")
    .addHelpText(
      "after",
      `
Examples:
  migrate psp fixtures/psp/restricted.yaml
  migrate psp psps/ -o json
  migrate psp restricted.yaml baseline.yaml --out generated/ --rbac ignore
  migrate psp restricted.yaml --target-version 1.33 --actions Warn,Audit
  migrate psp psps/ --name pod-security

Exit codes: 0 converted exactly, 3 converted with named gaps (listed in the header and on stderr), 2 bad input.`,
    )
    .action((files: string[], opts: PspCliOptions) => ctx.setExit(runPsp(files, opts, ctx)));
}
