// Kyverno behind its admission webhook (converters/kyverno/webhook.ts): a request for an older equivalent
// group/version of a kind the policy's rules pin (autogen's batch/v1/CronJob, apps/v1/…) reaches Kyverno converted,
// as the API server does for a matchPolicy Equivalent webhook; the replay's Kyverno verdict then agrees with the VAP.
import { describe, expect, it } from "vitest";
import { kyvernoConverter } from "../converters/kyverno/index.js";
import type { ClusterPolicy } from "../converters/kyverno/model.js";
import { asWebhookReceives } from "../converters/kyverno/webhook.js";
import { parseDocsLenient } from "../converters/rego/gatekeeper/suite.js";
import { requestForObject } from "../src/vap/load.js";
import type { KObject } from "../src/vap/types.js";

const policyDoc = (name: string, kinds: string[], annotations = ""): string => `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: ${name}
  annotations: {${annotations}}
spec:
  validationFailureAction: Enforce
  rules:
    - name: no-privileged
      match:
        any:
          - resources:
              kinds: [${kinds.join(", ")}]
      validate:
        message: no privileged containers
        pattern:
          spec:
            containers:
              - =(securityContext):
                  =(privileged): "false"
`;

const parse = (text: string): ClusterPolicy[] => kyvernoConverter.parse(parseDocsLenient(text, "policy.yaml").docs) as ClusterPolicy[];

const privileged = { containers: [{ name: "c", image: "nginx", securityContext: { privileged: true } }] };
const cronJob = (apiVersion: string): KObject => ({ apiVersion, kind: "CronJob", metadata: { name: "cj", namespace: "default" }, spec: { schedule: "* * * * *", jobTemplate: { spec: { template: { spec: privileged } } } } });
const deployment = (apiVersion: string): KObject => ({ apiVersion, kind: "Deployment", metadata: { name: "d", namespace: "default" }, spec: { template: { spec: privileged } } });
const pod: KObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec: privileged };

describe("asWebhookReceives", () => {
  it.each<[string, string[], string, KObject, string]>([
    ["autogen pins batch/v1 CronJobs: a batch/v1beta1 one arrives converted", ["Pod"], "", cronJob("batch/v1beta1"), "batch/v1"],
    ["a batch/v1 CronJob arrives as it is", ["Pod"], "", cronJob("batch/v1"), "batch/v1"],
    ["autogen pins apps/v1 Deployments: an extensions/v1beta1 one arrives converted", ["Pod"], "", deployment("extensions/v1beta1"), "apps/v1"],
    ["a Pod arrives as it is", ["Pod"], "", pod, "v1"],
    ["batch/*/CronJob names every version: a batch/v1beta1 CronJob arrives as it is", ["batch/*/CronJob"], "", cronJob("batch/v1beta1"), "batch/v1beta1"],
    ["a bare CronJob kind names every version", ["CronJob"], "", cronJob("batch/v1beta1"), "batch/v1beta1"],
    ["autogen off: no rule names CronJobs, Kyverno is not called (the request is left as it is)", ["Pod"], "pod-policies.kyverno.io/autogen-controllers: none", cronJob("batch/v1beta1"), "batch/v1beta1"],
  ])("%s", (_, kinds, annotations, object, apiVersion) => {
    const [policy] = parse(policyDoc("p", kinds, annotations));
    const request = requestForObject(object);
    const got = asWebhookReceives(policy!, request);
    expect(got.object?.apiVersion).toBe(apiVersion);
    expect(`${got.kind.group ? `${got.kind.group}/` : ""}${got.kind.version}`).toBe(apiVersion);
    if (got !== request) expect(got.requestKind).toEqual(request.kind);
  });
});

describe("the Kyverno replay agrees with the VAP on objects of older equivalent versions", () => {
  it.each<[string, KObject]>([
    ["batch/v1beta1 CronJob", cronJob("batch/v1beta1")],
    ["extensions/v1beta1 Deployment", deployment("extensions/v1beta1")],
    ["batch/v1 CronJob", cronJob("batch/v1")],
  ])("%s: both deny", (_, object) => {
    const sources = parse(policyDoc("no-privileged", ["Pod"]));
    const result = kyvernoConverter.convert(sources, { targetVersion: "1.36" });
    expect(result.status).toBe("converted");
    const doc = { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: requestForObject(object) };
    const [row] = kyvernoConverter.replay({ sources, manifests: result.manifests, fixtures: [{ doc, file: "f.yaml", line: 1 }] });
    expect([row!.source, row!.vap, row!.pass]).toEqual(["deny", "deny", true]);
  });
});
