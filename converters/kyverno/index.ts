// The Kyverno converter behind the converter seam (src/convert/types.ts): detection of ClusterPolicy / Policy /
// ValidatingPolicy documents, parsing with file:line (./parse.ts), conversion into one VAP per policy
// (./convert.ts), and replay of plain fixtures through the Kyverno engine (./engine) beside the VAP engine: each
// request as the policy's webhook receives it (./webhook.ts; objects without JSON nulls, as the API server encodes
// them), with the labels of its namespace.
import type { AdmissionRequest, KObject } from "../../src/vap/types.js";
import type { Converter, ConvertResult } from "../../src/convert/types.js";
import { asServed, replayFixtures, replayNamespaces, type ReplayAdapter, type SourceOutcome } from "../../src/equivalence/replay.js";
import { splitDocuments } from "../../src/vap/load.js";
import { InputError, type LoadedDoc } from "../../src/input/yaml.js";
import { convertKyvernoPolicies, type KyvernoConvertOptions } from "./convert.js";
import { evaluatePolicy } from "./engine/index.js";
import type { JsonObject } from "./engine/pattern.js";
import { isClusterPolicy, type KyvernoPolicy } from "./model.js";
import { isKyvernoPolicy, parseKyvernoDocuments } from "./parse.js";
import { asWebhookReceives } from "./webhook.js";

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

/**
 * The labels Kyverno's webhook gives a request's namespaceSelector: its Namespace's (the namespace lister's), none
 * for a Namespace itself or a cluster-scoped object (pkg/webhooks/resource/validation/validation.go
 * buildPolicyContextFromAdmissionRequest). A namespace not among the given ones has no labels.
 */
function namespaceLabels(request: AdmissionRequest, byName: ReadonlyMap<string, KObject>): Record<string, string> | undefined {
  if (request.kind.kind === "Namespace" || !request.namespace) return undefined;
  return { ...(byName.get(request.namespace)?.metadata?.labels ?? {}) };
}

/** Kyverno's verdict on an admission request: denied when some rule of some policy fails or errors. */
function kyvernoAdapter(policies: readonly KyvernoPolicy[], namespaces: readonly KObject[], crds: readonly KObject[]): ReplayAdapter {
  const byName = new Map(namespaces.map((n) => [n.metadata?.name ?? "", n]));
  return {
    label: "Kyverno",
    inScope: () => null,
    source(admission: AdmissionRequest): SourceOutcome {
      const denials: string[] = [];
      for (const p of policies) {
        if (!isClusterPolicy(p)) return { verdict: "error", reason: `${p.kind} ${p.name} is not evaluated by the Kyverno engine yet` };
        const request = asWebhookReceives(p, asServed(admission), crds);
        const labels = namespaceLabels(request, byName);
        const responses = evaluatePolicy(p, {
          resource: (request.object ?? request.oldObject ?? {}) as JsonObject,
          oldResource: (request.oldObject ?? null) as JsonObject | null,
          operation: request.operation,
          userInfo: { userInfo: { username: request.userInfo?.username ?? "", groups: request.userInfo?.groups ?? [] } },
          ...(labels ? { namespaceLabels: labels } : {}),
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
  replay({ sources, manifests, fixtures, authz, suite, namespaces: given }) {
    const namespaces = replayNamespaces(given, fixtures);
    const adapter = kyvernoAdapter(sources, namespaces, splitDocuments(manifests).crds);
    return replayFixtures(adapter, { manifests, fixtures, namespaces, ...(authz ? { authz } : {}), ...(suite !== undefined ? { suite } : {}) });
  },
};
