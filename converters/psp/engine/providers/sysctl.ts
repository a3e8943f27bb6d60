// Sysctl strategy (pkg/security/podsecuritypolicy/sysctl MustMatchPatterns, 1.24): per pod sysctl — forbidden
// (exact or `prefix*`) → reject; in the safe set → ok; allowedUnsafe (exact, `prefix*`, `*`) → ok; else reject.
import { forbidden, type FieldError } from "../fielderr.js";
import { arr, obj, str, type JsonObject } from "../podview.js";

/** SafeSysctlAllowlist of Kubernetes 1.24 (the last release with PSP). */
export const SAFE_SYSCTLS_1_24: readonly string[] = [
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_unprivileged_port_start",
];

/** Pattern match as the strategy does it: trailing `*` is a prefix match, otherwise exact. */
export function sysctlMatches(pattern: string, name: string): boolean {
  if (pattern.endsWith("*")) return name.startsWith(pattern.slice(0, -1));
  return name === pattern;
}

export function validateSysctls(
  pod: JsonObject,
  allowedUnsafe: readonly string[] = [],
  forbiddenList: readonly string[] = [],
  safe: readonly string[] = SAFE_SYSCTLS_1_24,
): FieldError[] {
  const sc = obj(obj(pod["spec"])?.["securityContext"]);
  const errs: FieldError[] = [];
  (arr(sc?.["sysctls"]) ?? []).forEach((s, i) => {
    const name = str(obj(s)?.["name"]) ?? "";
    const path = ["pod", "spec", "securityContext", "sysctls", i];
    if (forbiddenList.some((p) => sysctlMatches(p, name))) errs.push(forbidden(path, `sysctl ${JSON.stringify(name)} is not allowed`));
    else if (safe.includes(name)) return;
    else if (allowedUnsafe.some((p) => sysctlMatches(p, name))) return;
    else errs.push(forbidden(path, `unsafe sysctl ${JSON.stringify(name)} is not allowed`));
  });
  return errs;
}
