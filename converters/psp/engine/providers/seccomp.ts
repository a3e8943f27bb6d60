// Seccomp strategy (pkg/security/podsecuritypolicy/seccomp) driven by the PSP annotations
// `seccomp.security.alpha.kubernetes.io/{allowedProfileNames,defaultProfileName}`. Since 1.19 the API server syncs
// the `seccompProfile` fields into the alpha annotations before admission (applySeccompVersionSkew), so a field
// counts as the equivalent annotation here; the pod object itself is not rewritten.
import { forbidden, type FieldError } from "../fielderr.js";
import { annotations, containersOf, obj, str, type JsonObject } from "../podview.js";

export const SECCOMP_POD_KEY = "seccomp.security.alpha.kubernetes.io/pod";
export const SECCOMP_CONTAINER_PREFIX = "container.seccomp.security.alpha.kubernetes.io/";

/** podutil.SeccompAnnotationForField. */
export function seccompAnnotationForField(field: unknown): string {
  const f = obj(field);
  switch (str(f?.["type"])) {
    case "Unconfined":
      return "unconfined";
    case "RuntimeDefault":
      return "runtime/default";
    case "Localhost": {
      const p = str(f?.["localhostProfile"]);
      return p !== undefined ? `localhost/${p}` : "";
    }
    default:
      return "";
  }
}

/** The pod's annotations as the API server would hold them after the seccomp field→annotation sync. */
export function syncedSeccompAnnotations(pod: JsonObject): Record<string, string> {
  const ann = annotations(pod);
  const podField = obj(obj(pod["spec"])?.["securityContext"])?.["seccompProfile"];
  if (podField && !(SECCOMP_POD_KEY in ann)) {
    const v = seccompAnnotationForField(podField);
    if (v) ann[SECCOMP_POD_KEY] = v;
  }
  for (const ref of containersOf(pod)) {
    const name = str(ref.container["name"]) ?? "";
    const key = SECCOMP_CONTAINER_PREFIX + name;
    const f = obj(ref.container["securityContext"])?.["seccompProfile"];
    if (f && !(key in ann)) {
      const v = seccompAnnotationForField(f);
      if (v) ann[key] = v;
    }
  }
  return ann;
}

export interface SeccompStrategy {
  /** Profile to write into the pod annotation, or "" when nothing should be written. */
  generate(pod: JsonObject): string;
  validatePod(pod: JsonObject): FieldError[];
  validateContainer(pod: JsonObject, container: JsonObject): FieldError[];
}

export function createSeccompStrategy(pspAnnotations: Record<string, string> | undefined): SeccompStrategy {
  const a = pspAnnotations ?? {};
  const allowedString = a["seccomp.security.alpha.kubernetes.io/allowedProfileNames"];
  const defaultProfile = a["seccomp.security.alpha.kubernetes.io/defaultProfileName"] ?? "";
  const allowed = new Set<string>();
  let allowAny = false;
  if (allowedString !== undefined) {
    for (const p of allowedString.split(",")) {
      if (p === "*") allowAny = true;
      else allowed.add(p);
    }
  }
  const profileAllowed = (p: string) => (allowed.size === 0 && p === "") || allowAny || allowed.has(p);
  const check = (path: (string | { key: string })[], profile: string): FieldError[] => {
    if (!allowAny && allowed.size === 0 && profile !== "") return [forbidden(path, "seccomp may not be set")];
    if (!profileAllowed(profile)) {
      return [forbidden(path, `${profile} is not an allowed seccomp profile. Valid values are ${allowedString ?? ""}`)];
    }
    return [];
  };
  return {
    generate(pod) {
      const cur = syncedSeccompAnnotations(pod)[SECCOMP_POD_KEY] ?? "";
      return cur !== "" ? "" : defaultProfile;
    },
    validatePod(pod) {
      const profile = syncedSeccompAnnotations(pod)[SECCOMP_POD_KEY] ?? "";
      return check(["pod", "metadata", "annotations", { key: SECCOMP_POD_KEY }], profile);
    },
    validateContainer(pod, container) {
      const ann = syncedSeccompAnnotations(pod);
      const key = SECCOMP_CONTAINER_PREFIX + (str(container["name"]) ?? "");
      const profile = key in ann ? ann[key]! : (ann[SECCOMP_POD_KEY] ?? "");
      return check(["pod", "metadata", "annotations", { key }], profile);
    },
  };
}
