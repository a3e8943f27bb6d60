// Turning loaded documents into engine input: sort objects into policies, bindings, MAPs, namespaces, CRDs and
// param candidates; build an AdmissionRequest from an AdmissionReview or from a bare object (= CREATE of it).
import { describeObject, kindRegistry } from "./kinds.js";
import type {
  AdmissionRequest,
  KObject,
  MutatingAdmissionPolicy,
  MutatingAdmissionPolicyBinding,
  Operation,
  UserInfo,
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
} from "./types.js";

export interface ClusterState {
  policies: ValidatingAdmissionPolicy[];
  bindings: ValidatingAdmissionPolicyBinding[];
  mutatingPolicies: MutatingAdmissionPolicy[];
  mutatingBindings: MutatingAdmissionPolicyBinding[];
  namespaces: KObject[];
  crds: KObject[];
  /** Every other object: candidates for params. */
  params: KObject[];
}

const isObj = (x: unknown): x is KObject => typeof x === "object" && x !== null && !Array.isArray(x);
const group = (apiVersion: string | undefined): string => {
  const v = apiVersion ?? "";
  const i = v.indexOf("/");
  return i < 0 ? "" : v.slice(0, i);
};

/** Split documents (List kinds are flattened) into the cluster state the engine needs. */
export function splitDocuments(docs: readonly unknown[]): ClusterState {
  const s: ClusterState = {
    policies: [],
    bindings: [],
    mutatingPolicies: [],
    mutatingBindings: [],
    namespaces: [],
    crds: [],
    params: [],
  };
  const visit = (d: unknown): void => {
    if (!isObj(d)) return;
    if (typeof d.kind === "string" && d.kind.endsWith("List") && Array.isArray(d["items"])) {
      for (const x of d["items"] as unknown[]) visit(x);
      return;
    }
    const g = group(d.apiVersion);
    if (g === "admissionregistration.k8s.io") {
      switch (d.kind) {
        case "ValidatingAdmissionPolicy":
          s.policies.push(d as ValidatingAdmissionPolicy);
          return;
        case "ValidatingAdmissionPolicyBinding":
          s.bindings.push(d as ValidatingAdmissionPolicyBinding);
          return;
        case "MutatingAdmissionPolicy":
          s.mutatingPolicies.push(d as MutatingAdmissionPolicy);
          return;
        case "MutatingAdmissionPolicyBinding":
          s.mutatingBindings.push(d as MutatingAdmissionPolicyBinding);
          return;
      }
    }
    if (g === "" && d.kind === "Namespace") s.namespaces.push(d);
    else if (g === "apiextensions.k8s.io" && d.kind === "CustomResourceDefinition") s.crds.push(d);
    else s.params.push(d);
  };
  for (const d of docs) visit(d);
  return s;
}

export const DEFAULT_USER: UserInfo = { username: "kubernetes-admin", groups: ["system:masters", "system:authenticated"] };

const OPTIONS_KIND: Record<Operation, string | null> = {
  CREATE: "CreateOptions",
  UPDATE: "UpdateOptions",
  DELETE: "DeleteOptions",
  CONNECT: null,
};

export interface BuildRequestOptions {
  operation?: Operation;
  oldObject?: KObject | null;
  userInfo?: UserInfo;
  crds?: readonly KObject[];
  uid?: string;
}

/**
 * An AdmissionRequest for a bare object: CREATE (unless told otherwise) of the object in metadata.namespace,
 * else "default" for namespaced kinds (written into the object too, as the API server does).
 */
export function requestForObject(obj: KObject, o: BuildRequestOptions = {}): AdmissionRequest {
  const reg = kindRegistry(o.crds ?? []);
  const d = describeObject(obj, reg);
  const operation = o.operation ?? "CREATE";
  const namespaced = d.namespaced || !!obj.metadata?.namespace;
  const namespace = namespaced ? obj.metadata?.namespace || "default" : undefined;
  const object: KObject =
    namespace && obj.metadata?.namespace !== namespace ? { ...obj, metadata: { ...(obj.metadata ?? {}), namespace } } : obj;
  const old = o.oldObject ?? (operation === "UPDATE" ? object : null);
  const optionsKind = OPTIONS_KIND[operation];
  const req: AdmissionRequest = {
    uid: o.uid ?? "00000000-0000-0000-0000-000000000000",
    kind: d.gvk,
    resource: d.gvr,
    requestKind: d.gvk,
    requestResource: d.gvr,
    name: obj.metadata?.name ?? "",
    ...(namespace ? { namespace } : {}),
    operation,
    userInfo: o.userInfo ?? DEFAULT_USER,
    object: operation === "DELETE" ? null : object,
    ...(operation === "DELETE" ? { oldObject: object } : old ? { oldObject: old } : {}),
    dryRun: false,
    ...(optionsKind ? { options: { apiVersion: "meta.k8s.io/v1", kind: optionsKind } } : {}),
  };
  return req;
}

/** The request of an AdmissionReview (filled with defaults where fields are missing), or a request for a bare object. */
export function requestFromDocument(doc: unknown, o: BuildRequestOptions = {}): AdmissionRequest {
  if (!isObj(doc)) throw new Error("request document is not an object");
  if (doc.kind === "AdmissionReview" && isObj(doc["request"])) {
    const r = doc["request"] as unknown as Partial<AdmissionRequest>;
    const obj = (r.object ?? r.oldObject ?? null) as KObject | null;
    const base = obj ? requestForObject(obj, { ...o, operation: r.operation ?? "CREATE" }) : undefined;
    const kind = r.kind ?? base?.kind;
    const resource = r.resource ?? base?.resource;
    if (!kind || !resource) throw new Error("AdmissionReview request has neither kind/resource nor an object");
    const out: AdmissionRequest = {
      ...(base ?? {}),
      ...r,
      kind,
      resource,
      requestKind: r.requestKind ?? kind,
      requestResource: r.requestResource ?? resource,
      operation: r.operation ?? "CREATE",
      userInfo: r.userInfo ?? o.userInfo ?? DEFAULT_USER,
    } as AdmissionRequest;
    if (!("oldObject" in r)) delete out.oldObject;
    if (r.object === undefined && base) out.object = base.object ?? null;
    // The API server writes the request namespace into the object (as for bare objects).
    const ns = out.namespace;
    const withNs = (x: KObject | null | undefined): KObject | null | undefined =>
      x && ns && !x.metadata?.namespace ? { ...x, metadata: { ...(x.metadata ?? {}), namespace: ns } } : x;
    if (out.object) out.object = withNs(out.object) ?? null;
    if (out.oldObject) out.oldObject = withNs(out.oldObject) ?? null;
    return out;
  }
  return requestForObject(doc, o);
}
