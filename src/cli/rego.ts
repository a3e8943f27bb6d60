// `migrate rego FILE.rego --entrypoint data.pkg.deny --input admission|object`: a plain OPA module → a VAP (with
// `--fixtures`, every fixture replayed through the Rego engine and the VAP). `migrate rego eval QUERY -d FILE...
// [-i INPUT]`: evaluates a Rego query as `opa eval` does and prints its result
// set as OPA's JSON (`{"result": [{"expressions": [...], "bindings": {...}}]}`, `{}` when undefined) — the way
// users debug a module before converting it.
import type { Command } from "commander";
import { extname } from "node:path";
import { RegoParseError, type Module } from "../../converters/rego/ast.js";
import { compileModules, evalQueryWithExpressions, RegoError } from "../../converters/rego/engine/index.js";
import { parseModule, parseQuery } from "../../converters/rego/parser.js";
import { fromJSON, RObject, toJSON, type Value } from "../../converters/rego/value.js";
import { InputError, parseDocuments } from "../input/yaml.js";
import { convertModules, entrypointPath, moduleVerdict } from "../../converters/rego/convert/module.js";
import { vapVerdict } from "../../converters/rego/convert/replay.js";
import type { InputShape } from "../../converters/rego/convert/sym.js";
import type { ConvertResult } from "../convert/types.js";
import { renderText, summarize, type CaseResult } from "../equivalence/contract.js";
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

export interface RegoEvalOptions {
  data: string[];
  input?: string;
  v0?: boolean;
  strictBuiltinErrors?: boolean;
  fail?: boolean;
}

/** Modules and base data from `-d` paths (directories expanded to their .rego/.json/.yaml files). */
function loadData(paths: readonly string[], regoVersion: 0 | 1): { modules: Module[]; data: Value | undefined } {
  const modules: Module[] = [];
  let data: RObject | undefined;
  for (const file of expandRegoPaths(paths)) {
    const text = readText(file);
    if (extname(file) === ".rego") {
      modules.push(parseModule(text, file, { regoVersion }));
      continue;
    }
    for (const doc of parseDocuments(text, file)) {
      const value = fromJSON(doc.doc);
      if (!(value instanceof RObject)) throw new InputError("data files must hold an object", file, doc.line);
      data = data ? new RObject([...data.entries(), ...value.entries()]) : value;
    }
  }
  return { modules, data };
}

function loadInput(file: string | undefined): Value | undefined {
  if (!file) return undefined;
  const docs = parseDocuments(readText(file), file);
  if (docs.length !== 1) throw new InputError(`the input file must hold one document, not ${docs.length}`, file);
  return fromJSON(docs[0]!.doc);
}

/** Each expression's source text: from its start to the next expression's start. */
function expressionTexts(query: string, starts: readonly { line: number; col: number }[]): string[] {
  const lines = query.split("\n");
  const offset = (loc: { line: number; col: number }): number => lines.slice(0, loc.line - 1).reduce((sum, line) => sum + line.length + 1, 0) + loc.col - 1;
  return starts.map((loc, index) => {
    const end = index + 1 < starts.length ? offset(starts[index + 1]!) : query.length;
    return query.slice(offset(loc), end).trim().replace(/;$/, "").trim();
  });
}

export function runRegoEval(queryText: string, opts: RegoEvalOptions, ctx: CommandContext): number {
  const regoVersion = opts.v0 ? 0 : 1;
  try {
    const { modules, data } = loadData(opts.data ?? [], regoVersion);
    const input = loadInput(opts.input);
    const query = parseQuery(queryText, "<query>", { regoVersion });
    const program = compileModules(modules);
    const results = evalQueryWithExpressions(program, query, { input, data, strictBuiltinErrors: opts.strictBuiltinErrors ?? false });
    const texts = expressionTexts(queryText, query.map((expr) => expr.loc));
    const rendered = results.map((result) => ({
      expressions: result.expressions.map((value, index) => ({ value: toJSON(value), text: texts[index], location: { row: query[index]!.loc.line, col: query[index]!.loc.col } })),
      ...(result.bindings.size ? { bindings: Object.fromEntries([...result.bindings].map(([name, value]) => [name, toJSON(value)])) } : {}),
    }));
    ctx.io.out(JSON.stringify(rendered.length ? { result: rendered } : {}, null, 2) + "\n");
    return opts.fail && rendered.length === 0 ? EXIT.failed : EXIT.ok;
  } catch (error) {
    if (error instanceof RegoParseError) {
      ctx.io.err(`error: ${error.message}\n`);
      return EXIT.badInput;
    }
    if (error instanceof RegoError) {
      ctx.io.err(`error: ${error.message}\n`);
      return error.code.startsWith("rego_") ? EXIT.badInput : EXIT.failed;
    }
    return reportInputError(error, ctx.io);
  }
}

export interface RegoConvertOptions extends ConvertFlags {
  entrypoint?: string;
  input: string;
  output: string;
  out?: string;
  v0?: boolean;
  fixtures?: string;
}

/** Every fixture document of a path (files or directories of YAML/JSON), each a plain object or an AdmissionReview. */
function fixtureDocs(path: string): { doc: unknown; file: string; line: number }[] {
  return readDocuments(expandPaths([path])).map((doc) => ({ doc: doc.doc, file: doc.file, line: doc.line }));
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
      suite: opts.fixtures!,
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

export function registerRego(program: Command, ctx: CommandContext): void {
  const rego = program
    .command("rego")
    // `rego eval` has its own -i/--input (a file): options after the subcommand name are the subcommand's
    .enablePositionalOptions()
    .description("Convert plain OPA modules (deny/violation/warn over an AdmissionReview or a manifest) to a ValidatingAdmissionPolicy; `rego eval` evaluates queries as opa eval does")
    .argument("[files...]", ".rego modules or directories")
    .option("--entrypoint <rule>", "the denying rule, e.g. data.kubernetes.admission.deny (warn → Warn)")
    .option("--input <shape>", "admission: input is an AdmissionReview (input.request.object); object: the manifest itself (conftest)", "admission")
    .option("-o, --output <format>", "yaml or json", "yaml")
    .option("--out <dir>", "write the result into DIR instead of stdout")
    .option("--fixtures <path>", "replay these objects / AdmissionReviews through the Rego engine and the VAP, one row each")
    .option("--v0", "parse the modules as Rego v0 (default: v1, as opa 1.x)")
    .option("--target-version <version>", "oldest Kubernetes version the output must run on", "1.36")
    .option("--actions <list>", "binding validationActions (default Deny; Warn for a warn entrypoint)")
    .option("--name <name>", "name of the generated policy")
    .addHelpText(
      "after",
      `
Examples:
  migrate rego policy.rego --entrypoint data.kubernetes.admission.deny
  migrate rego policy/ --entrypoint data.main.deny --input object -o json
  migrate rego policy.rego --entrypoint data.main.deny --input object --fixtures manifests/

Exit codes: 0 converted exactly (and every fixture agrees), 1 a fixture where the VAP and the Rego differ,
2 bad input (unreadable file, Rego parse or compile error with file:line), 3 converted with named gaps.`,
    )
    .action((files: string[], opts: RegoConvertOptions) => {
      if (!files.length) {
        ctx.io.err("error: missing .rego files (or use `migrate rego eval QUERY`)\n");
        ctx.setExit(EXIT.badInput);
        return;
      }
      ctx.setExit(runRegoConvert(files, opts, ctx));
    });
  rego
    .command("eval")
    .description("Evaluate a Rego query against modules, data and an input, printing the result set as JSON")
    .argument("<query>", "Rego query, e.g. data.k8srequiredlabels.violation")
    .option("-d, --data <paths...>", ".rego modules and JSON/YAML data files (directories are walked)", [])
    .option("-i, --input <file>", "input document (JSON or YAML)")
    .option("--v0", "parse modules and the query as Rego v0 (default: v1, as opa 1.x)")
    .option("--strict-builtin-errors", "treat builtin errors as fatal instead of undefined")
    .option("--fail", "exit 1 when the result is undefined")
    .addHelpText(
      "after",
      `
Examples:
  migrate rego eval 'data.k8sdisallowedtags.violation' -d template.rego -i review.json
  migrate rego eval 'x := count(input.spec.containers)' -i pod.yaml
  migrate rego eval --v0 'data.lib.helpers' -d lib/

Exit codes: 0 evaluated (also when undefined, unless --fail), 1 evaluation error or --fail on undefined,
2 bad input (unreadable file, parse or compile error with file:line:col).`,
    )
    .action((query: string, opts: RegoEvalOptions) => ctx.setExit(runRegoEval(query, opts, ctx)));
}
