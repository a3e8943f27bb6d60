// `migrate kyverno FILE...`: Kyverno ClusterPolicies / Policies / ValidatingPolicies → one ValidatingAdmissionPolicy
// (+ binding) per policy — or, with `--target kyverno`, Kyverno's own ValidatingPolicy with the same CEL — as
// multi-document YAML or the JSON result contract. Nothing is written unless everything converts.
import { kyvernoConverter } from "../../converters/kyverno/index.js";
import type { KyvernoPolicy } from "../../converters/kyverno/model.js";
import { asKyvernoTarget } from "../../converters/kyverno/target.js";
import type { ConvertResult } from "../convert/types.js";
import { InputError } from "../input/yaml.js";
import {
  checkOutput,
  convertOptions,
  emitConversion,
  EXIT,
  loadSourcesOf,
  skippedNote,
  type SkippedDoc,
  outputFormatOk,
  printGaps,
  renderJsonReport,
  renderYaml,
  reportInputError,
  vapName,
  type CommandContext,
  type ConvertFlags,
} from "./shared.js";

export interface KyvernoCliOptions extends ConvertFlags {
  output: string;
  out?: string;
  target: string;
}

export function runKyverno(files: string[], opts: KyvernoCliOptions, ctx: CommandContext): number {
  if (!outputFormatOk(opts.output, ["yaml", "json"], ctx.io)) return EXIT.badInput;
  let result: ConvertResult;
  let loaded: { sources: KyvernoPolicy[]; files: string[]; skipped: SkippedDoc[] };
  try {
    if (opts.target !== "vap" && opts.target !== "kyverno") throw new InputError(`--target must be vap or kyverno, not ${JSON.stringify(opts.target)}`, "<flags>");
    const copts = convertOptions(opts, kyvernoConverter.id);
    loaded = loadSourcesOf(kyvernoConverter, files, "Kyverno policy") as { sources: KyvernoPolicy[]; files: string[]; skipped: SkippedDoc[] };
    const n = loaded.sources.length;
    ctx.io.err(skippedNote(loaded.skipped, "Kyverno policies"));
    ctx.io.err(`converting ${n} Kyverno polic${n === 1 ? "y" : "ies"} from ${loaded.files.length} file(s)\n`);
    result = checkOutput(kyvernoConverter.convert(loaded.sources, copts), { targetVersion: copts.targetVersion ?? "1.36", source: "kyverno" });
    if (opts.target === "kyverno") result = asKyvernoTarget(result);
  } catch (e) {
    return reportInputError(e, ctx.io);
  }
  printGaps(result.gaps, ctx.io);
  const names = loaded.sources.map((p) => p.name);
  const json = opts.output === "json";
  const text = json
    ? renderJsonReport(result, { files: loaded.files, source: kyvernoConverter.id, extra: { policies: loaded.sources.map((p) => ({ name: p.name, kind: p.kind, file: p.source.file, line: p.source.line })) } })
    : renderYaml(result, { files: loaded.files, label: "Kyverno policies", names });
  return emitConversion(text, { out: opts.out, name: vapName(result) || names[0] || "kyverno", json }, result, ctx.io);
}
