// An entry rule (Gatekeeper's `violation[...]`, a module's `deny[msg]` / `deny if …`) → one rule-model rule per
// body: the request passes when no binding of the body holds. A body that cannot be expressed is a named `weaker`
// gap on that rule (the VAP lacks it), never dropped silently. Messages: the fixed start of the body's sprintf.
// A body that calls a function (or reads a rule) whose definitions can give different values gets a second rule:
// the request passes when no binding reaches such a call with two different values — OPA's eval_conflict_error,
// which Gatekeeper reports as a violation (./conflicts.ts); where that cannot be expressed, a named `weaker` gap.
import type { Body, Rule as RegoRule, Term } from "../ast.js";
import type { CompiledProgram } from "../engine/compile.js";
import { findNode } from "../engine/program.js";
import { emitRules, envFor, LowerError, type EmitOptions, type VapParts } from "../../../src/emit/index.js";
import { validatePolicy } from "../../../src/vap/compilepolicy.js";
import type { ValidatingAdmissionPolicy } from "../../../src/vap/types.js";
import { P, V, type Match, type Message, type Path, type Pred, type Rule, type Val } from "../../../src/ir/model.js";
import type { ReportGap } from "../../../src/convert/types.js";
import { conflictInfo } from "./conflicts.js";
import { and, completeConflict, conflictReach, lowerBody, lowerTerm, truthy, Unsupported, type Scope } from "./lower.js";
import type { NamedValues } from "./named.js";
import { defined, type InputShape, type ParamsSource } from "./sym.js";

export interface EntrySource {
  /** Name of what is converted (template or package), prefix of the rule ids. */
  name: string;
  file: string;
  line: number;
  fallbackMessage: string;
  /** Gap id prefix: `gatekeeper` or `rego`. */
  gapPrefix: string;
}

/** Rule-model size (JSON characters) beyond which the emitted CEL is far over the API server's limit. */
const MAX_RULE_MODEL_SIZE = 600_000;

/**
 * One rule per body of the entry rule at `path` (a partial set, or complete rules whose value denies). With `named`,
 * values computed once per admission (lookup tables, helpers of the parameters) become VAP variables there.
 */
export function entryRules(program: CompiledProgram, path: readonly string[], base: { params: ParamsSource; input: InputShape; named?: NamedValues }, source: EntrySource, gaps: ReportGap[]): Rule[] {
  const node = findNode(program.root, path);
  const entry = path[path.length - 1]!;
  const bodies = node ? [...node.partialSets.map((compiled) => ({ compiled, set: true })), ...node.complete.map((compiled) => ({ compiled, set: false }))] : [];
  if (!bodies.length) {
    gaps.push({ rule: source.name, reason: `[${source.gapPrefix}.no-entry] no ${entry} rule at data.${path.join(".")}`, line: source.line, file: source.file, id: `${source.gapPrefix}.no-entry`, effect: "weaker" });
    return [];
  }
  const rules: Rule[] = [];
  const conflicts: Rule[] = [];
  bodies.forEach(({ compiled, set }, index) => {
    const id = `${source.name}.${entry}[${index}]`;
    const scope: Scope = { program, params: base.params, input: base.input, names: new Set(), depth: 0, labelNames: true, ...(base.named ? { named: base.named } : {}) };
    const rule = compiled.rule;
    try {
      if (rule.elses.length > 0) throw new Unsupported("`else` on the entry rule", rule.loc);
      // a partial set denies with each element (which must be defined); a complete rule with a value other than false
      const head: Term | undefined = set ? (rule.head.key ?? rule.head.value) : rule.head.value;
      const exists = lowerBody(rule.body, 0, new Map(), scope, (env) => (head ? lowerTerm(head, env, scope, (value) => (set ? and(defined(value), P.t) : truthy(value))) : P.t));
      // a translation this large cannot fit the API server's 100,000-character expression limit: say so now,
      // instead of spending seconds emitting and compiling CEL that would be refused anyway
      const size = JSON.stringify(exists).length;
      if (size > MAX_RULE_MODEL_SIZE) throw new Unsupported(`the translated rule is too large for one CEL expression (${size} characters of rule model; the API server takes 100,000 characters of CEL)`, rule.loc);
      rules.push({ id, field: entry, check: P.not(withoutImpliedPresence(exists)), message: namingMessage(messageText(rule, source.fallbackMessage), exists), provenance: { file: source.file, line: rule.loc.line }, gaps: [] });
    } catch (error) {
      if (!(error instanceof Unsupported)) throw error;
      gaps.push({ rule: id, reason: `[${source.gapPrefix}.rego] ${error.reason}; this ${entry} rule is not in the VAP`, line: error.loc?.line ?? rule.loc.line, file: source.file, id: `${source.gapPrefix}.rego`, effect: "weaker" });
    }
    const conflict = conflictRule(program, compiled.rule, set, id, base, source, gaps);
    if (conflict) conflicts.push(conflict);
  });
  // complete entry rules whose definitions give different values: "complete rules must not produce multiple outputs"
  if (node?.complete.length) {
    const id = `${source.name}.${entry}.conflict`;
    const scope: Scope = { program, params: base.params, input: base.input, names: new Set(), depth: 0, labelNames: true, ...(base.named ? { named: base.named } : {}) };
    try {
      const pred = completeConflict(node, scope, conflictInfo(program));
      if (pred) conflicts.push({ id, field: entry, check: P.not(pred), message: { text: `eval_conflict_error: ${entry} (complete rules) must not produce multiple outputs`, exact: true }, provenance: { file: source.file, line: node.complete[0]!.rule.loc.line }, gaps: [] });
    } catch (error) {
      if (!(error instanceof Unsupported)) throw error;
      gaps.push({ rule: id, reason: `[${source.gapPrefix}.function-conflict] the ${entry} rules can give different values, which OPA refuses with eval_conflict_error, and the check for it cannot be expressed: ${error.reason}; the VAP admits such requests`, line: error.loc?.line ?? source.line, file: source.file, id: `${source.gapPrefix}.function-conflict`, effect: "weaker" });
    }
  }
  // conflict checks alone are no conversion of the entry: without any of its rules there is no VAP; bodies that
  // reach the same calls the same way (one function per probe kind…) share one check
  const seen = new Set<string>();
  const distinct = conflicts.filter((rule) => {
    const key = JSON.stringify(rule.check);
    return !seen.has(key) && !!seen.add(key);
  });
  return rules.length ? [...rules, ...distinct] : [];
}

/** The message of a conflict rule: OPA's error text, naming the functions and rules it is about. */
const conflictMessage = (names: readonly string[]): string => `eval_conflict_error: ${names.join(", ")} must not produce multiple outputs for the same inputs`;

/**
 * The rule "no binding of the body reaches an eval_conflict_error" for one entry body, or undefined when it reaches
 * none; a named `weaker` gap when the reach cannot be expressed.
 */
function conflictRule(program: CompiledProgram, rule: RegoRule, set: boolean, id: string, base: { params: ParamsSource; input: InputShape; named?: NamedValues }, source: EntrySource, gaps: ReportGap[]): Rule | undefined {
  const info = conflictInfo(program);
  const head: Term | undefined = set ? (rule.head.key ?? rule.head.value) : rule.head.value;
  if (!info.bodyReaches(rule.body) && !(head && info.termReaches(head))) return undefined;
  const scope: Scope = { program, params: base.params, input: base.input, names: new Set(), depth: 0, labelNames: true, ...(base.named ? { named: base.named } : {}) };
  try {
    const reach = conflictReach(rule.body, head, scope, info);
    if (!reach) return undefined;
    const size = JSON.stringify(reach.pred).length;
    if (size > MAX_RULE_MODEL_SIZE) throw new Unsupported(`the translated check is too large for one CEL expression (${size} characters of rule model)`, rule.loc);
    return { id: `${id}.conflict`, field: entryName(id), check: P.not(withoutImpliedPresence(reach.pred)), message: { text: conflictMessage(reach.met), exact: true }, provenance: { file: source.file, line: rule.loc.line }, gaps: [] };
  } catch (error) {
    if (!(error instanceof Unsupported)) throw error;
    const reason = `[${source.gapPrefix}.function-conflict] a function or rule this body calls can give different values for the same inputs, which OPA refuses with eval_conflict_error (and Gatekeeper reports as a violation), and the check for it cannot be expressed: ${error.reason}; the VAP admits such requests`;
    gaps.push({ rule: id, reason, line: error.loc?.line ?? rule.loc.line, file: source.file, id: `${source.gapPrefix}.function-conflict`, effect: "weaker" });
    return undefined;
  }
}

const entryName = (id: string): string => id.slice(id.lastIndexOf(".") + 1).replace(/\[\d+\]$/, "");

/**
 * Drops `present(p)` from a conjunction where another conjunct reads `p` (or a path below it) and is false when it
 * is absent (`has(c.image) && c.image == 'x'` → `c.image == 'x'`): the same truth value, less to read.
 */
export function withoutImpliedPresence(pred: Pred): Pred {
  switch (pred.k) {
    case "and": {
      const parts = pred.of.map(withoutImpliedPresence).flatMap((part) => (part.k === "and" ? part.of : [part]));
      const read = parts.flatMap(falseWhenAbsentPaths).map(pathKey);
      const kept = parts.filter((part) => part.k !== "present" || !read.some((key) => key === pathKey(part.path) || key.startsWith(pathKey(part.path) + "\u0000")));
      return kept.length === 1 ? kept[0]! : { k: "and", of: kept };
    }
    case "or":
      return { k: "or", of: pred.of.map(withoutImpliedPresence) };
    case "not":
      return { k: "not", of: withoutImpliedPresence(pred.of) };
    case "quant":
      return { ...pred, body: withoutImpliedPresence(pred.body) };
    case "let":
      return { ...pred, body: withoutImpliedPresence(pred.body) };
    default:
      return pred;
  }
}

/** Paths a leaf reads directly when it is false for their absence. */
function falseWhenAbsentPaths(pred: Pred): Path[] {
  const direct = (val: Val): Path[] => (val.k === "path" ? [val.path] : []);
  switch (pred.k) {
    case "cmp":
      return pred.ifAbsent === false ? [...direct(pred.lhs), ...direct(pred.rhs)] : [];
    case "match":
    case "truthy":
    case "kind":
      return pred.ifAbsent === false ? direct(pred.value) : [];
    case "in":
      return pred.ifAbsent === false ? [...direct(pred.value), ...direct(pred.list)] : [];
    case "quant":
      return pred.ifAbsent === false ? direct(pred.over) : [];
    case "or": {
      // false for p's absence when every alternative is
      const [first, ...rest] = pred.of.map((part) => falseWhenAbsentPaths(part).map(pathKey));
      const common = (first ?? []).filter((key) => rest.every((keys) => keys.includes(key)));
      return falseWhenAbsentPaths(pred.of[0]!).filter((path) => common.includes(pathKey(path)));
    }
    case "and":
      return pred.of.flatMap(falseWhenAbsentPaths);
    default:
      return [];
  }
}

function pathKey(path: Path): string {
  return [JSON.stringify(path.root), ...path.segs.map((seg) => JSON.stringify(seg))].join("\u0000");
}

/**
 * The message: the fixed text, then the names of the offending elements where the body iterates over named ones
 * (`…: nginx, sidecar`) — the elements of each top-level quantifier that satisfy its body.
 */
function namingMessage(text: string, exists: Pred): Message {
  const quants = labelledQuantifiers(exists);
  if (!quants.length) return { text, exact: true };
  const names: Val[] = quants.map((q) => ({ k: "project", list: { k: "filter", list: V.or(q.over, V.lit([])), v: q.v, pred: q.body }, v: q.v, body: q.label! }));
  const all: Val = names.length === 1 ? names[0]! : { k: "concat", lists: names };
  return { text: `${text}: `, parts: [V.call("join", all, V.lit(", "))] };
}

/** `any` quantifiers with a label at the top of a conjunction / disjunction (not under a negation). */
function labelledQuantifiers(pred: Pred): Extract<Pred, { k: "quant" }>[] {
  switch (pred.k) {
    case "quant":
      return pred.q === "any" && pred.label ? [pred] : [];
    case "and":
    case "or":
      return pred.of.flatMap(labelledQuantifiers);
    default:
      return [];
  }
}

/** The fixed start of the rule's message: its sprintf format up to the first verb, or its constant string. */
function messageText(rule: RegoRule, fallback: string): string {
  const format = findFormat(rule.body) ?? constantHead(rule) ?? constantAssigned(rule);
  if (!format) return fallback;
  // the text before the first verb when it says enough, else the whole format with its verbs as "…"
  const prefix = format.split("%")[0]!.replace(/[\s:,;<(\[{'"-]+$/, "").trim();
  if (prefix.split(/\s+/).length >= 3) return prefix;
  return format.replace(/%[-+# 0-9.*]*[a-zA-Z%]/g, (verb) => (verb === "%%" ? "%" : "…")).replace(/\s+/g, " ").trim() || fallback;
}

/** `msg := "text"` in the body, where `msg` is the head's element (or its `msg` field). */
function constantAssigned(rule: RegoRule): string | undefined {
  const head = rule.head.key ?? rule.head.value;
  const msgVar = head?.type === "var" ? head.name : head?.type === "object" ? head.entries.find(([key]) => key.type === "string" && key.value === "msg")?.[1] : undefined;
  const name = typeof msgVar === "string" ? msgVar : msgVar?.type === "var" ? msgVar.name : undefined;
  for (const expr of rule.body) {
    if (expr.type !== "term" || expr.term.type !== "call" || (expr.term.name !== "assign" && expr.term.name !== "eq")) continue;
    const [target, value] = expr.term.args;
    if (target?.type === "var" && target.name === name && value?.type === "string") return value.value;
  }
  return undefined;
}

function constantHead(rule: RegoRule): string | undefined {
  const head = rule.head.key ?? rule.head.value;
  if (head?.type === "string") return head.value;
  if (head?.type === "object") {
    const msg = head.entries.find(([key]) => key.type === "string" && key.value === "msg")?.[1];
    if (msg?.type === "string") return msg.value;
  }
  return undefined;
}

function findFormat(body: Body): string | undefined {
  for (const expr of body) {
    if (expr.type !== "term") continue;
    const found = formatIn(expr.term);
    if (found) return found;
  }
  return undefined;
}

function formatIn(term: Term): string | undefined {
  if (term.type !== "call") return undefined;
  if (term.name === "sprintf" && term.args[0]?.type === "string") return term.args[0].value;
  for (const arg of term.args) {
    const found = formatIn(arg);
    if (found) return found;
  }
  return undefined;
}

/**
 * The VAP parts of the rules; a rule the emitter cannot express for the target (e.g. a value that can be absent in
 * a map literal below CEL 1.28) is left out with a `weaker` gap. Undefined when no rule is left. The named values
 * the kept rules read follow the given variables.
 */
export function emitEntryRules(
  rules: readonly Rule[],
  match: Match,
  opts: EmitOptions,
  source: Pick<EntrySource, "file" | "gapPrefix">,
  gaps: ReportGap[],
  paramKind?: { apiVersion: string; kind: string },
  named?: NamedValues,
): VapParts | undefined {
  const withNamed = (rules: readonly Rule[]): EmitOptions => (named ? { ...opts, variables: [...(opts.variables ?? []), ...named.usedBy(rules)] } : opts);
  let kept = [...rules];
  const drop = (rule: Rule, why: string): void => {
    gaps.push({ rule: rule.id, reason: `[${source.gapPrefix}.emit] ${why}; this rule is not in the VAP`, line: rule.provenance.line, file: source.file, id: `${source.gapPrefix}.emit`, effect: "weaker" });
    kept = kept.filter((other) => other !== rule);
  };
  for (let round = 0; round <= rules.length && kept.length > 0; round++) {
    let parts: VapParts;
    try {
      parts = emitRules(kept, match, withNamed(kept));
    } catch (error) {
      if (!(error instanceof LowerError)) throw error;
      // find the rule the emitter cannot express alone
      const culprit = kept.find((rule) => {
        try {
          emitRules([rule], match, withNamed([rule]));
          return false;
        } catch (inner) {
          if (!(inner instanceof LowerError)) throw inner;
          return true;
        }
      });
      drop(culprit ?? kept[0]!, error.message);
      continue;
    }
    // what the API server would refuse (a type error, an expression over its size limit) never ships
    const issue = firstIssue(parts, opts.targetVersion, paramKind);
    if (!issue) return parts;
    const culprit = issue.validation !== undefined ? kept[issue.validation] : kept.find((rule, index) => parts.validations[index]?.expression.includes(`variables.${issue.variable}`));
    drop(culprit ?? kept[0]!, `the generated CEL does not compile on the API server (${issue.message})`);
  }
  return undefined;
}

/** The first compile issue of the emitted parts, with the validation index or the variable it is in. */
function firstIssue(parts: VapParts, targetVersion: string, paramKind?: { apiVersion: string; kind: string }): { validation?: number; variable?: string; message: string } | undefined {
  const policy = { apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingAdmissionPolicy", metadata: { name: "check" }, spec: { ...(paramKind ? { paramKind } : {}), matchConstraints: parts.matchConstraints, matchConditions: parts.matchConditions, variables: parts.variables, validations: parts.validations.map((v) => ({ expression: v.expression, ...(v.messageExpression ? { messageExpression: v.messageExpression } : {}) })) } } as unknown as ValidatingAdmissionPolicy;
  const issue = validatePolicy(policy, undefined, envFor(targetVersion))[0];
  if (!issue) return undefined;
  const validation = /^spec\.validations\[(\d+)\]/.exec(issue.field);
  const variable = /^spec\.variables\[(\d+)\]/.exec(issue.field);
  const message = issue.message.length > 120 ? `${issue.message.slice(0, 117)}…` : issue.message;
  if (validation) return { validation: Number(validation[1]), message };
  if (variable) return { variable: parts.variables[Number(variable[1])]!.name, message };
  return { validation: 0, message };
}
