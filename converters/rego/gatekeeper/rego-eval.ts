// The Rego engine as the Gatekeeper runner's evaluator: parse and compile a template's modules once (cached by
// their text), then read the template module's `violation` set for an input and `data.inventory`. Parse and compile
// errors keep their rego_* code with the YAML file's line.
import { RegoParseError, type Module } from "../ast.js";
import { compileModules, evalPath, RegoError, type Program } from "../engine/index.js";
import { parseModule } from "../parser.js";
import { fromJSON, RObject, RSet, toJSON } from "../value.js";
import type { RegoEval, RegoModuleInput } from "./run.js";

interface Compiled {
  program: Program;
  templatePackage: string[];
}

const compiledByText = new Map<string, Compiled>();

/** Parses a module at its place in the YAML file: blank lines in front make every location a file line. */
function parseAt(input: RegoModuleInput): Module {
  try {
    return parseModule("\n".repeat(input.lineOffset) + input.text, input.file, { regoVersion: input.version === "v1" ? 1 : 0 });
  } catch (error) {
    if (!(error instanceof RegoParseError)) throw error;
    throw new RegoError("rego_parse_error", error.detail, error.loc);
  }
}

/** Forgets every compiled template (benchmarks time cold conversions). */
export function clearCompiledTemplates(): void {
  compiledByText.clear();
}

/** Compiled modules of a template (cached by the modules' text). */
export function compileTemplate(modules: readonly RegoModuleInput[]): Compiled {
  const key = JSON.stringify(modules.map((m) => [m.version, m.role, m.text]));
  const cached = compiledByText.get(key);
  if (cached) return cached;
  const parsed = modules.map(parseAt);
  const template = parsed[modules.findIndex((m) => m.role === "template")];
  if (!template) throw new RegoError("rego_compile_error", "the template has no Rego module");
  const compiled = { program: compileModules(parsed), templatePackage: template.package };
  compiledByText.set(key, compiled);
  return compiled;
}

/** Gatekeeper's Rego driver over our engine: the elements of `violation`, each as {msg, details}. */
export const regoEngineEval: RegoEval = (modules, input, data) => {
  const { program, templatePackage } = compileTemplate(modules);
  const violations = evalPath(program, [...templatePackage, "violation"], { input: fromJSON(input), data: fromJSON(data) });
  if (!(violations instanceof RSet)) return [];
  const out: { msg: string; details?: unknown }[] = [];
  for (const element of violations) {
    if (!(element instanceof RObject)) continue;
    const msg = element.get("msg");
    if (msg === undefined) continue;
    const details = element.get("details");
    out.push({ msg: toJSON(msg) as string, ...(details === undefined ? {} : { details: toJSON(details) }) });
  }
  return out;
};
