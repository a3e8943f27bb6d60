// The converter's own table of pod volume sources and the PSP FSType each maps to (policy/v1beta1 FSType of
// Kubernetes 1.24, written from the API types — not borrowed from the PSP engine, so replay can catch a wrong entry).
// Only `cephfs` is spelled differently in the pod spec than in the PSP.
const FS_TYPES = [
  "awsElasticBlockStore", "azureDisk", "azureFile", "cephFS", "cinder", "configMap", "csi", "downwardAPI", "emptyDir",
  "ephemeral", "fc", "flexVolume", "flocker", "gcePersistentDisk", "gitRepo", "glusterfs", "hostPath", "iscsi", "nfs",
  "persistentVolumeClaim", "photonPersistentDisk", "portworxVolume", "projected", "quobyte", "rbd", "scaleIO", "secret",
  "storageos", "vsphereVolume",
] as const;

/** Pod-spec key of a PSP FSType. */
export const volumeKey = (fsType: string): string => (fsType === "cephFS" ? "cephfs" : fsType);

/** [pod-spec key, PSP FSType] for every volume source PSP knew. */
export const PSP_VOLUME_SOURCES: readonly (readonly [string, string])[] = FS_TYPES.map((t) => [volumeKey(t), t] as const);
