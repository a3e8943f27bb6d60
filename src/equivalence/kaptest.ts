// kaptest manifests (pfnet/kaptest, both the v0.2 `policies`/`vapTestSuites` format and the legacy v0.1
// `validatingAdmissionPolicies`/`testSuites` format) replayed through our VAP engine with REAL API-server semantics:
// matchConstraints are honoured and failurePolicy applies. Where a kaptest expectation holds only because kaptest
// ignores matchConstraints (or failurePolicy), the case fails with that reason, unless compat mode is on.
// Pure: file access goes through the `load` callback.
import type { AuthzDecide } from "../cel/k8s/authz.js";
import { evaluate } from "../vap/engine.js";
import { requestForObject, splitDocuments } from "../vap/load.js";
import { applyMutatingPolicies, kaptestExpected, mutationMatches, verdictOfMutation } from "../vap/mutating.js";
import type { KObject, MutatingAdmissionPolicy, Operation, UserInfo, ValidatingAdmissionPolicy } from "../vap/types.js";
import { maxExpressionCost, type CaseResult, type Verdict } from "./contract.js";

export interface KaptestObjectRef {
  group?: string;
  version?: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface KaptestCase {
  object?: KaptestObjectRef;
  oldObject?: KaptestObjectRef;
  param?: { namespace?: string; name: string };
  userInfo?: { name?: string; user?: string; username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  expect: string;
  deniedMessage?: string;
  expectObject?: KaptestObjectRef;
}

export interface KaptestManifest {
  policies: string[];
  resources: string[];
  vapTestSuites: { policy: string; tests: KaptestCase[] }[];
  mapTestSuites: { policy: string; tests: KaptestCase[] }[];
}

export interface KaptestOptions {
  /** Evaluate as kaptest does: ignore matchConstraints and failurePolicy (errors stay errors). */
  compat: boolean;
  authorizer?: AuthzDecide;
  /** Compile errors per policy name (a real API server rejects such a policy at creation); reported on its cases. */
  compileIssues?: ReadonlyMap<string, string>;
}

/** Thrown for malformed manifests; the CLI turns it into exit 2 with the file. */
export class KaptestError extends Error {}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

/** The keys kaptest reads (both manifest formats); anything else is a mistake kaptest would ignore silently. */
const MANIFEST_KEYS = ["policies", "validatingAdmissionPolicies", "resources", "vapTestSuites", "testSuites", "mapTestSuites"] as const;
const SUITE_KEYS = ["policy", "tests"] as const;
const CASE_KEYS = ["object", "oldObject", "param", "userInfo", "expect", "deniedMessage", "expectObject"] as const;
const VAP_EXPECTS = ["admit", "deny", "error", "skip"] as const;
const MAP_EXPECTS = ["mutate", "skip", "error"] as const;

function unknownKeys(o: Record<string, unknown>, known: readonly string[], where: string): void {
  const extra = Object.keys(o).filter((k) => !known.includes(k));
  if (extra.length) throw new KaptestError(`${where}: unknown key${extra.length > 1 ? "s" : ""} ${extra.map((k) => JSON.stringify(k)).join(", ")} (known: ${known.join(", ")})`);
}

export function parseManifest(doc: unknown): KaptestManifest {
  if (!isObj(doc)) throw new KaptestError("kaptest manifest must be a mapping");
  const policies = (doc["policies"] ?? doc["validatingAdmissionPolicies"]) as unknown;
  const resources = (doc["resources"] ?? []) as unknown;
  const vap = (doc["vapTestSuites"] ?? doc["testSuites"] ?? []) as unknown;
  const map = (doc["mapTestSuites"] ?? []) as unknown;
  const strList = (x: unknown, what: string): string[] => {
    if (!Array.isArray(x) || !x.every((s) => typeof s === "string")) throw new KaptestError(`${what} must be a list of paths`);
    return x as string[];
  };
  const suites = (x: unknown, what: string, expects: readonly string[]): { policy: string; tests: KaptestCase[] }[] => {
    if (!Array.isArray(x)) throw new KaptestError(`${what} must be a list`);
    return x.map((s, i) => {
      if (!isObj(s) || typeof s["policy"] !== "string" || !Array.isArray(s["tests"])) {
        throw new KaptestError(`${what}[${i}] needs a policy name and a tests list`);
      }
      unknownKeys(s, SUITE_KEYS, `${what}[${i}]`);
      const tests = (s["tests"] as unknown[]).map((t, j) => {
        const at = `${what}[${i}].tests[${j}]`;
        if (!isObj(t) || typeof t["expect"] !== "string") throw new KaptestError(`${at} needs expect`);
        unknownKeys(t, CASE_KEYS, at);
        // a typo (`denied`) must not pass as "no expectation"
        if (!expects.includes(t["expect"].toLowerCase())) throw new KaptestError(`${at}.expect must be one of ${expects.join(", ")}, not ${JSON.stringify(t["expect"])}`);
        if (!isObj(t["object"]) && !isObj(t["oldObject"])) throw new KaptestError(`${at} needs object or oldObject`);
        return t as unknown as KaptestCase;
      });
      return { policy: s["policy"] as string, tests };
    });
  };
  if (policies === undefined) throw new KaptestError("manifest has no `policies` (or legacy `validatingAdmissionPolicies`)");
  unknownKeys(doc, MANIFEST_KEYS, "manifest");
  return {
    policies: strList(policies, "policies"),
    resources: strList(resources, "resources"),
    vapTestSuites: suites(vap, "vapTestSuites", VAP_EXPECTS),
    mapTestSuites: suites(map, "mapTestSuites", MAP_EXPECTS),
  };
}

const groupOf = (apiVersion: unknown): string => {
  const s = typeof apiVersion === "string" ? apiVersion : "";
  const i = s.indexOf("/");
  return i < 0 ? "" : s.slice(0, i);
};
const versionOf = (apiVersion: unknown): string => {
  const s = typeof apiVersion === "string" ? apiVersion : "";
  const i = s.indexOf("/");
  return i < 0 ? s : s.slice(i + 1);
};

/** Find the resource a test refers to. Without a namespace in the reference, a namespace-less or `default` object is taken, else a unique name match. */
export function findObject(resources: readonly KObject[], ref: KaptestObjectRef): KObject | undefined {
  const cands = resources.filter(
    (r) =>
      r.kind === ref.kind &&
      r.metadata?.name === ref.name &&
      (ref.group === undefined || groupOf(r.apiVersion) === ref.group) &&
      (ref.version === undefined || versionOf(r.apiVersion) === ref.version),
  );
  if (ref.namespace !== undefined) return cands.find((r) => (r.metadata?.namespace ?? "") === ref.namespace);
  return cands.find((r) => !r.metadata?.namespace) ?? cands.find((r) => r.metadata?.namespace === "default") ?? (cands.length === 1 ? cands[0] : undefined);
}

const MATCH_ALL = { resourceRules: [{ apiGroups: ["*"], apiVersions: ["*"], operations: ["*"], resources: ["*/*"], scope: "*" as const }] };

/**
 * Run a manifest's VAP suites. `policyDocs` and `resourceDocs` are the documents of the manifest's `policies` and
 * `resources` files. MAP suites report `mutate` (the object changed and equals expectObject), `skip` or `error`.
 */
export function runKaptest(
  suite: string,
  manifest: KaptestManifest,
  policyDocs: readonly unknown[],
  resourceDocs: readonly unknown[],
  opts: KaptestOptions,
): { cases: CaseResult[]; errors: number } {
  const pstate = splitDocuments(policyDocs);
  const rstate = splitDocuments(resourceDocs);
  const resources = [...rstate.params, ...rstate.namespaces];
  const cases: CaseResult[] = [];
  let errors = 0;
  for (const s of manifest.vapTestSuites) {
    const policy = pstate.policies.find((p) => p.metadata?.name === s.policy);
    for (const t of s.tests) {
      const ref = t.object ?? t.oldObject!;
      const base: Omit<CaseResult, "vap" | "pass" | "reason" | "messages" | "cost"> = {
        suite,
        policy: s.policy,
        binding: null,
        resource: `${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`,
        operation: t.object && t.oldObject ? "UPDATE" : t.object ? "CREATE" : "DELETE",
        expected: normalizeExpect(t.expect),
      };
      const fail = (reason: string): void => {
        errors++;
        cases.push({ ...base, vap: "error", pass: false, messages: [], reason, cost: 0 });
      };
      if (!policy) {
        fail(`no ValidatingAdmissionPolicy named ${s.policy} in the manifest's policies`);
        continue;
      }
      const obj = t.object ? findObject(resources, t.object) : undefined;
      const old = t.oldObject ? findObject(resources, t.oldObject) : undefined;
      if (t.object && !obj) {
        fail(`object ${t.object.kind} ${t.object.namespace ? `${t.object.namespace}/` : ""}${t.object.name} not found in resources`);
        continue;
      }
      if (t.oldObject && !old) {
        fail(`oldObject ${t.oldObject.kind} ${t.oldObject.name} not found in resources`);
        continue;
      }
      let params: KObject[] = [];
      if (t.param) {
        const pk = policy.spec.paramKind;
        const p = resources.find(
          (r) =>
            r.metadata?.name === t.param!.name &&
            (t.param!.namespace === undefined || (r.metadata?.namespace ?? "") === t.param!.namespace) &&
            (!pk || (r.kind === pk.kind && r.apiVersion === pk.apiVersion)),
        );
        if (!p) {
          fail(`param ${t.param.namespace ? `${t.param.namespace}/` : ""}${t.param.name} not found in resources`);
          continue;
        }
        params = [p];
      }
      const operation: Operation = base.operation as Operation;
      const u = t.userInfo;
      const userInfo: UserInfo | undefined = u
        ? { username: u.name ?? u.user ?? u.username ?? "", ...(u.uid ? { uid: u.uid } : {}), groups: u.groups ?? [], ...(u.extra ? { extra: u.extra } : {}) }
        : undefined;
      const subject = (obj ?? old)!;
      const request = requestForObject(subject, {
        operation,
        ...(operation === "UPDATE" ? { oldObject: old ?? null } : {}),
        ...(userInfo ? { userInfo } : {}),
        crds: [...pstate.crds, ...rstate.crds],
      });
      base.resource = request.namespace ? `${request.namespace}/${request.name ?? ""}` : (request.name ?? "");
      if (operation === "DELETE") {
        request.object = null;
        request.oldObject = old ?? null;
      }
      const run = (pol: ValidatingAdmissionPolicy) =>
        evaluate({
          policies: [pol],
          bindings: [],
          params,
          namespaces: rstate.namespaces,
          crds: [...pstate.crds, ...rstate.crds],
          request,
          expressionCosts: true,
          ...(opts.authorizer ? { authorizer: opts.authorizer } : {}),
        });
      const real = run(policy);
      const realRes = real.results[0];
      let verdict: Verdict = real.verdict;
      let messages = realRes?.messages ?? [];
      let cost = real.cost ?? 0;
      let maxCost = maxExpressionCost(real.results);
      let reason: string | null = null;
      const expected = base.expected;
      if (opts.compat) {
        const compatPolicy: ValidatingAdmissionPolicy = {
          ...policy,
          spec: { ...policy.spec, matchConstraints: MATCH_ALL, failurePolicy: "Fail" },
        };
        const c = run(compatPolicy);
        if (c.verdict !== real.verdict) {
          reason = `--kaptest-compat: evaluated ignoring matchConstraints/failurePolicy (the API server's verdict would be ${real.verdict})`;
        }
        verdict = c.verdict;
        messages = c.results[0]?.messages ?? [];
        cost = c.cost ?? 0;
        maxCost = maxExpressionCost(c.results);
      } else if (expected && verdict !== expected) {
        if (realRes?.skipReason === "matchConstraints") {
          const r = request.resource;
          reason =
            `kaptest ignores matchConstraints: policy ${policy.metadata?.name} does not match ` +
            `${r.group || "core"}/${r.version} ${r.resource} (${operation}), so a real API server never evaluates it for this request ` +
            `(use --kaptest-compat to evaluate anyway)`;
        } else if (expected === "error" && (policy.spec.failurePolicy ?? "Fail") === "Ignore") {
          reason = "kaptest reports evaluation errors regardless of failurePolicy; with failurePolicy Ignore the API server admits";
        }
      }
      let pass = expected === null ? true : verdict === expected;
      if (pass && t.deniedMessage !== undefined && verdict === "deny") {
        if (!messages.some((m) => m === t.deniedMessage || m.includes(t.deniedMessage!))) {
          pass = false;
          reason = `expected denial message ${JSON.stringify(t.deniedMessage)}`;
        }
      }
      if (!pass && !reason) reason = `expected ${expected}, got ${verdict}`;
      const issue = opts.compileIssues?.get(s.policy);
      if (issue) reason = `${reason ? `${reason}; ` : ""}the policy does not compile on a 1.36 API server, which rejects it at creation: ${issue}`;
      cases.push({ ...base, vap: verdict, pass, messages, reason, cost, maxExpressionCost: maxCost });
    }
  }
  for (const s of manifest.mapTestSuites) {
    const policy = pstate.mutatingPolicies.find((p) => p.metadata?.name === s.policy);
    for (const t of s.tests) {
      const ref = t.object ?? t.oldObject!;
      const operation: Operation = t.object && t.oldObject ? "UPDATE" : t.object ? "CREATE" : "DELETE";
      const expected = (["mutate", "skip", "error"].includes(t.expect.toLowerCase()) ? t.expect.toLowerCase() : null) as CaseResult["expected"];
      const base = { suite, policy: s.policy, binding: null, resource: `${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`, operation, expected };
      const fail = (reason: string): void => {
        errors++;
        cases.push({ ...base, vap: "error", pass: false, messages: [], reason, cost: 0 });
      };
      if (!policy) {
        fail(`no MutatingAdmissionPolicy named ${s.policy} in the manifest's policies`);
        continue;
      }
      const obj = t.object ? findObject(resources, t.object) : undefined;
      const old = t.oldObject ? findObject(resources, t.oldObject) : undefined;
      if ((t.object && !obj) || (t.oldObject && !old)) {
        fail(`object ${ref.kind} ${ref.name} not found in resources`);
        continue;
      }
      let params: KObject[] = [];
      if (t.param) {
        const pk = policy.spec.paramKind;
        const p = resources.find((r) => r.metadata?.name === t.param!.name && (t.param!.namespace === undefined || (r.metadata?.namespace ?? "") === t.param!.namespace) && (!pk || (r.kind === pk.kind && r.apiVersion === pk.apiVersion)));
        if (!p) {
          fail(`param ${t.param.name} not found in resources`);
          continue;
        }
        params = [p];
      }
      const u = t.userInfo;
      const userInfo: UserInfo | undefined = u ? { username: u.name ?? u.user ?? u.username ?? "", groups: u.groups ?? [], ...(u.extra ? { extra: u.extra } : {}) } : undefined;
      const subject = (obj ?? old)!;
      const request = requestForObject(subject, { operation, ...(operation === "UPDATE" ? { oldObject: old ?? null } : {}), ...(userInfo ? { userInfo } : {}), crds: [...pstate.crds, ...rstate.crds] });
      base.resource = request.namespace ? `${request.namespace}/${request.name ?? ""}` : (request.name ?? "");
      const run = (pol: MutatingAdmissionPolicy) =>
        applyMutatingPolicies({ policies: [pol], bindings: [], params, namespaces: rstate.namespaces, crds: [...pstate.crds, ...rstate.crds], request, ...(opts.authorizer ? { authorizer: opts.authorizer } : {}) });
      let out = run(policy);
      let reason: string | null = null;
      const realVerdict = verdictOfMutation(out);
      if (opts.compat) {
        out = run({ ...policy, spec: { ...policy.spec, matchConstraints: MATCH_ALL, failurePolicy: "Fail" } });
        if (verdictOfMutation(out) !== realVerdict) reason = `--kaptest-compat: evaluated ignoring matchConstraints/failurePolicy (the API server's result would be ${realVerdict})`;
      } else if (out.results[0]?.skipReason === "matchConstraints" && expected !== "skip") {
        reason = `kaptest ignores matchConstraints: policy ${s.policy} does not match this request, so a real API server never runs it (use --kaptest-compat)`;
      }
      const verdict = verdictOfMutation(out);
      const shown = (verdict === "nochange" ? "skip" : verdict) as CaseResult["vap"];
      let pass = expected === null || shown === expected;
      const messages = out.results.flatMap((r) => r.messages);
      if (pass && verdict === "mutate" && t.expectObject) {
        const exp = findObject(resources, t.expectObject);
        if (!exp) {
          pass = false;
          reason = `expectObject ${t.expectObject.kind} ${t.expectObject.name} not found in resources`;
        } else {
          const m = mutationMatches(out.object!, kaptestExpected(exp, subject, !!(t as { disableNameOverwrite?: boolean }).disableNameOverwrite));
          if (!m.equal) {
            pass = false;
            reason = `mutated object differs from expectObject: ${m.diff.slice(0, 5).join("; ")}`;
          }
        }
      }
      if (!pass && !reason) reason = `expected ${expected}, got ${verdict}`;
      // The MAP engine reports no CEL cost (only VAP decisions carry one).
      cases.push({ ...base, vap: shown, pass, messages, reason, cost: 0 });
    }
  }
  return { cases, errors };
}

function normalizeExpect(e: string): Verdict | null {
  const v = e.toLowerCase();
  return v === "admit" || v === "deny" || v === "error" || v === "skip" ? v : null;
}
