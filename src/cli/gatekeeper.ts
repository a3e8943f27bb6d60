// `migrate gatekeeper TEMPLATE... [CONSTRAINT...]`: Gatekeeper ConstraintTemplates (Rego) and their Constraints →
// ValidatingAdmissionPolicies, as multi-document YAML or the JSON result contract: with `--params inline` (the
// default) one VAP + binding per constraint, its parameters and match folded in; with `--params constraint` one VAP
// per template taking the Constraint itself as its param, and one binding per constraint. Constraints are
// matched to their template by kind (lowercase kind = template name). Nothing is written unless every input reads,
// every constraint has its template and every template's Rego compiles.
import type { GatekeeperConvertOptions } from "../../converters/rego/convert/gatekeeper.js";
import { gatekeeperConverter } from "../../converters/rego/index.js";
import {
  checkConstraintForTemplate,
  isConstraint,
  isConstraintTemplate,
  parseConstraint,
  parseTemplate,
  templateForConstraint,
  type Constraint,
  type ConstraintTemplate,
} from "../../converters/rego/gatekeeper/model.js";
import { parseDocsLenient } from "../../converters/rego/gatekeeper/suite.js";
import type { ConvertResult } from "../convert/types.js";
import { InputError, type LoadedDoc } from "../input/yaml.js";
import {
  checkOutput,
  convertOptions,
  emitConversion,
  EXIT,
  expandPaths,
  outputFormatOk,
  printGaps,
  readText,
  renderJsonReport,
  renderYaml,
  reportInputError,
  vapName,
  type CommandContext,
  type ConvertFlags,
} from "./shared.js";
import { displayName, STDIN } from "./io.js";

export interface GatekeeperCliOptions extends ConvertFlags {
  output: string;
  out?: string;
  params: string;
}

/** A template and the constraints given for it, in input order. */
interface TemplateGroup {
  template: ConstraintTemplate;
  constraints: Constraint[];
}

interface Loaded {
  groups: TemplateGroup[];
  /** Files that held a template or a constraint. */
  files: string[];
  /** Documents of other kinds found while walking directories (left out). */
  skipped: { file: string; line: number; kind: string }[];
}

/** Documents of a file (size-limited read), accepting the under-indented quoted scalars gator's yaml.v3 accepts. */
function fileDocuments(file: string): { docs: LoadedDoc[]; text: string } {
  return parseDocsLenient(readText(file), displayName(file));
}

const kindOf = (doc: unknown): string => {
  const o = (doc && typeof doc === "object" ? doc : {}) as { kind?: unknown; apiVersion?: unknown };
  return `kind ${String(o.kind)}, apiVersion ${String(o.apiVersion)}`;
};

/**
 * Templates and constraints of the inputs, each constraint under its template. A file named on the command line
 * must hold only templates and constraints; documents of other kinds found by walking a directory (gator suites,
 * the objects they review) are left out.
 */
function loadGatekeeper(paths: readonly string[], mode: "inline" | "constraint"): Loaded {
  const templates: ConstraintTemplate[] = [];
  const constraints: Constraint[] = [];
  const files: string[] = [];
  const skipped: Loaded["skipped"] = [];
  for (const p of paths) {
    const expanded = expandPaths([p]);
    // a directory (expandPaths read it) has its own files below it; a named file or `-` is itself
    const walked = p !== STDIN && (expanded.length !== 1 || expanded[0] !== p);
    for (const file of expanded) {
      const { docs, text } = fileDocuments(file);
      let used = false;
      for (const d of docs) {
        if (isConstraintTemplate(d.doc)) templates.push(parseTemplate(d, text));
        else if (isConstraint(d.doc)) constraints.push(parseConstraint(d));
        else if (walked) {
          skipped.push({ file, line: d.line, kind: kindOf(d.doc) });
          continue;
        } else throw new InputError(`not a ConstraintTemplate or Constraint (${kindOf(d.doc)})`, displayName(file), d.line);
        used = true;
      }
      if (used && !files.includes(file)) files.push(file);
    }
  }
  if (!templates.length && !constraints.length) throw new InputError("no ConstraintTemplate or Constraint found", paths.join(", "));

  const byName = new Map<string, ConstraintTemplate>();
  for (const t of templates) {
    const first = byName.get(t.name);
    if (first) throw new InputError(`ConstraintTemplate "${t.name}" is given twice (first at ${first.file}:${first.line})`, t.file, t.line);
    byName.set(t.name, t);
  }
  const groups: TemplateGroup[] = templates.map((template) => ({ template, constraints: [] }));
  const seen = new Map<string, Constraint>();
  for (const c of constraints) {
    const key = `${c.kind}/${c.name}`;
    const first = seen.get(key);
    if (first) throw new InputError(`Constraint ${key} is given twice (first at ${first.file}:${first.line})`, c.file, c.line);
    seen.set(key, c);
    const template = templateForConstraint(c, templates);
    if (!template) throw new InputError(`Constraint ${key}: its ConstraintTemplate "${c.kind.toLowerCase()}" is not among the inputs`, c.file, c.line);
    checkConstraintForTemplate(c, template);
    groups.find((g) => g.template === template)!.constraints.push(c);
  }
  if (mode === "inline") {
    for (const g of groups) {
      if (g.constraints.length) continue;
      const t = g.template;
      throw new InputError(
        `ConstraintTemplate "${t.name}" has no Constraint (kind ${t.kind}) among the inputs: --params inline folds each constraint's parameters into its own policy, so there is nothing to convert without one`,
        t.file,
        t.line,
      );
    }
  }
  return { groups, files, skipped };
}

interface Manifest {
  kind?: string;
  metadata?: { name?: string; annotations?: Record<string, string> };
  spec?: { policyName?: string; paramRef?: { name?: string } };
}

/**
 * The policy and binding generated for a constraint: with --params inline the VAP annotated with the constraint
 * and its binding; with --params constraint the template's VAP and the binding whose paramRef names the
 * constraint. Null when there is none (every violation rule of the template is a gap).
 */
function generatedFor(manifests: readonly object[], t: ConstraintTemplate, c: Constraint): { policy: string | null; binding: string | null } {
  const ms = manifests as Manifest[];
  const vaps = ms.filter((m) => m.kind === "ValidatingAdmissionPolicy" && m.metadata?.annotations?.["vap-migrate.io/gatekeeper-template"] === t.name);
  const bindings = ms.filter((m) => m.kind === "ValidatingAdmissionPolicyBinding");
  const own = vaps.find((m) => m.metadata?.annotations?.["vap-migrate.io/gatekeeper-constraint"] === `${c.kind}/${c.name}`);
  const binding = own
    ? bindings.find((b) => b.spec?.policyName === own.metadata?.name)
    : bindings.find((b) => b.spec?.paramRef?.name === c.name && vaps.some((v) => v.metadata?.name === b.spec?.policyName));
  return { policy: own?.metadata?.name ?? binding?.spec?.policyName ?? null, binding: binding?.metadata?.name ?? null };
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

export function runGatekeeper(paths: string[], opts: GatekeeperCliOptions, ctx: CommandContext): number {
  if (!outputFormatOk(opts.output, ["yaml", "json"], ctx.io)) return EXIT.badInput;
  let loaded: Loaded;
  let result: ConvertResult;
  try {
    if (opts.params !== "inline" && opts.params !== "constraint") throw new InputError(`--params must be inline or constraint, not ${JSON.stringify(opts.params)}`, "<flags>");
    const mode = opts.params;
    const copts: GatekeeperConvertOptions = { ...convertOptions(opts, "gatekeeper"), params: mode };
    loaded = loadGatekeeper(paths, mode);
    if (loaded.skipped.length) {
      const first = loaded.skipped[0]!;
      ctx.io.err(`skipping ${plural(loaded.skipped.length, "document that is", "documents that are")} neither ConstraintTemplate nor Constraint (first: ${first.file}:${first.line}, ${first.kind})\n`);
    }
    const nc = loaded.groups.reduce((n, g) => n + g.constraints.length, 0);
    ctx.io.err(`converting ${plural(loaded.groups.length, "ConstraintTemplate", "ConstraintTemplates")} with ${plural(nc, "constraint", "constraints")} from ${loaded.files.length} file(s)\n`);
    result = checkOutput(gatekeeperConverter.convert(loaded.groups, copts), { targetVersion: copts.targetVersion ?? "1.36", source: "gatekeeper" });
  } catch (e) {
    return reportInputError(e, ctx.io);
  }
  printGaps(result.gaps, ctx.io);
  const json = opts.output === "json";
  const templates = loaded.groups.map(({ template: t, constraints }) => ({
    name: t.name,
    kind: t.kind,
    file: t.file,
    line: t.line,
    constraints: constraints.map((c) => ({ name: c.name, kind: c.kind, file: c.file, line: c.line, enforcementAction: c.enforcementAction, ...generatedFor(result.manifests, t, c) })),
  }));
  const text = json
    ? renderJsonReport(result, { files: loaded.files, source: "gatekeeper", extra: { templates } })
    : renderYaml(result, { files: loaded.files, label: "ConstraintTemplates (constraints)", names: gatekeeperConverter.names(loaded.groups) });
  return emitConversion(text, { out: opts.out, name: vapName(result) || loaded.groups[0]?.template.name || "gatekeeper", json }, result, ctx.io);
}
