// Gatekeeper's Rego input as gator builds it: input.review for plain objects and AdmissionReviews, DELETE,
// namespaceObject, and the data.inventory shape.
import { describe, expect, it } from "vitest";
import {
  gatorReview,
  inventoryData,
  isAdmissionReview,
  namespaceFromInventory,
  regoInput,
  reviewForObject,
  ReviewError,
} from "../converters/rego/gatekeeper/review.js";
import type { KObject } from "../src/vap/types.js";

const pod: KObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec: { containers: [] } };

describe("input.review for a plain object", () => {
  it("is the AdmissionRequest JSON gator marshals: zero-valued fields present, no oldObject, operation empty", () => {
    expect(gatorReview(pod)).toEqual({
      uid: "",
      kind: { group: "", version: "v1", kind: "Pod" },
      resource: { group: "", version: "", resource: "" },
      name: "p",
      namespace: "default",
      operation: "",
      userInfo: {},
      object: pod,
      oldObject: null,
      options: null,
      namespaceObject: {},
    });
  });

  it.each<[string, KObject, object]>([
    ["group/version", { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" } }, { group: "apps", version: "v1", kind: "Deployment" }],
    ["unparsable apiVersion empties the whole GVK", { apiVersion: "a/b/c", kind: "X", metadata: { name: "d" } }, { group: "", version: "", kind: "" }],
    ["no apiVersion", { kind: "X", metadata: { name: "d" } }, { group: "", version: "", kind: "X" }],
  ])("kind from apiVersion: %s", (_n, obj, kind) => {
    expect(gatorReview(obj).kind).toEqual(kind);
  });

  it("name and namespace are omitted when empty (cluster-scoped, or no namespace given)", () => {
    const r = gatorReview({ apiVersion: "v1", kind: "Pod", metadata: {} });
    expect("name" in r).toBe(false);
    expect("namespace" in r).toBe(false);
  });

  it("copies the object (no aliasing) and takes a namespaceObject when given", () => {
    const r = reviewForObject(pod, { namespaceObject: { metadata: { name: "default", labels: { a: "b" } } } });
    expect(r.object).not.toBe(pod);
    expect(r.namespaceObject).toEqual({ metadata: { name: "default", labels: { a: "b" } } });
  });

  it("regoInput", () => {
    const r = gatorReview(pod);
    expect(regoInput(r, { x: 1 })).toEqual({ review: r, parameters: { x: 1 } });
  });
});

describe("input.review for an AdmissionReview", () => {
  const ar = (request: unknown, apiVersion = "admission.k8s.io/v1"): KObject => ({ apiVersion, kind: "AdmissionReview", request });

  it("recognises AdmissionReview of group admission.k8s.io only", () => {
    expect(isAdmissionReview(ar({}, "admission.k8s.io/v1beta1"))).toBe(true);
    expect(isAdmissionReview(ar({}, "example.com/v1"))).toBe(false);
  });

  it("uses the request, filling Go zero values for fields it leaves out", () => {
    const r = gatorReview(ar({ operation: "UPDATE", object: pod, oldObject: pod, userInfo: { username: "alice", groups: ["g"] } }, "admission.k8s.io/v1beta1"));
    expect(r).toEqual({
      uid: "",
      kind: { group: "", version: "", kind: "" },
      resource: { group: "", version: "", resource: "" },
      operation: "UPDATE",
      userInfo: { username: "alice", groups: ["g"] },
      object: pod,
      oldObject: pod,
      options: null,
      namespaceObject: {},
    });
  });

  it("keeps the request's own fields", () => {
    const r = gatorReview(
      ar({
        uid: "u1",
        kind: { group: "", version: "v1", kind: "Pod" },
        resource: { group: "", version: "v1", resource: "pods" },
        subResource: "status",
        name: "p",
        namespace: "default",
        operation: "CREATE",
        object: pod,
        dryRun: true,
      }),
    );
    expect(r).toMatchObject({ uid: "u1", kind: { kind: "Pod", version: "v1", group: "" }, resource: { resource: "pods" }, subResource: "status", name: "p", namespace: "default", dryRun: true });
  });

  it("DELETE: object := oldObject", () => {
    const old = { ...pod, metadata: { name: "old", namespace: "default" } };
    expect(gatorReview(ar({ operation: "DELETE", oldObject: old })).object).toEqual(old);
    expect(gatorReview(ar({ operation: "DELETE", object: pod, oldObject: old })).object).toEqual(old);
  });

  it.each<[string, unknown, RegExp]>([
    ["no request", undefined, /missing an AdmissionRequest object/],
    ["no object nor oldObject", { operation: "CREATE" }, /no object or oldObject found to review/],
    ["DELETE without oldObject", { operation: "DELETE", object: pod }, /oldObject cannot be nil for DELETE operations/],
    ["unknown request field (strict decoding)", { operation: "CREATE", object: pod, extra: 1 }, /unknown field "request.extra"/],
    ["object without kind", { operation: "CREATE", object: { metadata: {} } }, /Object 'Kind' is missing/],
    ["wrongly typed operation", { operation: 5, object: pod }, /request\.operation: expected string/],
  ])("rejects: %s", (_n, request, msg) => {
    const obj = request === undefined ? ({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview" } as KObject) : ar(request);
    expect(() => gatorReview(obj)).toThrow(ReviewError);
    expect(() => gatorReview(obj)).toThrow(msg);
  });
});

describe("data.inventory", () => {
  const sc: KObject = { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "fast" } };
  const ing: KObject = { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "i", namespace: "web" } };
  const ns: KObject = { apiVersion: "v1", kind: "Namespace", metadata: { name: "web", labels: { a: "b" } } };
  const svc: KObject = { apiVersion: "v1", kind: "Service", metadata: { name: "s", namespace: "web" } };

  it("keys by group/version (core: v1), kind, name, with namespaced objects under namespace[ns]", () => {
    expect(inventoryData([sc, ing, ns, svc])).toEqual({
      cluster: { "storage.k8s.io/v1": { StorageClass: { fast: sc } }, v1: { Namespace: { web: ns } } },
      namespace: { web: { "networking.k8s.io/v1": { Ingress: { i: ing } }, v1: { Service: { s: svc } } } },
    });
  });

  it("is {} without objects; placement follows metadata.namespace, not the kind's scope; later objects replace earlier", () => {
    expect(inventoryData([])).toEqual({});
    const podNoNs: KObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" } };
    expect(inventoryData([podNoNs])).toEqual({ cluster: { v1: { Pod: { p: podNoNs } } } });
    const sc2 = { ...sc, parameters: { x: "y" } };
    expect(inventoryData([sc, sc2]).cluster!["storage.k8s.io/v1"]!.StorageClass!.fast).toEqual(sc2);
  });

  it("rejects objects without version or kind", () => {
    expect(() => inventoryData([{ kind: "Pod", metadata: { name: "x" } }])).toThrow(/has no version/);
    expect(() => inventoryData([{ apiVersion: "v1", metadata: { name: "x" } }])).toThrow(/has no kind/);
  });

  it("the matcher's Namespace comes from the inventory, by request namespace", () => {
    expect(namespaceFromInventory({ namespace: "web" }, [sc, ns])).toBe(ns);
    expect(namespaceFromInventory({ namespace: "other" }, [ns])).toBeUndefined();
    expect(namespaceFromInventory({}, [ns])).toBeUndefined();
    expect(namespaceFromInventory({ namespace: "web" }, [{ ...ns, apiVersion: "v2" }])).toBeUndefined();
  });
});
