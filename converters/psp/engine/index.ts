// The PSP admission plugin (plugin/pkg/admission/security/podsecuritypolicy/admission.go, Kubernetes 1.24) as a
// pure function: policies sorted by name, each tried on a deep copy (MutatePod then ValidatePod), only PSPs the
// pod's service account or the user may `use` count; CREATE prefers the first PSP that admits the pod without
// changing it, else the first that admits it after mutation; UPDATE (and the validating phase) accepts only
// unchanged pods. Pods only; UPDATEs that touch nothing but ownerReferences/finalizers are ignored.
import type { PodSecurityPolicy } from "../model.js";
import { errorBody, errorString, type FieldError } from "./fielderr.js";
import { isObj, obj, semEq, str, type JsonObject } from "./podview.js";
import { createProvider, type Provider } from "./provider.js";

export type Operation = "CREATE" | "UPDATE";

export interface UserInfo {
  username: string;
  groups?: string[];
}

/** Who asks: a user, or a service account `system:serviceaccount:<ns>:<name>` (given as its parts). */
export type Subject = { kind: "User"; user: UserInfo } | { kind: "ServiceAccount"; namespace: string; name: string };

export type Authorize = (subject: Subject, verb: "use", pspName: string, namespace: string) => boolean;

export interface AdmitInput {
  policies: PodSecurityPolicy[];
  pod: unknown;
  oldPod?: unknown;
  operation: Operation;
  userInfo?: UserInfo;
  /** Service account name; defaults to the pod's `spec.serviceAccountName`. */
  serviceAccount?: string;
  namespace: string;
  /** RBAC stand-in; without it every policy is usable. */
  authorize?: Authorize;
  /** Subresource of the request; PSP ignored every subresource. */
  subresource?: string;
}

export interface AdmitError {
  policy: string;
  field: string;
  message: string;
}

export interface AdmitResult {
  verdict: "admit" | "deny";
  /** The PSP that admitted the pod (what `kubernetes.io/psp` would say). */
  policy?: string;
  /** True when the admitting PSP changed the pod (CREATE only). */
  mutated: boolean;
  /** The pod after the admitting PSP's defaults, when it changed (without the `kubernetes.io/psp` annotation). */
  mutatedPod?: JsonObject;
  /** Field errors of the usable PSPs (on deny), in name order. */
  errors: AdmitError[];
  /** PSPs that could not be turned into providers (unusable, as in the API server). */
  providerErrors: { policy: string; message: string }[];
  /** Go-style rejection text, e.g. `unable to admit pod: [spec.containers[0]...]`. */
  reason?: string;
  /** Set when the request was outside PSP's scope (subresource, GC-only update). */
  ignored?: string;
}

export const VALIDATED_PSP_ANNOTATION = "kubernetes.io/psp";

/** Go strings.Compare ordering (byte-wise on UTF-16 is equal for the DNS-subdomain names PSPs have). */
function byName(a: PodSecurityPolicy, b: PodSecurityPolicy): number {
  const x = a.metadata.name;
  const y = b.metadata.name;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** rbac IsOnlyMutatingGCFields: the objects are equal once ownerReferences/finalizers/managedFields are ignored. */
export function isOnlyMutatingGCFields(pod: unknown, oldPod: unknown): boolean {
  if (!isObj(pod) || !isObj(oldPod)) return false;
  const strip = (p: JsonObject): JsonObject => {
    const c = structuredClone(p);
    const meta = obj(c["metadata"]);
    if (meta) for (const k of ["ownerReferences", "finalizers", "selfLink", "managedFields"]) delete meta[k];
    return c;
  };
  return semEq(strip(pod), strip(oldPod));
}

function authorized(input: AdmitInput, sa: string | undefined, pspName: string): boolean {
  if (!input.authorize) return true;
  if (sa && input.authorize({ kind: "ServiceAccount", namespace: input.namespace, name: sa }, "use", pspName, input.namespace)) return true;
  if (input.userInfo && input.authorize({ kind: "User", user: input.userInfo }, "use", pspName, input.namespace)) return true;
  return false;
}

export function admitPod(input: AdmitInput): AdmitResult {
  const base: AdmitResult = { verdict: "admit", mutated: false, errors: [], providerErrors: [] };
  if (!isObj(input.pod)) {
    return { ...base, verdict: "deny", reason: "unexpected type: the object is not a Pod" };
  }
  if (input.subresource) return { ...base, ignored: `subresource ${input.subresource}` };
  if (input.operation === "UPDATE" && input.oldPod !== undefined && isOnlyMutatingGCFields(input.pod, input.oldPod)) {
    return { ...base, ignored: "update only changes ownerReferences/finalizers" };
  }
  const pod = input.pod;
  const sa = input.serviceAccount ?? str(obj(pod["spec"])?.["serviceAccountName"]);
  const mutationAllowed = input.operation === "CREATE";
  const hint = mutationAllowed ? undefined : str(obj(obj(pod["metadata"])?.["annotations"])?.[VALIDATED_PSP_ANNOTATION]);
  const policies = [...input.policies].sort((a, b) => {
    if (hint !== undefined) {
      if (a.metadata.name === hint && b.metadata.name !== hint) return -1;
      if (b.metadata.name === hint && a.metadata.name !== hint) return 1;
    }
    return byName(a, b);
  });
  const providers: Provider[] = [];
  for (const p of policies) {
    const pr = createProvider(p);
    if ("errors" in pr) for (const e of pr.errors) base.providerErrors.push({ policy: pr.name, message: e });
    else providers.push(pr);
  }
  if (providers.length === 0) {
    return { ...base, verdict: "deny", reason: "no providers available to validate pod request" };
  }
  const failures: { policy: string; errs: FieldError[] }[] = [];
  let firstMutated: { policy: string; pod: JsonObject } | undefined;
  for (const pr of providers) {
    const copy = structuredClone(pod);
    const m = pr.mutate(copy);
    const errs = pr.validate(copy);
    if (errs.length > 0) {
      failures.push({ policy: pr.name, errs });
      continue;
    }
    if (m.changed && !mutationAllowed) continue;
    if (!authorized(input, sa, pr.name)) continue;
    if (!m.changed) return { ...base, policy: pr.name };
    if (!firstMutated) firstMutated = { policy: pr.name, pod: copy };
  }
  if (firstMutated) return { ...base, policy: firstMutated.policy, mutated: true, mutatedPod: firstMutated.pod };
  const errors: AdmitError[] = [];
  const texts: string[] = [];
  for (const f of failures) {
    if (!authorized(input, sa, f.policy)) continue;
    for (const e of f.errs) {
      errors.push({ policy: f.policy, field: e.field, message: errorBody(e) });
      texts.push(errorString(e));
    }
  }
  const prefix = mutationAllowed ? "unable to admit pod" : "unable to validate against any pod security policy";
  return { ...base, verdict: "deny", errors, reason: `${prefix}: [${texts.join(" ")}]` };
}

export { errorBody, errorString } from "./fielderr.js";
export type { FieldError } from "./fielderr.js";
