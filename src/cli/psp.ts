// `migrate psp FILE...`: PodSecurityPolicies → one ValidatingAdmissionPolicy (+ binding) and MutatingAdmissionPolicies
// for PSP defaults, as multi-document YAML (or the JSON result contract). Nothing is written unless everything converts.
import { pspConverter } from "../../converters/psp/index.js";
import type { PodSecurityPolicy } from "../../converters/psp/model.js";
import type { ConvertResult } from "../convert/types.js";
import {
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

export interface PspCliOptions extends ConvertFlags {
  output: string;
  out?: string;
}

export function runPsp(files: string[], opts: PspCliOptions, ctx: CommandContext): number {
  if (!outputFormatOk(opts.output, ["yaml", "json"], ctx.io)) return EXIT.badInput;
  let result: ConvertResult;
  let loaded: { sources: PodSecurityPolicy[]; files: string[]; skipped: SkippedDoc[] };
  try {
    const copts = convertOptions(opts, pspConverter.id);
    loaded = loadSourcesOf(pspConverter, files, "PodSecurityPolicy");
    const n = loaded.sources.length;
    ctx.io.err(skippedNote(loaded.skipped, "PodSecurityPolicies"));
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
