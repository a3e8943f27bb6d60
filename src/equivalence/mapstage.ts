// The MAP stage used by replays: applies the MutatingAdmissionPolicies among the manifests to a request, as the
// API server's mutating admission stage does before validation.
import type { AuthzDecide } from "../cel/k8s/authz.js";
import { splitDocuments } from "../vap/load.js";
import { applyMutatingPolicies } from "../vap/mutating.js";
import type { AdmissionRequest, KObject } from "../vap/types.js";

/** What the MAP stage did to a request: the (possibly) mutated object, or the error that rejects the request. */
export interface MapStageResult {
  object: KObject | null;
  /** True when some MutatingAdmissionPolicy changed the object. */
  mutated: boolean;
  error?: string;
}

/** Applies MutatingAdmissionPolicies to a request (replays may substitute their own stage). */
export type MapStage = (manifests: readonly unknown[], request: AdmissionRequest, authz: AuthzDecide) => MapStageResult;

export const mapStage: MapStage = (manifests, request, authz) => {
  const s = splitDocuments(manifests);
  const out = applyMutatingPolicies({
    policies: s.mutatingPolicies,
    bindings: s.mutatingBindings,
    params: s.params,
    namespaces: s.namespaces,
    crds: s.crds,
    request,
    authorizer: authz,
  });
  const mutated = out.results.some((r) => r.verdict === "mutate");
  return out.error !== undefined ? { object: out.object, mutated, error: out.error } : { object: out.object, mutated };
};
