// `kyverno test` suites replayed through both engines: each case (results entry × resource × answering rule) gets
// the Kyverno engine's outcome and the verdict of the converted VAP in our VAP engine. Kyverno pass, skip and
// "Excluded" mean admitted; fail (and error) mean denied. The VAP sees each resource as a CREATE (or the operation
// the suite's values set), namespaces carry the values file's labels.
import type { CaseResult, Verdict } from "../../src/equivalence/contract.js";
import { evaluate } from "../../src/vap/engine.js";
import { requestForObject } from "../../src/vap/load.js";
import type { KObject, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from "../../src/vap/types.js";
import { convertKyvernoPolicies, type KyvernoConvertOptions } from "./convert.js";
import { runSuiteThroughEngine, type EngineOutcome } from "./engine/suite.js";
import type { KyvernoPolicy } from "./model.js";
import type { KyvernoSuite } from "./testsuite.js";

export interface KyvernoCase extends CaseResult {
  /** The policy's conversion status (converted / partial / unsupported). */
  conversion: string;
  /** The Kyverno engine's outcome (pass/fail/skip/error/excluded). */
  kyverno: EngineOutcome;
}

const admitted = (o: string): boolean => o === "pass" || o === "skip" || o === "excluded" || o === "admit";
const asVerdict = (o: EngineOutcome): Verdict => (o === "fail" || o === "error" ? "deny" : o === "unsupported" ? "error" : o === "skip" || o === "excluded" ? "skip" : "admit");

/** Replay a suite: Kyverno engine ‖ converted VAP, per case. */
export function replayKyvernoSuite(suite: KyvernoSuite, policies: readonly KyvernoPolicy[], opts: KyvernoConvertOptions = {}): KyvernoCase[] {
  const converted = new Map(policies.map((p) => [p.name, convertKyvernoPolicies([p], opts)]));
  const namespaces: KObject[] = (suite.values?.namespaceSelector ?? []).map((n) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name: n.name, labels: { "kubernetes.io/metadata.name": n.name, ...n.labels } } }));
  const out: KyvernoCase[] = [];
  for (const c of runSuiteThroughEngine(suite, policies)) {
    const conv = converted.get(c.policy);
    const ns = c.resource.metadata?.namespace;
    const nsObjs = ns && !namespaces.some((n) => n.metadata?.name === ns) ? [...namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels: { "kubernetes.io/metadata.name": ns } } }] : namespaces;
    let vap: Verdict = "error";
    let messages: string[] = [];
    let cost = 0;
    if (conv?.manifests.length) {
      const policiesV = conv.manifests.filter((m) => (m as KObject).kind === "ValidatingAdmissionPolicy") as ValidatingAdmissionPolicy[];
      const bindings = (conv.manifests.filter((m) => (m as KObject).kind === "ValidatingAdmissionPolicyBinding") as ValidatingAdmissionPolicyBinding[]).map((b) => ({ ...b, spec: { ...b.spec, validationActions: ["Deny" as const] } }));
      const d = evaluate({ policies: policiesV, bindings, namespaces: nsObjs, request: requestForObject(c.resource, { operation: "CREATE" }) });
      vap = d.verdict;
      messages = d.messages;
      cost = d.cost;
    }
    // the suite expectation as an admission outcome: pass / skip → admit, fail → deny
    const expected: Verdict = c.expected === "fail" ? "deny" : c.expected === "error" ? "error" : "admit";
    // the VAP decides for the whole policy: compare with whether any rule of the policy blocks the request
    const pass = !c.policyDenies === admitted(vap) && (c.outcome === "excluded" || admitted(c.outcome) === admitted(c.expected));
    out.push({
      suite: suite.name,
      policy: c.policy,
      binding: null,
      resource: `${ns ? `${ns}/` : ""}${c.resource.metadata?.name ?? ""}`,
      operation: "CREATE",
      expected,
      vap,
      source: asVerdict(c.outcome),
      pass,
      messages,
      reason: pass ? null : `kyverno ${c.outcome}${c.policyDenies ? " (policy denies)" : ""}, VAP ${vap}${conv?.gaps.length ? ` (gaps: ${conv.gaps.map((g) => g.id).join(", ")})` : ""}`,
      cost,
      conversion: conv?.status ?? "unsupported",
      kyverno: c.outcome,
      file: suite.file,
    });
  }
  return out;
}
