// `migrate rego FILE.rego --entrypoint data.pkg.deny --input admission|object`: a plain OPA module → a VAP (with
// `--fixtures`, every fixture replayed through the Rego engine and the VAP). `migrate rego eval QUERY -d FILE...
// [-i INPUT]`: evaluates a Rego query as `opa eval` does and prints its result
// set as OPA's JSON (`{"result": [{"expressions": [...], "bindings": {...}}]}`, `{}` when undefined) — the way
// users debug a module before converting it. `-o json` is accepted (and is the only format) so scripts can pass
// `-o` as to every other command.
import type { Command } from "commander";
import { extname } from "node:path";
import { RegoParseError, type Module } from "../../converters/rego/ast.js";
import { compileModules, evalQueryWithExpressions, RegoError } from "../../converters/rego/engine/index.js";
import { parseModule, parseQuery } from "../../converters/rego/parser.js";
import { fromJSON, RObject, toJSON, type Value } from "../../converters/rego/value.js";
import { InputError, parseDocuments } from "../input/yaml.js";
import { runRegoConvert, type RegoConvertOptions } from "./rego-convert.js";
import { displayName } from "./io.js";
import { EXIT, expandRegoPaths, outputFormatOk, readText, reportInputError, type CommandContext } from "./shared.js";

export interface RegoEvalOptions {
  data: string[];
  input?: string;
  v0?: boolean;
  strictBuiltinErrors?: boolean;
  fail?: boolean;
  /** `-o`: json, the only format (OPA's result set); absent means json. */
  output?: string;
}

/** Modules and base data from `-d` paths (directories expanded to their .rego/.json/.yaml files). */
function loadData(paths: readonly string[], regoVersion: 0 | 1): { modules: Module[]; data: Value | undefined } {
  const modules: Module[] = [];
  let data: RObject | undefined;
  for (const file of expandRegoPaths(paths)) {
    const text = readText(file);
    const name = displayName(file);
    if (extname(file) === ".rego") {
      modules.push(parseModule(text, name, { regoVersion }));
      continue;
    }
    // opa reads YAML data as kubectl does (sigs.k8s.io/yaml: YAML 1.1 scalars)
    for (const doc of parseDocuments(text, name, { schema: "kubectl" })) {
      const value = fromJSON(doc.doc);
      if (!(value instanceof RObject)) throw new InputError("data files must hold an object", name, doc.line);
      data = data ? new RObject([...data.entries(), ...value.entries()]) : value;
    }
  }
  return { modules, data };
}

function loadInput(file: string | undefined): Value | undefined {
  if (!file) return undefined;
  const docs = parseDocuments(readText(file), displayName(file), { schema: "kubectl" });
  if (docs.length !== 1) throw new InputError(`the input file must hold one document, not ${docs.length}`, displayName(file));
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
  if (!outputFormatOk(opts.output ?? "json", ["json"], ctx.io)) return EXIT.badInput;
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

Exit codes: 0 converted exactly (and every fixture agrees), 1 a fixture where the VAP and the Rego differ or
that the Rego engine cannot evaluate (e.g. a builtin it lacks: the row's source is "error", counted in errors),
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
    .option("-o, --output <format>", "json (the only format: OPA's result set)", "json")
    .addHelpText(
      "after",
      `
Examples:
  migrate rego eval 'data.k8sdisallowedtags.violation' -d template.rego -i review.json
  migrate rego eval 'x := count(input.spec.containers)' -i pod.yaml
  migrate rego eval --v0 'data.lib.helpers' -d lib/
  migrate rego eval 'data.main.deny' -d policy.rego -i deployment.yaml -o json

Exit codes: 0 evaluated (also when undefined, unless --fail), 1 evaluation error or --fail on undefined,
2 bad input (unreadable file, parse or compile error with file:line:col).`,
    )
    .action((query: string, opts: RegoEvalOptions) => ctx.setExit(runRegoEval(query, opts, ctx)));
}
