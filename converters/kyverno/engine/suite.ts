// `kyverno test` replay through our Kyverno engine: each results entry names a policy, a rule (or none for CEL
// policy kinds) and resources (by `name` or `namespace/name`, across all kinds; none found → every resource), and
// expects pass / fail / skip. A rule response named `<rule>`, `autogen-<rule>` or `autogen-cronjob-<rule>` answers
// it; a resource the rule does not apply to is "excluded" (the CLI prints pass (Excluded) and never fails it).
import type { KObject } from "../../../src/vap/types.js";
import type { ClusterPolicy, JsonValue, KyvernoPolicy } from "../model.js";
import { isClusterPolicy } from "../model.js";
import type { ExpectedResult, KyvernoSuite, SuiteResult } from "../testsuite.js";
import { evaluatePolicy, type RuleStatus } from "./index.js";
import type { JsonObject } from "./pattern.js";
import type { RequestInfo } from "./variables.js";

export type EngineOutcome = RuleStatus | "excluded" | "unsupported";

export interface EngineCase {
  policy: string;
  /** The rule that answered (e.g. `autogen-check`), or the requested rule when none did. */
  rule: string;
  resource: KObject;
  expected: ExpectedResult;
  outcome: EngineOutcome;
  message: string;
  /** The entry's line in the test file. */
  line: number;
  /** Whether Kyverno would block the request: some rule of the policy failed or errored on this resource. */
  policyDenies: boolean;
  /** The admission operation the case ran as (the values' `request.operation`, else CREATE). */
  operation: "CREATE" | "UPDATE" | "DELETE";
}

const nameOf = (r: KObject): string => r.metadata?.name ?? "";
const nsOf = (r: KObject): string => r.metadata?.namespace ?? "";

/** Resources an entry names (name or ns/name, any kind); none found → every resource. */
export function resourcesFor(entry: SuiteResult, resources: readonly KObject[]): KObject[] {
  const hits = resources.filter((r) => entry.resources.some((n) => {
    const parts = n.split("/");
    return parts.length === 2 ? parts[0] === nsOf(r) && parts[1] === nameOf(r) : n === nameOf(r);
  }));
  return hits.length ? hits : [...resources];
}

function userInfoOf(suite: KyvernoSuite): RequestInfo | undefined {
  const u = suite.userInfo;
  if (!u) return undefined;
  return {
    ...(u.roles ? { roles: u.roles } : {}),
    ...(u.clusterRoles ? { clusterRoles: u.clusterRoles } : {}),
    userInfo: { ...(u.username !== undefined ? { username: u.username } : {}), ...(u.groups ? { groups: u.groups } : {}) },
  };
}

function valuesFor(suite: KyvernoSuite, policy: string, resource: KObject): { global: Record<string, JsonValue>; resource: Record<string, JsonValue>; rules: Record<string, Record<string, JsonValue>> } {
  const v = suite.values;
  const p = v?.policies.find((x) => x.name === policy);
  return {
    global: v?.globalValues ?? {},
    resource: p?.resources.find((x) => x.name === nameOf(resource))?.values ?? {},
    rules: Object.fromEntries((p?.rules ?? []).map((r) => [r.name, r.values])),
  };
}

/** Every (entry, resource, rule) case of the suite through the engine. */
export function runSuiteThroughEngine(suite: KyvernoSuite, policies: readonly KyvernoPolicy[]): EngineCase[] {
  const out: EngineCase[] = [];
  const objects = suite.resources.map((r) => r.object);
  const userInfo = userInfoOf(suite);
  for (const entry of suite.results) {
    const name = entry.policy.split("/").pop()!;
    const policy = policies.find((p) => p.name === name);
    for (const resource of resourcesFor(entry, objects)) {
      const base = { policy: name, resource, expected: entry.result, line: entry.line };
      if (!policy || !isClusterPolicy(policy)) {
        out.push({ ...base, rule: entry.rule ?? "", outcome: "unsupported", message: policy ? `${policy.kind} is not evaluated by this engine yet` : `policy ${name} not found`, policyDenies: false, operation: "CREATE" });
        continue;
      }
      const nsLabels = suite.values?.namespaceSelector.find((n) => n.name === nsOf(resource))?.labels;
      const values = valuesFor(suite, name, resource);
      // the CLI takes the operation from the values (`request.operation`); an UPDATE's old object is the resource
      const op = values.resource["request.operation"] ?? values.global["request.operation"];
      const operation = op === "UPDATE" || op === "DELETE" ? op : "CREATE";
      const object = resource as unknown as JsonObject;
      const responses = evaluatePolicy(policy as ClusterPolicy, {
        resource: object,
        operation,
        ...(operation !== "CREATE" ? { oldResource: structuredClone(object) } : {}),
        values,
        ...(userInfo ? { userInfo } : {}),
        ...(nsLabels ? { namespaceLabels: nsLabels } : {}),
      });
      const rule = entry.rule;
      const policyDenies = responses.some((r) => r.status === "fail" || r.status === "error");
      const hits = rule === undefined ? responses : responses.filter((r) => r.rule === rule || r.rule === `autogen-${rule}` || r.rule === `autogen-cronjob-${rule}`);
      if (!hits.length) out.push({ ...base, rule: rule ?? "", outcome: "excluded", message: "rule does not apply (Excluded)", policyDenies, operation });
      for (const h of hits) out.push({ ...base, rule: h.rule, outcome: h.status, message: h.message, policyDenies, operation });
    }
  }
  return out;
}

/** Does the engine's outcome satisfy the expectation as `kyverno test` judges it (excluded never fails)? */
export function engineAgrees(c: EngineCase): boolean {
  return c.outcome === "excluded" || c.outcome === c.expected;
}
