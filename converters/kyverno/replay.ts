// `kyverno test` suites replayed through both engines: each case (results entry × resource × answering rule) gets
// the Kyverno engine's outcome and the verdict of the converted VAP in our VAP engine. Kyverno pass, skip and
// "Excluded" mean admitted; fail (and error) mean denied. The VAP sees each resource as a CREATE (or the operation
// the suite's values set), namespaces carry the values file's labels.
import type { ConvertResult } from "../../src/convert/types.js";
import type { CaseResult, Verdict } from "../../src/equivalence/contract.js";
import { evaluate } from "../../src/vap/engine.js";
import { requestForObject } from "../../src/vap/load.js";
import type { KObject, Operation, UserInfo, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from "../../src/vap/types.js";
import { convertKyvernoPolicies, type KyvernoConvertOptions } from "./convert.js";
import { runSuiteThroughEngine, type EngineOutcome } from "./engine/suite.js";
import { isClusterPolicy, type KyvernoPolicy } from "./model.js";
import type { KyvernoSuite } from "./testsuite.js";

export interface KyvernoCase extends CaseResult {
  /** The policy's conversion status (converted / partial / unsupported). */
  conversion: string;
  /** The Kyverno engine's outcome (pass/fail/skip/error/excluded). */
  kyverno: EngineOutcome;
}

const admitted = (o: string): boolean => o === "pass" || o === "skip" || o === "excluded" || o === "admit";
const asVerdict = (o: EngineOutcome): Verdict => (o === "fail" || o === "error" ? "deny" : o === "unsupported" ? "error" : o === "skip" || o === "excluded" ? "skip" : "admit");

/**
 * The VAP side of a replay: a policy's converted VAPs evaluated on a suite resource (a CREATE, bindings set to Deny,
 * namespaces from the values file plus the resource's own); no converted VAP → "error". Exported for `npm run bench`.
 */
export function vapSideOf(suite: KyvernoSuite, converted: ReadonlyMap<string, ConvertResult>, policies: readonly KyvernoPolicy[] = []): (policy: string, resource: KObject, operation?: Operation) => { vap: Verdict; messages: string[]; cost: number } {
  // the CLI's request carries the suite's userinfo, else an empty UserInfo (a typed CEL request reads "" and [])
  const userInfo: UserInfo = { username: suite.userInfo?.username ?? "", groups: [...(suite.userInfo?.groups ?? [])] };
  const namespaces: KObject[] = (suite.values?.namespaceSelector ?? []).map((n) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name: n.name, labels: { "kubernetes.io/metadata.name": n.name, ...n.labels } } }));
  return (policy, resource, operation = "CREATE") => {
    const conv = converted.get(policy);
    const ns = resource.metadata?.namespace;
    const nsObjs = ns && !namespaces.some((n) => n.metadata?.name === ns) ? [...namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels: { "kubernetes.io/metadata.name": ns } } }] : namespaces;
    if (!conv?.manifests.length) return { vap: "error", messages: [], cost: 0 };
    const policiesV = conv.manifests.filter((m) => (m as KObject).kind === "ValidatingAdmissionPolicy") as ValidatingAdmissionPolicy[];
    const bindings = (conv.manifests.filter((m) => (m as KObject).kind === "ValidatingAdmissionPolicyBinding") as ValidatingAdmissionPolicyBinding[]).map((b) => ({ ...b, spec: { ...b.spec, validationActions: ["Deny" as const] } }));
    const source = policies.find((p) => p.name === policy);
    const params = source ? configMapParams(suite, source, resource, bindings) : [];
    const d = evaluate({ policies: policiesV, bindings, namespaces: nsObjs, params, request: requestForObject(resource, { operation, userInfo }) });
    return { vap: d.verdict, messages: d.messages, cost: d.cost };
  };
}

/**
 * The ConfigMap a converted policy takes as params, built from the suite's values the way `kyverno test` mocks a
 * configMap context entry: values `<entry>.data.<key>` (global, the resource's, then every rule's of the policy)
 * become `data.<key>` of the ConfigMap the binding's paramRef names. No such values → no ConfigMap (as Kyverno, the
 * entry then fails to load).
 */
export function configMapParams(suite: KyvernoSuite, policy: KyvernoPolicy, resource: KObject, bindings: readonly ValidatingAdmissionPolicyBinding[]): KObject[] {
  const ref = bindings.find((b) => b.spec.paramRef)?.spec.paramRef;
  if (!ref?.name || !isClusterPolicy(policy)) return [];
  const entries = new Set(policy.rules.flatMap((r) => r.context.filter((c) => c.kind === "configMap").map((c) => c.name)));
  const vals = suite.values;
  const mine = vals?.policies.find((p) => p.name === policy.name);
  const layers = [vals?.globalValues, mine?.resources.find((r) => r.name === resource.metadata?.name)?.values, ...(mine?.rules.map((r) => r.values) ?? [])];
  const data: Record<string, string> = {};
  let found = false;
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer ?? {})) {
      const m = /^([^.]+)\.data\.(.+)$/.exec(k);
      if (!m || !entries.has(m[1]!)) continue;
      found = true;
      data[m[2]!] = typeof v === "string" ? v : JSON.stringify(v);
    }
  }
  if (!found) return [];
  const namespace = ref.namespace ?? resource.metadata?.namespace ?? "default";
  return [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: ref.name, namespace }, data }];
}

/** Replay a suite: Kyverno engine ‖ converted VAP, per case. */
export function replayKyvernoSuite(suite: KyvernoSuite, policies: readonly KyvernoPolicy[], opts: KyvernoConvertOptions = {}): KyvernoCase[] {
  const converted = new Map(policies.map((p) => [p.name, convertKyvernoPolicies([p], opts)]));
  const vapSide = vapSideOf(suite, converted, policies);
  const out: KyvernoCase[] = [];
  for (const c of runSuiteThroughEngine(suite, policies)) {
    const conv = converted.get(c.policy);
    const ns = c.resource.metadata?.namespace;
    const { vap, messages, cost } = vapSide(c.policy, c.resource, c.operation);
    // the suite expectation as an admission outcome: pass / skip → admit, fail → deny
    const expected: Verdict = c.expected === "fail" ? "deny" : c.expected === "error" ? "error" : "admit";
    // the VAP decides for the whole policy: compare with whether any rule of the policy blocks the request
    // a policy kind the Kyverno engine does not evaluate (ValidatingPolicy): the suite's recorded result is the reference
    const unevaluated = c.outcome === "unsupported";
    const pass = unevaluated ? admitted(vap) === admitted(c.expected) : !c.policyDenies === admitted(vap) && (c.outcome === "excluded" || admitted(c.outcome) === admitted(c.expected));
    const unevaluatedNote = `the Kyverno engine does not evaluate this policy kind: the VAP is checked against the suite's recorded result (${c.expected})`;
    out.push({
      suite: suite.name,
      policy: c.policy,
      binding: null,
      resource: `${ns ? `${ns}/` : ""}${c.resource.metadata?.name ?? ""}`,
      operation: c.operation,
      expected,
      vap,
      source: asVerdict(c.outcome),
      pass,
      messages,
      reason: unevaluated
        ? `${unevaluatedNote}${pass ? "" : `, VAP ${vap}`}`
        : pass
          ? null
          : `kyverno ${c.outcome}${c.policyDenies ? " (policy denies)" : ""}, VAP ${vap}${conv?.gaps.length ? ` (gaps: ${conv.gaps.map((g) => g.id).join(", ")})` : ""}`,
      cost,
      conversion: conv?.status ?? "unsupported",
      kyverno: c.outcome,
      file: suite.file,
    });
  }
  return out;
}
