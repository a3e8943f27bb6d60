// Volume checks of the PSP provider (provider.go validatePodVolumes + util.go): FS type of each volume against
// `volumes` (`*` = all, empty = none; a projected volume made only of the bound service-account token sources is
// allowed when `secret` is), allowedHostPaths (path-segment prefixes, read-only mounts), allowedFlexVolumes and
// allowedCSIDrivers.
import type { PodSecurityPolicySpec } from "../../model.js";
import { invalid, type FieldError } from "../fielderr.js";
import { arr, bool, containersOf, isObj, obj, str, type JsonObject } from "../podview.js";

/** Volume source JSON key → PSP FSType name, in GetVolumeFSType's switch order. */
export const VOLUME_SOURCES: readonly (readonly [string, string])[] = [
  ["hostPath", "hostPath"],
  ["emptyDir", "emptyDir"],
  ["gcePersistentDisk", "gcePersistentDisk"],
  ["awsElasticBlockStore", "awsElasticBlockStore"],
  ["gitRepo", "gitRepo"],
  ["secret", "secret"],
  ["nfs", "nfs"],
  ["iscsi", "iscsi"],
  ["glusterfs", "glusterfs"],
  ["persistentVolumeClaim", "persistentVolumeClaim"],
  ["rbd", "rbd"],
  ["flexVolume", "flexVolume"],
  ["cinder", "cinder"],
  ["cephfs", "cephFS"],
  ["flocker", "flocker"],
  ["downwardAPI", "downwardAPI"],
  ["fc", "fc"],
  ["azureFile", "azureFile"],
  ["configMap", "configMap"],
  ["vsphereVolume", "vsphereVolume"],
  ["quobyte", "quobyte"],
  ["azureDisk", "azureDisk"],
  ["photonPersistentDisk", "photonPersistentDisk"],
  ["storageos", "storageos"],
  ["projected", "projected"],
  ["portworxVolume", "portworxVolume"],
  ["scaleIO", "scaleIO"],
  ["csi", "csi"],
  ["ephemeral", "ephemeral"],
];

/** Every FSType PSP knew (GetAllFSTypesAsSet of 1.24), without `*`. */
export const ALL_FS_TYPES: readonly string[] = VOLUME_SOURCES.map(([, t]) => t);

export function volumeFSType(v: JsonObject): string | undefined {
  for (const [key, t] of VOLUME_SOURCES) if (isObj(v[key])) return t;
  return undefined;
}

/** util.IsOnlyServiceAccountTokenSources: what the bound SA token volume projection injects. */
export function isOnlyServiceAccountTokenSources(projected: unknown): boolean {
  for (const s of arr(obj(projected)?.["sources"]) ?? []) {
    const src = obj(s) ?? {};
    const sat = obj(src["serviceAccountToken"]);
    const cm = obj(src["configMap"]);
    const dapi = obj(src["downwardAPI"]);
    if (!sat && !cm && !dapi) return false;
    if (sat && (str(sat["path"]) !== "token" || (str(sat["audience"]) ?? "") !== "")) return false;
    if (cm && str(cm["name"]) !== "kube-root-ca.crt") return false;
    if (dapi) {
      for (const it of arr(dapi["items"]) ?? []) {
        const item = obj(it) ?? {};
        const ref = obj(item["fieldRef"]);
        if (str(item["path"]) !== "namespace" || !ref || str(ref["apiVersion"]) !== "v1" || str(ref["fieldPath"]) !== "metadata.namespace") {
          return false;
        }
      }
    }
  }
  return true;
}

/** util.hasPathPrefix: exact or at a path segment boundary, trailing `/` trimmed on both sides. */
export function hasPathPrefix(path: string, prefix: string): boolean {
  const s = path.endsWith("/") ? path.slice(0, -1) : path;
  const p = prefix.endsWith("/") ? prefix.slice(0, -1) : prefix;
  if (!s.startsWith(p)) return false;
  return s.length === p.length || s[p.length] === "/";
}

/** util.AllowsHostVolumePath → [allowed, mustBeReadOnly]. */
export function allowsHostVolumePath(spec: PodSecurityPolicySpec, hostPath: string): [boolean, boolean] {
  const list = spec.allowedHostPaths ?? [];
  if (list.length === 0) return [true, false];
  let allowed = false;
  let ro = false;
  for (const a of list) {
    if (hasPathPrefix(hostPath, a.pathPrefix)) {
      if (!a.readOnly) return [true, false];
      allowed = true;
      ro = true;
    }
  }
  return [allowed, ro];
}

export function validatePodVolumes(pod: JsonObject, spec: PodSecurityPolicySpec): FieldError[] {
  const errs: FieldError[] = [];
  const volumes = arr(obj(pod["spec"])?.["volumes"]) ?? [];
  const allowed = new Set(spec.volumes ?? []);
  const allowsAll = allowed.has("*");
  volumes.forEach((raw, i) => {
    const v = obj(raw) ?? {};
    const path = ["spec", "volumes", i];
    const fsType = volumeFSType(v);
    if (fsType === undefined) {
      errs.push(invalid(path, "", `unknown volume type for volume: ${JSON.stringify(v)}`));
      return;
    }
    const typeOk = allowed.has(fsType) || (allowed.has("secret") && fsType === "projected" && isOnlyServiceAccountTokenSources(v["projected"]));
    if (!allowsAll && !typeOk) {
      errs.push(invalid(path, fsType, `${fsType} volumes are not allowed to be used`));
      return;
    }
    if (fsType === "hostPath") {
      const hp = str(obj(v["hostPath"])?.["path"]) ?? "";
      const [ok, ro] = allowsHostVolumePath(spec, hp);
      if (!ok) {
        errs.push(invalid([...path, "hostPath", "pathPrefix"], hp, "is not allowed to be used"));
      } else if (ro) {
        const name = str(v["name"]);
        for (const ref of containersOf(pod)) {
          (arr(ref.container["volumeMounts"]) ?? []).forEach((m, j) => {
            const mount = obj(m) ?? {};
            const readOnly = bool(mount["readOnly"]) ?? false;
            if (str(mount["name"]) === name && !readOnly) {
              errs.push(invalid([...ref.path, "volumeMounts", j, "readOnly"], false, "must be read-only"));
            }
          });
        }
      }
    } else if (fsType === "flexVolume") {
      const list = spec.allowedFlexVolumes ?? [];
      const driver = str(obj(v["flexVolume"])?.["driver"]) ?? "";
      if (list.length > 0 && !list.some((f) => f.driver === driver)) {
        errs.push(invalid([...path, "driver"], driver, "Flexvolume driver is not allowed to be used"));
      }
    } else if (fsType === "csi") {
      const list = spec.allowedCSIDrivers ?? [];
      const driver = str(obj(v["csi"])?.["driver"]) ?? "";
      if (list.length > 0 && !list.some((c) => c.name === driver)) {
        errs.push(invalid([...path, "csi", "driver"], driver, "Inline CSI driver is not allowed to be used"));
      }
    }
  });
  return errs;
}
