// Kyverno engine autogen (pkg/autogen/v1): the rules a policy has for Pod controllers.
import { describe, expect, it } from "vitest";
import { rulesForKind } from "../converters/kyverno/engine/autogen.js";
import type { ClusterPolicy, KyvernoRule } from "../converters/kyverno/model.js";

const rule = (over: Partial<KyvernoRule> = {}): KyvernoRule => ({
  name: "check",
  source: { file: "p.yaml", line: 1 },
  match: { any: [{ resources: { kinds: ["Pod"] } }] },
  context: [],
  celPreconditions: [],
  otherTypes: [],
  preconditions: { all: [{ key: "{{ request.object.metadata.labels.app || '' }}", operator: "Equals", value: "x" }] },
  validate: { message: "m", pattern: { spec: { containers: [{ image: "!*:latest" }] } } },
  ...over,
});
const policy = (rules: KyvernoRule[], annotations: Record<string, string> = {}): ClusterPolicy => ({
  kind: "ClusterPolicy", apiVersion: "kyverno.io/v1", name: "p", annotations, source: { file: "p.yaml", line: 1 },
  validationFailureAction: "Audit", background: true, failurePolicy: "Fail", applyRules: "All", rules,
});

describe("autogen", () => {
  it("a Pod rule gains autogen-<rule> for a Deployment: pattern under spec.template, kinds, paths rewritten", () => {
    const rs = rulesForKind(policy([rule()]), "Deployment");
    expect(rs.map((r) => r.name)).toEqual(["check", "autogen-check"]);
    const g = rs[1]!;
    expect(g.match).toEqual({ any: [{ resources: { kinds: ["apps/v1/Deployment"] } }] });
    expect(g.validate?.pattern).toEqual({ spec: { template: { spec: { containers: [{ image: "!*:latest" }] } } } });
    expect(g.preconditions?.all?.[0]?.key).toBe("{{ request.object.spec.template.metadata.labels.app || '' }}");
  });

  it("a CronJob gets autogen-cronjob-<rule> with jobTemplate nesting", () => {
    const rs = rulesForKind(policy([rule()]), "CronJob");
    expect(rs.map((r) => r.name)).toEqual(["check", "autogen-cronjob-check"]);
    const g = rs[1]!;
    expect(g.match).toEqual({ any: [{ resources: { kinds: ["batch/v1/CronJob"] } }] });
    expect(g.validate?.pattern).toEqual({ spec: { jobTemplate: { spec: { template: { spec: { containers: [{ image: "!*:latest" }] } } } } } });
    expect(g.preconditions?.all?.[0]?.key).toBe("{{ request.object.spec.jobTemplate.spec.template.metadata.labels.app || '' }}");
  });

  it.each<[string, ClusterPolicy, string, string[]]>([
    ["a Pod keeps its rules", policy([rule()]), "Pod", ["check"]],
    ["annotation none", policy([rule()], { "pod-policies.kyverno.io/autogen-controllers": "none" }), "Deployment", ["check"]],
    ["annotation lists Deployment only: no StatefulSet rule", policy([rule()], { "pod-policies.kyverno.io/autogen-controllers": "Deployment" }), "StatefulSet", ["check"]],
    ["annotation lists Deployment", policy([rule()], { "pod-policies.kyverno.io/autogen-controllers": "Deployment" }), "Deployment", ["check", "autogen-check"]],
    ["a selector disables autogen", policy([rule({ match: { any: [{ resources: { kinds: ["Pod"], selector: { matchLabels: { a: "b" } } } }] } })]), "Deployment", ["check"]],
    ["Pod mixed with other kinds disables autogen", policy([rule({ match: { any: [{ resources: { kinds: ["Pod", "Service"] } }] } })]), "Deployment", ["check"]],
    ["a Service rule is not generated", policy([rule({ match: { any: [{ resources: { kinds: ["Service"] } }] } })]), "Deployment", ["check"]],
  ])("%s", (_n, p, kind, names) => {
    expect(rulesForKind(p, kind).map((r) => r.name)).toEqual(names);
  });

  it("deny rules keep their conditions (rewritten), anyPattern entries are each wrapped", () => {
    const deny = rule({ validate: { deny: { conditions: { any: [{ key: "{{ request.object.spec.hostNetwork }}", operator: "Equals", value: true }] } } } });
    const any = rule({ name: "any", validate: { anyPattern: [{ spec: { a: 1 } }, { spec: { b: 2 } }] } });
    const rs = rulesForKind(policy([deny, any]), "Job");
    expect(rs.map((r) => r.name)).toEqual(["check", "any", "autogen-check", "autogen-any"]);
    expect(rs[2]!.validate?.deny?.conditions?.any?.[0]?.key).toBe("{{ request.object.spec.template.spec.hostNetwork }}");
    expect(rs[3]!.validate?.anyPattern).toEqual([{ spec: { template: { spec: { a: 1 } } } }, { spec: { template: { spec: { b: 2 } } } }]);
  });
});
