// `migrate review -o sarif`: a SARIF 2.1.0 log for code scanning. One run of the tool `migrate`, whose rules have
// stable ids — `migrate/gap/<gap id>` per kind of gap, `migrate/equivalence/differ`, `migrate/conversion/error` —
// and one result per gap at head of each added or changed policy (baselineState `new` for gaps the change opened,
// `unchanged` otherwise), per policy that differs and per policy that fails to convert, located at the source line
// relative to %SRCROOT%. partialFingerprints leave the line out, so a result survives unrelated edits above it.
import { createHash } from "node:crypto";
import type { ReportGap } from "../convert/types.js";
import { gapFile } from "./render-github.js";
import type { PolicyChange, ReviewReport } from "./types.js";

export const SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

export type SarifLevel = "error" | "warning" | "note";

export interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  defaultConfiguration: { level: SarifLevel };
}

export interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: SarifLevel;
  message: { text: string };
  locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId: "%SRCROOT%" }; region: { startLine: number } } }[];
  partialFingerprints: { "migrateResult/v1": string };
  baselineState: "new" | "unchanged";
}

export interface SarifLog {
  $schema: string;
  version: "2.1.0";
  runs: {
    tool: { driver: { name: "migrate"; semanticVersion: string; rules: SarifRule[] } };
    originalUriBaseIds: { "%SRCROOT%": { description: { text: string } } };
    results: SarifResult[];
  }[];
}

export const RULE_DIFFER = "migrate/equivalence/differ";
export const RULE_ERROR = "migrate/conversion/error";
/** The rule of a gap without an id (older converters): one shared rule. */
export const RULE_GAP_UNIDENTIFIED = "migrate/gap/unidentified";

export const gapRuleId = (g: ReportGap): string => (g.id ? `migrate/gap/${g.id}` : RULE_GAP_UNIDENTIFIED);

function ruleFor(id: string): SarifRule {
  const base = { id };
  if (id === RULE_DIFFER)
    return { ...base, name: "EquivalenceDiffer", shortDescription: { text: "The generated VAP decides differently from the source policy" }, fullDescription: { text: "Replaying the policy's test suites through the source engine and through the generated ValidatingAdmissionPolicy gave different decisions." }, defaultConfiguration: { level: "error" } };
  if (id === RULE_ERROR)
    return { ...base, name: "ConversionError", shortDescription: { text: "The policy could not be converted" }, fullDescription: { text: "The source file could not be read or converted to a ValidatingAdmissionPolicy at all." }, defaultConfiguration: { level: "error" } };
  const gap = id.slice("migrate/gap/".length);
  return { ...base, name: `Gap:${gap}`, shortDescription: { text: `Conversion gap ${gap}` }, fullDescription: { text: `A construct of the source policy that the generated VAP does not express exactly (gap ${gap}).` }, defaultConfiguration: { level: "warning" } };
}

const fingerprint = (...parts: string[]): string => createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 32);

const location = (uri: string, line: number): SarifResult["locations"] => [{ physicalLocation: { artifactLocation: { uri: encodeURI(uri), uriBaseId: "%SRCROOT%" }, region: { startLine: Math.max(1, line) } } }];

type Draft = Omit<SarifResult, "ruleIndex">;

function policyResults(p: PolicyChange): Draft[] {
  if (p.change === "removed") return [];
  const out: Draft[] = [];
  if (p.error)
    out.push({ ruleId: RULE_ERROR, level: "error", message: { text: `${p.path}: ${p.error.message}` }, locations: location(p.error.file || p.path, p.error.line), partialFingerprints: { "migrateResult/v1": fingerprint(RULE_ERROR, p.path) }, baselineState: p.status.base === "error" ? "unchanged" : "new" });
  if (p.equivalence.head === "differ") {
    const r = p.replay.head;
    const failures = r?.failures.length ? ` First failures: ${r.failures.join("; ")}` : "";
    out.push({ ruleId: RULE_DIFFER, level: "error", message: { text: `${p.path}: the generated VAP does not decide like the source${r ? ` (${r.failed} of ${r.cases} replayed cases disagree)` : ""}.${failures}` }, locations: location(p.path, 1), partialFingerprints: { "migrateResult/v1": fingerprint(RULE_DIFFER, p.path) }, baselineState: p.equivalence.base === "differ" ? "unchanged" : "new" });
  }
  const opened = new Set(p.gaps.opened);
  for (const g of p.gaps.head) {
    const isNew = opened.has(g);
    const ruleId = gapRuleId(g);
    out.push({
      ruleId,
      level: isNew ? (g.effect === "weaker" ? "error" : "warning") : "note",
      message: { text: `${g.rule}: ${g.reason}${g.effect ? ` (${g.effect})` : ""}` },
      locations: location(gapFile(p, g), g.line),
      partialFingerprints: { "migrateResult/v1": fingerprint(ruleId, gapFile(p, g), g.rule, g.reason) },
      baselineState: isNew ? "new" : "unchanged",
    });
  }
  return out;
}

/** The SARIF log of a review. */
export function reviewSarif(r: ReviewReport, version: string): SarifLog {
  const drafts = r.policies.flatMap(policyResults);
  const ids = [...new Set(drafts.map((d) => d.ruleId))].sort();
  const index = new Map(ids.map((id, i) => [id, i]));
  const results = drafts.map((d): SarifResult => ({ ruleId: d.ruleId, ruleIndex: index.get(d.ruleId)!, level: d.level, message: d.message, locations: d.locations, partialFingerprints: d.partialFingerprints, baselineState: d.baselineState }));
  return {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: "migrate", semanticVersion: version, rules: ids.map(ruleFor) } },
        originalUriBaseIds: { "%SRCROOT%": { description: { text: "The root of the reviewed git repository." } } },
        results,
      },
    ],
  };
}

export function renderSarif(r: ReviewReport, version: string): string {
  return JSON.stringify(reviewSarif(r, version), null, 2) + "\n";
}
