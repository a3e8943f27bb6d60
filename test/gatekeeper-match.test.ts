// Gatekeeper constraint `spec.match` semantics (pkg/mutation/match/match.go + pkg/target/matcher.go), table-driven.
import { describe, expect, it } from "vitest";
import {
  constraintMatches,
  labelSelectorMatches,
  matchConstraint,
  MatchError,
  wildcardMatches,
  wildcardMatchesGenerateName,
  type MatchRequest,
} from "../converters/rego/gatekeeper/match.js";
import type { ConstraintMatch } from "../converters/rego/gatekeeper/model.js";
import type { KObject, LabelSelector } from "../src/vap/types.js";

const pod = (ns?: string, labels?: Record<string, string>, name = "nginx", extra: Record<string, unknown> = {}): KObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, ...(ns ? { namespace: ns } : {}), ...(labels ? { labels } : {}), ...extra },
});
const deploy = (ns: string): KObject => ({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d", namespace: ns } });
const namespace = (name: string, labels?: Record<string, string>): KObject => ({ apiVersion: "v1", kind: "Namespace", metadata: { name, ...(labels ? { labels } : {}) } });
const node: KObject = { apiVersion: "v1", kind: "Node", metadata: { name: "n1" } };
const crb: KObject = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: "x" } };

const req = (object: KObject | null, extra: Partial<MatchRequest> = {}): MatchRequest => ({ object, ...(object?.metadata?.namespace ? { namespace: object.metadata.namespace } : {}), ...extra });

describe("wildcards", () => {
  it.each<[string, string, boolean]>([
    ["kube-*", "kube-system", true],
    ["kube-*", "my-kube-system", false],
    ["*-system", "kube-system", true],
    ["*-system", "system-x", false],
    ["*sys*", "kube-system-x", true],
    ["*", "anything", true],
    ["*", "", true],
    ["exact", "exact", true],
    ["exact", "exactly", false],
  ])("%s ~ %s → %s", (w, c, want) => expect(wildcardMatches(w, c)).toBe(want));

  it.each<[string, string, boolean]>([
    ["pod-*", "pod-", true],
    ["*-pod", "abc-pod", false], // suffix globs never match a generateName
    ["*od*", "pod-", true],
    ["pod-", "pod-", false], // no glob: generateName is not compared
  ])("generateName %s ~ %s → %s", (w, c, want) => expect(wildcardMatchesGenerateName(w, c)).toBe(want));
});

describe("label selectors", () => {
  it.each<[string, LabelSelector, Record<string, string>, boolean]>([
    ["empty selects everything", {}, {}, true],
    ["matchLabels", { matchLabels: { a: "1" } }, { a: "1", b: "2" }, true],
    ["matchLabels wrong value", { matchLabels: { a: "1" } }, { a: "2" }, false],
    ["In", { matchExpressions: [{ key: "a", operator: "In", values: ["1", "2"] }] }, { a: "2" }, true],
    ["In absent", { matchExpressions: [{ key: "a", operator: "In", values: ["1"] }] }, {}, false],
    ["NotIn absent key matches", { matchExpressions: [{ key: "a", operator: "NotIn", values: ["1"] }] }, {}, true],
    ["NotIn", { matchExpressions: [{ key: "a", operator: "NotIn", values: ["1"] }] }, { a: "1" }, false],
    ["Exists", { matchExpressions: [{ key: "a", operator: "Exists" }] }, { a: "" }, true],
    ["DoesNotExist", { matchExpressions: [{ key: "a", operator: "DoesNotExist" }] }, { a: "x" }, false],
    ["ANDed", { matchLabels: { a: "1" }, matchExpressions: [{ key: "b", operator: "Exists" }] }, { a: "1" }, false],
  ])("%s", (_n, sel, labels, want) => expect(labelSelectorMatches(sel, labels)).toBe(want));

  it("an invalid selector is an error", () => {
    expect(() => labelSelectorMatches({ matchExpressions: [{ key: "a", operator: "In" }] }, {})).toThrow(MatchError);
  });
});

describe("constraintMatches", () => {
  type Row = [string, ConstraintMatch | undefined, MatchRequest, KObject | undefined, boolean | "error"];
  const rows: Row[] = [
    ["no match block matches everything", undefined, req(pod("default")), undefined, true],
    ["no match block, even without objects", undefined, { object: null }, undefined, true],
    ["empty match", {}, req(pod("default")), undefined, true],
    // kinds
    ["kinds: core Pod", { kinds: [{ apiGroups: [""], kinds: ["Pod"] }] }, req(pod("default")), undefined, true],
    ["kinds: core group does not match apps", { kinds: [{ apiGroups: [""], kinds: ["Deployment"] }] }, req(deploy("default")), undefined, false],
    ["kinds: * group", { kinds: [{ apiGroups: ["*"], kinds: ["Deployment"] }] }, req(deploy("default")), undefined, true],
    ["kinds: * kind", { kinds: [{ apiGroups: ["apps"], kinds: ["*"] }] }, req(deploy("default")), undefined, true],
    ["kinds: empty lists match all", { kinds: [{}] }, req(deploy("default")), undefined, true],
    ["kinds: any entry", { kinds: [{ apiGroups: [""], kinds: ["Service"] }, { apiGroups: ["apps"], kinds: ["Deployment"] }] }, req(deploy("x")), undefined, true],
    ["kinds: case-sensitive", { kinds: [{ apiGroups: [""], kinds: ["pod"] }] }, req(pod("default")), undefined, false],
    // namespaces / excludedNamespaces
    ["namespaces exact", { namespaces: ["default"] }, req(pod("default")), undefined, true],
    ["namespaces prefix glob", { namespaces: ["kube-*"] }, req(pod("kube-system")), undefined, true],
    ["namespaces miss", { namespaces: ["prod"] }, req(pod("default")), undefined, false],
    ["namespaces: cluster-scoped objects are never excluded", { namespaces: ["prod"] }, req(node), undefined, true],
    ["namespaces: a Namespace is matched by its own name", { namespaces: ["prod"] }, req(namespace("prod")), undefined, true],
    ["namespaces: Namespace miss", { namespaces: ["prod"] }, req(namespace("dev")), undefined, false],
    ["namespaces: object without namespace is cluster-scoped for gator", { namespaces: ["default"] }, req(pod()), undefined, true],
    ["namespaces: the namespace object's name wins over metadata", { namespaces: ["a"] }, req(pod("b"), { namespace: "a" }), namespace("a"), true],
    ["excludedNamespaces suffix glob", { excludedNamespaces: ["*-system"] }, req(pod("kube-system")), undefined, false],
    ["excludedNamespaces other", { excludedNamespaces: ["*-system"] }, req(pod("default")), undefined, true],
    ["excludedNamespaces: cluster-scoped kept", { excludedNamespaces: ["*"] }, req(node), undefined, true],
    ["excludedNamespaces: Namespace itself", { excludedNamespaces: ["kube-system"] }, req(namespace("kube-system")), undefined, false],
    // scope
    ["scope Cluster: node", { scope: "Cluster" }, req(node), undefined, true],
    ["scope Cluster: pod", { scope: "Cluster" }, req(pod("default")), undefined, false],
    ["scope Cluster: Namespace", { scope: "Cluster" }, req(namespace("x")), undefined, true],
    ["scope Cluster: pod without namespace counts as cluster", { scope: "Cluster" }, req(pod()), undefined, true],
    ["scope Namespaced: pod", { scope: "Namespaced" }, req(pod("default")), undefined, true],
    ["scope Namespaced: Namespace", { scope: "Namespaced" }, req(namespace("x")), undefined, false],
    ["scope Namespaced: crb", { scope: "Namespaced" }, req(crb), undefined, false],
    ["scope *", { scope: "*" }, req(crb), undefined, true],
    ["scope typo matches all", { scope: "cluster" }, req(pod("x")), undefined, true],
    // labelSelector
    ["labelSelector on object", { labelSelector: { matchLabels: { app: "web" } } }, req(pod("d", { app: "web" })), undefined, true],
    ["labelSelector miss", { labelSelector: { matchLabels: { app: "web" } } }, req(pod("d", { app: "db" })), undefined, false],
    ["labelSelector: oldObject may match", { labelSelector: { matchLabels: { app: "web" } } }, req(pod("d", { app: "db" }), { oldObject: pod("d", { app: "web" }) }), undefined, true],
    ["labelSelector: no labels", { labelSelector: { matchExpressions: [{ key: "app", operator: "DoesNotExist" }] } }, req(pod("d")), undefined, true],
    // namespaceSelector
    ["namespaceSelector: Namespace's own labels", { namespaceSelector: { matchLabels: { env: "prod" } } }, req(namespace("p", { env: "prod" })), undefined, true],
    ["namespaceSelector: Namespace's own labels miss", { namespaceSelector: { matchLabels: { env: "prod" } } }, req(namespace("p", { env: "dev" })), namespace("other", { env: "prod" }), false],
    ["namespaceSelector: cluster-scoped always matches", { namespaceSelector: { matchLabels: { env: "prod" } } }, req(node), undefined, true],
    ["namespaceSelector: namespace object labels", { namespaceSelector: { matchLabels: { env: "prod" } } }, req(pod("p")), namespace("p", { env: "prod" }), true],
    ["namespaceSelector: namespace object miss", { namespaceSelector: { matchLabels: { env: "prod" } } }, req(pod("p")), namespace("p", { env: "dev" }), false],
    ["namespaceSelector: namespaced object without its Namespace → error (autoreject)", { namespaceSelector: { matchLabels: { env: "prod" } } }, req(pod("p")), undefined, "error"],
    // name
    ["name exact", { name: "nginx" }, req(pod("d")), undefined, true],
    ["name prefix", { name: "ngi*" }, req(pod("d")), undefined, true],
    ["name miss", { name: "web" }, req(pod("d")), undefined, false],
    ["name via generateName prefix", { name: "web-*" }, req(pod("d", undefined, "", { generateName: "web-" })), undefined, true],
    // source
    ["source Original", { source: "Original" }, req(pod("d")), undefined, true],
    ["source Generated", { source: "Generated" }, req(pod("d")), undefined, false],
    ["source Generated on a generated object", { source: "Generated" }, req(pod("d"), { source: "Generated" }), undefined, true],
    ["source without a review source is an error", { source: "Original" }, req(pod("d"), { source: "" }), undefined, "error"],
    // objects
    ["DELETE-style: only oldObject", { kinds: [{ apiGroups: [""], kinds: ["Pod"] }] }, { object: null, oldObject: pod("d") }, undefined, true],
    ["neither object nor oldObject", { kinds: [] }, { object: null, oldObject: null }, undefined, "error"],
    ["object without kind", { kinds: [] }, { object: { apiVersion: "v1", metadata: { name: "x" } } }, undefined, "error"],
    // all ANDed
    ["all criteria ANDed", { kinds: [{ apiGroups: [""], kinds: ["Pod"] }], namespaces: ["d"], labelSelector: { matchLabels: { a: "b" } } }, req(pod("d", { a: "c" })), undefined, false],
  ];

  it.each(rows)("%s", (_n, match, request, ns, want) => {
    if (want === "error") {
      expect(() => constraintMatches(match, request, ns)).toThrow(MatchError);
      expect(matchConstraint(match, request, ns).error).toBeTypeOf("string");
    } else {
      expect(constraintMatches(match, request, ns)).toBe(want);
    }
  });

  it("error wording follows Gatekeeper's", () => {
    expect(matchConstraint({ namespaceSelector: {} }, req(pod("p")))).toEqual({
      matched: false,
      error: "error matching the requested object: nginx :failed to run Match criteria: namespace selector for namespace-scoped object but missing Namespace",
    });
    expect(matchConstraint({}, { object: null })).toEqual({ matched: false, error: "invalid request object: neither object nor old object are defined" });
  });
});
