// The MAP stage used by replays: applies MutatingAdmissionPolicies among the manifests to a request.
// Placeholder until src/vap/mutating.ts lands: returns the object unchanged.
import type { AuthzDecide } from "../cel/k8s/authz.js";
import type { AdmissionRequest, KObject } from "../vap/types.js";

export function mapStage(_manifests: readonly unknown[], request: AdmissionRequest, _authz: AuthzDecide): { object: KObject | null; error?: string } {
  return { object: request.object ?? null };
}
