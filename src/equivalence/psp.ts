// PSP equivalence replay: each fixture (a Pod, or an AdmissionReview for UPDATE / user info) goes through the PSP
// admission engine (the source) and through the generated MAP(s) + VAP in the VAP engine; the case passes when both
// reach the same admission outcome (and the fixture's expectation, when it states one), and — when PSP admitted
// after mutating the pod — when the MAPs produced the same pod. Pure: documents come in, CaseResults go out.
import { admitPod, type Subject } from "../../converters/psp/engine/index.js";
import type { PodSecurityPolicy } from "../../converters/psp/model.js";
import { serviceAccountUser, type AuthzDecide } from "../cel/k8s/authz.js";
import { defaultAuthorizer, evaluate } from "../vap/engine.js";
import { requestFromDocument, splitDocuments } from "../vap/load.js";
import type { AdmissionRequest, KObject } from "../vap/types.js";
import type { CaseResult, Verdict } from "./contract.js";

/** Annotation a fixture may carry to state its expectation (`admit` or `deny`). */
export const EXPECT_ANNOTATION = "vap-migrate.io/expect";

export interface Fixture {
  doc: unknown;
  file: string;
  line: number;
}

/** Applies MutatingAdmissionPolicies to a request; returns the mutated object (or the error that rejects it). */
export type MapStage = (manifests: readonly unknown[], request: AdmissionRequest, authz: AuthzDecide) => { object: KObject | null; error?: string };

export interface PspReplayInput {
  psps: PodSecurityPolicy[];
  /** The conversion output: VAP, binding, MAPs, MAP bindings. */
  manifests: readonly unknown[];
  fixtures: readonly Fixture[];
  /** Authorization for both engines (PSP `use` checks and CEL `authorizer`). */
  authz?: AuthzDecide;
  mapStage?: MapStage;
  suite?: string;
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

/** Expectation of a fixture: its `vap-migrate.io/expect` annotation, else its file name (allowed* → admit, disallowed* → deny). */
export function expectationOf(f: Fixture): Verdict | null {
  const obj = isObj(f.doc) && f.doc["kind"] === "AdmissionReview" && isObj(f.doc["request"]) ? (f.doc["request"] as Record<string, unknown>)["object"] : f.doc;
  const ann = isObj(obj) && isObj(obj["metadata"]) && isObj((obj["metadata"] as Record<string, unknown>)["annotations"])
    ? ((obj["metadata"] as Record<string, unknown>)["annotations"] as Record<string, unknown>)[EXPECT_ANNOTATION]
    : undefined;
  if (ann === "admit" || ann === "deny") return ann;
  const base = f.file.split(/[\\/]/).pop() ?? "";
  if (/^disallowed/i.test(base)) return "deny";
  if (/^allowed/i.test(base)) return "admit";
  return null;
}

const admitted = (v: Verdict): boolean => v === "admit" || v === "skip";

function canonical(v: unknown): string {
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

const APPARMOR_PREFIX = "container.apparmor.security.beta.kubernetes.io/";
const SECCOMP_POD = "seccomp.security.alpha.kubernetes.io/pod";
const SECCOMP_PREFIX = "container.seccomp.security.alpha.kubernetes.io/";

type Json = Record<string, unknown>;
const profile = (v: string): Json =>
  v === "runtime/default" || v === "docker/default"
    ? { type: "RuntimeDefault" }
    : v === "unconfined"
      ? { type: "Unconfined" }
      : v.startsWith("localhost/")
        ? { type: "Localhost", localhostProfile: v.slice(10) }
        : { type: v };
const child = (o: Json, k: string): Json => (isObj(o[k]) ? (o[k] as Json) : (o[k] = {}) as Json);

/**
 * The API server keeps the seccomp (1.19+) and AppArmor (1.30+) annotations in sync with the `seccompProfile` /
 * `appArmorProfile` fields, so a pod defaulted through either form is the same pod. Mutated pods are compared after
 * that sync: annotations become fields (an existing field wins) and are removed.
 */
export function syncSecurityAnnotations(pod: unknown): unknown {
  if (!isObj(pod)) return pod;
  const copy = JSON.parse(JSON.stringify(pod)) as Json;
  const meta = isObj(copy["metadata"]) ? (copy["metadata"] as Json) : undefined;
  const ann = meta && isObj(meta["annotations"]) ? (meta["annotations"] as Record<string, string>) : undefined;
  if (!ann) return copy;
  const spec = child(copy, "spec");
  const podSeccomp = ann[SECCOMP_POD];
  if (podSeccomp !== undefined) {
    delete ann[SECCOMP_POD];
    const sc = child(spec, "securityContext");
    if (!sc["seccompProfile"]) sc["seccompProfile"] = profile(podSeccomp);
  }
  for (const list of ["containers", "initContainers", "ephemeralContainers"]) {
    const cs = Array.isArray(spec[list]) ? (spec[list] as Json[]) : [];
    for (const c of cs) {
      for (const [prefix, fieldName] of [[APPARMOR_PREFIX, "appArmorProfile"], [SECCOMP_PREFIX, "seccompProfile"]] as const) {
        const key = prefix + String(c["name"]);
        const v = ann[key];
        if (v === undefined) continue;
        delete ann[key];
        const sc = child(c, "securityContext");
        if (!sc[fieldName]) sc[fieldName] = profile(v);
      }
    }
  }
  if (!Object.keys(ann).length) delete meta!["annotations"];
  return copy;
}

export function replayPsp(input: PspReplayInput): CaseResult[] {
  const decide = input.authz ?? defaultAuthorizer;
  const state = splitDocuments(input.manifests);
  const out: CaseResult[] = [];
  for (const f of input.fixtures) {
    const expected = expectationOf(f);
    let request: AdmissionRequest;
    try {
      request = requestFromDocument(f.doc);
    } catch (e) {
      out.push({ suite: input.suite ?? f.file, policy: "", binding: null, resource: "", operation: "", expected, vap: "error", source: "error", pass: false, messages: [], reason: `bad fixture ${f.file}:${f.line}: ${(e as Error).message}`, file: f.file });
      continue;
    }
    const resource = request.namespace ? `${request.namespace}/${request.name ?? ""}` : (request.name ?? "");
    const base = { suite: input.suite ?? f.file, binding: null, resource, operation: request.operation, expected, file: f.file };
    const vapPolicy = state.policies[0]?.metadata?.name ?? "";
    if (request.kind.kind !== "Pod" || (request.operation !== "CREATE" && request.operation !== "UPDATE")) {
      out.push({ ...base, policy: vapPolicy, vap: "skip", source: "skip", pass: true, messages: [], reason: "not a pod CREATE/UPDATE: outside PSP's scope" });
      continue;
    }
    // Source: the PSP admission plugin.
    const user = request.userInfo ?? {};
    const userInfo = { username: user.username ?? "", groups: user.groups ?? [] };
    const authorize = (subject: Subject, verb: "use", psp: string, namespace: string): boolean => {
      const u = subject.kind === "User" ? { username: subject.user.username, groups: subject.user.groups ?? [] } : serviceAccountUser(subject.namespace, subject.name);
      return (
        decide({ user: u, verb, resourceRequest: true, group: "policy", version: "*", resource: "podsecuritypolicies", subresource: "", namespace, name: psp, path: "" }).decision === "allow"
      );
    };
    const src = admitPod({
      policies: input.psps,
      pod: request.object,
      ...(request.oldObject ? { oldPod: request.oldObject } : {}),
      operation: request.operation,
      userInfo,
      namespace: request.namespace ?? "default",
      authorize,
      ...(request.subResource ? { subresource: request.subResource } : {}),
    });
    const source: Verdict = src.ignored ? "admit" : src.verdict;
    // VAP side: MAPs first (as the API server's mutating stage), then the VAP.
    let vapRequest = request;
    let mapError: string | undefined;
    if (input.mapStage && state.mutatingPolicies.length && request.operation === "CREATE") {
      const m = input.mapStage(input.manifests, request, decide);
      if (m.error) mapError = m.error;
      else if (m.object) vapRequest = { ...request, object: m.object };
    }
    let vap: Verdict;
    let messages: string[] = [];
    if (mapError) {
      vap = "error";
      messages = [mapError];
    } else {
      const d = evaluate({ policies: state.policies, bindings: state.bindings, params: state.params, namespaces: state.namespaces, request: vapRequest, authorizer: decide });
      vap = d.verdict;
      messages = d.messages;
    }
    let pass = admitted(source) === admitted(vap);
    let reason: string | null = pass ? null : `engines disagree: PSP ${source}${src.reason ? ` (${src.reason})` : ""}, VAP ${vap}`;
    if (pass && expected && admitted(expected) !== admitted(vap)) {
      pass = false;
      reason = `both engines ${vap === "admit" || vap === "skip" ? "admit" : "deny"}, fixture expects ${expected}${src.reason ? ` (PSP: ${src.reason})` : ""}`;
    }
    if (pass && source === "admit" && src.mutated && input.mapStage && state.mutatingPolicies.length) {
      const want = canonical(syncSecurityAnnotations(src.mutatedPod));
      const got = canonical(syncSecurityAnnotations(vapRequest.object));
      if (want !== got) {
        pass = false;
        reason = `PSP ${src.policy} admitted after mutating the pod, but the MutatingAdmissionPolicies produced a different pod`;
      }
    }
    out.push({ ...base, policy: vapPolicy, vap, source, pass, messages, reason: reason ?? (src.policy ? `admitted by PSP ${src.policy}${src.mutated ? " after its defaults" : ""}` : null) });
  }
  return out;
}
