// `--target kyverno`: the converted VAP + binding pairs as Kyverno's own ValidatingPolicy (policies.kyverno.io/v1)
// with the same CEL, the binding's actions on the policy. A policy that reads ConfigMap params cannot be expressed
// (a ValidatingPolicy has no binding to carry the paramRef) and stays a named gap.
import type { ConvertResult } from "../../src/convert/types.js";

type Obj = { [k: string]: unknown };

/** A VAP + binding pair as Kyverno's ValidatingPolicy (policies.kyverno.io/v1): same CEL, actions on the policy. */
function asValidatingPolicies(manifests: readonly object[]): object[] {
  const bindings = manifests.filter((m) => (m as Obj).kind === "ValidatingAdmissionPolicyBinding") as Obj[];
  return manifests
    .filter((m) => (m as Obj).kind === "ValidatingAdmissionPolicy")
    .map((m) => {
      const vap = m as Obj & { metadata: Obj & { name: string }; spec: Obj };
      const binding = bindings.find((b) => (b.spec as Obj).policyName === vap.metadata.name);
      const { failurePolicy, ...spec } = vap.spec;
      return {
        apiVersion: "policies.kyverno.io/v1",
        kind: "ValidatingPolicy",
        metadata: vap.metadata,
        // Kyverno's own autogen is turned off: the CEL already covers the pod controllers it should (variables.pod)
        spec: { ...spec, ...(failurePolicy ? { failurePolicy } : {}), validationActions: (binding?.spec as Obj | undefined)?.validationActions ?? ["Deny"], autogen: { podControllers: { controllers: [] } } },
      };
    });
}

/** The conversion result re-targeted at ValidatingPolicies, with a gap for each policy that needs params. */
export function asKyvernoTarget(result: ConvertResult): ConvertResult {
  // a ValidatingPolicy has no binding to carry a paramRef: a policy that reads a ConfigMap param stays a gap
  const withParams = result.manifests.filter((m) => (m as Obj).kind === "ValidatingAdmissionPolicy" && ((m as Obj).spec as Obj).paramKind) as Obj[];
  const gaps = withParams.map((m) => ({ rule: String((m.metadata as Obj).name), reason: "[kyverno.target.params] --target kyverno: a ValidatingPolicy cannot take the ConfigMap params (no binding paramRef); use --target vap", line: 0, id: "kyverno.target.params", effect: "weaker" as const }));
  return { ...result, manifests: asValidatingPolicies(result.manifests), gaps: [...result.gaps, ...gaps], status: gaps.length ? "partial" : result.status };
}
