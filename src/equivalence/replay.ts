// The generic equivalence replay: every fixture (an object, or an AdmissionReview for UPDATE / user info) goes through
// the source engine — asked through a converter's ReplayAdapter — and through the converted manifests: the MAP stage
// (mapstage.ts), then the VAP engine. A case passes when both reach the same admission outcome, the fixture's
// expectation (expectation.ts) when it states one, and — when the source admitted after mutating the object — when
// the MAPs produced the same object (compared after the adapter's normalizeForCompare). Pure: documents in, rows out.
// A run converts each request object and param for CEL once (an ObjectCache lives for the run) and prepares the
// policies once (the VAP engine keeps its plans per policies/bindings arrays, which stay the same for the run).
import type { Fixture } from "../convert/types.js";
import type { AuthzDecide } from "../cel/k8s/authz.js";
import { stripNulls } from "../vap/applyconfig.js";
import { defaultAuthorizer, evaluate, ObjectCache } from "../vap/engine.js";
import { requestFromDocument, splitDocuments } from "../vap/load.js";
import type { AdmissionRequest, JSONValue, KObject } from "../vap/types.js";
import { maxExpressionCost, type CaseResult, type Verdict } from "./contract.js";
import { expectationOf } from "./expectation.js";
import { mapStage as defaultMapStage, type MapStage } from "./mapstage.js";

/** What the source engine decided for one request. */
export interface SourceOutcome {
  verdict: Verdict;
  /** Why it decided so (e.g. the denial text); quoted when the engines or the expectation disagree. */
  reason?: string;
  /** The object the source admitted after mutating it; absent when it admitted the object unchanged (or denied). */
  mutated?: object;
  /** The source policy that decided (e.g. the admitting PSP), named when the mutated objects differ. */
  policy?: string;
  /** Note for a passing case (e.g. `admitted by PSP restricted`). */
  note?: string;
}

/** How a source language's engine takes part in the replay (one per converter, built for one set of sources). */
export interface ReplayAdapter {
  /** The source engine's name in reasons: `PSP`, `Kyverno`, … */
  label: string;
  /** null when the request is in the source's scope, else why it is not (the case is then skipped on both sides). */
  inScope(request: AdmissionRequest): string | null;
  source(request: AdmissionRequest): SourceOutcome;
  /** Brings a mutated object into the form compared against the MAP stage's (identity when absent). */
  normalizeForCompare?(obj: unknown): unknown;
}

export interface ReplayInput {
  /** The conversion output: VAP(s), bindings, MAP(s), MAP bindings, params. */
  manifests: readonly unknown[];
  fixtures: readonly Fixture[];
  /** Authorization for both engines; default: the VAP engine's (system:masters allowed, everyone else denied). */
  authz?: AuthzDecide;
  /** The `suite` of every row (default: the fixture's file). */
  suite?: string;
  /** Substitute MAP stage (default: mapstage.ts). */
  mapStage?: MapStage;
  /**
   * Namespaces of the cluster the requests are made in (namespace selectors, `namespaceObject`): added to the VAP
   * engine's state after any Namespace among the manifests (the same name: these win). The adapter reads its own.
   */
  namespaces?: readonly KObject[];
}

/**
 * The Namespaces a replay runs in: the given ones, then the plain Namespace objects among the fixtures whose names
 * they lack (`migrate verify` has no other way to name them).
 */
export function replayNamespaces(given: readonly KObject[] | undefined, fixtures: readonly Fixture[]): KObject[] {
  const out = [...(given ?? [])];
  const named = new Set(out.map((n) => n.metadata?.name ?? ""));
  for (const f of fixtures) {
    const o = f.doc as KObject | null;
    if (!isObj(o) || o.kind !== "Namespace" || named.has(o.metadata?.name ?? "")) continue;
    named.add(o.metadata?.name ?? "");
    out.push(o);
  }
  return out;
}

/**
 * The request as the API server sends it to an admission webhook: its objects decoded into their types and encoded
 * again, so they hold no JSON nulls (stripNulls; the VAP engine reads objects the same way). A webhook-based source
 * engine (Kyverno, Gatekeeper) judges that, not the fixture's text.
 */
export function asServed(request: AdmissionRequest): AdmissionRequest {
  const strip = (o: KObject | null | undefined): KObject | null | undefined => (o ? (stripNulls(o as unknown as JSONValue) as unknown as KObject) : o);
  return { ...request, ...(request.object !== undefined ? { object: strip(request.object) ?? null } : {}), ...(request.oldObject !== undefined ? { oldObject: strip(request.oldObject) ?? null } : {}) };
}

/** Prefix of the reason of a case whose fixture could not be turned into a request (counted as an error). */
export const BAD_FIXTURE = "bad fixture";

/** Cases that could not be run: their fixture is not a request. */
export function countErrors(cases: readonly CaseResult[]): number {
  return cases.filter((c) => c.reason?.startsWith(BAD_FIXTURE)).length;
}

const admitted = (v: Verdict): boolean => v === "admit" || v === "skip";

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

/** Key-order-independent JSON text; null and undefined members count as absent. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (isObj(v)) {
    return `{${Object.keys(v)
      .filter((k) => v[k] !== undefined && v[k] !== null)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

/** Replay every fixture through the adapter's source engine and through the manifests (MAP stage + VAP engine). */
export function replayFixtures(adapter: ReplayAdapter, input: ReplayInput): CaseResult[] {
  const decide = input.authz ?? defaultAuthorizer;
  const runMaps = input.mapStage ?? defaultMapStage;
  const split = splitDocuments(input.manifests);
  const state = input.namespaces?.length ? { ...split, namespaces: [...split.namespaces, ...input.namespaces] } : split;
  const hasMaps = state.mutatingPolicies.length > 0;
  const policy = state.policies.map((p) => p.metadata?.name ?? "").join(",");
  const normalize = (o: unknown): unknown => (adapter.normalizeForCompare ? adapter.normalizeForCompare(o) : o);
  // the run's objects are not changed while it lasts: each is converted once
  const objects = new ObjectCache();
  const out: CaseResult[] = [];
  for (const f of input.fixtures) {
    const suite = input.suite ?? f.file;
    const expected = expectationOf(f);
    let request: AdmissionRequest;
    try {
      request = requestFromDocument(f.doc);
    } catch (e) {
      const reason = `${BAD_FIXTURE} ${f.file}:${f.line}: ${(e as Error).message}`;
      out.push({ suite, policy: "", binding: null, resource: "", operation: "", expected, vap: "error", source: "error", pass: false, messages: [], reason, cost: 0, file: f.file });
      continue;
    }
    const resource = request.namespace ? `${request.namespace}/${request.name ?? ""}` : (request.name ?? "");
    const base = { suite, policy, binding: null, resource, operation: request.operation, expected };
    const outOfScope = adapter.inScope(request);
    if (outOfScope !== null) {
      out.push({ ...base, vap: "skip", source: "skip", pass: true, messages: [], reason: outOfScope, cost: 0, file: f.file });
      continue;
    }
    const src = adapter.source(request);
    // VAP side: MAPs first (as the API server's mutating stage), then the VAP.
    let vapRequest = request;
    let mapError: string | undefined;
    if (hasMaps && request.object) {
      const m = runMaps(input.manifests, request, decide);
      if (m.error !== undefined) mapError = m.error;
      else if (m.mutated && m.object) vapRequest = { ...request, object: m.object };
    }
    let vap: Verdict = "error";
    let messages: string[] = [];
    let cost = 0;
    let maxCost = 0;
    if (mapError !== undefined) messages = [mapError];
    else {
      const d = evaluate({ ...state, request: vapRequest, authorizer: decide, expressionCosts: true, objects });
      vap = d.verdict;
      messages = d.messages;
      cost = d.cost ?? 0;
      maxCost = maxExpressionCost(d.results);
    }
    const why = src.reason ? ` (${src.reason})` : "";
    let pass = admitted(src.verdict) === admitted(vap);
    let reason: string | null = pass ? null : `engines disagree: ${adapter.label} ${src.verdict}${why}, VAP ${vap}`;
    if (pass && expected && admitted(expected) !== admitted(vap)) {
      pass = false;
      reason = `both engines ${admitted(vap) ? "admit" : "deny"}, fixture expects ${expected}${src.reason ? ` (${adapter.label}: ${src.reason})` : ""}`;
    }
    if (pass && src.verdict === "admit" && src.mutated && hasMaps && canonical(normalize(src.mutated)) !== canonical(normalize(vapRequest.object))) {
      const noun = request.kind.kind.toLowerCase();
      pass = false;
      reason = `${adapter.label}${src.policy ? ` ${src.policy}` : ""} admitted after mutating the ${noun}, but the MutatingAdmissionPolicies produced a different ${noun}`;
    }
    const sourceMessages = src.reason ? { sourceMessages: [src.reason] } : {};
    out.push({ ...base, vap, source: src.verdict, pass, messages, ...sourceMessages, reason: reason ?? src.note ?? null, cost, maxExpressionCost: maxCost, file: f.file });
  }
  return out;
}
