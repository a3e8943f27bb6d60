// `migrate rego FILE.rego --entrypoint data.pkg.deny --input admission|object`: a plain OPA module → a VAP (with
// `--fixtures`, every fixture replayed through the Rego engine and the VAP). `migrate rego eval QUERY -d FILE...
// [-i INPUT]`: evaluates a Rego query as `opa eval` does and prints its result
// set as OPA's JSON (`{"result": [{"expressions": [...], "bindings": {...}}]}`, `{}` when undefined) — the way
// users debug a module before converting it. `-o json` is accepted (and is the only format) so scripts can pass
// `-o` as to every other command.
import { extname } from "node:path";
import { RegoParseError, type Module } from "../../converters/rego/ast.js";
import { compileModules, evalQueryWithExpressions, RegoError } from "../../converters/rego/engine/index.js";
import { parseModule, parseQuery } from "../../converters/rego/parser.js";
import { fromJSON, RObject, toJSON, type Value } from "../../converters/rego/value.js";
import { InputError, parseDocuments } from "../input/yaml.js";
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
