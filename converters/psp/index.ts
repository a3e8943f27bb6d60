// The PodSecurityPolicy converter behind the converter seam (src/convert/types.ts): detection by apiVersion/kind,
// parsing with file:line (./parse.ts) plus the set-level check that names are unique, conversion of the whole set
// into one VAP + MAPs (./convert.ts), checked as the target's API server validates (src/convert/output-check.ts),
// and replay through the PSP admission engine (./replay.ts).
import { checkOutput } from "../../src/convert/output-check.js";
import type { CommonConvertOptions, Converter, ConvertResult } from "../../src/convert/types.js";
import { InputError, type LoadedDoc } from "../../src/input/yaml.js";
import { convertPsps, type ConvertOptions } from "./convert.js";
import type { PodSecurityPolicy } from "./model.js";
import { isPspApiVersion, parsePspDocuments, PspError } from "./parse.js";
import { replayPsp } from "./replay.js";

/** Options of the PSP converter: the common ones plus `rbac` and `controllers` (`migrate psp` flags). */
export type PspConvertOptions = CommonConvertOptions & Pick<ConvertOptions, "rbac" | "controllers">;

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

/** A PodSecurityPolicy, or a List / PodSecurityPolicyList whose items all are. */
function detect(doc: unknown): boolean {
  if (!isObj(doc)) return false;
  if (doc["kind"] === "PodSecurityPolicy") return isPspApiVersion(doc["apiVersion"]);
  if ((doc["kind"] === "List" || doc["kind"] === "PodSecurityPolicyList") && Array.isArray(doc["items"])) {
    const items = doc["items"] as unknown[];
    return items.length > 0 && items.every(detect);
  }
  return false;
}

/** Every PSP of the documents, names unique across the set; errors are InputErrors with file:line. */
function parse(docs: readonly LoadedDoc[]): PodSecurityPolicy[] {
  let psps: PodSecurityPolicy[];
  try {
    psps = parsePspDocuments(docs);
  } catch (e) {
    if (e instanceof PspError) throw new InputError(e.detail, e.file, e.line);
    throw e;
  }
  const seen = new Map<string, string>();
  for (const p of psps) {
    const prev = seen.get(p.metadata.name);
    if (prev) throw new InputError(`PodSecurityPolicy ${p.metadata.name} is defined twice (first in ${prev})`, p.source.file, p.source.line);
    seen.set(p.metadata.name, `${p.source.file}:${p.source.line}`);
  }
  if (!psps.length) throw new InputError("no PodSecurityPolicy found", [...new Set(docs.map((d) => d.file))].join(", "));
  return psps;
}

/** The set converted, then checked as the target's API server would take it (what it would refuse is a named gap). */
function convert(psps: readonly PodSecurityPolicy[], opts: PspConvertOptions): ConvertResult {
  return checkOutput(convertPsps([...psps], opts), { ...(opts.targetVersion ? { targetVersion: opts.targetVersion } : {}), source: "psp" });
}

export const pspConverter: Converter<PodSecurityPolicy, PspConvertOptions> = {
  id: "psp",
  label: "PodSecurityPolicies",
  names: (psps) => psps.map((p) => p.metadata.name),
  detect,
  parse,
  convert,
  replay: ({ sources, manifests, fixtures, authz, suite }) =>
    replayPsp({ psps: sources, manifests, fixtures, ...(authz ? { authz } : {}), ...(suite !== undefined ? { suite } : {}) }),
};
