// AppArmor strategy (pkg/security/podsecuritypolicy/apparmor) driven by the PSP annotations
// `apparmor.security.beta.kubernetes.io/{allowedProfileNames,defaultProfileName}`. PSP (≤1.24) only knew the
// per-container annotation `container.apparmor.security.beta.kubernetes.io/<name>`; the `appArmorProfile` fields
// (1.30+) did not exist for it and are ignored.
import { forbidden, type FieldError } from "../fielderr.js";
import { annotations, str, type JsonObject } from "../podview.js";

export const APPARMOR_CONTAINER_PREFIX = "container.apparmor.security.beta.kubernetes.io/";

export interface AppArmorStrategy {
  /** Default profile to write for this container, or undefined. */
  generate(pod: JsonObject, container: JsonObject): string | undefined;
  validate(pod: JsonObject, container: JsonObject): FieldError[];
}

export function createAppArmorStrategy(pspAnnotations: Record<string, string> | undefined): AppArmorStrategy {
  const a = pspAnnotations ?? {};
  const allowedString = a["apparmor.security.beta.kubernetes.io/allowedProfileNames"];
  const defaultProfile = a["apparmor.security.beta.kubernetes.io/defaultProfileName"] ?? "";
  const allowed = allowedString === undefined ? undefined : new Set(allowedString.split(","));
  return {
    generate(pod, container) {
      const key = APPARMOR_CONTAINER_PREFIX + (str(container["name"]) ?? "");
      if ((annotations(pod)[key] ?? "") !== "") return undefined;
      return defaultProfile === "" ? undefined : defaultProfile;
    },
    validate(pod, container) {
      if (!allowed) return [];
      const key = APPARMOR_CONTAINER_PREFIX + (str(container["name"]) ?? "");
      const path = ["pod", "metadata", "annotations", { key }];
      const profile = annotations(pod)[key] ?? "";
      if (profile === "") return allowed.size > 0 ? [forbidden(path, "AppArmor profile must be set")] : [];
      if (!allowed.has(profile)) {
        return [forbidden(path, `${profile} is not an allowed profile. Allowed values: ${JSON.stringify(allowedString)}`)];
      }
      return [];
    },
  };
}
