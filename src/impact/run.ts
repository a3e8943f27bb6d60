// The impact replay: every object of a cluster dump goes, as an AdmissionReview (a CREATE of it by default, as
// Kyverno's background scan evaluates existing objects; or an UPDATE of itself), through each policy unit's source
// engine and through the VAPs converted from it, via the converter seam's `replay`. Verdicts are violations, as
// Kyverno's background scan and Gatekeeper's audit report them: the generated bindings are evaluated as Deny whatever
// their validationActions (Audit, Warn), as the source engines report violations of Audit / dryrun policies. The
// dump's Namespaces reach both engines through the seam's `namespaces` (and the VAP engine through the manifests
// too, with the CRDs: the PSP replay reads its cluster state from there only). Pure: units and dump in.
import type { AuthzDecide } from "../cel/k8s/authz.js";
import type { CommonConvertOptions, ConvertResult, Fixture, ReportGap } from "../convert/types.js";
import type { CaseResult, Verdict } from "../equivalence/contract.js";
import { InputError } from "../input/yaml.js";
import { requestForObject } from "../vap/load.js";
import type { KObject } from "../vap/types.js";
import { namespaceContext, type Dump, type DumpObject } from "./dump.js";
import type { ImpactUnit } from "./policies.js";
import type { ImpactDifference, ImpactOperation, ImpactReport, ImpactSummary, PolicyImpact } from "./types.js";

export interface ImpactOptions {
  operation: ImpactOperation;
  /** Convert options for a converter id (flags already checked by the caller). */
  convertOptions: (converterId: string) => CommonConvertOptions;
  /** Authorization for both engines (PSP `use`, CEL `authorizer`); default: the VAP engine's. */
  authz?: AuthzDecide;
  /** Told before each unit is replayed (the CLI prints it on stderr). */
  progress?: (message: string) => void;
}

/** The AdmissionReview an object is replayed as. */
export function reviewOf(o: DumpObject, operation: ImpactOperation, crds: readonly KObject[]): object {
  return { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: requestForObject(o.object, { operation, crds }) };
}

/** The manifests with every ValidatingAdmissionPolicyBinding set to Deny (a violation rejects). */
export function asDeny(manifests: readonly object[]): object[] {
  return manifests.map((m) => {
    const o = m as KObject;
    if (o.kind !== "ValidatingAdmissionPolicyBinding" || typeof o["spec"] !== "object" || o["spec"] === null) return m;
    return { ...o, spec: { ...(o["spec"] as object), validationActions: ["Deny"] } };
  });
}

const rejects = (v: Verdict): boolean => v === "deny" || v === "error";

/** The difference on one row, if the engines differ there. */
function differenceOf(row: CaseResult, o: DumpObject): ImpactDifference | undefined {
  const source = row.source ?? "error";
  const verdictsDiffer = rejects(source) !== rejects(row.vap);
  // the replay also fails a row on a fixture's stated expectation: that is not a difference between the engines
  const expectationMiss = row.expected !== null && rejects(row.expected) !== rejects(row.vap);
  if (!verdictsDiffer && (row.pass || expectationMiss)) return undefined;
  const said = verdictsDiffer ? (row.sourceMessages ?? []) : [];
  return {
    object: o.label,
    file: o.file,
    line: o.line,
    source,
    vap: row.vap,
    ...(said.length ? { sourceMessages: [...said] } : {}),
    ...(row.messages.length ? { vapMessages: [...row.messages] } : {}),
    ...(!verdictsDiffer && row.reason ? { reason: row.reason } : {}),
  };
}

const hasGaps = (p: PolicyImpact): boolean => p.gaps.length > 0 || p.status !== "converted";
const differs = (p: PolicyImpact): boolean => p.differences.length > 0 || p.error !== undefined;

/** One unit replayed over the dump. InputErrors propagate (bad input); any other failure is the entry's `error`. */
function replayUnit(unit: ImpactUnit, dump: Dump, fixtures: readonly Fixture[], namespaces: readonly KObject[], opts: ImpactOptions): PolicyImpact {
  const base = { name: unit.name, converter: unit.converter.id, file: unit.file, line: unit.line, sources: unit.refs };
  let result: ConvertResult | undefined;
  try {
    result = unit.converter.convert(unit.sources, opts.convertOptions(unit.converter.id));
    const manifests = [...asDeny(result.manifests), ...namespaces, ...dump.crds];
    const rows = unit.converter.replay({ sources: unit.sources, manifests, fixtures, namespaces, suite: unit.name, ...(opts.authz ? { authz: opts.authz } : {}) });
    if (rows.length !== dump.objects.length) throw new Error(`the ${unit.converter.id} replay returned ${rows.length} rows for ${dump.objects.length} objects`);
    const rejectedBySource: string[] = [];
    const rejectedByVap: string[] = [];
    const differences: ImpactDifference[] = [];
    rows.forEach((row, i) => {
      const o = dump.objects[i]!;
      if (rejects(row.source ?? "error")) rejectedBySource.push(o.label);
      if (rejects(row.vap)) rejectedByVap.push(o.label);
      const d = differenceOf(row, o);
      if (d) differences.push(d);
    });
    return {
      ...base,
      status: result.status,
      gaps: result.gaps.map(reportGap),
      vapPolicies: vapNames(result),
      objects: dump.objects.length,
      rejectedBySource,
      rejectedByVap,
      differences,
      ...(unit.note ? { note: unit.note } : {}),
    };
  } catch (e) {
    if (e instanceof InputError) throw e;
    return {
      ...base,
      status: result?.status ?? "unsupported",
      gaps: (result?.gaps ?? []).map(reportGap),
      vapPolicies: result ? vapNames(result) : [],
      objects: dump.objects.length,
      rejectedBySource: [],
      rejectedByVap: [],
      differences: [],
      ...(unit.note ? { note: unit.note } : {}),
      error: e instanceof Error ? e.message : String(e),
    };
  }
}

/** A gap as the JSON report shows it (as `migrate psp -o json`): rule, reason, line, then id / effect / file. */
function reportGap(g: ReportGap): ReportGap {
  return { rule: g.rule, reason: g.reason, line: g.line, ...(g.id ? { id: g.id } : {}), ...(g.effect ? { effect: g.effect } : {}), ...(g.file ? { file: g.file } : {}) };
}

function vapNames(result: ConvertResult): string[] {
  return result.manifests.filter((m) => (m as KObject).kind === "ValidatingAdmissionPolicy").map((m) => (m as KObject).metadata?.name ?? "");
}

export function summarize(policies: readonly PolicyImpact[], objects: number): ImpactSummary {
  return {
    policies: policies.length,
    objects,
    agreeing: policies.filter((p) => !differs(p)).length,
    differing: policies.filter(differs).length,
    withGaps: policies.filter(hasGaps).length,
    differences: policies.reduce((n, p) => n + p.differences.length, 0),
    rejectedBySource: policies.reduce((n, p) => n + p.rejectedBySource.length, 0),
    rejectedByVap: policies.reduce((n, p) => n + p.rejectedByVap.length, 0),
  };
}

/** Replay every object of the dump through every unit, in unit order. */
export function runImpact(units: readonly ImpactUnit[], dump: Dump, opts: ImpactOptions): ImpactReport {
  const { namespaces, assumed } = namespaceContext(dump.objects);
  const fixtures: Fixture[] = dump.objects.map((o) => ({ doc: reviewOf(o, opts.operation, dump.crds), file: o.file, line: o.line }));
  const policies = units.map((unit, i) => {
    opts.progress?.(`[${i + 1}/${units.length}] ${unit.converter.id} ${unit.name}`);
    return replayUnit(unit, dump, fixtures, namespaces, opts);
  });
  return { operation: opts.operation, summary: summarize(policies, dump.objects.length), namespacesAssumed: assumed, policies };
}

/** 1 when some policy's engines differ, else 3 when some policy was converted with gaps, else 0. */
export function impactExitCode(report: ImpactReport): 0 | 1 | 3 {
  if (report.policies.some(differs)) return 1;
  if (report.policies.some(hasGaps)) return 3;
  return 0;
}
