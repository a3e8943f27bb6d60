// Typed model of a PodSecurityPolicy (policy/v1beta1, same shape as extensions/v1beta1) as the API server
// stored it: after validation and defaulting. Field names are exactly the Kubernetes JSON names.

export interface SourceLocation {
  file: string;
  /** 1-based line of the document (or of the field, where known). */
  line: number;
  /** 1-based line of each field present: `spec.<field>` and `metadata.annotations.<key>` (for gap locations). */
  fieldLines?: Readonly<Record<string, number>>;
}

export interface IDRange {
  min: number;
  max: number;
}

export type RunAsUserRule = "MustRunAs" | "MustRunAsNonRoot" | "RunAsAny";
export type RunAsGroupRule = "MustRunAs" | "MayRunAs" | "RunAsAny";
export type GroupRule = "MustRunAs" | "MayRunAs" | "RunAsAny"; // supplementalGroups, fsGroup
export type SELinuxRule = "MustRunAs" | "RunAsAny";

export interface SELinuxOptions {
  user?: string;
  role?: string;
  type?: string;
  level?: string;
}

export interface HostPortRange {
  min: number;
  max: number;
}

export interface AllowedHostPath {
  pathPrefix: string;
  readOnly?: boolean;
}

export interface PodSecurityPolicySpec {
  privileged?: boolean;
  defaultAddCapabilities?: string[];
  requiredDropCapabilities?: string[];
  allowedCapabilities?: string[];
  /** FSType names, `*` = all. Empty/absent = none allowed. */
  volumes?: string[];
  hostNetwork?: boolean;
  hostPorts?: HostPortRange[];
  hostPID?: boolean;
  hostIPC?: boolean;
  seLinux: { rule: SELinuxRule; seLinuxOptions?: SELinuxOptions };
  runAsUser: { rule: RunAsUserRule; ranges?: IDRange[] };
  runAsGroup?: { rule: RunAsGroupRule; ranges?: IDRange[] };
  supplementalGroups: { rule: GroupRule; ranges?: IDRange[] };
  fsGroup: { rule: GroupRule; ranges?: IDRange[] };
  readOnlyRootFilesystem?: boolean;
  /** Defaulted: nil → true (as the API server's defaulting did). */
  allowPrivilegeEscalation: boolean;
  defaultAllowPrivilegeEscalation?: boolean;
  allowedHostPaths?: AllowedHostPath[];
  allowedFlexVolumes?: { driver: string }[];
  allowedCSIDrivers?: { name: string }[];
  allowedUnsafeSysctls?: string[];
  forbiddenSysctls?: string[];
  allowedProcMountTypes?: string[];
  runtimeClass?: { allowedRuntimeClassNames: string[]; defaultRuntimeClassName?: string };
}

export interface PodSecurityPolicy {
  apiVersion: "policy/v1beta1" | "extensions/v1beta1";
  kind: "PodSecurityPolicy";
  metadata: { name: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  spec: PodSecurityPolicySpec;
  /** Where it was read from. */
  source: SourceLocation;
}

/** Annotation keys PSP used for seccomp / AppArmor. */
export const PSP_ANNOTATIONS = {
  seccompAllowed: "seccomp.security.alpha.kubernetes.io/allowedProfileNames",
  seccompDefault: "seccomp.security.alpha.kubernetes.io/defaultProfileName",
  apparmorAllowed: "apparmor.security.beta.kubernetes.io/allowedProfileNames",
  apparmorDefault: "apparmor.security.beta.kubernetes.io/defaultProfileName",
} as const;
