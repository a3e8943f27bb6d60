// The slice of a Pod that the Pod Security Standards checks read, decoded from JSON the way Go's encoding/json fills
// k8s.io/api/core/v1 structs: a missing or null field is the zero value (false, "", 0, empty list) or a nil pointer
// (here `undefined`); a field of the wrong JSON type is a decoding error (PodDecodeError), as it would be for the API
// server and for Kyverno's json.Unmarshal into corev1.Pod. Only the fields the checks read are decoded (and so
// type-checked); everything else is ignored.

/** A pod (or pod template) that could not be decoded into the Go types: `path` names the offending field. */
export class PodDecodeError extends Error {
  constructor(
    readonly path: string,
    readonly expected: string,
  ) {
    super(`${path}: cannot decode into ${expected}`);
    this.name = "PodDecodeError";
  }
}

export interface SeccompProfile {
  type: string;
}
export interface AppArmorProfile {
  type: string;
}
export interface SELinuxOptions {
  user: string;
  role: string;
  type: string;
}
export interface WindowsOptions {
  /** `*bool`: undefined = nil. */
  hostProcess?: boolean;
}
export interface Capabilities {
  add: string[];
  drop: string[];
}

export interface SecurityContext {
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: Capabilities;
  procMount?: string;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  seccompProfile?: SeccompProfile;
  seLinuxOptions?: SELinuxOptions;
  appArmorProfile?: AppArmorProfile;
  windowsOptions?: WindowsOptions;
}

export interface PodSecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  seccompProfile?: SeccompProfile;
  seLinuxOptions?: SELinuxOptions;
  appArmorProfile?: AppArmorProfile;
  windowsOptions?: WindowsOptions;
  sysctls: { name: string }[];
}

/** The `host` of an httpGet / tcpSocket handler ("" when unset). */
export interface Handler {
  httpGet?: { host: string };
  tcpSocket?: { host: string };
}

export interface ContainerPort {
  hostPort: number;
  containerPort: number;
}

export interface Container {
  name: string;
  image: string;
  ports: ContainerPort[];
  securityContext?: SecurityContext;
  livenessProbe?: Handler;
  readinessProbe?: Handler;
  startupProbe?: Handler;
  lifecycle?: { postStart?: Handler; preStop?: Handler };
}

/** Every volume source field of core/v1 Volume, in Go struct order. */
export const VOLUME_SOURCES = [
  "hostPath",
  "emptyDir",
  "gcePersistentDisk",
  "awsElasticBlockStore",
  "gitRepo",
  "secret",
  "nfs",
  "iscsi",
  "glusterfs",
  "persistentVolumeClaim",
  "rbd",
  "flexVolume",
  "cinder",
  "cephfs",
  "flocker",
  "downwardAPI",
  "fc",
  "azureFile",
  "configMap",
  "vsphereVolume",
  "quobyte",
  "azureDisk",
  "photonPersistentDisk",
  "projected",
  "portworxVolume",
  "scaleIO",
  "storageos",
  "csi",
  "ephemeral",
  "image",
] as const;
export type VolumeSource = (typeof VOLUME_SOURCES)[number];

export interface Volume {
  name: string;
  /** The sources whose pointer is non-nil (present and not null). */
  sources: ReadonlySet<VolumeSource>;
  /** `hostPath.path` when hostPath is set. */
  hostPathPath?: string;
}

export interface PodSpec {
  hostNetwork: boolean;
  hostPID: boolean;
  hostIPC: boolean;
  hostUsers?: boolean;
  os?: { name: string };
  securityContext?: PodSecurityContext;
  volumes: Volume[];
  initContainers: Container[];
  containers: Container[];
  ephemeralContainers: Container[];
}

export interface PodMeta {
  name: string;
  namespace: string;
  /** Annotations in document order (Go's map order is random; every check that reads them sorts). */
  annotations: ReadonlyMap<string, string>;
}

export interface DecodedPod {
  metadata: PodMeta;
  spec: PodSpec;
}

type Obj = { [k: string]: unknown };

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** A struct pointer: nil for missing/null, else it must be an object. */
function struct(v: unknown, path: string): Obj | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) throw new PodDecodeError(path, "object");
  return v;
}

function list(v: unknown, path: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new PodDecodeError(path, "array");
  return v;
}

function str(v: unknown, path: string): string {
  if (v === undefined || v === null) return "";
  if (typeof v !== "string") throw new PodDecodeError(path, "string");
  return v;
}

function optStr(v: unknown, path: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new PodDecodeError(path, "string");
  return v;
}

function bool(v: unknown, path: string): boolean {
  return optBool(v, path) ?? false;
}

function optBool(v: unknown, path: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw new PodDecodeError(path, "bool");
  return v;
}

function optInt(v: unknown, path: string, bits: 32 | 64): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v)) throw new PodDecodeError(path, bits === 32 ? "int32" : "int64");
  if (bits === 32 && (v < -2147483648 || v > 2147483647)) throw new PodDecodeError(path, "int32");
  return v;
}

function seccomp(v: unknown, path: string): SeccompProfile | undefined {
  const o = struct(v, path);
  return o && { type: str(o.type, `${path}.type`) };
}

function seLinux(v: unknown, path: string): SELinuxOptions | undefined {
  const o = struct(v, path);
  return o && { user: str(o.user, `${path}.user`), role: str(o.role, `${path}.role`), type: str(o.type, `${path}.type`) };
}

function windows(v: unknown, path: string): WindowsOptions | undefined {
  const o = struct(v, path);
  if (!o) return undefined;
  const hostProcess = optBool(o.hostProcess, `${path}.hostProcess`);
  return hostProcess === undefined ? {} : { hostProcess };
}

function handler(v: unknown, path: string): Handler | undefined {
  const o = struct(v, path);
  if (!o) return undefined;
  const out: Handler = {};
  const h = struct(o.httpGet, `${path}.httpGet`);
  if (h) out.httpGet = { host: str(h.host, `${path}.httpGet.host`) };
  const t = struct(o.tcpSocket, `${path}.tcpSocket`);
  if (t) out.tcpSocket = { host: str(t.host, `${path}.tcpSocket.host`) };
  return out;
}

function securityContext(v: unknown, path: string): SecurityContext | undefined {
  const o = struct(v, path);
  if (!o) return undefined;
  const sc: SecurityContext = {};
  const set = <K extends keyof SecurityContext>(k: K, val: SecurityContext[K] | undefined): void => {
    if (val !== undefined) sc[k] = val;
  };
  set("privileged", optBool(o.privileged, `${path}.privileged`));
  set("allowPrivilegeEscalation", optBool(o.allowPrivilegeEscalation, `${path}.allowPrivilegeEscalation`));
  const caps = struct(o.capabilities, `${path}.capabilities`);
  if (caps) {
    sc.capabilities = {
      add: list(caps.add, `${path}.capabilities.add`).map((c, i) => str(c, `${path}.capabilities.add[${i}]`)),
      drop: list(caps.drop, `${path}.capabilities.drop`).map((c, i) => str(c, `${path}.capabilities.drop[${i}]`)),
    };
  }
  set("procMount", optStr(o.procMount, `${path}.procMount`));
  set("runAsNonRoot", optBool(o.runAsNonRoot, `${path}.runAsNonRoot`));
  set("runAsUser", optInt(o.runAsUser, `${path}.runAsUser`, 64));
  set("seccompProfile", seccomp(o.seccompProfile, `${path}.seccompProfile`));
  set("seLinuxOptions", seLinux(o.seLinuxOptions, `${path}.seLinuxOptions`));
  const aa = struct(o.appArmorProfile, `${path}.appArmorProfile`);
  if (aa) sc.appArmorProfile = { type: str(aa.type, `${path}.appArmorProfile.type`) };
  set("windowsOptions", windows(o.windowsOptions, `${path}.windowsOptions`));
  return sc;
}

function podSecurityContext(v: unknown, path: string): PodSecurityContext | undefined {
  const o = struct(v, path);
  if (!o) return undefined;
  const sc: PodSecurityContext = {
    sysctls: list(o.sysctls, `${path}.sysctls`).map((s, i) => {
      const so = struct(s, `${path}.sysctls[${i}]`);
      return { name: so ? str(so.name, `${path}.sysctls[${i}].name`) : "" };
    }),
  };
  const rn = optBool(o.runAsNonRoot, `${path}.runAsNonRoot`);
  if (rn !== undefined) sc.runAsNonRoot = rn;
  const ru = optInt(o.runAsUser, `${path}.runAsUser`, 64);
  if (ru !== undefined) sc.runAsUser = ru;
  const sp = seccomp(o.seccompProfile, `${path}.seccompProfile`);
  if (sp) sc.seccompProfile = sp;
  const se = seLinux(o.seLinuxOptions, `${path}.seLinuxOptions`);
  if (se) sc.seLinuxOptions = se;
  const aa = struct(o.appArmorProfile, `${path}.appArmorProfile`);
  if (aa) sc.appArmorProfile = { type: str(aa.type, `${path}.appArmorProfile.type`) };
  const wo = windows(o.windowsOptions, `${path}.windowsOptions`);
  if (wo) sc.windowsOptions = wo;
  return sc;
}

function container(v: unknown, path: string): Container {
  // A null list element decodes to the zero Container.
  const o = struct(v, path) ?? {};
  const c: Container = {
    name: str(o.name, `${path}.name`),
    image: str(o.image, `${path}.image`),
    ports: list(o.ports, `${path}.ports`).map((p, i) => {
      const po = struct(p, `${path}.ports[${i}]`) ?? {};
      return {
        hostPort: optInt(po.hostPort, `${path}.ports[${i}].hostPort`, 32) ?? 0,
        containerPort: optInt(po.containerPort, `${path}.ports[${i}].containerPort`, 32) ?? 0,
      };
    }),
  };
  const sc = securityContext(o.securityContext, `${path}.securityContext`);
  if (sc) c.securityContext = sc;
  for (const k of ["livenessProbe", "readinessProbe", "startupProbe"] as const) {
    const h = handler(o[k], `${path}.${k}`);
    if (h) c[k] = h;
  }
  const lc = struct(o.lifecycle, `${path}.lifecycle`);
  if (lc) {
    const lifecycle: { postStart?: Handler; preStop?: Handler } = {};
    const ps = handler(lc.postStart, `${path}.lifecycle.postStart`);
    if (ps) lifecycle.postStart = ps;
    const pr = handler(lc.preStop, `${path}.lifecycle.preStop`);
    if (pr) lifecycle.preStop = pr;
    c.lifecycle = lifecycle;
  }
  return c;
}

function volume(v: unknown, path: string): Volume {
  const o = struct(v, path) ?? {};
  const sources = new Set<VolumeSource>();
  for (const k of VOLUME_SOURCES) if (struct(o[k], `${path}.${k}`)) sources.add(k);
  const out: Volume = { name: str(o.name, `${path}.name`), sources };
  const hp = struct(o.hostPath, `${path}.hostPath`);
  if (hp) out.hostPathPath = str(hp.path, `${path}.hostPath.path`);
  return out;
}

/** Decodes ObjectMeta (name, namespace, annotations). */
export function decodeMeta(v: unknown, path = "metadata"): PodMeta {
  const o = struct(v, path) ?? {};
  const ann = struct(o.annotations, `${path}.annotations`) ?? {};
  const annotations = new Map<string, string>();
  for (const [k, val] of Object.entries(ann)) annotations.set(k, str(val, `${path}.annotations[${k}]`));
  return { name: str(o.name, `${path}.name`), namespace: str(o.namespace, `${path}.namespace`), annotations };
}

/**
 * The API server's defaulting that PSS checks can see (k8s.io/kubernetes pkg/apis/core/v1/defaults.go):
 * * "pod" and "template": a volume with no source becomes an emptyDir (SetDefaults_Volume);
 * * "pod" only: with hostNetwork, a (init) container port's unset hostPort becomes its containerPort
 *   (defaultHostNetworkPorts; pod templates no longer get it since 1.28).
 * Admission plugins and webhooks (PodSecurity, Kyverno) see defaulted objects; `kyverno test` does not default.
 */
export type ApiServerDefaults = "none" | "pod" | "template";

function applyDefaults(spec: PodSpec, defaults: ApiServerDefaults): PodSpec {
  if (defaults === "none") return spec;
  for (const v of spec.volumes) if (v.sources.size === 0) v.sources = new Set(["emptyDir"]);
  if (defaults === "pod" && spec.hostNetwork) {
    for (const c of [...spec.containers, ...spec.initContainers]) for (const p of c.ports) if (p.hostPort === 0) p.hostPort = p.containerPort;
  }
  return spec;
}

/** Decodes a PodSpec (optionally with the API server's defaulting). */
export function decodeSpec(v: unknown, path = "spec", defaults: ApiServerDefaults = "none"): PodSpec {
  const o = struct(v, path) ?? {};
  const spec: PodSpec = {
    hostNetwork: bool(o.hostNetwork, `${path}.hostNetwork`),
    hostPID: bool(o.hostPID, `${path}.hostPID`),
    hostIPC: bool(o.hostIPC, `${path}.hostIPC`),
    volumes: list(o.volumes, `${path}.volumes`).map((x, i) => volume(x, `${path}.volumes[${i}]`)),
    initContainers: list(o.initContainers, `${path}.initContainers`).map((x, i) => container(x, `${path}.initContainers[${i}]`)),
    containers: list(o.containers, `${path}.containers`).map((x, i) => container(x, `${path}.containers[${i}]`)),
    ephemeralContainers: list(o.ephemeralContainers, `${path}.ephemeralContainers`).map((x, i) =>
      container(x, `${path}.ephemeralContainers[${i}]`),
    ),
  };
  const hu = optBool(o.hostUsers, `${path}.hostUsers`);
  if (hu !== undefined) spec.hostUsers = hu;
  const os = struct(o.os, `${path}.os`);
  if (os) spec.os = { name: str(os.name, `${path}.os.name`) };
  const sc = podSecurityContext(o.securityContext, `${path}.securityContext`);
  if (sc) spec.securityContext = sc;
  return applyDefaults(spec, defaults);
}

/** Decodes a Pod object (`metadata` + `spec`). */
export function decodePod(pod: unknown, defaults: ApiServerDefaults = "none"): DecodedPod {
  const o = struct(pod, "pod") ?? {};
  return { metadata: decodeMeta(o.metadata), spec: decodeSpec(o.spec, "spec", defaults) };
}
