// Kyverno engine: wildcard matching (rows from kyverno ext/wildcard/match_test.go), kind selectors
// (pkg/utils/match/kind_test.go, allowEphemeralContainers as the engine passes it) and rule match/exclude.
import { describe, expect, it } from "vitest";
import { kindMatches, ruleApplies, selectorMatches, type RequestInfo } from "../converters/kyverno/engine/match.js";
import { wildcardMatch } from "../converters/kyverno/engine/wildcard.js";
import type { MatchBlock } from "../converters/kyverno/model.js";
import type { KObject } from "../src/vap/types.js";

describe("wildcardMatch", () => {
  it.each<[string, string, boolean]>([
    ["*", "s3:GetObject", true],
    ["", "s3:GetObject", false],
    ["", "", true],
    ["s3:*", "s3:ListMultipartUploadParts", true],
    ["s3:ListBucketMultipartUploads", "s3:ListBucket", false],
    ["my-bucket?/abc*", "mybucket/abc", false],
    ["my-bucket?/abc*", "my-bucket1/abc", true],
    ["my-?-bucket/abc*", "my--bucket/abc", false],
    ["my??bucket/abc*", "my4abucket/abc", true],
    ["my-bucket/abc????", "my-bucket/abcde", false],
    ["my-bucket/abc????", "my-bucket/abcdefg", true],
    ["my-bucket/mnop*?", "my-bucket/mnop", false],
    ["my-bucket/mnop*?", "my-bucket/mnopqrst/mnopqr", true],
    ["?*", "", false],
    ["?*", "x", true],
    ["*:latest", "nginx:latest", true],
    ["*:latest", "nginx:1.2", false],
    ["*a", "*ba", true],
    ["a*", "a*", true],
  ])("%j vs %j → %s", (p, s, want) => expect(wildcardMatch(p, s)).toBe(want));
});

const obj = (apiVersion: string, kind: string, meta: KObject["metadata"] = { name: "x", namespace: "default" }): KObject => ({ apiVersion, kind, metadata: meta });

describe("kind selectors", () => {
  it.each<[string[], string, string, string, boolean]>([
    [["*"], "v1", "Deployment", "", true],
    [["Pod"], "v1", "Pod", "", true],
    [["v1/Pod"], "v1", "Pod", "", true],
    [["tekton.dev/v1beta1/TaskRun"], "tekton.dev/v1beta1", "TaskRun", "", true],
    [["tekton.dev/*/TaskRun"], "tekton.dev/v1alpha1", "TaskRun", "", true],
    [["v1/Pod"], "v1", "Pod", "status", false],
    [["v1/Pod"], "v1", "Pod", "ephemeralcontainers", true],
    [["postgresdb"], "acid.zalan.do/v1", "postgresdb", "", true],
    [["Postgresdb"], "acid.zalan.do/v1", "postgresdb", "", false],
    [["networking.k8s.io/v1/NetworkPolicy/status"], "networking.k8s.io/v1", "NetworkPolicy", "status", true],
    [["v1/Pod.status"], "v1", "Pod", "status", true],
    [["*/Pod.eviction"], "v1", "Pod", "eviction", true],
    [["v1alpha1/Pod.eviction"], "v1", "Pod", "eviction", false],
    [["apps/v1/Deployment"], "v1", "Deployment", "", false],
  ])("%j vs %s %s/%s → %s", (kinds, av, kind, sub, want) => expect(kindMatches(kinds, obj(av, kind), sub)).toBe(want));
});

describe("label selectors", () => {
  it.each<[Parameters<typeof selectorMatches>[0], Record<string, string>, boolean]>([
    [{}, {}, true],
    [{ matchLabels: { app: "web" } }, { app: "web" }, true],
    [{ matchLabels: { app: "web" } }, { app: "db" }, false],
    [{ matchLabels: { "app.kubernetes.io/*": "*" } }, { "app.kubernetes.io/name": "x" }, true],
    [{ matchLabels: { "app.kubernetes.io/*": "*" } }, { other: "x" }, false],
    [{ matchExpressions: [{ key: "tier", operator: "In", values: ["a", "b"] }] }, { tier: "b" }, true],
    [{ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["a"] }] }, {}, true],
    [{ matchExpressions: [{ key: "tier", operator: "Exists" }] }, {}, false],
    [{ matchExpressions: [{ key: "tier", operator: "DoesNotExist" }] }, {}, true],
  ])("%j on %j → %s", (sel, labels, want) => expect(selectorMatches(sel, labels)).toBe(want));
});

describe("rule match / exclude", () => {
  const cli: RequestInfo = { operation: "CREATE" };
  const pod = obj("v1", "Pod", { name: "web-1", namespace: "prod", labels: { app: "web" } });
  const ns = obj("v1", "Namespace", { name: "prod" });
  it.each<[string, MatchBlock, MatchBlock | undefined, KObject, RequestInfo, boolean]>([
    ["any: kind", { any: [{ resources: { kinds: ["Pod"] } }] }, undefined, pod, cli, true],
    ["any: other kind", { any: [{ resources: { kinds: ["Deployment"] } }] }, undefined, pod, cli, false],
    ["all: kind and namespace", { all: [{ resources: { kinds: ["Pod"] } }, { resources: { namespaces: ["prod"] } }] }, undefined, pod, cli, true],
    ["all: one fails", { all: [{ resources: { kinds: ["Pod"] } }, { resources: { namespaces: ["dev"] } }] }, undefined, pod, cli, false],
    ["legacy resources", { legacy: { resources: { kinds: ["Pod"], names: ["web-*"] } } }, undefined, pod, cli, true],
    ["operations", { any: [{ resources: { kinds: ["Pod"], operations: ["UPDATE"] } }] }, undefined, pod, cli, false],
    ["a Namespace is in its own namespace", { any: [{ resources: { kinds: ["Namespace"], namespaces: ["prod"] } }] }, undefined, ns, cli, true],
    ["exclude any: namespace", { any: [{ resources: { kinds: ["Pod"] } }] }, { any: [{ resources: { namespaces: ["prod"] } }] }, pod, cli, false],
    ["exclude all: only when every filter holds", { any: [{ resources: { kinds: ["Pod"] } }] }, { all: [{ resources: { namespaces: ["prod"] } }, { resources: { names: ["db"] } }] }, pod, cli, true],
    ["match subjects ignored without admission info", { any: [{ resources: { kinds: ["Pod"] }, subjects: [{ kind: "User", name: "alice" }] }] }, undefined, pod, cli, true],
    ["match subjects with admission info", { any: [{ resources: { kinds: ["Pod"] }, subjects: [{ kind: "User", name: "alice" }] }] }, undefined, pod, { operation: "CREATE", username: "bob" }, false],
    ["exclude subjects never match without admission info", { any: [{ resources: { kinds: ["Pod"] } }] }, { any: [{ subjects: [{ kind: "Group", name: "system:*" }] }] }, pod, cli, true],
    ["exclude subjects with admission info", { any: [{ resources: { kinds: ["Pod"] } }] }, { any: [{ subjects: [{ kind: "Group", name: "system:*" }] }] }, pod, { operation: "CREATE", username: "x", groups: ["system:masters"] }, false],
    ["namespaceSelector", { any: [{ resources: { kinds: ["Pod"], namespaceSelector: { matchLabels: { env: "prod" } } } }] }, undefined, pod, { operation: "CREATE", namespaceLabels: { env: "prod" } }, true],
    ["empty match filter matches nothing", { any: [{}] }, undefined, pod, cli, false],
  ])("%s", (_n, match, exclude, r, info, want) => expect(ruleApplies(match, exclude, r, info)).toBe(want));

  it("a namespaced Policy applies only in its namespace", () => {
    const m: MatchBlock = { any: [{ resources: { kinds: ["Pod"] } }] };
    expect([ruleApplies(m, undefined, pod, cli, "prod"), ruleApplies(m, undefined, pod, cli, "dev")]).toEqual([true, false]);
  });
});
