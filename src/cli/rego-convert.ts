// The plain-module conversion `migrate rego FILE --entrypoint … --input …` and `migrate verify` (with .rego sources)
// both run: parse the modules, convert the entrypoint to a VAP + binding, and with fixtures replay each one through
// the Rego engine (the source) and the VAP, printing the result contract. Not a command itself.
import { extname } from "node:path";
import { RegoParseError, type Module } from "../../converters/rego/ast.js";
import { convertModules, entrypointPath, moduleVerdict } from "../../converters/rego/convert/module.js";
import { vapVerdict } from "../../converters/rego/convert/replay.js";
import type { InputShape } from "../../converters/rego/convert/sym.js";
import { compileModules, RegoError } from "../../converters/rego/engine/index.js";
import { parseModule } from "../../converters/rego/parser.js";
import type { ConvertResult } from "../convert/types.js";
import { renderText, summarize, type CaseResult } from "../equivalence/contract.js";
import { InputError } from "../input/yaml.js";
import { requestFromDocument } from "../vap/load.js";
import {
  convertOptions,
  emitOutput,
  EXIT,
  expandPaths,
  expandRegoPaths,
  outputFormatOk,
  printGaps,
  readDocuments,
  readText,
  renderJsonReport,
  renderYaml,
  reportInputError,
  vapName,
  type CommandContext,
  type ConvertFlags,
} from "./shared.js";

export interface RegoConvertOptions extends ConvertFlags {
  entrypoint?: string;
  input: string;
  output: string;
  out?: string;
  v0?: boolean;
  fixtures?: string | string[];
}

/** Every fixture document of a path (files or directories of YAML/JSON), each a plain object or an AdmissionReview. */
function fixtureDocs(paths: string | readonly string[]): { doc: unknown; file: string; line: number }[] {
  return readDocuments(expandPaths(typeof paths === "string" ? [paths] : paths)).map((doc) => ({ doc: doc.doc, file: doc.file, line: doc.line }));
}

/** `--fixtures`: every fixture through the Rego engine (source) and the converted VAP, one row per fixture. */
function replayModule(modules: readonly Module[], result: ConvertResult, opts: RegoConvertOptions & { entrypoint: string }, shape: InputShape): CaseResult[] {
  const program = compileModules(modules);
  return fixtureDocs(opts.fixtures!).map(({ doc, file }) => {
    const source = moduleVerdict(program, opts.entrypoint, shape, doc);
    const vap = vapVerdict(result, doc, []);
    const request = requestFromDocument(doc);
    const resource = request.namespace ? `${request.namespace}/${request.name ?? ""}` : (request.name ?? "");
    const pass = source.verdict === vap.vap;
    return {
      suite: typeof opts.fixtures === "string" ? opts.fixtures : opts.fixtures!.join(","),
      policy: opts.entrypoint,
      binding: null,
      resource,
      operation: request.operation,
      expected: source.verdict,
      source: source.verdict,
      vap: vap.vap,
      pass,
      messages: [...source.messages, ...vap.messages],
      reason: pass ? null : `the Rego entrypoint says ${source.verdict}, the VAP ${vap.vap}`,
      cost: vap.cost,
      file,
    };
  });
}

export function runRegoConvert(files: string[], opts: RegoConvertOptions, ctx: CommandContext): number {
  if (!outputFormatOk(opts.output, ["yaml", "json"], ctx.io)) return EXIT.badInput;
  if (opts.input !== "admission" && opts.input !== "object") {
    ctx.io.err(`error: --input must be admission or object, not ${JSON.stringify(opts.input)}\n`);
    return EXIT.badInput;
  }
  if (!opts.entrypoint) {
    ctx.io.err("error: --entrypoint is required (the denying rule, e.g. data.kubernetes.admission.deny)\n");
    return EXIT.badInput;
  }
  const shape: InputShape = opts.input;
  const entrypoint = opts.entrypoint;
  let result: ConvertResult;
  let modules: Module[];
  let moduleFiles: string[];
  try {
    const copts = convertOptions(opts, "rego");
    moduleFiles = expandRegoPaths(files).filter((file) => extname(file) === ".rego");
    if (!moduleFiles.length) throw new InputError("no .rego module found", files.join(", "));
    modules = moduleFiles.map((file) => parseModule(readText(file), file, { regoVersion: opts.v0 ? 0 : 1 }));
    try {
      entrypointPath(entrypoint);
    } catch (error) {
      throw new InputError((error as Error).message, "<flags>");
    }
    ctx.io.err(`converting ${entrypoint} from ${moduleFiles.length} Rego module(s), input: ${shape}\n`);
    result = convertModules(modules, { ...copts, entrypoint, input: shape });
  } catch (error) {
    if (error instanceof RegoParseError || error instanceof RegoError) {
      ctx.io.err(`error: ${error.message}\n`);
      return EXIT.badInput;
    }
    return reportInputError(error, ctx.io);
  }
  printGaps(result.gaps, ctx.io);
  const json = opts.output === "json";
  if (opts.fixtures) {
    let rows: CaseResult[];
    try {
      rows = replayModule(modules, result, { ...opts, entrypoint }, shape);
    } catch (error) {
      return reportInputError(error, ctx.io);
    }
    const report = summarize(rows, 0);
    ctx.io.out(json ? JSON.stringify({ conversion: { status: result.status, gaps: result.gaps }, ...report }, null, 2) + "\n" : renderText(report));
    return rows.every((row) => row.pass) ? (result.gaps.length ? EXIT.gaps : EXIT.ok) : EXIT.failed;
  }
  const text = json
    ? renderJsonReport(result, { files: moduleFiles, source: "rego", extra: { entrypoint, input: shape } })
    : renderYaml(result, { files: moduleFiles, label: "Rego entrypoint", names: [entrypoint] });
  emitOutput(text, { ...(opts.out ? { out: opts.out } : {}), name: vapName(result) || "rego", json }, ctx.io);
  return result.gaps.length ? EXIT.gaps : EXIT.ok;
}

