// The MAP stage used by replays: applies the MutatingAdmissionPolicies among the manifests to a request, as the
// API server's mutating admission stage does before validation.
import type { AuthzDecide } from "../cel/k8s/authz.js";
import { splitDocuments } from "../vap/load.js";
import { applyMutatingPolicies } from "../vap/mutating.js";
import type { AdmissionRequest, KObject } from "../vap/types.js";

export function mapStage(manifests: readonly unknown[], request: AdmissionRequest, authz: AuthzDecide): { object: KObject | null; error?: string } {
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
  return out.error !== undefined ? { object: out.object, error: out.error } : { object: out.object };
}
