// The policies `migrate impact` replays, as units of one decision each: documents are grouped by the converter that
// detects them (src/convert/registry.ts) and parsed by it, then split — a Kyverno policy per unit, a Gatekeeper
// ConstraintTemplate with its Constraints per unit, and every PodSecurityPolicy together in one unit (PSP admission
// is an OR over the policies the requester may use, so no single PSP decides). Documents no converter detects are
// skipped with a note. Pure: loaded documents in.
import type { PodSecurityPolicy } from "../../converters/psp/model.js";
import type { KyvernoPolicy } from "../../converters/kyverno/model.js";
import type { GatekeeperSource } from "../../converters/rego/index.js";
import { converters, type AnyConverter } from "../convert/registry.js";
import type { LoadedDoc } from "../input/yaml.js";
import type { ImpactSourceRef } from "./types.js";

/** One decision to replay: sources of one converter that convert and replay together. */
export interface ImpactUnit {
  converter: AnyConverter;
  /** The converter's own parse output (only ever handed back to the same converter). */
  sources: unknown[];
  name: string;
  file: string;
  line: number;
  refs: ImpactSourceRef[];
  note?: string;
}

/** Code-unit order: the same on every machine (localeCompare depends on the locale). */
const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

type Split = (sources: unknown[], docs: readonly LoadedDoc[]) => Omit<ImpactUnit, "converter">[];

/** How each converter's sources become units; the parse output types are the converters' own. */
const SPLITS: Record<string, Split> = {
  psp(sources) {
    const psps = (sources as PodSecurityPolicy[]).slice().sort((a, b) => byText(a.metadata.name, b.metadata.name));
    const first = sources[0] as PodSecurityPolicy;
    const n = psps.length;
    return [
      {
        sources,
        name: psps.map((p) => p.metadata.name).join(","),
        file: first.source.file,
        line: first.source.line,
        refs: psps.map((p) => ({ kind: "PodSecurityPolicy", name: p.metadata.name, file: p.source.file, line: p.source.line })),
        note:
          n === 1
            ? "PodSecurityPolicy: a pod is admitted when a policy its requester may use admits it"
            : `${n} PodSecurityPolicies decide together (a pod is admitted when any policy its requester may use admits it): one entry for the set`,
      },
    ];
  },
  kyverno: (sources) =>
    (sources as KyvernoPolicy[]).map((p) => ({
      sources: [p],
      name: p.namespace ? `${p.namespace}/${p.name}` : p.name,
      file: p.source.file,
      line: p.source.line,
      refs: [{ kind: p.kind, name: p.name, file: p.source.file, line: p.source.line }],
    })),
  gatekeeper: (sources) =>
    (sources as GatekeeperSource[]).map((s) => ({
      sources: [s],
      name: s.template.name,
      file: s.template.file,
      line: s.template.line,
      refs: [
        { kind: "ConstraintTemplate", name: s.template.name, file: s.template.file, line: s.template.line },
        ...s.constraints.map((c) => ({ kind: c.kind, name: c.name, file: c.file, line: c.line })),
      ],
      ...(s.constraints.length ? {} : { note: "no Constraint of this template among the policies: nothing is enforced" }),
    })),
};

/** A converter impact does not know how to split: all its sources in one unit, named after them. */
const together = (converter: AnyConverter): Split => (sources, docs) => [
  {
    sources,
    name: [...converter.names(sources)].sort(byText).join(","),
    file: docs[0]!.file,
    line: docs[0]!.line,
    refs: docs.map((d) => ({ kind: String((d.doc as { kind?: unknown }).kind ?? ""), name: String((d.doc as { metadata?: { name?: unknown } }).metadata?.name ?? ""), file: d.file, line: d.line })),
  },
];

const kindOf = (doc: unknown): string => {
  const k = typeof doc === "object" && doc !== null ? (doc as { kind?: unknown }).kind : undefined;
  return typeof k === "string" ? `kind ${k}` : "a document without kind";
};

/**
 * The units of the policy documents, ordered by converter (registry order) then name; one note per document no
 * converter detects. Parse errors are InputErrors (file:line). `known`: the converters, in detection order.
 */
export function policyUnits(docs: readonly LoadedDoc[], known: readonly AnyConverter[] = converters()): { units: ImpactUnit[]; notes: string[] } {
  const notes: string[] = [];
  const groups = new Map<AnyConverter, LoadedDoc[]>();
  for (const d of docs) {
    const c = known.find((k) => k.detect(d.doc));
    if (!c) {
      notes.push(`${d.file}:${d.line}: skipping ${kindOf(d.doc)}: not a policy of a known source`);
      continue;
    }
    groups.set(c, [...(groups.get(c) ?? []), d]);
  }
  const units: ImpactUnit[] = [];
  for (const converter of known) {
    const group = groups.get(converter);
    if (!group) continue;
    const parts = (SPLITS[converter.id] ?? together(converter))(converter.parse(group), group);
    const sorted = parts.sort((a, b) => byText(a.name, b.name) || byText(a.file, b.file) || a.line - b.line);
    units.push(...sorted.map((p) => ({ ...p, converter })));
  }
  return { units, notes };
}
