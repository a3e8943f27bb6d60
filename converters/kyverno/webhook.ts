// The request a Kyverno policy sees in a cluster, as its admission webhook receives it. Kyverno registers one
// webhook rule per kind selector of the policy's rules (autogen rules included: `batch/v1/CronJob`, `apps/v1/…`),
// resolved through discovery (pkg/controllers/webhook/controller.go mergeWebhook), with matchPolicy Equivalent. The
// API server then sends a request for a resource no rule names exactly, but an equivalent group/version of it does
// (a `batch/v1beta1` CronJob, an `apps/v1beta2` Deployment), converted to that group/version; Kyverno matches on the
// converted kind (policycontext ResourceKind = request.kind). So does a VAP (matchPolicy Equivalent), whereas the
// `kyverno` CLI matches the object's own apiVersion (cmd/cli/kubectl-kyverno/processor/policy_processor.go).
import { equivalentResources, kindRegistry } from "../../src/vap/kinds.js";
import type { AdmissionRequest, KObject } from "../../src/vap/types.js";
import { rulesForKind } from "./engine/autogen.js";
import { kindMatches } from "./engine/match.js";
import type { ClusterPolicy, MatchBlock } from "./model.js";

/** Kind selectors of a match block (legacy, any, all). */
function kindsOf(m: MatchBlock): string[] {
  return [...(m.legacy?.resources?.kinds ?? []), ...(m.any ?? []).flatMap((f) => f.resources?.kinds ?? []), ...(m.all ?? []).flatMap((f) => f.resources?.kinds ?? [])];
}

const withApiVersion = (o: KObject | null | undefined, apiVersion: string): KObject | null | undefined => (o ? { ...o, apiVersion } : o);

/**
 * The request as the policy's webhook receives it: unchanged when a validate rule's kinds name its group/version
 * (or none do, in any version: Kyverno is not called), else converted to the first equivalent group/version one
 * does — the objects' apiVersion rewritten, their content kept (the VAP engine does not convert content either).
 */
export function asWebhookReceives(policy: ClusterPolicy, request: AdmissionRequest, crds: readonly KObject[] = []): AdmissionRequest {
  const kind = request.kind.kind;
  const kinds = rulesForKind(policy, kind).filter((r) => r.validate).flatMap((r) => kindsOf(r.match));
  if (!kinds.length) return request;
  const at = (group: string, version: string): KObject => ({ apiVersion: group ? `${group}/${version}` : version, kind });
  if (kindMatches(kinds, at(request.kind.group, request.kind.version), request.subResource ?? "")) return request;
  for (const eq of equivalentResources(request.resource, kindRegistry(crds))) {
    if (eq.gvk.group === request.kind.group && eq.gvk.version === request.kind.version) continue;
    const target = at(eq.gvk.group, eq.gvk.version);
    if (eq.gvk.kind !== kind || !kindMatches(kinds, target, request.subResource ?? "")) continue;
    const apiVersion = target.apiVersion!;
    return {
      ...request,
      kind: eq.gvk,
      resource: eq.gvr,
      requestKind: request.requestKind ?? request.kind,
      requestResource: request.requestResource ?? request.resource,
      ...(request.object !== undefined ? { object: withApiVersion(request.object, apiVersion) ?? null } : {}),
      ...(request.oldObject !== undefined ? { oldObject: withApiVersion(request.oldObject, apiVersion) ?? null } : {}),
    };
  }
  return request;
}
