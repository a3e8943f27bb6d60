// API-server defaulting of a PodSecurityPolicy (pkg/apis/policy/v1beta1/defaults.go, same for extensions/v1beta1,
// Kubernetes 1.11–1.24): only `allowPrivilegeEscalation` nil → true. Nothing else was defaulted in those
// releases (≤1.10 also defaulted a few booleans; runAsGroup nil stays nil and means RunAsAny at admission).
import type { PodSecurityPolicySpec } from "./model.js";

/** A spec as read from the file, before defaulting. */
export type UndefaultedPspSpec = Omit<PodSecurityPolicySpec, "allowPrivilegeEscalation"> & { allowPrivilegeEscalation?: boolean };

export interface DefaultedField {
  field: string;
  value: unknown;
}

/** SetDefaults_PodSecurityPolicySpec. Returns the defaulted spec and what was filled in. */
export function defaultPspSpec(spec: UndefaultedPspSpec): { spec: PodSecurityPolicySpec; applied: DefaultedField[] } {
  const applied: DefaultedField[] = [];
  let ape = spec.allowPrivilegeEscalation;
  if (ape === undefined) {
    ape = true;
    applied.push({ field: "spec.allowPrivilegeEscalation", value: true });
  }
  return { spec: { ...spec, allowPrivilegeEscalation: ape }, applied };
}
