// What the emitter may assume about the values an expression reads: the field types of the built-in kinds (as the
// API server holds them after decoding into its Go types, defaulting and validation — all before validating
// admission runs) and the types of the bound names that follow from them (comprehension variables over a typed
// list, the pod variable of Kyverno's autogen forms). Only built-in kinds are described, and only fields whose type
// one API version fixes: a field not listed is unknown (`any`), never absent. Custom resources are `any` except their
// metadata, which the API server validates as ObjectMeta for every kind.
//
// A type says what a value is *whenever the expression evaluates to one*: `never` (no alternative) for an expression
// that cannot evaluate (a field of a string), `null` for the admission objects that are null for some operations
// (object on DELETE, oldObject on CREATE) and for the few slices Go encodes as a present null (no omitempty). Other
// fields are never null: a JSON null decodes to the Go zero value, which omitempty drops. Quantities and
// int-or-string fields are `any`.

/** A value's type: a scalar, a list, a string-keyed map, an object with (some) known fields, a union, or unknown. */
export type Ty =
  | "string"
  | "int"
  | "bool"
  | "null"
  | "any"
  | { list: Ty }
  | { map: Ty }
  /** An object; fields not listed are unknown (`any`). */
  | { fields: Readonly<Record<string, Ty>> }
  /** One of these (none: the expression never has a value). */
  | { oneOf: readonly Ty[] }
  /** An optional (`x.?a`) of this type. */
  | { opt: Ty };

export const ANY: Ty = "any";
export const NEVER: Ty = { oneOf: [] };

const S: Ty = "string";
const I: Ty = "int";
const B: Ty = "bool";
const strings: Ty = { list: S };
const stringMap: Ty = { map: S };
const obj = (fields: Record<string, Ty>): Ty => ({ fields });
const listOf = (of: Ty): Ty => ({ list: of });

// ---------------------------------------------------------------------------------------------------------------
// Built-in kinds (core/v1, apps/v1, batch/v1, rbac.authorization.k8s.io/v1, networking.k8s.io/v1)

export const OBJECT_META: Ty = obj({
  name: S,
  generateName: S,
  namespace: S,
  uid: S,
  resourceVersion: S,
  generation: I,
  labels: stringMap,
  annotations: stringMap,
  finalizers: strings,
  ownerReferences: listOf(obj({ apiVersion: S, kind: S, name: S, uid: S, controller: B, blockOwnerDeletion: B })),
});

const labelSelector = obj({ matchLabels: stringMap, matchExpressions: listOf(obj({ key: S, operator: S, values: strings })) });
const seLinuxOptions = obj({ user: S, role: S, type: S, level: S });
const windowsOptions = obj({ gmsaCredentialSpecName: S, gmsaCredentialSpec: S, runAsUserName: S, hostProcess: B });
const profile = obj({ type: S, localhostProfile: S });

const securityContext = obj({
  capabilities: obj({ add: strings, drop: strings }),
  privileged: B,
  seLinuxOptions,
  windowsOptions,
  runAsUser: I,
  runAsGroup: I,
  runAsNonRoot: B,
  readOnlyRootFilesystem: B,
  allowPrivilegeEscalation: B,
  procMount: S,
  seccompProfile: profile,
  appArmorProfile: profile,
});

const podSecurityContext = obj({
  seLinuxOptions,
  windowsOptions,
  runAsUser: I,
  runAsGroup: I,
  runAsNonRoot: B,
  supplementalGroups: listOf(I),
  supplementalGroupsPolicy: S,
  fsGroup: I,
  fsGroupChangePolicy: S,
  sysctls: listOf(obj({ name: S, value: S })),
  seccompProfile: profile,
  appArmorProfile: profile,
  seLinuxChangePolicy: S,
});

const keySelector = obj({ name: S, key: S, optional: B });
const envVar = obj({
  name: S,
  value: S,
  valueFrom: obj({ secretKeyRef: keySelector, configMapKeyRef: keySelector, fieldRef: obj({ apiVersion: S, fieldPath: S }), resourceFieldRef: obj({ containerName: S, resource: S }) }),
});
const probe = obj({ exec: obj({ command: strings }), initialDelaySeconds: I, timeoutSeconds: I, periodSeconds: I, successThreshold: I, failureThreshold: I, terminationGracePeriodSeconds: I });

/** Container, and EphemeralContainer (the same fields where both have them). */
const container = obj({
  name: S,
  image: S,
  command: strings,
  args: strings,
  workingDir: S,
  ports: listOf(obj({ name: S, hostPort: I, containerPort: I, protocol: S, hostIP: S })),
  env: listOf(envVar),
  envFrom: listOf(obj({ prefix: S, configMapRef: obj({ name: S, optional: B }), secretRef: obj({ name: S, optional: B }) })),
  resources: obj({ limits: { map: ANY }, requests: { map: ANY } }),
  volumeMounts: listOf(obj({ name: S, readOnly: B, recursiveReadOnly: S, mountPath: S, subPath: S, mountPropagation: S, subPathExpr: S })),
  livenessProbe: probe,
  readinessProbe: probe,
  startupProbe: probe,
  terminationMessagePath: S,
  terminationMessagePolicy: S,
  imagePullPolicy: S,
  securityContext,
  stdin: B,
  stdinOnce: B,
  tty: B,
  restartPolicy: S,
  targetContainerName: S,
});

const volume = obj({
  name: S,
  hostPath: obj({ path: S, type: S }),
  emptyDir: obj({ medium: S }),
  secret: obj({ secretName: S, optional: B }),
  configMap: obj({ name: S, optional: B }),
  persistentVolumeClaim: obj({ claimName: S, readOnly: B }),
});

/** A slice declared without omitempty: Go encodes a nil one as a present null (src/vap/objects.ts NON_OMITEMPTY). */
const nilable = (t: Ty): Ty => ({ oneOf: [t, "null"] });

export const POD_SPEC: Ty = obj({
  volumes: listOf(volume),
  initContainers: listOf(container),
  containers: nilable(listOf(container)),
  ephemeralContainers: listOf(container),
  restartPolicy: S,
  terminationGracePeriodSeconds: I,
  activeDeadlineSeconds: I,
  dnsPolicy: S,
  nodeSelector: stringMap,
  serviceAccountName: S,
  serviceAccount: S,
  automountServiceAccountToken: B,
  nodeName: S,
  hostNetwork: B,
  hostPID: B,
  hostIPC: B,
  shareProcessNamespace: B,
  securityContext: podSecurityContext,
  imagePullSecrets: listOf(obj({ name: S })),
  hostname: S,
  subdomain: S,
  schedulerName: S,
  tolerations: listOf(obj({ key: S, operator: S, value: S, effect: S, tolerationSeconds: I })),
  hostAliases: listOf(obj({ ip: S, hostnames: strings })),
  priorityClassName: S,
  priority: I,
  runtimeClassName: S,
  enableServiceLinks: B,
  preemptionPolicy: S,
  hostUsers: B,
  os: obj({ name: S }),
});

/** A pod template (and, for every field a template has, a Pod). */
export const POD_TEMPLATE: Ty = obj({ metadata: OBJECT_META, spec: POD_SPEC });

const workload = (spec: Record<string, Ty> = {}): Ty => obj({ metadata: OBJECT_META, spec: obj({ replicas: I, selector: labelSelector, template: POD_TEMPLATE, minReadySeconds: I, ...spec }) });
const jobSpec = obj({ parallelism: I, completions: I, activeDeadlineSeconds: I, backoffLimit: I, selector: labelSelector, template: POD_TEMPLATE, ttlSecondsAfterFinished: I, suspend: B });
const policyRule = obj({ verbs: strings, apiGroups: strings, resources: strings, resourceNames: strings, nonResourceURLs: strings });
const binding = obj({ metadata: OBJECT_META, subjects: listOf(obj({ kind: S, apiGroup: S, name: S, namespace: S })), roleRef: obj({ apiGroup: S, kind: S, name: S }) });

/** `group/Kind` → the object's type (core group: empty). */
const KINDS: ReadonlyMap<string, Ty> = new Map<string, Ty>([
  ["/Pod", obj({ metadata: OBJECT_META, spec: POD_SPEC })],
  ["/PodTemplate", obj({ metadata: OBJECT_META, template: POD_TEMPLATE })],
  ["/ReplicationController", obj({ metadata: OBJECT_META, spec: obj({ replicas: I, minReadySeconds: I, selector: stringMap, template: POD_TEMPLATE }) })],
  ["apps/Deployment", workload({ paused: B, revisionHistoryLimit: I, progressDeadlineSeconds: I })],
  ["apps/ReplicaSet", workload()],
  ["apps/DaemonSet", workload({ revisionHistoryLimit: I })],
  ["apps/StatefulSet", workload({ serviceName: S, podManagementPolicy: S, revisionHistoryLimit: I })],
  ["batch/Job", obj({ metadata: OBJECT_META, spec: jobSpec })],
  ["batch/CronJob", obj({ metadata: OBJECT_META, spec: obj({ schedule: S, timeZone: S, startingDeadlineSeconds: I, concurrencyPolicy: S, suspend: B, jobTemplate: obj({ metadata: OBJECT_META, spec: jobSpec }), successfulJobsHistoryLimit: I, failedJobsHistoryLimit: I }) })],
  [
    "/Service",
    obj({
      metadata: OBJECT_META,
      spec: obj({
        ports: listOf(obj({ name: S, protocol: S, appProtocol: S, port: I, nodePort: I })),
        selector: stringMap,
        clusterIP: S,
        clusterIPs: strings,
        type: S,
        externalIPs: strings,
        sessionAffinity: S,
        loadBalancerIP: S,
        loadBalancerSourceRanges: strings,
        externalName: S,
        externalTrafficPolicy: S,
        healthCheckNodePort: I,
        publishNotReadyAddresses: B,
        ipFamilies: strings,
        ipFamilyPolicy: S,
        allocateLoadBalancerNodePorts: B,
        loadBalancerClass: S,
        internalTrafficPolicy: S,
      }),
    }),
  ],
  ["/Namespace", obj({ metadata: OBJECT_META, spec: obj({ finalizers: strings }) })],
  ["/ConfigMap", obj({ metadata: OBJECT_META, data: stringMap, immutable: B })],
  ["/Secret", obj({ metadata: OBJECT_META, data: stringMap, stringData: stringMap, type: S, immutable: B })],
  ["/ServiceAccount", obj({ metadata: OBJECT_META, automountServiceAccountToken: B, secrets: listOf(obj({ kind: S, namespace: S, name: S })), imagePullSecrets: listOf(obj({ name: S })) })],
  ["rbac.authorization.k8s.io/Role", obj({ metadata: OBJECT_META, rules: nilable(listOf(policyRule)) })],
  ["rbac.authorization.k8s.io/ClusterRole", obj({ metadata: OBJECT_META, rules: nilable(listOf(policyRule)) })],
  ["rbac.authorization.k8s.io/RoleBinding", binding],
  ["rbac.authorization.k8s.io/ClusterRoleBinding", binding],
  ["networking.k8s.io/NetworkPolicy", obj({ metadata: OBJECT_META, spec: obj({ podSelector: labelSelector, policyTypes: strings }) })],
]);

/** Any object of any kind: its metadata is ObjectMeta, the rest unknown. */
const SOME_OBJECT: Ty = obj({ metadata: OBJECT_META });

/**
 * The type of `object` (or `oldObject`) for a policy matching `kinds` (exact group/version/kind, or `*` parts) with
 * its sub-resources, and whether the object can be null for the operations it matches.
 */
export function objectType(kinds: readonly { group: string; kind: string; subresource?: string }[], nullable: boolean): Ty {
  const alts: Ty[] = [];
  for (const k of kinds) {
    // a sub-resource's object is another kind (`pods/exec` → PodExecOptions, `status` → the whole object, …)
    if (k.subresource) return ANY;
    alts.push(k.group === "*" || k.kind === "*" ? SOME_OBJECT : (KINDS.get(`${k.group}/${k.kind}`) ?? SOME_OBJECT));
  }
  if (!alts.length) return ANY;
  return union([...alts, ...(nullable ? ["null" as Ty] : [])]);
}

// ---------------------------------------------------------------------------------------------------------------
// Operations on types

const own = (fields: Readonly<Record<string, Ty>>, name: string): Ty | undefined => (Object.hasOwn(fields, name) ? fields[name] : undefined);

const alternatives = (t: Ty): readonly Ty[] => (typeof t === "object" && "oneOf" in t ? t.oneOf : [t]);

/** One type of several (nested unions flattened; `any` absorbs the rest; duplicates by identity dropped). */
export function union(ts: readonly Ty[]): Ty {
  const out: Ty[] = [];
  for (const t of ts.flatMap(alternatives)) {
    if (t === ANY) return ANY;
    if (!out.includes(t)) out.push(t);
  }
  return out.length === 1 ? out[0]! : { oneOf: out };
}

/** The value of field `name` (a `.name` selection or a string-keyed lookup) where it has one. */
export function fieldType(t: Ty, name: string): Ty {
  return union(
    alternatives(t).map((a): Ty => {
      if (a === ANY) return ANY;
      if (typeof a !== "object") return NEVER; // a scalar or null has no fields (an error)
      if ("fields" in a) return own(a.fields, name) ?? ANY;
      if ("map" in a) return a.map;
      return NEVER; // a list (an error), or an optional (never selected with a plain step)
    }),
  );
}

/** The element a `[i]` index (list) or `[k]` key (map) reads where it has one. */
export function indexType(t: Ty, key: string | number | undefined): Ty {
  return union(
    alternatives(t).map((a): Ty => {
      if (a === ANY) return ANY;
      if (typeof a !== "object") return NEVER;
      if ("list" in a) return typeof key === "string" ? NEVER : a.list;
      if ("map" in a) return typeof key === "number" ? NEVER : a.map;
      if ("fields" in a) return typeof key === "string" ? (own(a.fields, key) ?? ANY) : typeof key === "number" ? NEVER : ANY;
      return NEVER;
    }),
  );
}

/** What a one-variable comprehension binds: a list's elements, a map's (string) keys. */
export function elementType(t: Ty): Ty {
  return union(
    alternatives(t).map((a): Ty => {
      if (a === ANY) return ANY;
      if (typeof a !== "object") return NEVER;
      if ("list" in a) return a.list;
      if ("map" in a || "fields" in a) return S;
      return NEVER;
    }),
  );
}

/** The value type of an optional (`any` when the type is not known to be an optional). */
export function optValue(t: Ty): Ty {
  return union(alternatives(t).map((a): Ty => (typeof a === "object" && "opt" in a ? a.opt : ANY)));
}

/** Every value of this type is a map (an object or a string-keyed map): never null, a scalar or a list. */
export function isMapType(t: Ty): boolean {
  return alternatives(t).every((a) => typeof a === "object" && ("fields" in a || "map" in a));
}

/** The one scalar type every value of this type has (undefined when there is none or it is unknown). */
export function scalarType(t: Ty): "string" | "int" | "bool" | undefined {
  const alts = alternatives(t);
  const first = alts[0];
  return (first === "string" || first === "int" || first === "bool") && alts.every((a) => a === first) ? first : undefined;
}

/** Every value of this type is a list. */
export function isListType(t: Ty): boolean {
  const alts = alternatives(t);
  return alts.length > 0 && alts.every((a) => typeof a === "object" && "list" in a);
}

/** Every value of this type is known and not null (a field of a built-in kind: the API server has no null fields). */
export function neverNull(t: Ty): boolean {
  const alts = alternatives(t);
  return alts.length > 0 && alts.every((a) => a !== ANY && a !== "null" && !(typeof a === "object" && "opt" in a));
}

/** Some value of this type may be null. */
export function mayBeNull(t: Ty): boolean {
  return alternatives(t).some((a) => a === "null");
}
