// PodSecurityPolicy model → IR policy, field by field, as the PSP admission plugin (≤1.24) validated pods.
// Two readings of the same PSP:
//   asIs          — the pod passes ValidatePod AND MutatePod would not change it ("admits as is"); this is what
//                   the VAP checks, because the VAP sees the pod after our MutatingAdmissionPolicies ran.
//   afterDefaults — the pod passes ValidatePod after this PSP's own defaulting (MutatePod); used by the MAP to
//                   decide which PSP's defaults to apply (PSP picked the first PSP by name that validated).
// Containers, initContainers and ephemeralContainers are all checked; container values fall back to the pod
// security context as PSP's effective accessors did. Defaults become IR mutations (pods only).
import { PSP_VOLUME_SOURCES } from "./volumes.js";
import {
  field,
  P,
  path,
  root,
  V,
  type Gap,
  type Json,
  type Mutation,
  type Path,
  type Policy,
  type Pred,
  type Provenance,
  type Rule,
  type StringPattern,
  type Val,
} from "../../src/ir/model.js";
import { PSP_ANNOTATIONS, type IDRange, type PodSecurityPolicy, type SELinuxOptions } from "./model.js";

/** Where a rule or gap's PSP field sits: the spec field (or annotation) it comes from, else the document. */
const FIELDS_OF: Readonly<Record<string, readonly string[]>> = {
  seccomp: [`metadata.annotations.${PSP_ANNOTATIONS.seccompAllowed}`, `metadata.annotations.${PSP_ANNOTATIONS.seccompDefault}`],
  apparmor: [`metadata.annotations.${PSP_ANNOTATIONS.apparmorDefault}`, `metadata.annotations.${PSP_ANNOTATIONS.apparmorAllowed}`],
  capabilities: ["spec.defaultAddCapabilities", "spec.requiredDropCapabilities", "spec.allowedCapabilities"],
};
function fieldLine(psp: PodSecurityPolicy, field: string): number {
  const top = field.replace(/^spec\./, "").split(".")[0]!;
  const lines = psp.source.fieldLines ?? {};
  for (const f of FIELDS_OF[top] ?? [`spec.${top}`]) if (lines[f] !== undefined) return lines[f]!;
  return psp.source.line;
}

export type PspMode = "asIs" | "afterDefaults";

/** Where the pod spec / metadata live (a Pod, or a VAP variable holding a controller's pod template). */
export interface PodRoots {
  spec: Path;
  meta: Path;
  /** A list holding every container of every kind (e.g. a VAP variable); otherwise the three lists are checked one by one. */
  containers?: Path;
}

export const POD_ROOTS: PodRoots = { spec: path(root.object, "spec"), meta: path(root.object, "metadata") };

export const CONTAINER_LISTS = ["containers", "initContainers", "ephemeralContainers"] as const;

/** Safe sysctls of Kubernetes 1.24 (PSP's last release). */
export const SAFE_SYSCTLS = [
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_unprivileged_port_start",
];

export interface NormalizeOptions {
  mode: PspMode;
  roots?: PodRoots;
  /** CEL environment version the output compiles in (default "1.35"); decides how defaults can be rebuilt. */
  envVersion?: string;
}

const C = "c"; // container element variable
const cRoot = (): Path => path(root.v(C));
const str = (s: string): Val => V.lit(s);
const nameOf = (v: string): Val => V.at(path(root.v(v), "name"));

/** The profile named by the field at `at` (`{type, localhostProfile}`), else `fallback` when the field is absent. */
function fieldProfileOr(at: Path, fallback: Val): Val {
  return { k: "let", name: "p", value: V.at(at), body: fieldProfile(path(root.v("p"))), ifAbsent: fallback };
}

/** Seccomp/AppArmor field value (`{type, localhostProfile}`) → annotation-style profile name ('' when unset). */
function fieldProfile(p: Path): Val {
  const t = field(p, "type");
  const is = (x: string): Pred => P.cmp(t, "==", x, false);
  return V.cond(is("RuntimeDefault"), str("runtime/default"), V.cond(is("Unconfined"), str("unconfined"),
    V.cond(is("Localhost"), V.str("localhost/", V.or(V.at(field(p, "localhostProfile")), "")), str(""))));
}

function annotationsPath(r: PodRoots): Path {
  return field(r.meta, "annotations");
}

/** Annotation `prefix + <container name>` of the pod. */
function containerAnnotation(r: PodRoots, prefix: string): Path {
  const a = annotationsPath(r);
  return { root: a.root, segs: [...a.segs, { k: "index", at: V.str(prefix, V.or(nameOf(C), "")) }] };
}

/** Pod seccomp profile: non-empty pod annotation, else pod field, else `fallback`. */
function podSeccomp(r: PodRoots, fallback: string): Val {
  const ann = field(annotationsPath(r), "[seccomp.security.alpha.kubernetes.io/pod]");
  const sp = field(r.spec, "securityContext.seccompProfile");
  return V.cond(P.cmp(ann, "!=", "", false), V.at(ann), fieldProfileOr(sp, str(fallback)));
}

/** Container seccomp profile: container annotation (even empty), else container field, else pod profile. */
function containerSeccomp(r: PodRoots, podProfile: Val): Val {
  const ann = containerAnnotation(r, "container.seccomp.security.alpha.kubernetes.io/");
  const sp = field(cRoot(), "securityContext.seccompProfile");
  return V.or(V.at(ann), fieldProfileOr(sp, podProfile));
}

/** Container AppArmor profile: non-empty annotation, else `fallback`. */
function containerAppArmor(r: PodRoots, fallback: Val): Val {
  const ann = containerAnnotation(r, "container.apparmor.security.beta.kubernetes.io/");
  return V.cond(P.cmp(ann, "!=", "", false), V.at(ann), fallback);
}

/** AppArmor profile from the `appArmorProfile` fields (container, else pod), else ''. */
function appArmorFields(r: PodRoots): Val {
  const cp = field(cRoot(), "securityContext.appArmorProfile");
  const pp = field(r.spec, "securityContext.appArmorProfile");
  return fieldProfileOr(cp, fieldProfileOr(pp, str("")));
}

/** Annotation-style profile → pod/container field value, when one exists. */
export function profileToField(profile: string): { [k: string]: Json } | undefined {
  if (profile === "runtime/default") return { type: "RuntimeDefault" };
  if (profile === "unconfined") return { type: "Unconfined" };
  if (profile.startsWith("localhost/") && profile.length > "localhost/".length)
    return { type: "Localhost", localhostProfile: profile.slice("localhost/".length) };
  return undefined;
}

// PSP-only string patterns, lowered to generic predicates ------------------------------------------------------

/** Path-segment prefix after trimming one trailing `/`: `/foo` allows `/foo`, `/foo/`, `/foo/bar`, not `/food`. */
function pathPrefix(v: Path, prefix: string): Pred {
  const p = prefix.endsWith("/") ? prefix.slice(0, -1) : prefix;
  return P.or(P.cmp(v, "==", p, false), P.match(v, { k: "prefix", prefix: `${p}/` }, false));
}

/** `*` alone matches anything; `kernel.*` matches strings starting with `kernel.`; otherwise exact. */
function wildcardSuffix(v: Path, pattern: string): Pred {
  if (pattern === "*") return P.present(v);
  if (pattern.endsWith("*")) return P.match(v, { k: "prefix", prefix: pattern.slice(0, -1) }, false);
  return P.cmp(v, "==", pattern, false);
}

/** `prefix` followed by `sep`-separated items forming exactly this multiset (order-insensitive). */
function multisetAfter(v: Path, prefix: string, sep: string, items: string[]): Pred {
  const rest: Val = V.call("split", V.call("substring", V.at(v), V.lit([...prefix].length)), V.lit(sep));
  const counts = new Map<string, number>();
  for (const it of [...items].sort()) counts.set(it, (counts.get(it) ?? 0) + 1);
  return P.and(
    P.match(v, { k: "prefix", prefix }, false),
    P.cmp(V.call("size", rest), "==", items.length, false),
    ...[...counts].map(([it, n]) => P.cmp(V.call("size", { k: "filter", list: rest, v: "x", pred: P.cmp(path(root.v("x")), "==", it, "error") }), "==", n, false)),
  );
}

/**
 * Normalize one PSP into an IR policy. `rules` are the predicate of the chosen `mode`; `mutations` are the PSP's
 * defaults (always rooted at the Pod object); `gaps` list what is not exactly expressible.
 */
export function normalizePsp(psp: PodSecurityPolicy, opts: NormalizeOptions): Policy {
  const r = opts.roots ?? POD_ROOTS;
  const asIs = opts.mode === "asIs";
  const s = psp.spec;
  const name = psp.metadata.name;
  const ann = psp.metadata.annotations ?? {};
  const rules: Rule[] = [];
  const gaps: Gap[] = [];
  const mutations: Mutation[] = [];
  const prov = (f: string): Provenance => ({ file: psp.source.file, line: fieldLine(psp, f), field: f });
  const S = r.spec;
  const psc = field(S, "securityContext");
  const sc = field(cRoot(), "securityContext");
  const add = (id: string, f: string, message: string, predicate: Pred): void => {
    rules.push({ id: `${name}.${id}`, field: f, message: { text: message }, check: predicate, provenance: prov(`spec.${id}`), gaps: [] });
  };
  const gap = (id: string, rule: string, reason: string, effect: Gap["effect"]): void => {
    gaps.push({ id: `psp.${id}`, rule: `${name}.${rule}`, reason, effect, provenance: prov(rule) });
  };
  /** Body must hold for every container of every kind. */
  const eachContainer = (body: Pred, v = C): Pred =>
    r.containers ? P.all(r.containers, v, body, nameOf(v)) : P.and(...CONTAINER_LISTS.map((l) => P.all(field(S, l), v, body, nameOf(v))));
  const ranges = (rs: IDRange[] | undefined): { min: number; max: number }[] => (rs ?? []).map((x) => ({ min: x.min, max: x.max }));
  const setC = (target: string, value: Json, when?: Pred): void => {
    for (const l of CONTAINER_LISTS)
      mutations.push({ k: "setIfAbsent", target: path(root.object, `spec.${l}[*].${target}`), value: V.lit(value), vars: [C], ...(when ? { when } : {}), provenance: prov(target) });
  };
  const setPod = (target: string, value: Json, when?: Pred): void => {
    mutations.push({ k: "setIfAbsent", target: path(root.object, target), value: V.lit(value), ...(when ? { when } : {}), provenance: prov(target) });
  };

  // --- privileged, host namespaces -----------------------------------------------------------------------------
  if (!s.privileged) add("privileged", "securityContext.privileged", "privileged containers are not allowed", eachContainer(P.cmp(field(sc, "privileged"), "!=", true, true)));
  for (const h of ["hostNetwork", "hostPID", "hostIPC"] as const) {
    if (!s[h]) add(h, `spec.${h}`, `${h} is not allowed`, P.cmp(field(S, h), "!=", true, true));
  }

  // --- host ports --------------------------------------------------------------------------------------------
  {
    const port = path(root.v("p"), "hostPort");
    const ok = P.or(P.cmp(port, "<=", 0, true), P.inRanges(port, ranges(s.hostPorts), true));
    add("hostPorts", "ports.hostPort", "host port not allowed", eachContainer(P.all(field(cRoot(), "ports"), "p", ok)));
  }

  // --- volumes -----------------------------------------------------------------------------------------------
  const vols = s.volumes ?? [];
  const allVols = vols.includes("*");
  const VOL = "v";
  const vRoot = path(root.v(VOL));
  // GetVolumeFSType: a volume without a source PSP knew is an error ("unknown volume type"), even under `*`.
  const knownKeys = PSP_VOLUME_SOURCES.map(([key]) => key).sort();
  const hasKnownSource: Pred = { k: "quant", q: "any", over: V.at(vRoot), v: "k", body: P.in(path(root.v("k")), knownKeys, false), ifAbsent: false, entries: true };
  if (allVols) {
    add("volumes", "spec.volumes", "volume of a type PSP does not know", P.all(field(S, "volumes"), VOL, hasKnownSource, nameOf(VOL)));
  } else {
    const allowed = [...new Set(vols)].sort();
    const allowedKeys = PSP_VOLUME_SOURCES.filter(([, t]) => allowed.includes(t)).map(([key]) => key).sort();
    const keyOk: Pred = P.in(path(root.v("k")), ["name", ...allowedKeys], false);
    // every key is `name` or an allowed source (all known), so a known source exists iff some key is not `name`
    const hasSource: Pred = { k: "quant", q: "any", over: V.at(vRoot), v: "k", body: P.cmp(path(root.v("k")), "!=", "name", false), ifAbsent: false, entries: true };
    let volOk: Pred = P.and({ k: "quant", q: "all", over: V.at(vRoot), v: "k", body: keyOk, ifAbsent: true, entries: true }, hasSource);
    if (allowed.includes("secret") && !allowed.includes("projected")) {
      // ≈1.20+: a projected volume made only of the service-account token sources is allowed when secret is
      const src = path(root.v("s"));
      const saSource = P.or(
        P.present(field(src, "serviceAccountToken")),
        P.cmp(field(src, "configMap.name"), "==", "kube-root-ca.crt", false),
        P.present(field(src, "downwardAPI")),
      );
      const sources = field(vRoot, "projected.sources");
      const saProjected = P.and(P.cmp(V.call("size", V.at(sources)), "==", 3, false), P.all(sources, "s", saSource));
      volOk = P.or(volOk, saProjected);
      gap("volumes.projected-sa-token", "volumes", "projected service-account token volume exception reproduced from the 1.24 shape (3 sources: token, kube-root-ca.crt, downward API); unverified against PSP", "unverified");
    }
    add("volumes", "spec.volumes", `volume types allowed: ${allowed.join(",") || "none"}`, P.all(field(S, "volumes"), VOL, volOk, nameOf(VOL)));
  }
  const hostPaths = s.allowedHostPaths ?? [];
  if (hostPaths.length && (allVols || vols.includes("hostPath"))) {
    const rw = hostPaths.filter((h) => !h.readOnly).map((h) => h.pathPrefix);
    const ro = hostPaths.filter((h) => h.readOnly).map((h) => h.pathPrefix);
    const hp = field(vRoot, "hostPath.path");
    const mountsRO = eachContainer(
      P.all(path(root.v("m0"), "volumeMounts"), "m", P.or(
        { k: "cmp", lhs: V.at(path(root.v("m"), "name")), op: "!=", rhs: V.at(path(root.v(VOL), "name")), ifAbsent: true },
        P.cmp(path(root.v("m"), "readOnly"), "==", true, false),
      )),
      "m0",
    );
    const ok = P.or(
      rw.length ? P.or(...rw.map((x) => pathPrefix(hp, x))) : P.f,
      ro.length ? P.and(P.or(...ro.map((x) => pathPrefix(hp, x))), mountsRO) : P.f,
    );
    add("allowedHostPaths", "spec.volumes.hostPath", "hostPath not allowed (or must be mounted readOnly)", P.all(field(S, "volumes"), VOL, P.or(P.absent(field(vRoot, "hostPath")), ok), nameOf(VOL)));
  }
  const flex = s.allowedFlexVolumes ?? [];
  if (flex.length && (allVols || vols.includes("flexVolume"))) {
    add("allowedFlexVolumes", "spec.volumes.flexVolume.driver", "flexVolume driver not allowed",
      P.all(field(S, "volumes"), VOL, P.or(P.absent(field(vRoot, "flexVolume")), P.in(field(vRoot, "flexVolume.driver"), flex.map((f) => f.driver).sort(), false)), nameOf(VOL)));
  }
  const csi = s.allowedCSIDrivers ?? [];
  if (csi.length && (allVols || vols.includes("csi"))) {
    add("allowedCSIDrivers", "spec.volumes.csi.driver", "CSI driver not allowed",
      P.all(field(S, "volumes"), VOL, P.or(P.absent(field(vRoot, "csi")), P.in(field(vRoot, "csi.driver"), csi.map((f) => f.name).sort(), false)), nameOf(VOL)));
  }

  // --- runAsUser ---------------------------------------------------------------------------------------------
  const eff = (f: string): Val => V.or(V.at(field(sc, f)), V.at(field(psc, f)));
  const effPresent = (f: string): Pred => P.or(P.present(field(sc, f)), P.present(field(psc, f)));
  if (s.runAsUser.rule === "MustRunAs") {
    const rs = ranges(s.runAsUser.ranges);
    add("runAsUser", "securityContext.runAsUser", "runAsUser must be in the allowed ranges", eachContainer(P.inRanges(eff("runAsUser"), rs, !asIs)));
    if (rs.length) setC("securityContext.runAsUser", rs[0]!.min, P.absent(field(psc, "runAsUser")));
  } else if (s.runAsUser.rule === "MustRunAsNonRoot") {
    const body = P.and(
      asIs ? P.or(effPresent("runAsNonRoot"), effPresent("runAsUser")) : P.t,
      P.cmp(eff("runAsNonRoot"), "!=", false, true),
      P.cmp(eff("runAsUser"), "!=", 0, true),
    );
    add("runAsUser", "securityContext.runAsNonRoot", "must run as non-root", eachContainer(body));
    setC("securityContext.runAsNonRoot", true, P.and(P.not(effPresent("runAsNonRoot")), P.not(effPresent("runAsUser"))));
  }

  // --- runAsGroup --------------------------------------------------------------------------------------------
  if (s.runAsGroup && s.runAsGroup.rule !== "RunAsAny") {
    const rs = ranges(s.runAsGroup.ranges);
    const must = s.runAsGroup.rule === "MustRunAs";
    add("runAsGroup", "securityContext.runAsGroup", "runAsGroup must be in the allowed ranges",
      P.and(P.inRanges(field(psc, "runAsGroup"), rs, true), eachContainer(P.inRanges(eff("runAsGroup"), rs, !(must && asIs)))));
    if (must) {
      if (rs.length) setC("securityContext.runAsGroup", rs[0]!.min, P.absent(field(psc, "runAsGroup")));
      gap("runAsGroup.pod-level", "runAsGroup", "whether PSP also required a pod-level runAsGroup under MustRunAs is unverified; only set values are range-checked at pod level", "unverified");
    }
  }

  // --- supplementalGroups / fsGroup (pod level) -------------------------------------------------------------------
  {
    const sg = s.supplementalGroups;
    const list = field(psc, "supplementalGroups");
    const rs = ranges(sg.ranges);
    const g = path(root.v("g"));
    if (sg.rule === "MustRunAs") {
      const all = P.all(list, "g", P.inRanges(g, rs, false));
      const nonEmpty = P.cmp(V.call("size", V.at(list)), ">", 0, false);
      add("supplementalGroups", "spec.securityContext.supplementalGroups", "supplementalGroups must be set and in the allowed ranges",
        asIs ? P.and(nonEmpty, all) : all);
      if (rs.length) setPod("spec.securityContext.supplementalGroups", [rs[0]!.min]);
    } else if (sg.rule === "MayRunAs") {
      add("supplementalGroups", "spec.securityContext.supplementalGroups", "supplementalGroups must be in the allowed ranges", P.all(list, "g", P.inRanges(g, rs, false)));
    }
    const fg = s.fsGroup;
    const frs = ranges(fg.ranges);
    if (fg.rule === "MustRunAs") {
      add("fsGroup", "spec.securityContext.fsGroup", "fsGroup must be set and in the allowed ranges", P.inRanges(field(psc, "fsGroup"), frs, !asIs));
      if (frs.length) setPod("spec.securityContext.fsGroup", frs[0]!.min);
    } else if (fg.rule === "MayRunAs") {
      add("fsGroup", "spec.securityContext.fsGroup", "fsGroup must be in the allowed ranges", P.inRanges(field(psc, "fsGroup"), frs, true));
    }
  }

  // --- seLinux ------------------------------------------------------------------------------------------------
  if (s.seLinux.rule === "MustRunAs") {
    const o: SELinuxOptions = s.seLinux.seLinuxOptions ?? {};
    const matches = (opts: Path): Pred => {
      const eq = (f: "user" | "role" | "type"): Pred => P.cmp(field(opts, f), "==", o[f] ?? "", (o[f] ?? "") === "");
      const lvl = o.level ?? "";
      const colon = lvl.indexOf(":");
      const lp = field(opts, "level");
      const level: Pred = P.or(P.cmp(lp, "==", lvl, lvl === ""), ...(colon >= 0 ? [multisetAfter(lp, lvl.slice(0, colon + 1), ",", lvl.slice(colon + 1).split(","))] : []));
      return P.and(eq("user"), eq("role"), eq("type"), level);
    };
    const podOpts = field(psc, "seLinuxOptions");
    const cOpts = field(sc, "seLinuxOptions");
    const pod = P.or(asIs ? P.f : P.absent(podOpts), P.and(P.present(podOpts), matches(podOpts)));
    add("seLinux", "securityContext.seLinuxOptions", "seLinuxOptions must match the policy",
      P.and(pod, eachContainer(P.or(P.and(P.present(cOpts), matches(cOpts)), P.absent(cOpts)))));
    const def: { [k: string]: Json } = {};
    for (const f of ["level", "role", "type", "user"] as const) if (o[f]) def[f] = o[f]!;
    setPod("spec.securityContext.seLinuxOptions", def);
  }

  // --- readOnlyRootFilesystem, privilege escalation ---------------------------------------------------------------
  if (s.readOnlyRootFilesystem) {
    add("readOnlyRootFilesystem", "securityContext.readOnlyRootFilesystem", "readOnlyRootFilesystem must be true", eachContainer(P.cmp(field(sc, "readOnlyRootFilesystem"), "==", true, !asIs)));
    setC("securityContext.readOnlyRootFilesystem", true);
  }
  if (!s.allowPrivilegeEscalation) {
    add("allowPrivilegeEscalation", "securityContext.allowPrivilegeEscalation", "allowPrivilegeEscalation must be false", eachContainer(P.cmp(field(sc, "allowPrivilegeEscalation"), "==", false, !asIs)));
    setC("securityContext.allowPrivilegeEscalation", s.defaultAllowPrivilegeEscalation ?? false);
  } else if (s.defaultAllowPrivilegeEscalation !== undefined) {
    if (asIs) add("defaultAllowPrivilegeEscalation", "securityContext.allowPrivilegeEscalation", "allowPrivilegeEscalation must be set (PSP default)", eachContainer(P.present(field(sc, "allowPrivilegeEscalation"))));
    setC("securityContext.allowPrivilegeEscalation", s.defaultAllowPrivilegeEscalation);
  }

  // --- capabilities ------------------------------------------------------------------------------------------
  {
    const defAdd = [...new Set(s.defaultAddCapabilities ?? [])].sort();
    const reqDrop = [...new Set(s.requiredDropCapabilities ?? [])].sort();
    const allowed = s.allowedCapabilities ?? [];
    const caps = field(sc, "capabilities");
    const addL = field(caps, "add");
    const dropL = field(caps, "drop");
    const parts: Pred[] = [];
    if (asIs) {
      for (const d of defAdd) parts.push(P.or(P.has(addL, d, false), P.has(dropL, d, false)));
      for (const d of reqDrop) parts.push(P.has(dropL, d, false));
    }
    if (!allowed.includes("*")) {
      const ok = [...new Set([...defAdd, ...allowed])].sort();
      parts.push(P.all(addL, "a", P.in(path(root.v("a")), ok, false)));
    }
    if (parts.length) add("capabilities", "securityContext.capabilities", "capabilities not allowed (or required drops missing)", eachContainer(P.and(...parts)));
    const env = opts.envVersion ?? "1.35";
    const [em, en] = env.split(".").map(Number);
    const haveListsExt = em! > 1 || en! >= 34; // distinct()/sort(): ext.Lists v3, env 1.34
    if ((defAdd.length || reqDrop.length) && haveListsExt) {
      // capabilities.go Generate: if the union sets grow, the capabilities become {add: sorted(defaultAdd − drop ∪ add),
      // drop: sorted(requiredDrop ∪ drop)} (duplicates removed, empty lists omitted); otherwise the pod is unchanged.
      const capsOf = (f: string): Val => V.or(V.at(field(cRoot(), `securityContext.capabilities.${f}`)), []);
      const distinct = (l: Val): Val => V.call("distinct", l);
      const notDropped: Pred = P.not(P.in(path(root.v("x")), capsOf("drop"), "error"));
      const newAdd = distinct(defAdd.length ? { k: "concat", lists: [{ k: "filter", list: V.lit(defAdd), v: "x", pred: notDropped }, capsOf("add")] } : capsOf("add"));
      const newDrop = distinct(reqDrop.length ? { k: "concat", lists: [V.lit(reqDrop), capsOf("drop")] } : capsOf("drop"));
      // the add set grows iff some default add is neither dropped nor added; the drop set iff a required drop is missing
      const missing = (d: string, l: Path): Pred => P.not(P.has(l, d, false));
      const grows = P.or(...defAdd.map((d) => P.and(missing(d, dropL), missing(d, addL))), ...reqDrop.map((d) => missing(d, dropL)));
      const nonEmpty = (l: Val): Pred => P.cmp(V.call("size", l), ">", 0, "error");
      const addNonEmpty = nonEmpty(defAdd.length ? newAdd : capsOf("add"));
      const dropNonEmpty = reqDrop.length ? P.t : nonEmpty(capsOf("drop"));
      const sortedOf = (l: Val): Val => V.call("dyn", V.call("sort", l));
      const sorted = (f: string, l: Val): Val => ({ k: "map", entries: [[f, sortedOf(l)]] });
      const both: Val = { k: "map", entries: [["add", sortedOf(newAdd)], ["drop", sortedOf(newDrop)]] };
      const value = V.cond(P.and(addNonEmpty, dropNonEmpty), both, V.cond(addNonEmpty, sorted("add", newAdd), V.cond(dropNonEmpty, sorted("drop", newDrop), { k: "map", entries: [] })));
      for (const l of CONTAINER_LISTS)
        mutations.push({ k: "set", target: path(root.object, `spec.${l}[*].securityContext.capabilities`), value, when: grows, vars: [C], provenance: prov(defAdd.length ? "defaultAddCapabilities" : "requiredDropCapabilities") });
    } else {
      if (defAdd.length || reqDrop.length)
        gap("capabilities.order", "capabilities", "capability defaults are appended, not stored as the sorted, de-duplicated sets PSP wrote (needs lists ext, env ≥ 1.34); verdicts are unaffected", "unverified");
      for (const l of CONTAINER_LISTS) {
        if (defAdd.length)
          mutations.push({ k: "addToList", target: path(root.object, `spec.${l}[*].securityContext.capabilities.add`), values: defAdd, exceptIn: path(root.v(C), "securityContext.capabilities.drop"), vars: [C], provenance: prov("defaultAddCapabilities") });
        if (reqDrop.length)
          mutations.push({ k: "addToList", target: path(root.object, `spec.${l}[*].securityContext.capabilities.drop`), values: reqDrop, vars: [C], provenance: prov("requiredDropCapabilities") });
      }
    }
  }

  // --- procMount ---------------------------------------------------------------------------------------------
  {
    const allowed = s.allowedProcMountTypes?.length ? [...new Set(s.allowedProcMountTypes)].sort() : ["Default"];
    add("allowedProcMountTypes", "securityContext.procMount", `procMount must be one of ${allowed.join(",")}`, eachContainer(P.in(field(sc, "procMount"), allowed, allowed.includes("Default"))));
  }

  // --- sysctls -----------------------------------------------------------------------------------------------
  {
    const forbidden = s.forbiddenSysctls ?? [];
    const n = path(root.v("x"), "name");
    const ok = P.and(
      forbidden.length ? P.not(P.or(...forbidden.map((x) => wildcardSuffix(n, x)))) : P.t,
      P.or(P.in(n, SAFE_SYSCTLS, false), ...(s.allowedUnsafeSysctls ?? []).map((x) => wildcardSuffix(n, x))),
    );
    add("sysctls", "spec.securityContext.sysctls", "sysctl not allowed", P.all(field(psc, "sysctls"), "x", ok, nameOf("x")));
  }

  // --- seccomp (annotations + fields) -----------------------------------------------------------------------------
  {
    const allowedAnn = ann[PSP_ANNOTATIONS.seccompAllowed];
    const def = ann[PSP_ANNOTATIONS.seccompDefault] ?? "";
    const list = allowedAnn === undefined ? undefined : allowedAnn.split(",").map((x) => x.trim());
    const podProfile = podSeccomp(r, asIs ? "" : def);
    const test = (x: Val): Pred | undefined =>
      list === undefined ? P.cmp(x, "==", "", "error") : list.includes("*") ? undefined : P.in(x, [...new Set(list)].sort(), "error");
    const podTest = test(podProfile);
    const parts: Pred[] = [];
    // an allow-list without '' already requires the default to be set
    if (asIs && def && (list === undefined || list.includes("*") || list.includes(""))) parts.push(P.cmp(podProfile, "!=", "", "error"));
    if (podTest) parts.push(podTest);
    const cTest = test(containerSeccomp(r, podProfile));
    if (cTest) parts.push(eachContainer(cTest));
    if (parts.length) add("seccomp", "metadata.annotations[seccomp]", list === undefined ? "seccomp profiles may not be set" : `seccomp profile must be one of ${allowedAnn}`, P.and(...parts));
    if (list?.includes("")) gap("seccomp.empty-profile", "seccomp", "allowedProfileNames contains an empty entry (trailing comma): unset profiles are accepted as in the strategy code, but PSP validation may not have admitted such a PSP", "unverified");
    if (def) {
      const f = profileToField(def);
      const when = P.cmp(podSeccomp(r, ""), "==", "", "error");
      if (f && (list === undefined || list.includes("*") || list.includes(def))) setPod("spec.securityContext.seccompProfile", f, when);
      else setPod(`metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]`, def, when);
    }
  }

  // --- AppArmor ------------------------------------------------------------------------------------------------
  {
    const allowedAnn = ann[PSP_ANNOTATIONS.apparmorAllowed];
    const def = ann[PSP_ANNOTATIONS.apparmorDefault] ?? "";
    const fallback = !asIs && def ? str(def) : appArmorFields(r);
    const profile = containerAppArmor(r, fallback);
    const parts: Pred[] = [];
    // an allow-list never holds '' (PSP dropped empty entries), so it already requires the default to be set
    if (allowedAnn !== undefined) {
      const list = [...new Set(allowedAnn.split(",").map((x) => x.trim()).filter((x) => x !== ""))].sort();
      parts.push(list.length ? P.in(profile, list, "error") : P.f);
    } else if (asIs && def) parts.push(P.cmp(profile, "!=", "", "error"));
    if (parts.length) add("apparmor", "metadata.annotations[container.apparmor]", allowedAnn === undefined ? "AppArmor profile must be set" : `AppArmor profile must be one of ${allowedAnn}`, eachContainer(P.and(...parts)));
    if (def) {
      const f = profileToField(def);
      // the profile is '' when the annotation is unset or empty and (the container field being absent) the pod's is ''
      const annotation = containerAnnotation(r, "container.apparmor.security.beta.kubernetes.io/");
      const podField = fieldProfileOr(field(r.spec, "securityContext.appArmorProfile"), str(""));
      if (f) setC("securityContext.appArmorProfile", f, P.and(P.cmp(annotation, "==", "", true), P.cmp(podField, "==", "", "error")));
      else gap("apparmor.default", "apparmor", `default AppArmor profile ${def} has no appArmorProfile field form: pods relying on it are denied`, "stricter");
    }
  }

  // --- runtimeClass --------------------------------------------------------------------------------------------
  if (s.runtimeClass) {
    const allowed = s.runtimeClass.allowedRuntimeClassNames;
    const def = s.runtimeClass.defaultRuntimeClassName;
    const rc = field(S, "runtimeClassName");
    const parts: Pred[] = [];
    if (!allowed.includes("*")) parts.push(P.in(rc, [...new Set(allowed)].sort(), true));
    if (def !== undefined && asIs) parts.push(P.present(rc));
    if (parts.length) add("runtimeClass", "spec.runtimeClassName", "runtimeClassName not allowed", P.and(...parts));
    if (def !== undefined) setPod("spec.runtimeClassName", def);
  }

  return {
    name,
    provenance: { file: psp.source.file, line: psp.source.line },
    match: { kinds: [{ group: "", version: "v1", kind: "Pod" }], operations: ["CREATE", "UPDATE"] },
    rules,
    mutations,
    gaps,
  };
}

/** Conjunction of all rule checks of a normalized policy. */
export function policyPredicate(p: Policy): Pred {
  return P.and(...p.rules.map((r) => r.check));
}
