// The `migrate impact -o json` contract (schema: docs/schemas/impact-report.schema.json): one entry per policy with
// the objects of a cluster dump each engine rejects and every object on which the source engine and the generated
// ValidatingAdmissionPolicies differ, plus a summary. Field order here is the order in the JSON output.
import type { ConversionStatus, ReportGap } from "../convert/types.js";
import type { Verdict } from "../equivalence/contract.js";

/** How each dump object is replayed: a CREATE of it (the CLI's default) or an UPDATE of itself (oldObject = object). */
export type ImpactOperation = "UPDATE" | "CREATE";

/** A source document a policy entry stands for (a Kyverno policy; a template and its constraints; each PSP). */
export interface ImpactSourceRef {
  kind: string;
  name: string;
  file: string;
  line: number;
}

/** One object on which the engines differ. */
export interface ImpactDifference {
  /** `Kind namespace/name`, or `Kind name` for cluster-scoped objects (see DumpObject.label). */
  object: string;
  file: string;
  line: number;
  /** The source engine's verdict (admit, deny, error, skip = outside its scope). */
  source: Verdict;
  /** The VAP engine's verdict on the generated manifests (skip = no binding matched). */
  vap: Verdict;
  /** What the source engine said, when the verdicts differ. */
  sourceMessages?: string[];
  /** The VAP engine's rejection messages, when it rejected. */
  vapMessages?: string[];
  /** Why the engines differ although their verdicts agree (e.g. the mutated objects differ). */
  reason?: string;
}

/** What one policy (or one set of PodSecurityPolicies) does to the dump on both engines. */
export interface PolicyImpact {
  name: string;
  /** `psp`, `kyverno`, `gatekeeper`. */
  converter: string;
  file: string;
  line: number;
  sources: ImpactSourceRef[];
  status: ConversionStatus;
  gaps: ReportGap[];
  /** Names of the generated ValidatingAdmissionPolicies. */
  vapPolicies: string[];
  /** Objects replayed (every object of the dump). */
  objects: number;
  /** Labels of the objects the source engine rejects (deny or error), in dump order. */
  rejectedBySource: string[];
  /** Labels of the objects the VAP engine rejects (deny or error), in dump order. */
  rejectedByVap: string[];
  differences: ImpactDifference[];
  /** A remark about the entry (e.g. PodSecurityPolicies decide together). */
  note?: string;
  /** The policy could not be converted or replayed; its engines count as differing. */
  error?: string;
}

export interface ImpactSummary {
  policies: number;
  /** Objects of the dump replayed through every policy. */
  objects: number;
  /** Policies whose engines agree on every object. */
  agreeing: number;
  /** Policies whose engines differ on some object (or that could not be replayed). */
  differing: number;
  /** Policies converted with gaps (status partial or unsupported, or any gap). */
  withGaps: number;
  /** (policy, object) pairs on which the engines differ. */
  differences: number;
  /** (policy, object) pairs the source engine rejects. */
  rejectedBySource: number;
  /** (policy, object) pairs the VAP engine rejects. */
  rejectedByVap: number;
}

export interface ImpactReport {
  operation: ImpactOperation;
  summary: ImpactSummary;
  /** Namespaces objects live in that the dump does not hold: both engines see them with only their name label. */
  namespacesAssumed: string[];
  policies: PolicyImpact[];
}
