// The plain-module conversion `migrate rego FILE --entrypoint … --input …` and `migrate verify` (with .rego sources)
// both run: parse the modules, convert the entrypoint to a VAP + binding, and with fixtures replay each one through
// the Rego engine (the source) and the VAP, printing the result contract. A fixture the Rego engine cannot evaluate
// (a RegoError at run time, e.g. a builtin it lacks) is a failing row that was not run, never a crash. Not a command
// itself.
import { extname } from "node:path";
import { RegoParseError, type Module } from "../../converters/rego/ast.js";
import { convertModules, entrypointPath, moduleVerdict } from "../../converters/rego/convert/module.js";
import { vapVerdict } from "../../converters/rego/convert/replay.js";
import type { InputShape } from "../../converters/rego/convert/sym.js";
import { compileModules, RegoError, type Program } from "../../converters/rego/engine/index.js";
import { parseModule } from "../../converters/rego/parser.js";
import type { ConvertResult } from "../convert/types.js";
import { renderText, summarize, type CaseResult, type Verdict } from "../equivalence/contract.js";
import { InputError } from "../input/yaml.js";
import { requestFromDocument } from "../vap/load.js";
import {
  checkOutput,
  convertOptions,
  emitConversion,
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
import { displayName, STDIN } from "./io.js";

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

/** The entrypoint's verdict on one fixture; a RegoError while evaluating it (a builtin our engine lacks, such as
 *  http.send, or a conflict) is the verdict "error" with the error as its reason: that case was not run. */
function sourceVerdict(program: Program, entrypoint: string, shape: InputShape, doc: unknown): { verdict: Verdict; messages: string[]; error?: string } {
  try {
    return moduleVerdict(program, entrypoint, shape, doc);
  } catch (error) {
    if (error instanceof RegoError) return { verdict: "error", messages: [], error: error.message };
    throw error;
  }
}

/**
 * `--fixtures`: every fixture through the Rego engine (source) and the converted VAP, one row per fixture. A fixture
 * the Rego engine cannot evaluate is a failing row (source "error", no expectation) counted in `errors`.
 */
function replayModule(modules: readonly Module[], result: ConvertResult, opts: RegoConvertOptions & { entrypoint: string }, shape: InputShape): { rows: CaseResult[]; errors: number } {
  const program = compileModules(modules);
  let errors = 0;
  const rows = fixtureDocs(opts.fixtures!).map(({ doc, file }): CaseResult => {
    const source = sourceVerdict(program, opts.entrypoint, shape, doc);
    const vap = vapVerdict(result, doc, []);
    const request = requestFromDocument(doc);
    const resource = request.namespace ? `${request.namespace}/${request.name ?? ""}` : (request.name ?? "");
    if (source.error !== undefined) errors++;
    const pass = source.error === undefined && source.verdict === vap.vap;
    return {
      suite: typeof opts.fixtures === "string" ? opts.fixtures : opts.fixtures!.join(","),
      policy: opts.entrypoint,
      binding: null,
      resource,
      operation: request.operation,
      expected: source.error === undefined ? source.verdict : null,
      source: source.verdict,
      vap: vap.vap,
      pass,
      messages: [...source.messages, ...vap.messages],
      reason: source.error !== undefined ? `not run: the Rego engine could not evaluate ${opts.entrypoint}: ${source.error}` : pass ? null : `the Rego entrypoint says ${source.verdict}, the VAP ${vap.vap}`,
      cost: vap.cost,
      file,
    };
  });
  return { rows, errors };
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
    // `-` (standard input) is a module too
    moduleFiles = expandRegoPaths(files).filter((file) => file === STDIN || extname(file) === ".rego");
    if (!moduleFiles.length) throw new InputError("no .rego module found", files.join(", "));
    modules = moduleFiles.map((file) => parseModule(readText(file), displayName(file), { regoVersion: opts.v0 ? 0 : 1 }));
    try {
      entrypointPath(entrypoint);
    } catch (error) {
      throw new InputError((error as Error).message, "<flags>");
    }
    ctx.io.err(`converting ${entrypoint} from ${moduleFiles.length} Rego module(s), input: ${shape}\n`);
    result = checkOutput(convertModules(modules, { ...copts, entrypoint, input: shape }), { targetVersion: copts.targetVersion ?? "1.36", source: "rego" });
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
    let replay: { rows: CaseResult[]; errors: number };
    try {
      replay = replayModule(modules, result, { ...opts, entrypoint }, shape);
    } catch (error) {
      // per-fixture evaluation errors are rows; what escapes is the module's own (compile) error or bad fixtures
      if (error instanceof RegoError) {
        ctx.io.err(`error: ${error.message}\n`);
        return EXIT.badInput;
      }
      return reportInputError(error, ctx.io);
    }
    const { rows } = replay;
    const report = summarize(rows, replay.errors);
    ctx.io.out(json ? JSON.stringify({ conversion: { status: result.status, gaps: result.gaps }, ...report }, null, 2) + "\n" : renderText(report));
    return rows.every((row) => row.pass) ? (result.gaps.length ? EXIT.gaps : EXIT.ok) : EXIT.failed;
  }
  const text = json
    ? renderJsonReport(result, { files: moduleFiles, source: "rego", extra: { entrypoint, input: shape } })
    : renderYaml(result, { files: moduleFiles, label: "Rego entrypoint", names: [entrypoint] });
  return emitConversion(text, { out: opts.out, name: vapName(result) || "rego", json }, result, ctx.io);
}

