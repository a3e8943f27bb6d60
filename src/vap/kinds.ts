// Kind ↔ resource mapping for the offline admission engine: the built-in Kubernetes 1.36 kinds (plus the
// historical group/versions they are equivalent to, for matchPolicy Equivalent), CRD-defined kinds, and helpers
// that turn a bare object into its GVK/GVR and scope.
import type { GroupVersionKind, GroupVersionResource, KObject } from "./types.js";

/** One resource: its kind, plural, scope and every group/version serving it (first = preferred). */
export interface ResourceInfo {
  kind: string;
  plural: string;
  namespaced: boolean;
  /** "group/version" strings; core group is written "v1". All entries are equivalent for matchPolicy Equivalent. */
  groupVersions: string[];
}

const NS = true;
const CL = false;

/** [kind, plural, namespaced, groupVersions]. */
const BUILTIN: ReadonlyArray<[string, string, boolean, string[]]> = [
  // core
  ["Binding", "bindings", NS, ["v1"]],
  ["ComponentStatus", "componentstatuses", CL, ["v1"]],
  ["ConfigMap", "configmaps", NS, ["v1"]],
  ["Endpoints", "endpoints", NS, ["v1"]],
  ["Event", "events", NS, ["v1", "events.k8s.io/v1", "events.k8s.io/v1beta1"]],
  ["LimitRange", "limitranges", NS, ["v1"]],
  ["Namespace", "namespaces", CL, ["v1"]],
  ["Node", "nodes", CL, ["v1"]],
  ["PersistentVolumeClaim", "persistentvolumeclaims", NS, ["v1"]],
  ["PersistentVolume", "persistentvolumes", CL, ["v1"]],
  ["Pod", "pods", NS, ["v1"]],
  ["PodTemplate", "podtemplates", NS, ["v1"]],
  ["ReplicationController", "replicationcontrollers", NS, ["v1"]],
  ["ResourceQuota", "resourcequotas", NS, ["v1"]],
  ["Secret", "secrets", NS, ["v1"]],
  ["ServiceAccount", "serviceaccounts", NS, ["v1"]],
  ["Service", "services", NS, ["v1"]],
  // apps / extensions
  ["ControllerRevision", "controllerrevisions", NS, ["apps/v1", "apps/v1beta1", "apps/v1beta2"]],
  ["DaemonSet", "daemonsets", NS, ["apps/v1", "apps/v1beta2", "extensions/v1beta1"]],
  ["Deployment", "deployments", NS, ["apps/v1", "apps/v1beta1", "apps/v1beta2", "extensions/v1beta1"]],
  ["ReplicaSet", "replicasets", NS, ["apps/v1", "apps/v1beta2", "extensions/v1beta1"]],
  ["StatefulSet", "statefulsets", NS, ["apps/v1", "apps/v1beta1", "apps/v1beta2"]],
  // batch / autoscaling
  ["Job", "jobs", NS, ["batch/v1"]],
  ["CronJob", "cronjobs", NS, ["batch/v1", "batch/v1beta1"]],
  ["HorizontalPodAutoscaler", "horizontalpodautoscalers", NS, ["autoscaling/v2", "autoscaling/v1", "autoscaling/v2beta2", "autoscaling/v2beta1"]],
  // networking
  ["Ingress", "ingresses", NS, ["networking.k8s.io/v1", "networking.k8s.io/v1beta1", "extensions/v1beta1"]],
  ["IngressClass", "ingressclasses", CL, ["networking.k8s.io/v1", "networking.k8s.io/v1beta1"]],
  ["NetworkPolicy", "networkpolicies", NS, ["networking.k8s.io/v1", "extensions/v1beta1"]],
  ["IPAddress", "ipaddresses", CL, ["networking.k8s.io/v1", "networking.k8s.io/v1beta1"]],
  ["ServiceCIDR", "servicecidrs", CL, ["networking.k8s.io/v1", "networking.k8s.io/v1beta1"]],
  ["EndpointSlice", "endpointslices", NS, ["discovery.k8s.io/v1", "discovery.k8s.io/v1beta1"]],
  // policy
  ["PodDisruptionBudget", "poddisruptionbudgets", NS, ["policy/v1", "policy/v1beta1"]],
  ["PodSecurityPolicy", "podsecuritypolicies", CL, ["policy/v1beta1", "extensions/v1beta1"]],
  ["Eviction", "evictions", NS, ["policy/v1"]],
  // rbac
  ["ClusterRole", "clusterroles", CL, ["rbac.authorization.k8s.io/v1", "rbac.authorization.k8s.io/v1beta1"]],
  ["ClusterRoleBinding", "clusterrolebindings", CL, ["rbac.authorization.k8s.io/v1", "rbac.authorization.k8s.io/v1beta1"]],
  ["Role", "roles", NS, ["rbac.authorization.k8s.io/v1", "rbac.authorization.k8s.io/v1beta1"]],
  ["RoleBinding", "rolebindings", NS, ["rbac.authorization.k8s.io/v1", "rbac.authorization.k8s.io/v1beta1"]],
  // storage
  ["StorageClass", "storageclasses", CL, ["storage.k8s.io/v1", "storage.k8s.io/v1beta1"]],
  ["VolumeAttachment", "volumeattachments", CL, ["storage.k8s.io/v1", "storage.k8s.io/v1beta1"]],
  ["CSIDriver", "csidrivers", CL, ["storage.k8s.io/v1", "storage.k8s.io/v1beta1"]],
  ["CSINode", "csinodes", CL, ["storage.k8s.io/v1", "storage.k8s.io/v1beta1"]],
  ["CSIStorageCapacity", "csistoragecapacities", NS, ["storage.k8s.io/v1", "storage.k8s.io/v1beta1"]],
  ["VolumeAttributesClass", "volumeattributesclasses", CL, ["storage.k8s.io/v1", "storage.k8s.io/v1beta1"]],
  // scheduling / node / coordination
  ["PriorityClass", "priorityclasses", CL, ["scheduling.k8s.io/v1", "scheduling.k8s.io/v1beta1"]],
  ["RuntimeClass", "runtimeclasses", CL, ["node.k8s.io/v1", "node.k8s.io/v1beta1"]],
  ["Lease", "leases", NS, ["coordination.k8s.io/v1"]],
  // admissionregistration
  ["ValidatingWebhookConfiguration", "validatingwebhookconfigurations", CL, ["admissionregistration.k8s.io/v1"]],
  ["MutatingWebhookConfiguration", "mutatingwebhookconfigurations", CL, ["admissionregistration.k8s.io/v1"]],
  ["ValidatingAdmissionPolicy", "validatingadmissionpolicies", CL, ["admissionregistration.k8s.io/v1", "admissionregistration.k8s.io/v1beta1"]],
  ["ValidatingAdmissionPolicyBinding", "validatingadmissionpolicybindings", CL, ["admissionregistration.k8s.io/v1", "admissionregistration.k8s.io/v1beta1"]],
  ["MutatingAdmissionPolicy", "mutatingadmissionpolicies", CL, ["admissionregistration.k8s.io/v1", "admissionregistration.k8s.io/v1beta1"]],
  ["MutatingAdmissionPolicyBinding", "mutatingadmissionpolicybindings", CL, ["admissionregistration.k8s.io/v1", "admissionregistration.k8s.io/v1beta1"]],
  // apiextensions / apiregistration
  ["CustomResourceDefinition", "customresourcedefinitions", CL, ["apiextensions.k8s.io/v1"]],
  ["APIService", "apiservices", CL, ["apiregistration.k8s.io/v1"]],
  // certificates / flowcontrol
  ["CertificateSigningRequest", "certificatesigningrequests", CL, ["certificates.k8s.io/v1"]],
  ["ClusterTrustBundle", "clustertrustbundles", CL, ["certificates.k8s.io/v1beta1"]],
  ["FlowSchema", "flowschemas", CL, ["flowcontrol.apiserver.k8s.io/v1", "flowcontrol.apiserver.k8s.io/v1beta3", "flowcontrol.apiserver.k8s.io/v1beta2"]],
  ["PriorityLevelConfiguration", "prioritylevelconfigurations", CL, ["flowcontrol.apiserver.k8s.io/v1", "flowcontrol.apiserver.k8s.io/v1beta3", "flowcontrol.apiserver.k8s.io/v1beta2"]],
  // resource (DRA)
  ["DeviceClass", "deviceclasses", CL, ["resource.k8s.io/v1", "resource.k8s.io/v1beta2", "resource.k8s.io/v1beta1"]],
  ["ResourceClaim", "resourceclaims", NS, ["resource.k8s.io/v1", "resource.k8s.io/v1beta2", "resource.k8s.io/v1beta1"]],
  ["ResourceClaimTemplate", "resourceclaimtemplates", NS, ["resource.k8s.io/v1", "resource.k8s.io/v1beta2", "resource.k8s.io/v1beta1"]],
  ["ResourceSlice", "resourceslices", CL, ["resource.k8s.io/v1", "resource.k8s.io/v1beta2", "resource.k8s.io/v1beta1"]],
  // authn / authz reviews (create-only)
  ["TokenReview", "tokenreviews", CL, ["authentication.k8s.io/v1"]],
  ["SelfSubjectReview", "selfsubjectreviews", CL, ["authentication.k8s.io/v1"]],
  ["SubjectAccessReview", "subjectaccessreviews", CL, ["authorization.k8s.io/v1"]],
  ["SelfSubjectAccessReview", "selfsubjectaccessreviews", CL, ["authorization.k8s.io/v1"]],
  ["SelfSubjectRulesReview", "selfsubjectrulesreviews", CL, ["authorization.k8s.io/v1"]],
  ["LocalSubjectAccessReview", "localsubjectaccessreviews", NS, ["authorization.k8s.io/v1"]],
];

/**
 * Well-known third-party CRDs (as installed by their projects), so bare objects of these kinds get the right plural
 * and scope without their CustomResourceDefinition among the inputs. A CRD given in the inputs overrides them.
 */
const WELL_KNOWN_CRDS: ReadonlyArray<[string, string, boolean, string[]]> = [
  ["Application", "applications", NS, ["argoproj.io/v1alpha1"]],
  ["ApplicationSet", "applicationsets", NS, ["argoproj.io/v1alpha1"]],
  ["AppProject", "appprojects", NS, ["argoproj.io/v1alpha1"]],
  ["Rollout", "rollouts", NS, ["argoproj.io/v1alpha1"]],
  ["GitRepository", "gitrepositories", NS, ["source.toolkit.fluxcd.io/v1", "source.toolkit.fluxcd.io/v1beta2"]],
  ["Bucket", "buckets", NS, ["source.toolkit.fluxcd.io/v1", "source.toolkit.fluxcd.io/v1beta2"]],
  ["HelmRepository", "helmrepositories", NS, ["source.toolkit.fluxcd.io/v1", "source.toolkit.fluxcd.io/v1beta2"]],
  ["HelmChart", "helmcharts", NS, ["source.toolkit.fluxcd.io/v1", "source.toolkit.fluxcd.io/v1beta2"]],
  ["OCIRepository", "ocirepositories", NS, ["source.toolkit.fluxcd.io/v1", "source.toolkit.fluxcd.io/v1beta2"]],
  ["ImageRepository", "imagerepositories", NS, ["image.toolkit.fluxcd.io/v1", "image.toolkit.fluxcd.io/v1beta2"]],
  ["ImagePolicy", "imagepolicies", NS, ["image.toolkit.fluxcd.io/v1", "image.toolkit.fluxcd.io/v1beta2"]],
  ["Kustomization", "kustomizations", NS, ["kustomize.toolkit.fluxcd.io/v1", "kustomize.toolkit.fluxcd.io/v1beta2"]],
  ["HelmRelease", "helmreleases", NS, ["helm.toolkit.fluxcd.io/v2", "helm.toolkit.fluxcd.io/v2beta2", "helm.toolkit.fluxcd.io/v2beta1"]],
  ["PeerAuthentication", "peerauthentications", NS, ["security.istio.io/v1", "security.istio.io/v1beta1"]],
  ["AuthorizationPolicy", "authorizationpolicies", NS, ["security.istio.io/v1", "security.istio.io/v1beta1"]],
  ["RequestAuthentication", "requestauthentications", NS, ["security.istio.io/v1", "security.istio.io/v1beta1"]],
  ["VirtualService", "virtualservices", NS, ["networking.istio.io/v1", "networking.istio.io/v1beta1", "networking.istio.io/v1alpha3"]],
  ["DestinationRule", "destinationrules", NS, ["networking.istio.io/v1", "networking.istio.io/v1beta1", "networking.istio.io/v1alpha3"]],
  ["Gateway", "gateways", NS, ["networking.istio.io/v1", "networking.istio.io/v1beta1", "networking.istio.io/v1alpha3"]],
  ["ServiceEntry", "serviceentries", NS, ["networking.istio.io/v1", "networking.istio.io/v1beta1", "networking.istio.io/v1alpha3"]],
  ["Sidecar", "sidecars", NS, ["networking.istio.io/v1", "networking.istio.io/v1beta1", "networking.istio.io/v1alpha3"]],
  ["Mesh", "meshes", NS, ["consul.hashicorp.com/v1alpha1"]],
  ["Route", "routes", NS, ["route.openshift.io/v1"]],
  ["APIServer", "apiservers", CL, ["config.openshift.io/v1"]],
  ["Role", "roles", NS, ["authorization.openshift.io/v1"]],
  ["RoleBinding", "rolebindings", NS, ["authorization.openshift.io/v1"]],
  ["ClusterRole", "clusterroles", CL, ["authorization.openshift.io/v1"]],
  ["ClusterRoleBinding", "clusterrolebindings", CL, ["authorization.openshift.io/v1"]],
  ["Pipeline", "pipelines", NS, ["tekton.dev/v1", "tekton.dev/v1beta1"]],
  ["PipelineRun", "pipelineruns", NS, ["tekton.dev/v1", "tekton.dev/v1beta1"]],
  ["Task", "tasks", NS, ["tekton.dev/v1", "tekton.dev/v1beta1"]],
  ["TaskRun", "taskruns", NS, ["tekton.dev/v1", "tekton.dev/v1beta1"]],
  ["Backup", "backups", NS, ["velero.io/v1"]],
  ["Restore", "restores", NS, ["velero.io/v1"]],
  ["Schedule", "schedules", NS, ["velero.io/v1"]],
  ["Policy", "policies", NS, ["config.kio.kasten.io/v1alpha1"]],
  ["Certificate", "certificates", NS, ["cert-manager.io/v1"]],
  ["Issuer", "issuers", NS, ["cert-manager.io/v1"]],
  ["ClusterIssuer", "clusterissuers", CL, ["cert-manager.io/v1"]],
];

export const splitApiVersion = (apiVersion: string): { group: string; version: string } => {
  const i = apiVersion.indexOf("/");
  return i < 0 ? { group: "", version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
};

const joinGV = (group: string, version: string): string => (group ? `${group}/${version}` : version);

/** Guessed plural of an unknown kind, as kubectl/kyverno guess it (lower-case; y→ies; s/x/z/ch/sh→es). */
export function guessPlural(kind: string): string {
  const k = kind.toLowerCase();
  if (/[^aeiou]y$/.test(k)) return `${k.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(k)) return `${k}es`;
  return `${k}s`;
}

/** A kind registry: built-ins plus CRDs. Build one per evaluation with `kindRegistry(crds)`. */
export interface KindRegistry {
  /** Resource info for an apiVersion + kind, or undefined when unknown. */
  byKind(apiVersion: string, kind: string): ResourceInfo | undefined;
  /** Resource info for a group + plural resource (any version), or undefined. */
  byResource(group: string, resource: string): ResourceInfo | undefined;
}

function keyGK(group: string, kind: string): string {
  return `${group}\u0000${kind}`;
}

const builtinInfos: ResourceInfo[] = [...BUILTIN, ...WELL_KNOWN_CRDS].map(([kind, plural, namespaced, groupVersions]) => ({
  kind,
  plural,
  namespaced,
  groupVersions,
}));

/** Resource info from a CustomResourceDefinition object (apiextensions.k8s.io/v1), or undefined if malformed. */
export function crdInfo(crd: KObject): (ResourceInfo & { group: string }) | undefined {
  const spec = crd["spec"] as
    | { group?: string; names?: { kind?: string; plural?: string }; scope?: string; versions?: { name?: string; storage?: boolean }[]; version?: string }
    | undefined;
  if (!spec?.group || !spec.names?.kind) return undefined;
  const versions = (spec.versions ?? []).map((v) => v.name).filter((v): v is string => !!v);
  if (!versions.length && spec.version) versions.push(spec.version);
  return {
    group: spec.group,
    kind: spec.names.kind,
    plural: spec.names.plural ?? guessPlural(spec.names.kind),
    namespaced: spec.scope !== "Cluster",
    groupVersions: versions.map((v) => joinGV(spec.group!, v)),
  };
}

function indexInfos(infos: Iterable<ResourceInfo>, byGK: Map<string, ResourceInfo>, byGR: Map<string, ResourceInfo>): void {
  for (const info of infos) {
    for (const gv of info.groupVersions) {
      const { group } = splitApiVersion(gv);
      byGK.set(keyGK(group, info.kind), info);
      byGR.set(keyGK(group, info.plural), info);
    }
  }
}

/** The built-in tables are indexed once; a registry with CRDs layers them on top. */
const builtinGK = new Map<string, ResourceInfo>();
const builtinGR = new Map<string, ResourceInfo>();
indexInfos(builtinInfos, builtinGK, builtinGR);
const builtinRegistry: KindRegistry = {
  byKind: (apiVersion, kind) => builtinGK.get(keyGK(splitApiVersion(apiVersion).group, kind)),
  byResource: (group, resource) => builtinGR.get(keyGK(group, resource)),
};

export function kindRegistry(crds: readonly KObject[] = []): KindRegistry {
  if (!crds.length) return builtinRegistry;
  const byGK = new Map<string, ResourceInfo>();
  const byGR = new Map<string, ResourceInfo>();
  indexInfos(crds.map(crdInfo).filter((x): x is ResourceInfo & { group: string } => !!x), byGK, byGR);
  return {
    byKind(apiVersion, kind) {
      const k = keyGK(splitApiVersion(apiVersion).group, kind);
      return byGK.get(k) ?? builtinGK.get(k);
    },
    byResource(group, resource) {
      const k = keyGK(group, resource);
      return byGR.get(k) ?? builtinGR.get(k);
    },
  };
}

const registries = new WeakMap<readonly KObject[], { crds: readonly KObject[]; registry: KindRegistry }>();

/**
 * kindRegistry(crds), kept per CRD list while it lives and holds the same CRD objects (which must not be changed in
 * place afterwards): the engine asks for it on every request.
 */
export function cachedKindRegistry(crds: readonly KObject[] = []): KindRegistry {
  if (!crds.length) return builtinRegistry;
  const hit = registries.get(crds);
  if (hit && hit.crds.length === crds.length && hit.crds.every((c, i) => c === crds[i])) return hit.registry;
  const registry = kindRegistry(crds);
  registries.set(crds, { crds: [...crds], registry });
  return registry;
}

/** GVK, GVR and scope of an object. Unknown kinds get a guessed plural and are namespaced iff they carry a namespace. */
export function describeObject(
  obj: KObject,
  reg: KindRegistry,
): { gvk: GroupVersionKind; gvr: GroupVersionResource; namespaced: boolean; known: boolean } {
  const apiVersion = obj.apiVersion ?? "v1";
  const kind = obj.kind ?? "";
  const { group, version } = splitApiVersion(apiVersion);
  const info = reg.byKind(apiVersion, kind);
  const namespaced = info ? info.namespaced : !!obj.metadata?.namespace;
  return {
    gvk: { group, version, kind },
    gvr: { group, version, resource: info?.plural ?? guessPlural(kind) },
    namespaced,
    known: !!info,
  };
}

/**
 * Resources equivalent to `gvr` (same resource served under other group/versions), including `gvr` itself
 * first; each with its kind. Used by matchPolicy Equivalent.
 */
export function equivalentResources(
  gvr: GroupVersionResource,
  reg: KindRegistry,
): { gvr: GroupVersionResource; gvk: GroupVersionKind }[] {
  const info = reg.byResource(gvr.group, gvr.resource);
  if (!info) return [];
  return info.groupVersions.map((gv) => {
    const { group, version } = splitApiVersion(gv);
    return { gvr: { group, version, resource: info.plural }, gvk: { group, version, kind: info.kind } };
  });
}

/** "group/version, Kind=Kind" as Go's schema.GroupVersionKind.String() prints it. */
export function gvkString(apiVersion: string, kind: string): string {
  const { group, version } = splitApiVersion(apiVersion);
  return `${group}/${version}, Kind=${kind}`;
}
