// The gatekeeper-library quantity templates (containerlimits, containerrequests, containerresourceratios,
// ephemeralstoragelimit) converted from their Rego, both params modes, on resource values the suites do not try:
// each row runs the Rego engine (Gatekeeper's verdict) and the VAP engine on the converted policy with the same Pod and
// Constraint. Their helpers (canonify_cpu / canonify_mem / get_suffix / to_number, suffix tables) become lists of
// values bound once (converters/rego/convert/lower.ts), so a Rego-undefined value (a malformed quantity) must stay
// "no value" in CEL — never an evaluation error where Rego finds nothing, never a value where Rego has none.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseDocsLenient } from "../converters/rego/gatekeeper/suite.js";
import { gatekeeperConverter, type GatekeeperSource } from "../converters/rego/index.js";
import { requestForObject } from "../src/vap/load.js";
import type { KObject } from "../src/vap/types.js";
import { corpusPath, haveCorpus } from "./support/corpus.js";

type Mode = "inline" | "constraint";
type Verdict = "admit" | "deny" | "error";

const templateText = (name: string): string => readFileSync(corpusPath(`gatekeeper/general/${name}/template.yaml`), "utf8");

/** The template with one Constraint of its kind holding `parameters` (matching Pods). */
function sources(template: string, kind: string, parameters: Record<string, unknown>): GatekeeperSource[] {
  const constraint = { apiVersion: "constraints.gatekeeper.sh/v1beta1", kind, metadata: { name: "c" }, spec: { match: { kinds: [{ apiGroups: [""], kinds: ["Pod"] }] }, parameters } };
  return gatekeeperConverter.parse(parseDocsLenient(`${templateText(template)}\n---\n${JSON.stringify(constraint)}\n`, "template.yaml").docs);
}

const pod = (resources: Record<string, unknown> | undefined): KObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", namespace: "default" },
  spec: { containers: [{ name: "c", image: "nginx", ...(resources === undefined ? {} : { resources }) }] },
});

/** Conversions by source and mode (each row replays one Pod; converting once per template is enough). */
const converted = new Map<GatekeeperSource[], Map<Mode, ReturnType<typeof gatekeeperConverter.convert>>>();

/** Both verdicts for one Pod: the Rego engine's and the converted VAP's (which must convert with no gap). */
function verdicts(src: GatekeeperSource[], mode: Mode, object: KObject): { source: Verdict; vap: Verdict } {
  const byMode = converted.get(src) ?? converted.set(src, new Map()).get(src)!;
  const result = byMode.get(mode) ?? byMode.set(mode, gatekeeperConverter.convert(src, { targetVersion: "1.36", params: mode })).get(mode)!;
  expect([result.status, result.gaps]).toEqual(["converted", []]);
  const doc = { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: requestForObject(object) };
  const [row] = gatekeeperConverter.replay({ sources: src, manifests: result.manifests, fixtures: [{ doc, file: "pod.yaml", line: 1 }] });
  const vap = row!.vap === "skip" ? "admit" : row!.vap;
  return { source: row!.source as Verdict, vap: vap as Verdict };
}

const MODES: Mode[] = ["inline", "constraint"];

/** `sources(…)` read on first use (describe bodies run at collection, also where the corpus is missing). */
function lazySources(...args: Parameters<typeof sources>): () => GatekeeperSource[] {
  let got: GatekeeperSource[] | undefined;
  return () => (got ??= sources(...args));
}

// container values (a limit or a request) against the parameters of the sample constraints; every row: the VAP
// decides as the Rego engine does
const CPU_VALUES: unknown[] = ["100m", "200m", "201m", "0.1", "0.2", "0.25", "1", "1.5", "2", 0, 0.1, 1, "", "m", "abc", "1.2.3", "1e3", "1e-1", ".5", "5.", "1mm", "m1", "0x10m", "+100m", "-1", "1Gi", null, true, [], {}];
const MEMORY_VALUES: unknown[] = ["1Gi", "1024Mi", "1025Mi", "1G", "2Gi", "0.5Gi", "1.5Gi", "1073741824", "1073741825", "1Ki", "1k", "1m", "1M", "1E", "1Ei", "1P", "1Pi", "Gi", "", "i", "abc", "1.2.3Gi", "1e3", "1GiB", "1 Gi", " 1Gi", "-1Gi", 0, 1073741824, 1.5, null, false];

describe.skipIf(!haveCorpus("gatekeeper-quantity", "gatekeeper/general/containerlimits/template.yaml"))("quantity templates: the VAP decides as the Rego engine on edge-case values", () => {
  describe.each(MODES)("--params %s", (mode) => {
    const limits = lazySources("containerlimits", "K8sContainerLimits", { cpu: "200m", memory: "1Gi" });
    it.each(CPU_VALUES.map((cpu) => [JSON.stringify(cpu), cpu]))("containerlimits, cpu limit %s", (_, cpu) => {
      const { source, vap } = verdicts(limits(), mode, pod({ limits: { cpu, memory: "1Gi" } }));
      expect(vap).toBe(source);
    });
    it.each(MEMORY_VALUES.map((memory) => [JSON.stringify(memory), memory]))("containerlimits, memory limit %s", (_, memory) => {
      const { source, vap } = verdicts(limits(), mode, pod({ limits: { cpu: "100m", memory } }));
      expect(vap).toBe(source);
    });

    const requests = lazySources("containerrequests", "K8sContainerRequests", { cpu: "1", memory: "2Gi" });
    it.each(CPU_VALUES.map((cpu) => [JSON.stringify(cpu), cpu]))("containerrequests, cpu request %s", (_, cpu) => {
      const { source, vap } = verdicts(requests(), mode, pod({ requests: { cpu, memory: "1Gi" } }));
      expect(vap).toBe(source);
    });

    const storage = lazySources("ephemeralstoragelimit", "K8sContainerEphemeralStorageLimit", { "ephemeral-storage": "500Mi" });
    it.each(MEMORY_VALUES.map((value) => [JSON.stringify(value), value]))("ephemeralstoragelimit, limit %s", (_, value) => {
      const { source, vap } = verdicts(storage(), mode, pod({ limits: { "ephemeral-storage": value } }));
      expect(vap).toBe(source);
    });

    const ratios = lazySources("containerresourceratios", "K8sContainerRatios", { ratio: "2", cpuRatio: "4" });
    it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
      ["within both ratios", { cpu: "400m", memory: "2Gi" }, { cpu: "100m", memory: "1Gi" }],
      ["cpu over its ratio", { cpu: "401m", memory: "2Gi" }, { cpu: "100m", memory: "1Gi" }],
      ["memory over its ratio", { cpu: "100m", memory: "2049Mi" }, { cpu: "100m", memory: "1Gi" }],
      ["numbers", { cpu: 1, memory: 2048 }, { cpu: 0.25, memory: 1024 }],
      ["a malformed request", { cpu: "1", memory: "1Gi" }, { cpu: "1x", memory: "1Gi" }],
      ["an empty request", { cpu: "1", memory: "1Gi" }, { cpu: "", memory: "" }],
      ["no requests", { cpu: "1", memory: "1Gi" }, {}],
    ])("containerresourceratios, %s", (_, limit, request) => {
      const { source, vap } = verdicts(ratios(), mode, pod({ limits: limit, requests: request }));
      expect(vap).toBe(source);
    });

    it.each<[string, Record<string, unknown>]>([
      ["no resources", {}],
      ["no limits", { requests: { cpu: "1" } }],
    ])("containerlimits, %s", (_, resources) => {
      const { source, vap } = verdicts(limits(), mode, { ...pod(undefined), spec: { containers: [{ name: "c", image: "nginx", ...resources }] } });
      expect(vap).toBe(source);
    });
  });

  // the parameters vary too: each one as the VAP reads it (a constant inline, `params.spec.parameters` otherwise)
  describe.each(MODES)("parameters, --params %s", (mode) => {
    it.each<[string, Record<string, unknown>]>([
      ["cpu as a decimal", { cpu: "1.5", memory: "1Gi" }],
      ["cpu with an exponent", { cpu: "1e0", memory: "1Gi" }],
      ["cpu \"-1\" (cpu not checked)", { cpu: "-1", memory: "1Gi" }],
      ["a malformed cpu", { cpu: "abc", memory: "1Gi" }],
      ["a malformed cpu ending in m", { cpu: "1.2.3m", memory: "1Gi" }],
      ["a malformed memory", { cpu: "1", memory: "1Xi" }],
      ["memory as a plain number of bytes", { cpu: "1", memory: "1073741824" }],
      ["memory with a suffix the table lacks", { cpu: "1", memory: "1GB" }],
      ["no cpu", { memory: "1Gi" }],
      ["no parameters at all", {}],
    ])("containerlimits, %s", (_, parameters) => {
      const src = sources("containerlimits", "K8sContainerLimits", parameters);
      for (const resources of [{ limits: { cpu: "500m", memory: "512Mi" } }, { limits: { cpu: "2", memory: "2Gi" } }, { limits: { cpu: "x", memory: "1Gi" } }]) {
        const { source, vap } = verdicts(src, mode, pod(resources));
        expect(vap).toBe(source);
      }
    });

    it.each<[string, Record<string, unknown>]>([
      ["a decimal ratio", { ratio: "2.5" }],
      ["a ratio with an exponent", { ratio: "1e1" }],
      ["a ratio with a sign", { ratio: "+3" }],
      ["a malformed ratio", { ratio: "two" }],
      ["a ratio with a blank", { ratio: " 2" }],
      ["an empty ratio", { ratio: "" }],
      ["cpuRatio without ratio (object.get's default is undefined)", { cpuRatio: "4" }],
    ])("containerresourceratios, %s", (_, parameters) => {
      const src = sources("containerresourceratios", "K8sContainerRatios", parameters);
      for (const [limits, requests] of [[{ cpu: "1", memory: "1Gi" }, { cpu: "1", memory: "1Gi" }], [{ cpu: "4", memory: "4Gi" }, { cpu: "1", memory: "1Gi" }]]) {
        const { source, vap } = verdicts(src, mode, pod({ limits, requests }));
        expect(vap).toBe(source);
      }
    });

    // OPA's to_number refuses a number beyond ±1.8e308 (undefined: the constraint then checks nothing). Inline, the
    // conversion computes the parameter's value as OPA does; from params, CEL's double() fails the evaluation, which
    // failurePolicy Fail turns into a denial — stricter only, documented in lower.ts (toNumber)
    it("a cpu parameter beyond a double's range: no value inline; the VAP errors (fails closed) from params", () => {
      const src = sources("containerlimits", "K8sContainerLimits", { cpu: "1e400m", memory: "1Gi" });
      expect(verdicts(src, mode, pod({ limits: { cpu: "100m", memory: "1Gi" } }))).toEqual({ source: "admit", vap: mode === "inline" ? "admit" : "error" });
    });
  });
});
