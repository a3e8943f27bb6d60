// The PSP side of the equivalence replay (src/equivalence/replay.ts): a ReplayAdapter that asks the PSP admission
// engine (./engine, the 1.24 plugin) for its verdict on a pod CREATE/UPDATE, with `use` permissions answered by the
// same authorizer as the VAP side, and compares mutated pods after the API server's seccomp/AppArmor annotation sync.
import { serviceAccountUser, type AuthzDecide } from "../../src/cel/k8s/authz.js";
import type { Fixture } from "../../src/convert/types.js";
import type { CaseResult } from "../../src/equivalence/contract.js";
import type { MapStage } from "../../src/equivalence/mapstage.js";
import { replayFixtures, type ReplayAdapter } from "../../src/equivalence/replay.js";
import { defaultAuthorizer } from "../../src/vap/engine.js";
import { admitPod, type Subject } from "./engine/index.js";
import type { PodSecurityPolicy } from "./model.js";

export interface PspReplayInput {
  psps: readonly PodSecurityPolicy[];
  /** The conversion output: VAP, binding, MAPs, MAP bindings. */
  manifests: readonly unknown[];
  fixtures: readonly Fixture[];
  /** Authorization for both engines (PSP `use` checks and CEL `authorizer`). */
  authz?: AuthzDecide;
  mapStage?: MapStage;
  suite?: string;
}

type Json = Record<string, unknown>;
const isObj = (x: unknown): x is Json => typeof x === "object" && x !== null && !Array.isArray(x);

const APPARMOR_PREFIX = "container.apparmor.security.beta.kubernetes.io/";
const SECCOMP_POD = "seccomp.security.alpha.kubernetes.io/pod";
const SECCOMP_PREFIX = "container.seccomp.security.alpha.kubernetes.io/";

const profile = (v: string): Json =>
  v === "runtime/default" || v === "docker/default"
    ? { type: "RuntimeDefault" }
    : v === "unconfined"
      ? { type: "Unconfined" }
      : v.startsWith("localhost/")
        ? { type: "Localhost", localhostProfile: v.slice(10) }
        : { type: v };
const child = (o: Json, k: string): Json => (isObj(o[k]) ? o[k] : (o[k] = {}) as Json);

/**
 * The API server keeps the seccomp (1.19+) and AppArmor (1.30+) annotations in sync with the `seccompProfile` /
 * `appArmorProfile` fields, so a pod defaulted through either form is the same pod. Mutated pods are compared after
 * that sync: annotations become fields (an existing field wins) and are removed.
 */
export function syncSecurityAnnotations(pod: unknown): unknown {
  if (!isObj(pod)) return pod;
  const copy = JSON.parse(JSON.stringify(pod)) as Json;
  const meta = isObj(copy["metadata"]) ? copy["metadata"] : undefined;
  const ann = meta && isObj(meta["annotations"]) ? (meta["annotations"] as Record<string, string>) : undefined;
  if (!meta || !ann) return copy;
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
  if (!Object.keys(ann).length) delete meta["annotations"];
  return copy;
}

/** The PSP admission engine as the source side of a replay, for one set of PSPs. */
export function pspReplayAdapter(psps: readonly PodSecurityPolicy[], authz: AuthzDecide = defaultAuthorizer): ReplayAdapter {
  const authorize = (subject: Subject, verb: "use", psp: string, namespace: string): boolean => {
    const user = subject.kind === "User" ? { username: subject.user.username, groups: subject.user.groups ?? [] } : serviceAccountUser(subject.namespace, subject.name);
    return authz({ user, verb, resourceRequest: true, group: "policy", version: "*", resource: "podsecuritypolicies", subresource: "", namespace, name: psp, path: "" }).decision === "allow";
  };
  return {
    label: "PSP",
    inScope: (request) =>
      request.kind.kind === "Pod" && (request.operation === "CREATE" || request.operation === "UPDATE") ? null : "not a pod CREATE/UPDATE: outside PSP's scope",
    source: (request) => {
      const user = request.userInfo ?? {};
      const src = admitPod({
        policies: [...psps],
        pod: request.object,
        ...(request.oldObject ? { oldPod: request.oldObject } : {}),
        operation: request.operation === "UPDATE" ? "UPDATE" : "CREATE",
        userInfo: { username: user.username ?? "", groups: user.groups ?? [] },
        namespace: request.namespace ?? "default",
        authorize,
        ...(request.subResource ? { subresource: request.subResource } : {}),
      });
      return {
        verdict: src.ignored ? "admit" : src.verdict,
        ...(src.reason ? { reason: src.reason } : {}),
        ...(src.mutated && src.mutatedPod ? { mutated: src.mutatedPod } : {}),
        ...(src.policy ? { policy: src.policy, note: `admitted by PSP ${src.policy}${src.mutated ? " after its defaults" : ""}` } : {}),
      };
    },
    normalizeForCompare: syncSecurityAnnotations,
  };
}

/** Replay fixtures through the PSP engine and the converted manifests (MAP stage + VAP engine). */
export function replayPsp(input: PspReplayInput): CaseResult[] {
  return replayFixtures(pspReplayAdapter(input.psps, input.authz), {
    manifests: input.manifests,
    fixtures: input.fixtures,
    ...(input.authz ? { authz: input.authz } : {}),
    ...(input.mapStage ? { mapStage: input.mapStage } : {}),
    ...(input.suite !== undefined ? { suite: input.suite } : {}),
  });
}
