// The Kyverno converter behind the converter seam (src/convert/types.ts): detection of ClusterPolicy / Policy /
// ValidatingPolicy documents, parsing with file:line (./parse.ts), conversion into one VAP per policy
// (./convert.ts), and replay of plain fixtures through the Kyverno engine (./engine) beside the VAP engine.
import type { AdmissionRequest } from "../../src/vap/types.js";
import type { Converter, ConvertResult } from "../../src/convert/types.js";
import { replayFixtures, type ReplayAdapter, type SourceOutcome } from "../../src/equivalence/replay.js";
import { InputError, type LoadedDoc } from "../../src/input/yaml.js";
import { convertKyvernoPolicies, type KyvernoConvertOptions } from "./convert.js";
import { evaluatePolicy } from "./engine/index.js";
import type { JsonObject } from "./engine/pattern.js";
import { isClusterPolicy, type KyvernoPolicy } from "./model.js";
import { isKyvernoPolicy, parseKyvernoDocuments } from "./parse.js";

function parse(docs: readonly LoadedDoc[]): KyvernoPolicy[] {
  const policies = parseKyvernoDocuments(docs);
  const seen = new Map<string, string>();
  for (const p of policies) {
    const key = `${p.kind}/${p.namespace ?? ""}/${p.name}`;
    const prev = seen.get(key);
    if (prev) throw new InputError(`${p.kind} ${p.name} is defined twice (first in ${prev})`, p.source.file, p.source.line);
    seen.set(key, `${p.source.file}:${p.source.line}`);
  }
  if (!policies.length) throw new InputError("no Kyverno policy found", [...new Set(docs.map((d) => d.file))].join(", "));
  return policies;
}

/** Kyverno's verdict on an admission request: denied when some rule of some policy fails or errors. */
function kyvernoAdapter(policies: readonly KyvernoPolicy[]): ReplayAdapter {
  return {
    label: "Kyverno",
    inScope: () => null,
    source(request: AdmissionRequest): SourceOutcome {
      const denials: string[] = [];
      for (const p of policies) {
        if (!isClusterPolicy(p)) return { verdict: "error", reason: `${p.kind} ${p.name} is not evaluated by the Kyverno engine yet` };
        const responses = evaluatePolicy(p, {
          resource: (request.object ?? request.oldObject ?? {}) as JsonObject,
          oldResource: (request.oldObject ?? null) as JsonObject | null,
          operation: request.operation,
          userInfo: { userInfo: { username: request.userInfo?.username ?? "", groups: request.userInfo?.groups ?? [] } },
        });
        for (const r of responses) if (r.status === "fail" || r.status === "error") denials.push(`${p.name}/${r.rule}: ${r.message}`);
      }
      return denials.length ? { verdict: "deny", reason: denials.join("; ") } : { verdict: "admit" };
    },
  };
}

export const kyvernoConverter: Converter<KyvernoPolicy, KyvernoConvertOptions> = {
  id: "kyverno",
  label: "Kyverno policies",
  names: (policies) => policies.map((p) => p.name),
  detect: isKyvernoPolicy,
  parse,
  convert: (policies, opts): ConvertResult => convertKyvernoPolicies(policies, opts),
  replay: ({ sources, manifests, fixtures, authz, suite }) =>
    replayFixtures(kyvernoAdapter(sources), { manifests, fixtures, ...(authz ? { authz } : {}), ...(suite !== undefined ? { suite } : {}) }),
};
