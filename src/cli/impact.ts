// `migrate impact DUMP... --policies PATH...`: read a cluster dump and the policies, replay every object through each
// policy's source engine and its generated VAPs (src/impact), and print per policy what each engine rejects and
// where they differ, as Markdown or the JSON contract (docs/schemas/impact-report.schema.json). Progress and notes
// on stderr.
import { parseDocsLenient } from "../../converters/rego/gatekeeper/suite.js";
import type { CommonConvertOptions } from "../convert/types.js";
import { readDump } from "../impact/dump.js";
import { renderMarkdown } from "../impact/markdown.js";
import { policyUnits } from "../impact/policies.js";
import { impactExitCode, runImpact } from "../impact/run.js";
import type { ImpactOperation, ImpactReport } from "../impact/types.js";
import { InputError, parseDocuments, type LoadedDoc } from "../input/yaml.js";
import {
  convertOptions,
  EXIT,
  expandPaths,
  expandRegoPaths,
  loadAuthz,
  outputFormatOk,
  readDocuments,
  readText,
  reportInputError,
  type CommandContext,
} from "./shared.js";

export interface ImpactCliOptions {
  policies: string[];
  output: string;
  operation: string;
  targetVersion: string;
  authz?: string;
}

const isRego = (f: string): boolean => /\.rego$/i.test(f);

/** The policy files: YAML/JSON, directories expanded; a named .rego file is refused, .rego files in directories skipped. */
function policyFiles(paths: readonly string[], note: (s: string) => void): string[] {
  for (const p of paths) {
    if (isRego(p)) throw new InputError("plain Rego modules are not supported by migrate impact: wrap the policy in a Gatekeeper ConstraintTemplate, or replay it with migrate verify --entrypoint", p);
  }
  const rego = expandRegoPaths(paths).filter(isRego);
  if (rego.length) note(`note: skipping ${rego.length} .rego file(s) under --policies (plain Rego modules are not supported by migrate impact), e.g. ${rego[0]}\n`);
  return expandPaths(paths);
}

function parseOperation(op: string): ImpactOperation {
  const upper = op.toUpperCase();
  if (upper === "UPDATE" || upper === "CREATE") return upper;
  throw new InputError(`--operation must be update or create, not ${JSON.stringify(op)}`, "<flags>");
}

export function runImpactCommand(dumps: string[], opts: ImpactCliOptions, ctx: CommandContext): number {
  if (!outputFormatOk(opts.output, ["markdown", "json"], ctx.io)) return EXIT.badInput;
  const note = (s: string): void => ctx.io.err(s);
  let report: ImpactReport;
  try {
    const operation = parseOperation(opts.operation);
    const byConverter = new Map<string, CommonConvertOptions>();
    const optionsFor = (id: string): CommonConvertOptions => {
      let o = byConverter.get(id);
      if (!o) byConverter.set(id, (o = convertOptions({ targetVersion: opts.targetVersion }, id)));
      return o;
    };
    optionsFor(""); // check --target-version before any file is read
    const authz = loadAuthz(opts.authz);

    const files = policyFiles(opts.policies, note);
    // leniently, as `migrate gatekeeper` reads templates: yaml.v3 (gator, Gatekeeper) accepts under-indented quoted scalars
    // Gatekeeper files as gator reads them (yaml.v3, leniently); the rest as kubectl / Kyverno read them (YAML 1.1)
    const policyDocs = (f: string): LoadedDoc[] => {
      const text = readText(f);
      return /ConstraintTemplate|constraints\.gatekeeper\.sh/.test(text) ? parseDocsLenient(text, f).docs : parseDocuments(text, f, { schema: "kubectl" });
    };
    const { units, notes } = policyUnits(files.flatMap(policyDocs));
    for (const n of notes) note(`note: ${n}\n`);
    if (!units.length) throw new InputError("no policies found (PodSecurityPolicies, Kyverno policies, ConstraintTemplates with their Constraints)", files.join(", ") || opts.policies.join(", "));

    const dumpFiles = expandPaths(dumps);
    const dump = readDump(readDocuments(dumpFiles));
    for (const n of dump.notes) note(`note: ${n}\n`);
    if (!dump.objects.length) throw new InputError("no objects found in the dump", dumpFiles.join(", ") || dumps.join(", "));

    const namespaces = dump.objects.filter((o) => o.object.kind === "Namespace").length;
    note(`replaying ${dump.objects.length} object(s) (${namespaces} Namespace(s)) from ${dumpFiles.length} file(s) as ${operation} through ${units.length} policy unit(s)\n`);
    report = runImpact(units, dump, { operation, convertOptions: optionsFor, ...(authz ? { authz } : {}), progress: (m) => note(`${m}\n`) });
  } catch (e) {
    return reportInputError(e, ctx.io);
  }
  for (const p of report.policies) if (p.error !== undefined) note(`could not replay ${p.converter} ${p.name} (${p.file}:${p.line}): ${p.error}\n`);
  const s = report.summary;
  note(`${s.policies} policies: ${s.agreeing} agree, ${s.differing} differ (${s.differences} object difference(s)), ${s.withGaps} converted with gaps\n`);
  ctx.io.out(opts.output === "json" ? JSON.stringify(report, null, 2) + "\n" : renderMarkdown(report));
  return impactExitCode(report);
}
