// Kyverno conditions → rule-model predicates (converters/kyverno/lower/conditions.ts, jmespath.ts), evaluated end to
// end: each condition block becomes a rule whose check is `!conditions` (a Kyverno deny), emitted by emitRules and
// decided by our VAP engine — deny = the conditions hold, admit = they do not, error = Kyverno's rule error
// ("Unknown key" and friends; failurePolicy Fail). Expectations come from Kyverno's Go source: the literal table of
// pkg/engine/variables/evaluate_test.go (TestEvaluate, ported row by row with its line number), the operator tests
// in pkg/engine/variables/operator/*_test.go, and the go-jmespath fork's NotFound rules (interpreter.go). The corpus
// section lowers every deny.conditions / preconditions block of the shared Kyverno corpus and asserts the counts.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { lowerConditions, type LowerStats } from "../converters/kyverno/lower/conditions.js";
import { lowerContext } from "../converters/kyverno/lower/context.js";
import { ERROR_VAL, LowerGap, T, type JmesScope } from "../converters/kyverno/lower/jmespath.js";
import { parseJmes } from "../converters/kyverno/lower/jmespath-parser.js";
import { objectFacts, type ObjectFacts } from "../converters/kyverno/lower/validated.js";
import { isClusterPolicy, type Condition, type Conditions, type ForEach, type JsonValue } from "../converters/kyverno/model.js";
import { isKyvernoPolicy, parseKyvernoDocuments } from "../converters/kyverno/parse.js";
import { parseDocuments } from "../src/input/yaml.js";
import { emitRules } from "../src/emit/policy.js";
import type { Match, Pred, Rule, Val } from "../src/ir/model.js";
import { evaluate } from "../src/vap/engine.js";
import { requestForObject } from "../src/vap/load.js";
import type { KObject, MatchResources, UserInfo, ValidatingAdmissionPolicy } from "../src/vap/types.js";
import { corpusPath, haveCorpus } from "./support/corpus.js";

// ---------------------------------------------------------------------------------------------------------------
// harness

type Outcome = true | false | "error";
const MATCH_ALL: Match = { kinds: [{ group: "*", version: "*", kind: "*" }], operations: ["CREATE", "UPDATE", "DELETE"] };
const PROV = { file: "test.yaml", line: 1 };

function vapOf(check: Pred): ValidatingAdmissionPolicy {
  const rule: Rule = { id: "deny", field: "deny", check, message: { text: "denied" }, provenance: PROV, gaps: [] };
  const parts = emitRules([rule], MATCH_ALL, { targetVersion: "1.36" });
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    metadata: { name: "kyverno-conditions" },
    spec: {
      failurePolicy: "Fail",
      matchConstraints: parts.matchConstraints as unknown as MatchResources,
      matchConditions: parts.matchConditions,
      variables: parts.variables,
      validations: parts.validations.map((v) => ({ expression: v.expression, message: v.message })),
    },
  };
}

const POD = (spec: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): KObject =>
  ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default", ...meta }, spec: { containers: [{ name: "app", image: "nginx" }], ...spec } }) as KObject;

interface Run {
  object?: KObject;
  /** The old object of an UPDATE (default: the object itself). */
  oldObject?: KObject;
  operation?: "CREATE" | "UPDATE" | "DELETE";
  userInfo?: UserInfo;
  scope?: JmesScope;
}

/** Whether the conditions hold (deny), do not (admit), or Kyverno errors (error). */
function holds(cs: Conditions, run: Run = {}): Outcome {
  const pred = lowerConditions(cs, run.scope ?? {});
  const policy = vapOf({ k: "not", of: pred });
  const request = requestForObject(run.object ?? POD(), { operation: run.operation ?? "CREATE", ...(run.oldObject ? { oldObject: run.oldObject } : {}), ...(run.userInfo ? { userInfo: run.userInfo } : {}) });
  const d = evaluate({ policies: [policy], bindings: [], request });
  if (d.verdict === "deny") return true;
  if (d.verdict === "admit") return false;
  if (d.verdict === "error") return "error";
  throw new Error(`unexpected verdict ${d.verdict}: ${JSON.stringify(d.messages)}`);
}

const cond = (key: JsonValue, operator: string, value: JsonValue): Conditions => ({ all: [{ key, operator, value }] });
const one = (key: JsonValue, operator: string, value: JsonValue, run?: Run): Outcome => holds(cond(key, operator, value), run);

/** The gap a condition block lowers to, or undefined. */
function gapOf(cs: Conditions, scope: JmesScope = {}): string | undefined {
  try {
    lowerConditions(cs, scope);
    return undefined;
  } catch (e) {
    if (e instanceof LowerGap) return e.id;
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// pkg/engine/variables/evaluate_test.go TestEvaluate: [line, key, operator, value, result] (literal conditions)

const EVALUATE_ROWS: [number, JsonValue, string, JsonValue, boolean][] = [
  [20, "string", "Equals", "string", true],
  [21, 1, "Equals", 1, true],
  [22, 1, "Equals", 1, true],
  [23, 1, "Equals", 1, true],
  [24, 1.0, "Equals", 1.0, true],
  [25, true, "Equals", true, true],
  [26, false, "Equals", false, true],
  [27, "1024", "Equals", "1Ki", true],
  [28, "1Ki", "Equals", "1024", true],
  [29, "1Gi", "Equals", "1Gi", true],
  [30, "1Gi", "Equals", "1024Mi", true],
  [31, "1h", "Equals", "1h", true],
  [32, "1h", "Equals", "60m", true],
  [33, {"foo": "bar"}, "Equals", {"foo": "bar"}, true],
  [34, ["foo", "bar"], "Equals", ["foo", "bar"], true],
  [35, [{"foo": "bar"}], "Equals", [{"foo": "bar"}], true],
  [36, "string", "Equals", "not string", false],
  [37, 1, "Equals", 2, false],
  [38, 1, "Equals", 2, false],
  [39, 1, "Equals", 2, false],
  [40, 1.0, "Equals", 2.0, false],
  [41, true, "Equals", false, false],
  [42, false, "Equals", true, false],
  [43, "1Gi", "Equals", "10Gi", false],
  [44, "10Gi", "Equals", "1024Mi", false],
  [45, "1h", "Equals", "5h", false],
  [46, "1h", "Equals", "30m", false],
  [47, "string", "Equals", 1, false],
  [48, 1, "Equals", "2", false],
  [49, 1.0, "Equals", "2.0", false],
  [50, true, "Equals", "false", false],
  [51, false, "Equals", "true", false],
  [52, {"foo": "bar"}, "Equals", {"bar": "foo"}, false],
  [53, ["foo", "bar"], "Equals", ["bar", "foo"], false],
  [54, [{"foo": "bar"}], "Equals", [{"bar": "foo"}], false],
  [55, "1h", "Equals", 3600, true],
  [56, "2h", "Equals", 3600, false],
  [57, "1.5.2", "Equals", "1.5.2", true],
  [58, "1.5.2", "Equals", "1.5.*", true],
  [59, "1.5.0", "Equals", "1.5.5", false],
  [62, "string", "NotEquals", "string", false],
  [63, 1, "NotEquals", 1, false],
  [64, 1, "NotEquals", 1, false],
  [65, 1, "NotEquals", 1, false],
  [66, 1.0, "NotEquals", 1.0, false],
  [67, true, "NotEquals", false, true],
  [68, false, "NotEquals", false, false],
  [69, "1024", "NotEquals", "1Ki", false],
  [70, "1Ki", "NotEquals", "1024", false],
  [71, "1023", "NotEquals", "1Ki", true],
  [72, "1Ki", "NotEquals", "1023", true],
  [73, "1Gi", "NotEquals", "1Gi", false],
  [74, "10Gi", "NotEquals", "1024Mi", true],
  [75, "1h", "NotEquals", "1h", false],
  [76, "1h", "NotEquals", "60m", false],
  [77, {"foo": "bar"}, "NotEquals", {"foo": "bar"}, false],
  [78, ["foo", "bar"], "NotEquals", ["foo", "bar"], false],
  [79, [{"foo": "bar"}], "NotEquals", [{"foo": "bar"}], false],
  [80, "string", "NotEquals", "not string", true],
  [81, 1, "NotEquals", 2, true],
  [82, 1, "NotEquals", 2, true],
  [83, 1, "NotEquals", 2, true],
  [84, 1.0, "NotEquals", 2.0, true],
  [85, true, "NotEquals", true, false],
  [86, false, "NotEquals", true, true],
  [87, "1Gi", "NotEquals", "10Gi", true],
  [88, "1Gi", "NotEquals", "1024Mi", false],
  [89, "1h", "NotEquals", "5h", true],
  [90, "1h", "NotEquals", "30m", true],
  [91, "string", "NotEquals", 1, true],
  [92, 1, "NotEquals", "2", true],
  [93, 1.0, "NotEquals", "2.0", true],
  [94, true, "NotEquals", "false", true],
  [95, false, "NotEquals", "true", true],
  [96, {"foo": "bar"}, "NotEquals", {"bar": "foo"}, true],
  [97, ["foo", "bar"], "NotEquals", ["bar", "foo"], true],
  [98, [{"foo": "bar"}], "NotEquals", [{"bar": "foo"}], true],
  [99, "1h", "NotEquals", 3600, false],
  [100, "2h", "NotEquals", 3600, true],
  [101, "1.5.2", "NotEquals", "1.5.5", true],
  [102, "1.5.2", "NotEquals", "1.5.*", false],
  [103, "1.5.0", "NotEquals", "1.5.0", false],
  [106, 10, "GreaterThan", 1, true],
  [107, 1.5, "GreaterThan", 1.0, true],
  [108, 1.5, "GreaterThan", 1, true],
  [109, 1, "GreaterThan", 10, false],
  [110, 1.0, "GreaterThan", 1.5, false],
  [111, 1, "GreaterThan", 1.5, false],
  [112, 1, "GreaterThan", 1, false],
  [113, 1.0, "GreaterThan", 1.0, false],
  [114, "1025", "GreaterThan", "1Ki", true],
  [115, "1Ki", "GreaterThan", "1023", true],
  [116, "10Gi", "GreaterThan", "1Gi", true],
  [117, "1Gi", "GreaterThan", "1Mi", true],
  [118, "1Gi", "GreaterThan", "10Gi", false],
  [119, "10Mi", "GreaterThan", "10Mi", false],
  [120, "10h", "GreaterThan", "1h", true],
  [121, "1h", "GreaterThan", "30m", true],
  [122, "1h", "GreaterThan", "1h", false],
  [123, "1Gi", "GreaterThan", "1Gi", false],
  [124, "10", "GreaterThan", 1, true],
  [125, 100, "GreaterThan", "10", true],
  [126, "100", "GreaterThan", "10", true],
  [127, "10", "GreaterThan", "10", false],
  [128, "1", "GreaterThan", "10", false],
  [129, "1", "GreaterThan", 10, false],
  [130, 1, "GreaterThan", "10", false],
  [131, "1h", "GreaterThan", 3600, false],
  [132, "2h", "GreaterThan", 3600, true],
  [133, 3600, "GreaterThan", "1h", false],
  [134, 3600, "GreaterThan", "30m", true],
  [135, 1, "GreaterThan", 1, false],
  [136, 10, "GreaterThan", 1, true],
  [137, 1, "GreaterThan", 10, false],
  [138, 1, "GreaterThan", 1, false],
  [139, 10, "GreaterThan", 1, true],
  [140, 1, "GreaterThan", 10, false],
  [141, 1, "GreaterThan", 1, false],
  [142, 10, "GreaterThan", 1, true],
  [143, 1, "GreaterThan", 10, false],
  [144, -5, "GreaterThan", 1, false],
  [145, -5, "GreaterThan", -10, true],
  [146, 1, "GreaterThan", -10, true],
  [147, "1.5.5", "GreaterThan", "1.5.0", true],
  [148, "1.5.0", "GreaterThan", "1.5.5", false],
  [151, 10, "LessThan", 1, false],
  [152, 1.5, "LessThan", 1.0, false],
  [153, 1.5, "LessThan", 1, false],
  [154, 1, "LessThan", 10, true],
  [155, 1.0, "LessThan", 1.5, true],
  [156, 1, "LessThan", 1.5, true],
  [157, 1, "LessThan", 1, false],
  [158, 1.0, "LessThan", 1.0, false],
  [159, "1023", "LessThan", "1Ki", true],
  [160, "1Ki", "LessThan", "1025", true],
  [161, "10Gi", "LessThan", "1Gi", false],
  [162, "1Gi", "LessThan", "10Gi", true],
  [163, "1Gi", "LessThan", "1Mi", false],
  [164, "1Mi", "LessThan", "1Gi", true],
  [165, "10h", "LessThan", "1h", false],
  [166, "1h", "LessThan", "30m", false],
  [167, "1h", "LessThan", "1h", false],
  [168, "1Gi", "LessThan", "1Gi", false],
  [169, "10", "LessThan", 1, false],
  [170, 100, "LessThan", "10", false],
  [171, "100", "LessThan", "10", false],
  [172, "10", "LessThan", "10", false],
  [173, "1", "LessThan", "10", true],
  [174, "1", "LessThan", 10, true],
  [175, 1, "LessThan", "10", true],
  [176, "1h", "LessThan", 3600, false],
  [177, "30m", "LessThan", 3600, true],
  [178, 3600, "LessThan", "1h", false],
  [179, 3600, "LessThan", "30m", false],
  [180, 1, "LessThan", 1, false],
  [181, 10, "LessThan", 1, false],
  [182, 1, "LessThan", 10, true],
  [183, 1, "LessThan", 1, false],
  [184, 10, "LessThan", 1, false],
  [185, 1, "LessThan", 10, true],
  [186, 1, "LessThan", 1, false],
  [187, 10, "LessThan", 1, false],
  [188, 1, "LessThan", 10, true],
  [189, -5, "LessThan", 1, true],
  [190, -5, "LessThan", -10, false],
  [191, 1, "LessThan", -10, false],
  [192, "1.5.5", "LessThan", "1.5.0", false],
  [193, "1.5.0", "LessThan", "1.5.5", true],
  [196, 10, "GreaterThanOrEquals", 1, true],
  [197, 1.5, "GreaterThanOrEquals", 1.0, true],
  [198, 1.5, "GreaterThanOrEquals", 1, true],
  [199, 1, "GreaterThanOrEquals", 10, false],
  [200, 1.0, "GreaterThanOrEquals", 1.5, false],
  [201, 1, "GreaterThanOrEquals", 1.5, false],
  [202, 1, "GreaterThanOrEquals", 1, true],
  [203, 1.0, "GreaterThanOrEquals", 1.0, true],
  [204, 1.0, "GreaterThanOrEquals", 1, true],
  [205, "1025", "GreaterThanOrEquals", "1Ki", true],
  [206, "1024", "GreaterThanOrEquals", "1Ki", true],
  [207, "1Ki", "GreaterThanOrEquals", "1023", true],
  [208, "1Ki", "GreaterThanOrEquals", "1024", true],
  [209, "10Gi", "GreaterThanOrEquals", "1Gi", true],
  [210, "1Gi", "GreaterThanOrEquals", "1Mi", true],
  [211, "1Gi", "GreaterThanOrEquals", "10Gi", false],
  [212, "10h", "GreaterThanOrEquals", "1h", true],
  [213, "1h", "GreaterThanOrEquals", "30m", true],
  [214, "1h", "GreaterThanOrEquals", "1h", true],
  [215, "1Gi", "GreaterThanOrEquals", "1Gi", true],
  [216, "10", "GreaterThanOrEquals", 1, true],
  [217, 100, "GreaterThanOrEquals", "10", true],
  [218, "100", "GreaterThanOrEquals", "10", true],
  [219, "10", "GreaterThanOrEquals", "10", true],
  [220, "1", "GreaterThanOrEquals", "10", false],
  [221, "1", "GreaterThanOrEquals", 10, false],
  [222, 1, "GreaterThanOrEquals", "10", false],
  [223, "1h", "GreaterThanOrEquals", 3600, true],
  [224, "2h", "GreaterThanOrEquals", 3600, true],
  [225, 1, "GreaterThanOrEquals", 1, true],
  [226, 10, "GreaterThanOrEquals", 1, true],
  [227, 1, "GreaterThanOrEquals", 10, false],
  [228, 1, "GreaterThanOrEquals", 1, true],
  [229, 10, "GreaterThanOrEquals", 1, true],
  [230, 1, "GreaterThanOrEquals", 10, false],
  [231, 1, "GreaterThanOrEquals", 1, true],
  [232, 10, "GreaterThanOrEquals", 1, true],
  [233, 1, "GreaterThanOrEquals", 10, false],
  [234, "1.5.5", "GreaterThanOrEquals", "1.5.5", true],
  [235, "1.5.5", "GreaterThanOrEquals", "1.5.0", true],
  [236, "1.5.0", "GreaterThanOrEquals", "1.5.5", false],
  [239, 10, "LessThanOrEquals", 1, false],
  [240, 1.5, "LessThanOrEquals", 1.0, false],
  [241, 1.5, "LessThanOrEquals", 1, false],
  [242, 1, "LessThanOrEquals", 10, true],
  [243, 1.0, "LessThanOrEquals", 1.5, true],
  [244, 1, "LessThanOrEquals", 1.5, true],
  [245, 1, "LessThanOrEquals", 1, true],
  [246, 1.0, "LessThanOrEquals", 1.0, true],
  [247, "1Ki", "LessThanOrEquals", "1024", true],
  [248, "1024", "LessThanOrEquals", "1Ki", true],
  [249, "1Ki", "LessThanOrEquals", "1025", true],
  [250, "1023", "LessThanOrEquals", "1Ki", true],
  [251, "10Gi", "LessThanOrEquals", "1Gi", false],
  [252, "1Gi", "LessThanOrEquals", "10Gi", true],
  [253, "1Gi", "LessThanOrEquals", "1Mi", false],
  [254, "1Mi", "LessThanOrEquals", "1Gi", true],
  [255, "10h", "LessThanOrEquals", "1h", false],
  [256, "1h", "LessThanOrEquals", "30m", false],
  [257, "1h", "LessThanOrEquals", "1h", true],
  [258, "1Gi", "LessThanOrEquals", "1Gi", true],
  [259, "10", "LessThanOrEquals", 1, false],
  [260, 100, "LessThanOrEquals", "10", false],
  [261, "100", "LessThanOrEquals", "10", false],
  [262, "10", "LessThanOrEquals", "10", true],
  [263, "1", "LessThanOrEquals", "10", true],
  [264, "1", "LessThanOrEquals", 10, true],
  [265, 1, "LessThanOrEquals", "10", true],
  [266, "1h", "LessThanOrEquals", 3600, true],
  [267, "2h", "LessThanOrEquals", 3600, false],
  [268, 1, "LessThanOrEquals", 1, true],
  [269, 10, "LessThanOrEquals", 1, false],
  [270, 1, "LessThanOrEquals", 10, true],
  [271, 1, "LessThanOrEquals", 1, true],
  [272, 10, "LessThanOrEquals", 1, false],
  [273, 1, "LessThanOrEquals", 10, true],
  [274, 1, "LessThanOrEquals", 1, true],
  [275, 10, "LessThanOrEquals", 1, false],
  [276, 1, "LessThanOrEquals", 10, true],
  [277, "1.5.5", "LessThanOrEquals", "1.5.5", true],
  [278, "1.5.0", "LessThanOrEquals", "1.5.5", true],
  [279, "1.5.5", "LessThanOrEquals", "1.5.0", false],
  [282, 1, "In", [1, 2, 3], true],
  [283, 1.5, "In", [1, 1.5, 2, 3], true],
  [284, "1", "In", ["1", "2", "3"], true],
  [285, ["1.1.1.1", "2.2.2.2"], "In", ["1.1.1.1", "2.2.2.2", "3.3.3.3"], true],
  [286, 5, "In", [1, 2, 3], false],
  [287, 5.5, "In", [1, 1.5, 2, 3], false],
  [288, "5", "In", ["1", "2", "3"], false],
  [289, "1.1.1.1", "In", ["1*"], true],
  [290, ["1.1.1.1", "4.4.4.4"], "In", ["1.1.1.1", "2.2.2.2", "3.3.3.3"], false],
  [293, 1, "NotIn", [1, 2, 3], false],
  [294, 1.5, "NotIn", [1, 1.5, 2, 3], false],
  [295, "1", "NotIn", ["1", "2", "3"], false],
  [296, ["1.1.1.1", "2.2.2.2"], "NotIn", ["1.1.1.1", "2.2.2.2", "3.3.3.3"], false],
  [297, 5, "NotIn", [1, 2, 3], true],
  [298, 5.5, "NotIn", [1, 1.5, 2, 3], true],
  [299, "5", "NotIn", ["1", "2", "3"], true],
  [300, ["1.1.1.1", "4.4.4.4"], "NotIn", ["1.1.1.1", "2.2.2.2", "3.3.3.3"], true],
  [303, ["1.1.1.1", "5.5.5.5"], "AnyIn", ["1.1.1.1", "2.2.2.2", "3.3.3.3"], true],
  [304, ["1.1.1.1", "5.5.5.5"], "AnyIn", "1.1.1.1", true],
  [305, ["4.4.4.4", "5.5.5.5"], "AnyIn", ["1.1.1.1", "2.2.2.2", "3.3.3.3"], false],
  [306, ["1.1.1.1", "5.5.5.5"], "AnyIn", ["1.1.1.1"], true],
  [307, [1, 2], "AnyIn", [1, 2, 3, 4], true],
  [308, [1, 5], "AnyIn", [1, 2, 3, 4], true],
  [309, [5], "AnyIn", [1, 2, 3, 4], false],
  [310, ["1*"], "AnyIn", ["1.1.1.1", "2.2.2.2", "3.3.3.3"], true],
  [311, ["5*"], "AnyIn", ["1.1.1.1", "2.2.2.2", "3.3.3.3"], false],
  [312, ["1.1.1.1", "2.2.2.2", "5.5.5.5"], "AnyIn", ["2*"], true],
  [313, ["1.1.1.1", "2.2.2.2", "5.5.5.5"], "AnyIn", ["4*"], false],
  [314, ["5"], "AnyIn", "1-3", false],
  [315, "1.1.1.1", "AnyIn", ["1*"], true],
  [316, "5", "AnyIn", "1-10", true],
  [317, 5, "AnyIn", "1-10", true],
  [318, [1, 5], "AnyIn", "7-10", false],
  [319, [1, 5], "AnyIn", "0-10", true],
  [320, [1.002, 1.222], "AnyIn", "1.001-10", true],
  [323, ["1.1.1.1", "2.2.2.2"], "AllIn", ["1.1.1.1", "2.2.2.2", "3.3.3.3"], true],
  [324, ["1.1.1.1", "5.5.5.5"], "AllIn", ["1.1.1.1", "2.2.2.2", "3.3.3.3"], false],
  [325, ["4.4.4.4", "5.5.5.5"], "AllIn", ["1.1.1.1", "2.2.2.2", "3.3.3.3"], false],
  [326, ["1.1.1.1", "5.5.5.5"], "AllIn", ["1.1.1.1"], false],
  [327, [1, 2], "AllIn", [1, 2, 3, 4], true],
  [328, [1, 5], "AllIn", [1, 2, 3, 4], false],
  [329, [5], "AllIn", [1, 2, 3, 4], false],
  [330, ["1*"], "AllIn", ["1.1.1.1", "2.2.2.2", "3.3.3.3"], true],
  [331, ["5*"], "AllIn", ["1.1.1.1", "2.2.2.2", "3.3.3.3"], false],
  [332, ["2.1.1.1", "2.2.2.2", "2.5.5.5"], "AllIn", ["2*"], true],
  [333, ["1.1.1.1", "2.2.2.2", "5.5.5.5"], "AllIn", ["4*"], false],
  [334, ["1.1.1.1", "5.5.5.5"], "AllIn", "5.5.5.5", false],
  [335, 5, "AllIn", "1-10", true],
  [336, [3, 2], "AllIn", "1-10", true],
  [337, [3, 2], "AllIn", "5-10", false],
  [340, 1, "AllNotIn", [1, 2, 3], false],
  [341, 1.5, "AllNotIn", [1, 1.5, 2, 3], false],
  [342, "1", "AllNotIn", ["1", "2", "3"], false],
  [343, ["1.1.1.1", "2.2.2.2"], "AllNotIn", ["1.1.1.1", "2.2.2.2", "3.3.3.3"], false],
  [344, 5, "AllNotIn", [1, 2, 3], true],
  [345, 5.5, "AllNotIn", [1, 1.5, 2, 3], true],
  [346, "5", "AllNotIn", ["1", "2", "3"], true],
  [347, ["1.1.1.1", "4.4.4.4"], "AllNotIn", ["1.1.1.1", "2.2.2.2", "3.3.3.3"], false],
  [348, ["1.1.1.1", "4.4.4.4"], "AllNotIn", ["1.1.1.1", "2.2.2.2", "3.3.3.3", "1.1.1.1"], false],
  [349, ["1.1.1.1", "4.4.4.4", "1.1.1.1"], "AllNotIn", ["1.1.1.1", "2.2.2.2", "3.3.3.3", "1.1.1.1", "4.4.4.4"], false],
  [350, ["5.5.5.5", "4.4.4.4"], "AllNotIn", ["1.1.1.1", "2.2.2.2", "3.3.3.3"], true],
  [351, ["7*", "6*", "5*"], "AllNotIn", ["1.1.1.1", "2.2.2.2", "3.3.3.3"], true],
  [352, ["1*", "2*"], "AllNotIn", ["1.1.1.1", "2.2.2.2", "3.3.3.3"], false],
  [353, ["1.1.1.1", "3.3.3.3", "5.5.5.5"], "AllNotIn", ["2*"], true],
  [354, ["4.1.1.1", "4.2.2.2", "4.5.5.5"], "AllNotIn", ["4*"], false],
  [355, ["1.1.1.1", "4.4.4.4"], "AllNotIn", "2.2.2.2", true],
  [356, 5.5, "AllNotIn", "6-10", true],
  [357, "5", "AllNotIn", "1-6", false],
  [358, [3, 2], "AllNotIn", "5-10", true],
  [359, [2, 6], "AllNotIn", "5-10", false],
  [362, 1, "AnyNotIn", [1, 2, 3], false],
  [363, 1.5, "AnyNotIn", [1, 1.5, 2, 3], false],
  [364, "1", "AnyNotIn", ["1", "2", "3"], false],
  [365, ["1.1.1.1", "2.2.2.2"], "AnyNotIn", ["1.1.1.1", "2.2.2.2", "3.3.3.3"], false],
  [366, 5, "AnyNotIn", [1, 2, 3], true],
  [367, 5.5, "AnyNotIn", [1, 1.5, 2, 3], true],
  [368, "5", "AnyNotIn", ["1", "2", "3"], true],
  [369, ["1.1.1.1", "4.4.4.4"], "AnyNotIn", ["1.1.1.1", "2.2.2.2", "3.3.3.3"], true],
  [370, ["5.5.5.5", "4.4.4.4"], "AnyNotIn", "4.4.4.4", true],
  [371, ["5.5.5.5", "4.4.4.4"], "AnyNotIn", ["1.1.1.1", "2.2.2.2", "3.3.3.3"], true],
  [372, ["1*", "3*", "5*"], "AnyNotIn", ["1.1.1.1", "2.2.2.2", "3.3.3.3"], true],
  [373, ["1.1.1.1", "2.2.2.2", "5.5.5.5"], "AnyNotIn", ["2*"], true],
  [374, ["2.2*"], "AnyNotIn", ["2.2.2.2"], false],
  [375, "5", "AnyNotIn", "1-3", true],
  [376, [1, 5, 11], "AnyNotIn", "0-10", true],
  [377, [1, 5, 7], "AnyNotIn", "0-10", false]
];

/** Semantic-version ordering (numeric.go validateValueWithVersionPattern) is a named gap: the model has no semver. */
const isSemverRow = (key: JsonValue, value: JsonValue): boolean => typeof key === "string" && typeof value === "string" && /^\d+\.\d+\.\d+$/.test(key) && /^\d+\.\d+\.\d+$/.test(value);

describe("evaluate_test.go TestEvaluate (literal keys and values)", () => {
  it.each(EVALUATE_ROWS)("line %i: %j %s %j → %s", (_line, key, op, value, want) => {
    if (/Than/.test(op) && isSemverRow(key, value)) {
      expect(gapOf(cond(key, op, value))).toBe("kyverno.condition.numeric.semver");
      return;
    }
    expect(one(key, op, value)).toBe(want);
  });

  it("ports every literal row of the table", () => {
    expect(EVALUATE_ROWS).toHaveLength(336);
    expect(EVALUATE_ROWS.filter(([, k, op, v]) => /Than/.test(op) && isSemverRow(k, v))).toHaveLength(10);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// variables: JMESPath forms, absence (go-jmespath interpreter.go NotFoundError), operators on object values

const pod = POD(
  {
    containers: [
      { name: "app", image: "nginx:1.25", ports: [{ containerPort: 80, hostPort: 80 }], resources: { limits: { memory: "1024Mi" } } },
      { name: "side", image: "busybox", securityContext: { capabilities: { drop: ["all"] } } },
    ],
    volumes: [{ name: "h", hostPath: { path: "/x" } }, { name: "e", emptyDir: {} }],
  },
  { labels: { app: "x" }, annotations: { "pod.kubernetes.io/lifetime": "9h", ttl: "60m" } },
);
const bare = POD({ containers: [{ name: "c", image: "k8s.gcr.io/pause" }] });
const hostPort = (n: number): KObject => POD({ containers: [{ name: "a", image: "a", ports: [{ containerPort: 1, hostPort: n }] }] });
const deploy = (replicas?: number): KObject =>
  ({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d", namespace: "default" }, spec: { ...(replicas === undefined ? {} : { replicas }), template: { spec: { containers: [] } } } }) as KObject;

const DYNAMIC: [string, JsonValue, string, JsonValue, KObject, Outcome][] = [
  ["typed name, exact", "{{request.object.metadata.name}}", "Equals", "p", pod, true],
  ["the value is the glob", "{{request.object.metadata.name}}", "Equals", "p*", pod, true],
  ["the key is no glob for Equals", "p*", "Equals", "{{request.object.metadata.name}}", pod, false],
  ["plain path to a missing key: Unknown key → error", "{{request.object.metadata.labels.team}}", "Equals", "x", pod, "error"],
  ["missing key under || is null → default", "{{request.object.metadata.labels.team || ''}}", "Equals", "", pod, true],
  ["operation idiom", "{{ request.operation || 'BACKGROUND' }}", "NotEquals", "DELETE", pod, true],
  ["request.namespace", "{{request.namespace}}", "Equals", "default", pod, true],
  ["embedded variables → string concatenation", "{{request.object.metadata.namespace}}/{{request.object.metadata.name}}", "Equals", "default/p", pod, true],
  ["embedded missing key → error", "x-{{request.object.metadata.labels.team}}", "Equals", "x-", pod, "error"],
  ["deep equality of maps", "{{request.object.metadata.labels}}", "Equals", { app: "x" }, pod, true],
  ["maps differ", "{{request.object.metadata.labels}}", "NotEquals", { app: "y" }, pod, true],
  ["quantities compare as such", "{{ request.object.spec.containers[0].resources.limits.memory }}", "Equals", "1Gi", pod, true],
  ["durations compare as such", "{{request.object.metadata.annotations.ttl}}", "Equals", "1h", pod, true],
  ["index out of range is null, not an error", "{{ request.object.spec.containers[5].name || 'none' }}", "Equals", "none", pod, true],
  ["projection", "{{ request.object.spec.containers[].name }}", "AnyIn", ["app"], pod, true],
  ["projection, wildcards in the value", "{{ request.object.spec.containers[].name }}", "AllIn", ["a*", "s*"], pod, true],
  ["projection AnyNotIn", "{{ request.object.spec.containers[].name }}", "AnyNotIn", ["app", "side"], pod, false],
  ["wildcards both ways: key pattern matches the value", "{{ request.object.spec.containers[].image }}", "AnyIn", ["nginx:1.25"], POD({ containers: [{ name: "a", image: "ngin*" }] }), true],
  ["projection of a missing list is null: AllNotIn → false", "{{ request.object.spec.missing[].x }}", "AllNotIn", ["a"], pod, false],
  ["projection of a missing list is null: NotEquals → false", "{{ request.object.spec.missing[].x }}", "NotEquals", "a", pod, false],
  ["multi-select + flatten, number keys vs range: outside", "{{ request.object.spec.[ephemeralContainers, initContainers, containers][].ports[].hostPort }}", "AnyNotIn", "5000-6000", hostPort(80), true],
  ["multi-select + flatten, number keys vs range: inside", "{{ request.object.spec.[ephemeralContainers, initContainers, containers][].ports[].hostPort }}", "AnyNotIn", "5000-6000", hostPort(5500), false],
  ["no ports: empty key list", "{{ request.object.spec.[ephemeralContainers, initContainers, containers][].ports[].hostPort }}", "AnyNotIn", "5000-6000", bare, false],
  ["number keys are Sprint'ed", "{{ request.object.spec.containers[].ports[].containerPort }}", "AnyIn", [80], pod, true],
  ["to_upper over a flattened list with || `[]`", "ALL", "AnyNotIn", "{{ request.object.spec.containers[].securityContext.capabilities.drop[].to_upper(@) || `[]` }}", pod, false],
  ["length", "{{ length(request.object.spec.containers) }}", "GreaterThan", 1, pod, true],
  ["length vs numeric string", "{{ length(request.object.spec.containers) }}", "GreaterThanOrEquals", "3", pod, false],
  ["length(null) is a type error", "{{ length(request.object.spec.missing) }}", "GreaterThan", 0, pod, "error"],
  ["filter | length", "{{ request.object.spec.volumes[?hostPath] | length(@) }}", "GreaterThanOrEquals", 1, pod, true],
  ["filter of a missing list | length(null) → error", "{{ request.object.spec.initContainers[?image] | length(@) }}", "GreaterThanOrEquals", 1, pod, "error"],
  ["filter with comparison, pipe, index", "{{ request.object.spec.containers[?name=='side'].image | [0] }}", "Equals", "busybox", pod, true],
  ["duration annotation with default", "{{ request.object.metadata.annotations.\"pod.kubernetes.io/lifetime\" || '0s' }}", "GreaterThan", "8h", pod, true],
  ["duration default when absent", "{{ request.object.metadata.annotations.\"pod.kubernetes.io/lifetime\" || '0s' }}", "GreaterThan", "8h", bare, false],
  ["number field", "{{ request.object.spec.replicas }}", "GreaterThanOrEquals", 3, deploy(3), true],
  ["number field missing → error", "{{ request.object.spec.replicas }}", "GreaterThanOrEquals", 3, deploy(), "error"],
  ["number field with default", "{{ request.object.spec.replicas || `1` }}", "GreaterThan", 0, deploy(), true],
  ["contains on a string", "{{ contains(request.object.metadata.name, 'p') }}", "Equals", true, pod, true],
  ["keys | contains", "{{ keys(request.object.spec) | contains(@, 'tls') }}", "Equals", false, pod, true],
  ["keys(@) on a sub-expression", "ownerReferences", "AnyNotIn", "{{request.object.metadata.keys(@)}}", pod, true],
  ["values(@)[].regex_match", "{{request.object.metadata.annotations.values(@)[].regex_match('^[0-9]+h$', @)}}", "AnyIn", [true], pod, true],
  ["to_upper", "{{ to_upper(request.object.metadata.name) }}", "Equals", "P", pod, true],
  ["split + index", "{{ split(request.object.spec.containers[0].image, ':')[0] }}", "Equals", "nginx", pod, true],
  ["regex_match", "{{ regex_match('^ngi', request.object.spec.containers[0].image) }}", "Equals", true, pod, true],
  ["glob value on a computed key (the value is the glob)", "{{ request.object.spec.containers[0].image }}", "Equals", "k8s.gcr.io/*", bare, true],
];

// Kinds known only at run time, nested lists, NotFound through subexpressions, computed AnyIn values (jmespath.ts,
// conditions.ts; go-jmespath functions.go jpfContains / jpfToString / jpfSort, interpreter.go, anyin.go).
const hosts = (...rules: Record<string, unknown>[]): KObject =>
  ({ apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "i", namespace: "default" }, spec: { rules } }) as KObject;
const role = (rules?: Record<string, unknown>[], meta: Record<string, unknown> = {}): KObject =>
  ({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "r", ...meta }, ...(rules ? { rules } : {}) }) as KObject;
const binding = (roleName: unknown): KObject =>
  ({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: "b" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: roleName }, subjects: [] }) as KObject;
const tlsIngress = (ruleHosts: string[], tls: string[][]): KObject =>
  ({ apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "i", namespace: "default" }, spec: { rules: ruleHosts.map((host) => ({ host })), tls: tls.map((hosts) => ({ hosts })) } }) as KObject;
const pdb = (spec: Record<string, unknown>): KObject => ({ apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "d", namespace: "default" }, spec }) as KObject;
const probes = (...cmds: (string[] | undefined)[]): KObject =>
  POD({ containers: cmds.map((c, i) => ({ name: `c${i}`, image: "x", ...(c ? { livenessProbe: { exec: { command: c } } } : {}) })) });
const mounts = (...ms: Record<string, unknown>[][]): KObject => POD({ containers: ms.map((m, i) => ({ name: `c${i}`, image: "x", volumeMounts: m })) });

const DISPATCH: [string, JsonValue, string, JsonValue, KObject, Outcome][] = [
  // contains() on a value of unknown kind: substring for a string, membership for a list, else a type error
  ["contains: string subject (substring)", "{{ contains(request.object.spec.rules[0].host, '*') }}", "Equals", true, hosts({ host: "*.example.com" }), true],
  ["contains: string subject without it", "{{ contains(request.object.spec.rules[0].host, '*') }}", "Equals", false, hosts({ host: "a.example.com" }), true],
  ["contains: list subject (membership, not substring)", "{{ contains(request.object.spec.rules[0].host, '*') }}", "Equals", false, hosts({ host: ["a*", "b"] }), true],
  ["contains: list subject holding it", "{{ contains(request.object.spec.rules[0].host, '*') }}", "Equals", true, hosts({ host: ["*", "b"] }), true],
  ["contains: null subject is a type error", "{{ contains(request.object.spec.rules[0].host, '*') }}", "Equals", false, hosts({ http: {} }), "error"],
  ["contains: number subject is a type error", "{{ contains(request.object.spec.rules[0].host, '*') }}", "Equals", false, hosts({ host: 7 }), "error"],
  ["contains(string, number) is false", "{{ contains(request.object.spec.rules[0].host, `7`) }}", "Equals", false, hosts({ host: "a7" }), true],
  ["contains(to_array(a[].b[])): a missing list is [null]", "{{ contains(to_array(request.object.rules[].verbs[]), '*') }}", "Equals", false, role(), true],
  ["contains(to_array(a[].b[])): membership", "{{ contains(to_array(request.object.rules[].verbs[]), '*') }}", "Equals", true, role([{ verbs: ["get"] }, { verbs: ["*"] }]), true],
  ["contains(to_array(a[].b[])): no member", "{{ contains(to_array(request.object.rules[].verbs[]), '*') }}", "Equals", true, role([{ verbs: ["get"] }, {}]), false],
  ["contains as a method in a projection: a missing field is dropped", "{{ request.object.spec.rules[].host.contains(@, '*') }}", "AnyIn", [true], hosts({ http: {} }, { host: "*.x" }), true],
  ["contains as a method in a projection: none", "{{ request.object.spec.rules[].host.contains(@, '*') }}", "AnyIn", [true], hosts({ http: {} }, { host: "a.x" }), false],
  // a subexpression on a missing key is NotFound (the function is not called): error at the top, null under []
  ["values(@) of a missing map at the top: Unknown key", "{{ request.object.metadata.labels.values(@) }}", "AnyIn", ["x"], POD(), "error"],
  ["values(@)[] of a missing map: null (flatten swallows NotFound)", "{{ request.object.metadata.labels.values(@)[].regex_match('x', @) }}", "AnyIn", [true], POD(), false],
  ["values(@)[] of a present map", "{{ request.object.metadata.labels.values(@)[].regex_match('x', @) }}", "AnyIn", [true], POD({}, { labels: { a: "x" } }), true],
  // length() of nested projections: counted per outer element (no flatten in CEL)
  ["length(a[].b[] || `[]`): counts every element", "{{ length(request.object.spec.containers[].livenessProbe.exec.command[] || `[]`) }}", "Equals", 3, probes(["a", "b"], undefined, ["c"]), true],
  ["length(a[].b[] || `[]`): none", "{{ length(request.object.spec.containers[].livenessProbe.exec.command[] || `[]`) }}", "Equals", 0, probes(undefined), true],
  ["length(a[].b[]) of a missing list is a type error", "{{ length(request.object.spec.missing[].b[]) }}", "Equals", 0, POD(), "error"],
  ["a[].b[?c][] | length(@): filtered per inner list", "{{ request.object.spec.containers[].volumeMounts[?name == 'v' && readOnly][] | length(@) }}", "Equals", 1, mounts([{ name: "v", readOnly: true }, { name: "v" }], [{ name: "w", readOnly: true }]), true],
  ["a[].b[?c && d][]: a missing d is no error (the element is dropped)", "{{ request.object.spec.containers[].volumeMounts[?name == 'v' && readOnly][] | length(@) }}", "Equals", 0, mounts([{ name: "v" }]), true],
  // sort() of elements of unknown kind: all strings or all numbers, else a type error
  ["sort of strings", "{{ request.object.spec.rules[].host | sort(@) }}", "Equals", ["a", "b"], hosts({ host: "b" }, { host: "a" }), true],
  ["sort of mixed kinds is a type error", "{{ request.object.spec.rules[].host | sort(@) }}", "Equals", ["a"], hosts({ host: "b" }, { host: 1 }), "error"],
  ["sort of a nested stream keeps the elements (order-free use)", "{{ request.object.spec.rules[].hosts[] | sort(@) }}", "AnyIn", ["b"], hosts({ hosts: ["c", "b"] }, { hosts: ["a"] }), true],
  ["sort of a nested stream: mixed kinds", "{{ request.object.spec.rules[].hosts[] | sort(@) }}", "AnyIn", ["b"], hosts({ hosts: ["c", "b"] }, { hosts: [true] }), "error"],
  ["both sides fallible, of different CEL types (touched together)", "{{ (request.object.spec.rules[].host || `[]`) | sort(@) }}", "AnyNotIn", "{{ (request.object.spec.tls[].hosts[] || `[]`) | sort(@) }}", tlsIngress(["b", "a"], [["a"], ["b"]]), false],
  ["both sides fallible: a host without tls", "{{ (request.object.spec.rules[].host || `[]`) | sort(@) }}", "AnyNotIn", "{{ (request.object.spec.tls[].hosts[] || `[]`) | sort(@) }}", tlsIngress(["b", "c"], [["b"]]), true],
  // to_string() / embedded variables of unknown kind: JSON text
  ["to_string of a string", "{{ request.object.spec.minAvailable | to_string(@) }}", "Equals", "50%", pdb({ minAvailable: "50%" }), true],
  ["to_string of a number", "{{ request.object.spec.minAvailable | to_string(@) }}", "Equals", "2", pdb({ minAvailable: 2 }), true],
  ["to_string of a missing field: null", "{{ request.object.spec.maxUnavailable | to_string(@) }}", "Equals", "null", pdb({ minAvailable: 2 }), true],
  ["to_string of a map: not modelled (error)", "{{ request.object.spec.selector | to_string(@) }}", "Equals", "{}", pdb({ selector: {} }), "error"],
  ["embedded IntOrString: a number", "x-{{ request.object.spec.minAvailable }}", "Equals", "x-2", pdb({ minAvailable: 2 }), true],
  ["embedded IntOrString: a string", "x-{{ request.object.spec.minAvailable }}", "Equals", "x-50%", pdb({ minAvailable: "50%" }), true],
  // nested variables: the inner one substituted first (its Unknown key is the rule's error), as text
  ["nested: inner substituted into a raw string", "{{ regex_match('^[0-9]+%$', '{{ request.object.spec.minAvailable || '' }}') }}", "Equals", true, pdb({ minAvailable: "50%" }), true],
  ["nested: a number inner is its JSON text", "{{ regex_match('^[0-9]+$', '{{ request.object.spec.minAvailable || '' }}') }}", "Equals", true, pdb({ minAvailable: 2 }), true],
  ["nested: inner Unknown key → error", "{{ regex_match('^a', '{{ request.object.spec.schedule }}') }}", "Equals", false, pdb({}), "error"],
  ["nested: a quote in the inner text changes the outer expression (error)", "{{ regex_match('^a', '{{ request.object.spec.schedule }}') }}", "Equals", true, pdb({ schedule: "a' || 'b" }), "error"],
  ["nested: a trailing backslash escapes the closing quote (error)", "{{ regex_match('^a', '{{ request.object.spec.schedule }}') }}", "Equals", true, pdb({ schedule: "a\\" }), "error"],
  ["nested: inside a filter of a projection", "{{ request.object.spec.containers[].volumeMounts[?name == '{{ request.object.metadata.name }}'][] | length(@) }}", "Equals", 2, mounts([{ name: "p" }], [{ name: "p" }, { name: "q" }]), true],
  // divide() (arithmetic.go): quantities → AsApproximateFloat64 quotient; a zero divisor or mixed kinds → error
  ["divide: quantity strings", "{{ divide(request.object.metadata.annotations.l, request.object.metadata.annotations.r) }}", "GreaterThan", 2.5, POD({}, { annotations: { l: "3Gi", r: "1Gi" } }), true],
  ["divide: quantity strings below", "{{ divide(request.object.metadata.annotations.l, request.object.metadata.annotations.r) }}", "GreaterThan", 2.5, POD({}, { annotations: { l: "2Gi", r: "1024Mi" } }), false],
  ["divide: a zero divisor is an error", "{{ divide(request.object.metadata.annotations.l, request.object.metadata.annotations.r) }}", "GreaterThan", 2.5, POD({}, { annotations: { l: "2Gi", r: "0" } }), "error"],
  ["divide: a quantity by a duration is an error", "{{ divide(request.object.metadata.annotations.l, request.object.metadata.annotations.r) }}", "GreaterThan", 2.5, POD({}, { annotations: { l: "2Gi", r: "1h" } }), "error"],
  ["divide: a missing operand (null) is an error", "{{ divide(request.object.metadata.annotations.l, '1Gi') }}", "GreaterThan", 2.5, POD({}, { annotations: { r: "1" } }), "error"],
  ["divide: numbers", "{{ divide(`6`, `4`) }}", "Equals", 1.5, POD(), true],
  ["divide: nested quantity texts (enforce-resources-as-ratio)", "{{ divide('{{ request.object.metadata.annotations.l || '0' }}', '{{ request.object.metadata.annotations.r || '1m' }}') }}", "GreaterThan", 2.5, POD({}, { annotations: { l: "1Gi" } }), true],
  // AnyIn / AnyNotIn with a literal key and a computed value of unknown kind (anyin.go anyKeyExistsInArray)
  ["AnyIn: the value string is a glob", "self-provisioner", "AnyIn", "{{ request.object.roleRef.name }}", binding("self-*"), true],
  ["AnyIn: equal string", "self-provisioner", "AnyIn", "{{ request.object.roleRef.name }}", binding("self-provisioner"), true],
  ["AnyIn: other string", "self-provisioner", "AnyIn", "{{ request.object.roleRef.name }}", binding("admin"), false],
  ["AnyIn: a JSON array of strings holding the key", "self-provisioner", "AnyIn", "{{ request.object.roleRef.name }}", binding('[ "admin",\n"self\\u002dprovisioner" ]'), true],
  ["AnyIn: a JSON array without the key", "self-provisioner", "AnyIn", "{{ request.object.roleRef.name }}", binding('["admin", "self-provisioners"]'), false],
  ["AnyIn: JSON that is no []string (invalid type)", "self-provisioner", "AnyIn", "{{ request.object.roleRef.name }}", binding('[1, "self-provisioner"]'), false],
  ["AnyIn: a list value", "self-provisioner", "AnyIn", "{{ request.object.roleRef.name }}", binding(["a", "self-*"]), true],
  ["AnyIn: a number value (invalid type)", "self-provisioner", "AnyIn", "{{ request.object.roleRef.name }}", binding(5), false],
  ["AnyIn: a missing value is Unknown key", "self-provisioner", "AnyIn", "{{ request.object.roleRef.name }}", role(), "error"],
];

// request.userInfo.groups is omitempty: empty → "Unknown key" at the top of a variable, null inside a filter
const USER_GROUPS: [string[], JsonValue, string, JsonValue, Outcome][] = [
  [[], "{{ request.object.metadata.name }}", "AnyNotIn", "{{ request.userInfo.groups[?contains(@,':') == `false`][].join('-', [@, '*']) }}", false],
  [["team1"], "{{ request.object.metadata.name }}", "AnyNotIn", "{{ request.userInfo.groups[?contains(@,':') == `false`][].join('-', [@, '*']) }}", true],
  [["p"], "{{ request.object.metadata.name }}-x", "AnyNotIn", "{{ request.userInfo.groups[?contains(@,':') == `false`][].join('-', [@, '*']) }}", false],
  [["system:authenticated"], "{{ request.object.metadata.name }}", "AnyNotIn", "{{ request.userInfo.groups[?contains(@,':') == `false`][].join('-', [@, '*']) }}", true],
  [[], "{{ request.userInfo.groups }}", "AnyIn", ["x"], "error"],
  [[], "{{ request.userInfo.groups || `[]` }}", "AnyIn", ["x"], false],
];

// a fallible value inside a function argument (a context entry that fails to load) is evaluated first: Kyverno's
// `all` stops at its error, CEL's `&&` must not let a later false condition absorb it
const FAILING: Val = { k: "cond", test: { k: "present", path: { root: { k: "object" }, segs: [{ k: "field", name: "metadata" }, { k: "field", name: "labels" }, { k: "key", key: "owner" }] } }, then: { k: "path", path: { root: { k: "object" }, segs: [{ k: "field", name: "metadata" }, { k: "field", name: "labels" }, { k: "key", key: "owner" }] } }, else: ERROR_VAL };
const FALLIBLE_SCOPE: JmesScope = { resolve: (n) => (n === "t" ? { k: "val", v: FAILING, ty: T.str, err: true } : undefined) };
const owned = POD({}, { labels: { owner: "x" } });
const FALLIBLE_ARGS: [string, Conditions, KObject, Outcome][] = [
  ["error inside length() before a false condition", { all: [{ key: "{{ length(t) }}", operator: "GreaterThan", value: 0 }, { key: "{{ request.operation }}", operator: "Equals", value: "DELETE" }] }, pod, "error"],
  ["error inside a projection before a true condition of any", { any: [{ key: "{{ split(t, ',')[].to_upper(@) }}", operator: "AnyIn", value: ["X"] }, { key: "a", operator: "Equals", value: "a" }] }, pod, "error"],
  ["the failing value present: no error", { all: [{ key: "{{ length(t) }}", operator: "GreaterThan", value: 0 }, { key: "{{ request.operation }}", operator: "Equals", value: "DELETE" }] }, owned, false],
  ["a true condition of any first: the failing one is never evaluated", { any: [{ key: "a", operator: "Equals", value: "a" }, { key: "{{ length(t) }}", operator: "GreaterThan", value: 0 }] }, pod, true],
];

describe("variables end to end", () => {
  it.each(DYNAMIC)("%s: %j %s %j", (_name, key, op, value, object, want) => {
    expect(one(key, op, value, { object })).toBe(want);
  });

  it("DELETE: the operation idiom is false", () => {
    expect(one("{{ request.operation || 'BACKGROUND' }}", "NotEquals", "DELETE", { object: pod, operation: "DELETE" })).toBe(false);
  });

  it("element of a foreach (the caller's quantifier variable)", () => {
    const scope: JmesScope = { element: { element: "el", index: "i" } };
    const pred = lowerConditions(cond("{{ element.image }}", "Equals", "nginx*"), scope);
    const some: Pred = { k: "quant", q: "any", over: { k: "path", path: { root: { k: "object" }, segs: [{ k: "field", name: "spec" }, { k: "field", name: "containers" }] } }, v: "el", body: pred, ifAbsent: false };
    const d = (o: KObject): string => evaluate({ policies: [vapOf({ k: "not", of: some })], bindings: [], request: requestForObject(o) }).verdict;
    expect(d(pod)).toBe("deny");
    expect(d(bare)).toBe("admit");
  });

  it("any/all blocks evaluate in Kyverno's order: the first error wins, any stops at true, all at false", () => {
    const err: Condition = { key: "{{request.object.metadata.labels.team}}", operator: "Equals", value: "x" };
    const yes: Condition = { key: "a", operator: "Equals", value: "a" };
    const no: Condition = { key: "a", operator: "Equals", value: "b" };
    expect(holds({ any: [err, yes] }, { object: pod })).toBe("error");
    expect(holds({ any: [yes, err] }, { object: pod })).toBe(true);
    expect(holds({ all: [no, err] }, { object: pod })).toBe(false);
    expect(holds({ all: [yes, err] }, { object: pod })).toBe("error");
    // both blocks are evaluated: an error in all surfaces even when any is false
    expect(holds({ any: [no], all: [err] }, { object: pod })).toBe("error");
    expect(holds({ any: [no], all: [yes] }, { object: pod })).toBe(false);
    expect(holds({ any: [yes], all: [yes] }, { object: pod })).toBe(true);
  });

  it("named gaps: unknown functions, context variables, contains on a map", () => {
    expect(gapOf(cond("{{ sum(request.object.spec.x) }}", "Equals", 1))).toBe("kyverno.jmespath.function.sum");
    expect(gapOf(cond("{{ podcounts }}", "GreaterThan", 1))).toBe("kyverno.jmespath.variable");
    expect(gapOf(cond("{{ contains(`{\"a\": 1}`, 'a') }}", "Equals", true))).toBe("kyverno.jmespath.function.contains.type");
    expect(gapOf(cond("{{ request.object.spec.x }}", "Frobnicates", 1))).toBe("kyverno.condition.operator");
    // AnyNotIn of a computed value of unknown kind (a string is decided over its JSON text, a list element-wise; no
    // run-time dispatch between them)
    expect(gapOf(cond("self-provisioner", "AnyNotIn", "{{ request.object.roleRef.name }}"))).toBe("kyverno.condition.AnyNotIn.dynamic-value");
    // a key that parses as a quantity: a range value would compare it
    expect(gapOf(cond("5", "AnyIn", "{{ request.object.roleRef.name }}"))).toBe("kyverno.condition.AnyIn.dynamic-value");
    // with a resolver, context variables lower
    expect(gapOf(cond("{{ podcounts }}", "GreaterThan", 1), { resolve: (n) => (n === "podcounts" ? { k: "val", v: { k: "lit", value: 3 }, ty: T.num, err: false } : undefined) })).toBeUndefined();
  });

  it.each(DISPATCH)("%s: %j %s %j", (_name, key, op, value, object, want) => {
    expect(one(key, op, value, { object })).toBe(want);
  });

  it.each(USER_GROUPS)("userInfo.groups %j: %s %s %j → %s", (groups, key, op, value, want) => {
    expect(one(key, op, value, { userInfo: { username: "u", groups } })).toBe(want);
  });

  it.each(FALLIBLE_ARGS)("%s", (_name, cs, object, want) => {
    expect(holds(cs, { object, scope: FALLIBLE_SCOPE })).toBe(want);
  });

  it("parses the JMESPath forms Kyverno policies use", () => {
    for (const e of ["request.object.spec.[ephemeralContainers, initContainers, containers][].ports[].hostPort", "a[?b=='c' || d].e | [0]", "keys(@)[?contains(@, 'x')]", "`{}` | merge(@, {a: null})", "a.\"b.c\"[*].d", "!a && b", "x[1:2]"])
      expect(() => parseJmes(e)).not.toThrow();
  });
});

// ---------------------------------------------------------------------------------------------------------------
// no wildcard characters (validated.ts): sides that can never hold `*`/`?` are compared without a runtime glob, and
// the result is the same as Kyverno's both-ways wildcard match

/** The CEL text a condition block lowers to. */
const celOf = (cs: Conditions, scope: JmesScope = {}): string => vapOf({ k: "not", of: lowerConditions(cs, scope) }).spec.validations!.map((v) => v.expression).join("\n");
const runtimeGlobs = (cel: string): number => cel.split(".matches(").length - 1;

const ROLE = (name: string): KObject => ({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name }, rules: [] }) as unknown as KObject;
const CRD_OBJ = (spec: Record<string, unknown>): KObject => ({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w", namespace: "default" }, spec }) as unknown as KObject;

/** [name, conditions, kinds, runtime globs in the CEL, object, outcome] */
const NO_WILD: [string, Conditions, string[] | undefined, number, KObject, Outcome][] = [
  ["operation idiom: an enum", cond("{{ request.operation || 'BACKGROUND' }}", "AnyIn", ["CREATE", "UPDATE"]), undefined, 0, pod, true],
  ["operation NotEquals: no quantity/duration test of an enum", cond("{{ request.operation || 'BACKGROUND' }}", "NotEquals", "DELETE"), undefined, 0, pod, true],
  ["namespace: a DNS label", cond("{{ request.object.metadata.namespace }}", "AnyIn", ["default", "kube-*"]), undefined, 0, pod, true],
  ["request.kind.kind", cond("{{ request.kind.kind }}", "AnyNotIn", ["Deployment", "Job"]), undefined, 0, pod, true],
  ["pod name with kinds [Pod]: a DNS name", cond("{{ request.object.metadata.name }}", "AnyIn", ["p", "q"]), ["Pod"], 0, pod, true],
  ["pod name without kinds: the runtime glob stays", cond("{{ request.object.metadata.name }}", "AnyIn", ["p", "q"]), undefined, 1, pod, true],
  ["ClusterRole name `adm*` is a glob in Kyverno (RBAC names are path segments)", cond("{{ request.object.metadata.name }}", "AnyIn", ["admin", "view"]), ["ClusterRole"], 1, ROLE("adm*"), true],
  ["ClusterRole name `edit*` matches no literal", cond("{{ request.object.metadata.name }}", "AnyIn", ["admin", "view"]), ["ClusterRole"], 1, ROLE("edit*"), false],
  ["label values with kinds [Pod]", cond("{{ request.object.metadata.labels.app }}", "AnyIn", ["web", "api"]), ["Pod"], 0, POD({}, { labels: { app: "web" } }), true],
  ["label values of an Event: not validated", cond("{{ request.object.metadata.labels.app }}", "AnyIn", ["web", "api"]), ["Event"], 1, POD({}, { labels: { app: "web" } }), true],
  ["annotation values are free text", cond("{{ request.object.metadata.annotations.a }}", "AnyIn", ["web", "api"]), ["Pod"], 1, POD({}, { annotations: { a: "w*" } }), true],
  ["keys of volumes in a Pod: field names", cond("{{ request.object.spec.volumes[].keys(@)[] }}", "AnyNotIn", ["name", "configMap", "secret"]), ["Pod"], 0, POD({ volumes: [{ name: "v", hostPath: { path: "/" } }] }), true],
  ["keys of volumes, kinds unknown: one runtime glob for all literals", cond("{{ request.object.spec.volumes[].keys(@)[] }}", "AnyNotIn", ["name", "configMap", "secret"]), undefined, 1, POD({ volumes: [{ name: "v", secret: {} }] }), false],
  ["keys of a custom resource: a key `*` is a glob matching every literal", cond("{{ request.object.spec.volumes[].keys(@)[] }}", "AnyNotIn", ["name", "configMap"]), ["Widget"], 1, CRD_OBJ({ volumes: [{ "*": 1 }] }), false],
  ["keys of csi.volumeAttributes (free-form) in a Pod", cond("{{ request.object.spec.volumes[].csi.volumeAttributes.keys(@)[] }}", "AnyIn", ["size"]), ["Pod"], 1, POD({ volumes: [{ name: "v", csi: { driver: "d", volumeAttributes: { "s*": "1" } } }] }), true],
  ["a bool key: `true`/`false` decided per literal", cond("{{ request.object.spec.containers[].image.contains(@, 'nginx') }}", "AnyIn", [true]), undefined, 0, pod, true],
  ["a bool key against a glob matching both", cond("{{ request.object.spec.containers[].image.contains(@, 'x') }}", "AnyIn", ["*e"]), undefined, 0, pod, true],
  ["a bool key against a glob matching `false` only", cond("{{ request.object.spec.containers[].image.contains(@, 'nginx') }}", "AnyIn", ["f*"]), undefined, 0, bare, true],
  ["a bool key against a glob matching `true` only", cond("{{ request.object.spec.containers[].image.contains(@, 'nginx') }}", "AnyIn", ["t*"]), undefined, 0, bare, false],
  ["a bool key against no literal it can match", cond("{{ request.object.spec.containers[].image.contains(@, 'nginx') }}", "AnyIn", ["yes"]), undefined, 0, pod, false],
];

describe("no wildcard characters: validated sides skip the runtime glob", () => {
  it.each(NO_WILD)("%s", (_name, cs, kinds, globs, object, want) => {
    const scope: JmesScope = kinds ? { kinds } : {};
    expect(runtimeGlobs(celOf(cs, scope))).toBe(globs);
    expect(holds(cs, { object, scope })).toBe(want);
  });

  it("objectFacts: names, labels and keys by kind", () => {
    const rows: [string[] | undefined, ObjectFacts][] = [
      [undefined, { names: false, meta: false, builtin: false }],
      [["Pod"], { names: true, meta: true, builtin: true }],
      [["apps/v1/Deployment", "Pod"], { names: true, meta: true, builtin: true }],
      [["ClusterRole"], { names: false, meta: true, builtin: true }],
      [["CertificateSigningRequest"], { names: false, meta: true, builtin: true }],
      [["Event"], { names: false, meta: false, builtin: true }],
      [["example.com/v1/Widget"], { names: true, meta: true, builtin: false }],
      [["*"], { names: false, meta: false, builtin: false }],
      [["Pod/exec"], { names: false, meta: false, builtin: false }],
    ];
    for (const [kinds, want] of rows) {
      const { schema: _schema, ...facts } = objectFacts(kinds);
      expect([kinds, facts]).toEqual([kinds, want]);
    }
  });
});

// declared string fields of built-in kinds (validated.ts BUILTIN_SCHEMAS): contains()/to_string() need no runtime
// dispatch on the kind of the value, and validated names (PodSpec volume/container/volumeMount names) no glob
const dispatches = (cel: string): number => cel.split("type(dyn(").length - 1;
const INGRESS = (paths: string[]): KObject =>
  ({ apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "i", namespace: "default" }, spec: { rules: [{ host: "a.example.com", http: { paths: paths.map((path) => ({ path, pathType: "Prefix", backend: { service: { name: "s", port: { number: 80 } } } })) } }, { host: "b.example.com" }] } }) as unknown as KObject;
const pathContains = (s: string): Conditions => cond(`{{ request.object.spec.rules[].http.paths[].path.contains(@,'${s}') }}`, "AnyIn", [true]);
const mountIn = (names: string[]): Conditions => cond("{{ request.object.spec.containers[].volumeMounts[].name }}", "AnyIn", names);
const WITH_MOUNTS = POD({ volumes: [{ name: "data", emptyDir: {} }], containers: [{ name: "app", image: "nginx", volumeMounts: [{ name: "data", mountPath: "/d" }] }] });

/** [name, conditions, kinds, runtime kind dispatches, runtime globs, object, outcome] */
const DECLARED: [string, Conditions, string[] | undefined, number, number, KObject, Outcome][] = [
  ["Ingress path: a declared string", pathContains("/etc"), ["networking.k8s.io/v1/Ingress"], 0, 0, INGRESS(["/", "/etc/passwd"]), true],
  ["Ingress path: no match", pathContains("/etc"), ["networking.k8s.io/v1/Ingress"], 0, 0, INGRESS(["/", "/api"]), false],
  ["Ingress path, bare kind", pathContains("/root"), ["Ingress"], 0, 0, INGRESS(["/root"]), true],
  ["Ingress path, kinds unknown: dispatch on the runtime kind", pathContains("/etc"), undefined, 4, 0, INGRESS(["/etc"]), true],
  ["an `Ingress` of another group: not declared", pathContains("/etc"), ["example.com/v1/Ingress"], 4, 0, INGRESS(["/etc"]), true],
  ["Ingress and Pod: the field is declared by one kind only", pathContains("/etc"), ["Ingress", "Pod"], 4, 0, INGRESS(["/etc"]), true],
  ["Ingress path absent: the projection drops it", pathContains("/etc"), ["Ingress"], 0, 0, INGRESS([]), false],
  ["AnyIn [false]: some path without /etc", cond("{{ request.object.spec.rules[].http.paths[].path.contains(@,'/etc') }}", "AnyIn", [false]), ["Ingress"], 0, 0, INGRESS(["/etc", "/api"]), true],
  ["AnyIn [false]: every path has /etc", cond("{{ request.object.spec.rules[].http.paths[].path.contains(@,'/etc') }}", "AnyIn", [false]), ["Ingress"], 0, 0, INGRESS(["/etc"]), false],
  ["AnyIn [false]: no path at all (null elements dropped)", cond("{{ request.object.spec.rules[].http.paths[].path.contains(@,'/etc') }}", "AnyIn", [false]), ["Ingress"], 0, 0, ({ apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "i", namespace: "default" }, spec: { rules: [{ http: { paths: [{ pathType: "ImplementationSpecific", backend: { service: { name: "s", port: { number: 80 } } } }] } }] } }) as unknown as KObject, false],
  ["Ingress without rules (a declared list: absent, never null): no guard needed", pathContains("/etc"), ["Ingress"], 0, 0, ({ apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "i", namespace: "default" }, spec: { defaultBackend: { service: { name: "s", port: { number: 80 } } } } }) as unknown as KObject, false],
  ["ClusterRole with `rules: null` (no omitempty): still false, not an error", cond("{{ request.object.rules[].resources[].contains(@, 'secrets') }}", "AnyIn", [true]), ["ClusterRole"], 0, 0, ({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "r" }, rules: null }) as unknown as KObject, false],
  ["ClusterRole resources: declared strings", cond("{{ request.object.rules[].resources[].contains(@, 'secrets') }}", "AnyIn", [true]), ["ClusterRole"], 0, 0, role([{ apiGroups: [""], resources: ["pods", "secrets"], verbs: ["get"] }]), true],
  ["volumeMount names vs literals in a Pod: validated names", mountIn(["data", "cache"]), ["Pod"], 0, 0, WITH_MOUNTS, true],
  ["volumeMount names, kinds unknown: the glob stays", mountIn(["data", "cache"]), undefined, 0, 1, WITH_MOUNTS, true],
  ["volumeMount names of a Deployment's template", cond("{{ request.object.spec.template.spec.containers[].volumeMounts[].name }}", "AnyIn", ["data"]), ["apps/v1/Deployment"], 0, 0, deploy(), false],
  ["container images are not validated names: the glob stays", cond("{{ request.object.spec.containers[].image }}", "AnyIn", ["nginx"]), ["Pod"], 0, 1, POD(), true],
  ["volume names of both lists (multi-select): declared in both", cond("{{ request.object.spec.[initContainers, containers][].volumeMounts[].name }}", "AnyIn", ["data"]), ["Pod"], 0, 0, WITH_MOUNTS, true],
];

describe("declared field types of built-in kinds", () => {
  it.each(DECLARED)("%s", (_name, cs, kinds, dispatch, globs, object, want) => {
    const scope: JmesScope = kinds ? { kinds } : {};
    const cel = celOf(cs, scope);
    expect([dispatches(cel), runtimeGlobs(cel)]).toEqual([dispatch, globs]);
    expect(holds(cs, { object, scope })).toBe(want);
  });

  it("a bool-or-null element against a bool literal: decided by branch, no null guard", () => {
    const cel = celOf(pathContains("/etc"), { kinds: ["Ingress"] });
    expect(cel).not.toContain(": dyn(null)) != null"); // the element guard (the list's own null test stays)
    expect(cel).not.toContain("== true");
    expect(cel).toContain("has(v1.path) && v1.path.contains('/etc')");
    // spec.rules is a declared list (never a present null): no `rules != null` guard before the existential test
    expect(cel).not.toContain("rules.orValue(dyn(null)) != null");
    // ClusterRole rules may be a present null: the guard stays (negated, before the universal the negated
    // existential reads as)
    expect(celOf(cond("{{ request.object.rules[].resources[].contains(@, 'secrets') }}", "AnyIn", [true]), { kinds: ["ClusterRole"] })).toContain("rules.orValue(dyn(null)) == null");
  });

  it("a context entry lowered before the kinds are known gets its declared type where it is used", () => {
    const lc = lowerContext([{ name: "names", kind: "variable", spec: { jmesPath: "request.object.spec.volumes[].name" } }], { rule: "r" });
    const cs = cond("{{ request.object.spec.containers[].volumeMounts[].name }}", "AnyIn", "{{ names }}");
    expect(runtimeGlobs(celOf(cs, { ...lc.scope, kinds: ["Pod"] }))).toBe(0);
    // both sides plain: one equality (wildcard.Match both ways is a == b)
    expect(celOf(cs, { ...lc.scope, kinds: ["Pod"] })).toMatch(/exists\(e\d+, v\d+\.\?name\.orValue\(dyn\(null\)\) == e\d+\)/);
    expect(runtimeGlobs(celOf(cs, lc.scope))).toBeGreaterThan(0);
    expect(runtimeGlobs(celOf(cs, { ...lc.scope, kinds: ["example.com/v1/Widget"] }))).toBeGreaterThan(0);
    expect(holds(cs, { object: WITH_MOUNTS, scope: { ...lc.scope, kinds: ["Pod"] } })).toBe(true);
    expect(holds(cs, { object: POD({ volumes: [{ name: "data", emptyDir: {} }] }), scope: { ...lc.scope, kinds: ["Pod"] } })).toBe(false);
  });

  it("objectFacts: the schema shared by the kinds", () => {
    const declared = (kinds: string[]): string[] => Object.keys(objectFacts(kinds).schema?.fields ?? {});
    expect(declared(["Pod"])).toEqual(["spec"]);
    expect(objectFacts(["Pod", "apps/v1/Deployment"]).schema).toBeUndefined(); // no field declared by both
    expect(Object.keys(objectFacts(["apps/v1/Deployment", "apps/v1/StatefulSet"]).schema?.fields?.spec?.fields ?? {})).toEqual(["template"]);
    expect(declared(["Role", "ClusterRole"])).toEqual(["rules"]);
    expect(objectFacts(["example.com/v1/Widget"]).schema).toBeUndefined();
    expect(objectFacts(["Pod/exec"]).schema).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------------------------
// corpus: every deny.conditions / preconditions block (rule level and inside foreach) of the shared Kyverno corpus

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(f) ? [p] : [];
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Functions and forms of the remaining corpus gaps (issue #7): to_number / max / min / regex_replace_all (go-jmespath
// functions.go jpfToNumber, jpfMax, jpfMin; Kyverno functions.go jpRegexReplaceAll, ifaceToString), a multi-select at
// the top, multi-select hashes and merge() (jpfMerge: later keys win), request.oldObject (null on CREATE), AnyIn /
// AnyNotIn against a string known at run time (anyin.go anyKeyExistsInArray), nested variables in quoted identifiers
// (vars.go: the inner variable is substituted as text first). "error" rows marked (stricter) are forms Kyverno
// decides that the lowering leaves to an evaluation error.

const specPod = (spec: Record<string, unknown>): KObject => POD(spec);
const labelled = (labels?: Record<string, string>): KObject => POD({}, labels ? { labels } : {});
const annotated = (annotations: Record<string, string>): KObject => POD({}, { annotations });

const FUNCTIONS: [string, JsonValue, string, JsonValue, KObject, Outcome][] = [
  ["to_number of a decimal string", "{{ to_number(request.object.spec.d) }}", "Equals", 5, specPod({ d: "5" }), true],
  ["to_number: sign, fraction", "{{ to_number(request.object.spec.d) }}", "Equals", 5, specPod({ d: "+5.0" }), true],
  ["to_number: exponent", "{{ to_number(request.object.spec.d) }}", "Equals", 1000, specPod({ d: "1e3" }), true],
  ["to_number of a number", "{{ to_number(request.object.spec.d) }}", "Equals", 5, specPod({ d: 5 }), true],
  ["to_number of text is null (Equals null: false)", "{{ to_number(request.object.spec.d) }}", "Equals", 5, specPod({ d: "abc" }), false],
  ["to_number of '' is null", "{{ to_number(request.object.spec.d) }}", "Equals", 0, specPod({ d: "" }), false],
  ["to_number of a bool is null", "{{ to_number(request.object.spec.d) }}", "Equals", 1, specPod({ d: true }), false],
  ["to_number of a missing field is null", "{{ to_number(request.object.spec.d) }}", "Equals", 1, specPod({}), false],
  ["to_number of a hexadecimal float (stricter)", "{{ to_number(request.object.spec.d) }}", "Equals", 16, specPod({ d: "0x1p4" }), "error"],
  ["max of numbers", "{{ max(request.object.spec.n) }}", "Equals", 7, specPod({ n: [3, 7, 5] }), true],
  ["min of numbers", "{{ min(request.object.spec.n) }}", "Equals", 3, specPod({ n: [3, 7, 5] }), true],
  ["max of strings", "{{ max(request.object.spec.n) }}", "Equals", "c", specPod({ n: ["a", "c", "b"] }), true],
  ["max of [] is null", "{{ max(request.object.spec.n) }}", "Equals", 0, specPod({ n: [] }), false],
  ["max of mixed kinds is a type error", "{{ max(request.object.spec.n) }}", "Equals", 1, specPod({ n: [1, "a"] }), "error"],
  ["max of a null element is a type error", "{{ max(request.object.spec.n) }}", "Equals", 2, specPod({ n: [null, 2] }), "error"],
  ["max of a string is a type error", "{{ max(request.object.spec.n) }}", "Equals", 1, specPod({ n: "x" }), "error"],
  ["max of a multi-select at the top", "{{ max([request.object.spec.n, to_number('5')]) }}", "Equals", 9, specPod({ n: 9 }), true],
  ["max of a multi-select: the literal wins", "{{ max([request.object.spec.n, to_number('5')]) }}", "Equals", 5, specPod({ n: 1 }), true],
  ["regex_replace_all cuts at the literal", "{{ regex_replace_all('h.*', request.object.spec.d, '') }}", "Equals", "2160", specPod({ d: "2160h0m0s" }), true],
  ["regex_replace_all without a match", "{{ regex_replace_all('h.*', request.object.spec.d, '') }}", "Equals", "90m", specPod({ d: "90m" }), true],
  ["regex_replace_all: `.` stops at a line break", "{{ regex_replace_all('h.*', request.object.spec.d, 'X') }}", "Equals", "aX\nbX\nc", specPod({ d: "ahh\nbh\nc" }), true],
  ["regex_replace_all of a small integer", "{{ regex_replace_all('h.*', request.object.spec.d, '') }}", "Equals", "7", specPod({ d: 7 }), true],
  ["regex_replace_all of a missing field is a type error", "{{ regex_replace_all('h.*', request.object.spec.d, '') }}", "Equals", "", specPod({}), "error"],
  ["regex_replace_all_literal keeps $", "{{ regex_replace_all_literal('h.*', request.object.spec.d, '$1') }}", "Equals", "2160$1", specPod({ d: "2160h" }), true],
  ["cert-manager limit-duration: over the limit", "{{ max( [ to_number(regex_replace_all('h.*',request.object.spec.duration,'')), to_number('2400') ] ) }}", "NotEquals", 2400, specPod({ duration: "3400h0m0s" }), true],
  ["cert-manager limit-duration: within", "{{ max( [ to_number(regex_replace_all('h.*',request.object.spec.duration,'')), to_number('2400') ] ) }}", "NotEquals", 2400, specPod({ duration: "2160h0m0s" }), false],
  ["cert-manager limit-duration: days are not hours (null → type error)", "{{ max( [ to_number(regex_replace_all('h.*',request.object.spec.duration,'')), to_number('2400') ] ) }}", "NotEquals", 2400, specPod({ duration: "100d" }), "error"],
  ["multi-select list at the top", "{{ [request.object.metadata.name, 'x'] }}", "Equals", ["p", "x"], POD(), true],
  ["multi-select hash", "{{ {a: request.object.metadata.name, b: `1`} }}", "Equals", { a: "p", b: 1 }, POD(), true],
  ["multi-select hash: a missing field is null", "{{ {a: request.object.metadata.nope} }}", "Equals", { a: null }, POD(), true],
  ["merge(): later keys win", "{{ merge(request.object.metadata.labels, {b: 'x'}) }}", "Equals", { a: "1", b: "x" }, labelled({ a: "1", b: "y" }), true],
  ["merge() of a literal map", "{{ merge(request.object.metadata.labels, `{\"b\": 1}`) }}", "Equals", { a: "1", b: 1 }, labelled({ a: "1" }), true],
  ["merge() of a missing map is a type error", "{{ merge(request.object.metadata.labels, {b: 'x'}) }}", "Equals", { b: "x" }, labelled(), "error"],
  ["request.oldObject on CREATE is null", "{{ request.oldObject.metadata.name || 'none' }}", "Equals", "none", POD(), true],
];

/** allowed-label-changes: every label but `breakglass` unchanged (an UPDATE; `null` in the hash reads the key "null"). */
const SAFE_LABEL = { key: "{{ request.object.metadata.labels || `{}` |  merge(@, {breakglass:null}) }}", operator: "NotEquals", value: "{{ request.oldObject.metadata.labels || `{}` |  merge(@, {breakglass:null}) }}" };
const LABEL_CHANGES: [string, Record<string, string> | undefined, Record<string, string> | undefined, Outcome][] = [
  ["unchanged", { a: "1" }, { a: "1" }, false],
  ["a label changed", { a: "1" }, { a: "2" }, true],
  ["breakglass removed", { a: "1", breakglass: "x" }, { a: "1" }, false],
  ["breakglass added to no labels", undefined, { breakglass: "y" }, false],
  ["every label removed", { a: "1" }, undefined, true],
  ["a label added", {}, { a: "1" }, true],
  ["no labels before or after", undefined, undefined, false],
  ["the key `null` feeds breakglass's value", { null: "x" }, { null: "y" }, true],
];

/** AnyIn / AnyNotIn of the namespace (`default`) in an annotation's text, and the same with a literal key. */
const STRING_SETS: [string, Outcome, Outcome][] = [
  // text, AnyIn, AnyNotIn
  ['["default", "test"]', true, false],
  ['[ "a" ,\n "default" ]', true, false],
  ['["prod"]', false, true],
  ["[]", false, true],
  ["default", true, false],
  ["def*", true, false],
  ["other", false, true],
  ["", false, true],
  ["null", false, true],
  ["5", false, false],
  ['"default"', false, false],
  ["true", false, false],
  ['{"a": 1}', false, "error"],
  ['[null, "default"]', true, false],
  ["[null]", false, true],
  ['["de\\u0066ault"]', "error", "error"],
  ["[1, 2]", false, "error"],
  ["[", false, "error"],
  ["1-5", "error", "error"],
];

/** A literal key with AnyIn is decided by the exact RE2 of its JSON forms (escapes included), and a key that is no
 *  number, quantity or duration is in no range. */
const LITERAL_ANY_IN: Record<string, Outcome> = { '["de\\u0066ault"]': true, "1-5": false };

const NESTED_KEYS: [string, JsonValue, string, JsonValue, KObject, Outcome][] = [
  ["a key named by a nested variable", '{{ request.object.metadata.annotations."{{ request.object.metadata.name }}" }}', "Equals", "v", annotated({ p: "v" }), true],
  ["that key missing: NotFound", '{{ request.object.metadata.annotations."{{ request.object.metadata.name }}" }}', "Equals", "v", annotated({ q: "v" }), "error"],
  ["that key missing, with a default", "{{ request.object.metadata.annotations.\"{{ request.object.metadata.name }}\" || 'none' }}", "Equals", "none", annotated({ q: "v" }), true],
  ['`|| ""` reads the field "" of the context: null', '{{ request.object.metadata.annotations.q || "" }}', "Equals", "", annotated({}), false],
];

describe("remaining corpus forms: functions, hashes, merge(), oldObject, run-time string sets, nested keys", () => {
  it.each(FUNCTIONS)("%s: %j %s %j", (_name, key, op, value, object, want) => {
    expect(one(key, op, value, { object })).toBe(want);
  });

  it.each(LABEL_CHANGES)("allowed-label-changes on UPDATE, %s", (_name, before, after, want) => {
    expect(holds({ any: [SAFE_LABEL] }, { object: labelled(after), oldObject: labelled(before), operation: "UPDATE" })).toBe(want);
  });

  it("allowed-label-changes on CREATE: the old labels are {} (request.oldObject is null)", () => {
    expect(holds({ any: [SAFE_LABEL] }, { object: labelled({ a: "1" }) })).toBe(true);
    expect(holds({ any: [SAFE_LABEL] }, { object: labelled({ breakglass: "x" }) })).toBe(false);
    expect(holds({ any: [{ ...SAFE_LABEL, operator: "Equals" }] }, { object: labelled({ a: "1" }), oldObject: labelled({ a: "1" }), operation: "UPDATE" })).toBe(true);
  });

  it("a field missing from the old object is NotFound on UPDATE", () => {
    expect(one("{{ request.oldObject.metadata.nope }}", "Equals", "x", { operation: "UPDATE" })).toBe("error");
    expect(one("{{ request.oldObject.metadata.name }}", "Equals", "p", { operation: "UPDATE" })).toBe(true);
  });

  it.each(STRING_SETS)("namespace AnyIn / AnyNotIn %j → %s / %s", (text, anyIn, anyNotIn) => {
    const object = POD({}, { annotations: { list: text } });
    for (const key of ["{{ request.object.metadata.namespace }}", "default"]) {
      const literal = key === "default" ? LITERAL_ANY_IN[text] : undefined;
      expect(one(key, "AnyIn", "{{ request.object.metadata.annotations.list }}", { object }), `${key} AnyIn`).toBe(literal ?? anyIn);
      expect(one(key, "AnyNotIn", "{{ request.object.metadata.annotations.list }}", { object }), `${key} AnyNotIn`).toBe(anyNotIn);
    }
  });

  it("a computed key with RE2 metacharacters or a quote is matched as text", () => {
    const run = (k: string, list: string, op: string): Outcome => one("{{ request.object.metadata.annotations.k }}", op, "{{ request.object.metadata.annotations.list }}", { object: annotated({ k, list }) });
    expect(run("a.b", '["axb"]', "AnyIn")).toBe(false);
    expect(run("a.b", '["a.b"]', "AnyIn")).toBe(true);
    expect(run('a","b', '["a","b"]', "AnyIn")).toBe(false);
    expect(run("a*", '["abc"]', "AnyIn")).toBe(false);
    expect(run("(x)", '["(x)"]', "AnyNotIn")).toBe(false);
  });

  it.each(NESTED_KEYS)("%s: %j %s %j", (_name, key, op, value, object, want) => {
    expect(one(key, op, value, { object })).toBe(want);
  });

  it("named gaps: merge() beyond Equals of static-keyed maps, regex_replace_all beyond `<literal>.*`", () => {
    expect(gapOf(cond("{{ merge(request.object.metadata.labels, request.object.metadata.annotations) }}", "Equals", {}))).toBe("kyverno.jmespath.function.merge.dynamic");
    expect(gapOf(cond("{{ merge(request.object.metadata.labels, {a: 'x'}) }}", "AnyIn", [{}]))).toBe("kyverno.condition.merged-map");
    expect(gapOf(cond("{{ keys(merge(request.object.metadata.labels, {a: 'x'})) }}", "AnyIn", ["a"]))).toBe("kyverno.jmespath.function.merge");
    expect(gapOf(cond("{{ regex_replace_all('[0-9]+', request.object.spec.d, '') }}", "Equals", ""))).toBe("kyverno.jmespath.function.regex_replace_all.pattern");
    expect(gapOf(cond("{{ regex_replace_all('h.*', request.object.spec.d, '$1') }}", "Equals", ""))).toBe("kyverno.jmespath.function.regex_replace_all.replacement");
    expect(gapOf(cond("{{ max(`true`) }}", "Equals", 1))).toBe("kyverno.jmespath.function.max.type");
  });
});

interface Block {
  where: string;
  conditions: Conditions;
  /** foreach depth (0 = rule level): `element` is bound inside a foreach. */
  depth: number;
}

function corpusBlocks(): Block[] {
  const out: Block[] = [];
  for (const f of yamlFiles(corpusPath("kyverno"))) {
    let docs;
    try {
      docs = parseDocuments(readFileSync(f, "utf8"), f);
    } catch {
      continue;
    }
    const ps = docs.filter((d) => isKyvernoPolicy(d.doc));
    if (!ps.length) continue;
    for (const p of parseKyvernoDocuments(ps)) {
      if (!isClusterPolicy(p)) continue;
      for (const r of p.rules) {
        const at = `${path.relative(corpusPath("kyverno"), f)} ${p.name}/${r.name}`;
        if (r.preconditions) out.push({ where: `${at} preconditions`, conditions: r.preconditions, depth: 0 });
        if (r.validate?.deny?.conditions) out.push({ where: `${at} deny`, conditions: r.validate.deny.conditions, depth: 0 });
        const walk = (fs: ForEach[] | undefined, d: number): void => {
          for (const [i, x] of (fs ?? []).entries()) {
            if (x.preconditions) out.push({ where: `${at} foreach[${i}].preconditions`, conditions: x.preconditions, depth: d });
            if (x.deny?.conditions) out.push({ where: `${at} foreach[${i}].deny`, conditions: x.deny.conditions, depth: d });
            walk(x.foreach, d + 1);
          }
        };
        walk(r.validate?.foreach, 1);
      }
    }
  }
  return out;
}

const scopeFor = (depth: number): JmesScope =>
  depth ? { element: { element: "element", index: "elementIndex" }, elements: Array.from({ length: depth }, (_, i) => ({ element: `element${i}`, index: `elementIndex${i}` })) } : {};

describe.skipIf(!haveCorpus("kyverno-lower-conditions", "kyverno"))("corpus deny.conditions and preconditions", () => {
  it("lowers the measured share without a gap; counts per operator, function and gap reason", () => {
    const blocks = corpusBlocks();
    const stats: LowerStats = { operators: {}, functions: {} };
    const lowered: LowerStats = { operators: {}, functions: {} };
    const gaps: Record<string, number> = {};
    let ok = 0;
    let conditionsOk = 0;
    let conditions = 0;
    for (const b of blocks) {
      const all: Condition[] = [...(b.conditions.any ?? []), ...(b.conditions.all ?? [])];
      conditions += all.length;
      // per condition (what lowers on its own), then the block as a whole
      for (const c of all) {
        try {
          lowerConditions({ all: [c] }, scopeFor(b.depth), lowered);
          conditionsOk++;
        } catch (e) {
          if (!(e instanceof LowerGap)) throw new Error(`${b.where}: ${(e as Error).message}`);
          gaps[e.id] = (gaps[e.id] ?? 0) + 1;
          const op = c.operator;
          stats.operators[op] = (stats.operators[op] ?? 0) + 1;
        }
      }
      if (gapOf(b.conditions, scopeFor(b.depth)) === undefined) ok++;
    }
    const report = { blocks: blocks.length, blocksLowered: ok, conditions, conditionsLowered: conditionsOk, operatorsLowered: lowered.operators, operatorsWithGap: stats.operators, functionsLowered: lowered.functions, gaps };
    console.log(`[kyverno-lower-conditions] ${JSON.stringify(report, null, 1)}`);
    expect(report).toEqual(CORPUS_EXPECTED);
  });
});

/** Measured on the shared corpus (kyverno/policies @ b9c4317c copy): 144 blocks, 187 conditions. */
const CORPUS_EXPECTED = {
  blocks: 144,
  blocksLowered: 112,
  conditions: 187,
  conditionsLowered: 152,
  operatorsLowered: { NotEquals: 35, AnyIn: 54, AnyNotIn: 17, GreaterThan: 9, Equals: 30, GreaterThanOrEquals: 7 },
  operatorsWithGap: { Equals: 5, NotEquals: 5, GreaterThan: 7, AnyIn: 8, AnyNotIn: 7, LessThan: 3 },
  functionsLowered: { keys: 11, to_upper: 3, length: 15, max: 1, to_number: 2, regex_replace_all: 1, values: 6, regex_match: 13, contains: 20, join: 1, merge: 2, divide: 1, sort: 2, to_string: 1, split: 1, to_array: 1 },
  gaps: {
    // context entries are not resolved here (no rule scope): allowed-pod-priorities' ConfigMap entry among them
    "kyverno.jmespath.variable": 34,
    "kyverno.jmespath.value-projection": 1,
  },
};
