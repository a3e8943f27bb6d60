// The replay result contract every replaying command shares (`migrate test`, `migrate verify`, later kyverno/gator
// replays): one row per case, a summary, the text rendering, and the CEL cost warnings. Shapes here are part of the
// `-o json` contract.

/** Admission verdicts; `mutate` appears only on MutatingAdmissionPolicy test cases (kaptest mapTestSuites). */
export type Verdict = "admit" | "deny" | "error" | "skip" | "mutate";

export interface CaseResult {
  suite: string;
  policy: string;
  binding: string | null;
  /** `namespace/name` of the object (or `name` for cluster-scoped objects). */
  resource: string;
  operation: string;
  /** What the test or fixture expects, when it says. */
  expected: Verdict | null;
  /** The VAP engine's verdict. */
  vap: Verdict;
  /** The source engine's verdict (verify only). */
  source?: Verdict;
  pass: boolean;
  messages: string[];
  /** What the source engine said (its denial text), when it gave a reason; the VAP's messages are `messages`. */
  sourceMessages?: string[];
  /** Why the case failed (or notes on a pass), null when there is nothing to say. */
  reason: string | null;
  /** Runtime CEL cost the VAP engine spent on this case (its Decision.cost: every policy × binding × param it
   *  evaluated); 0 when the case never reached the VAP engine (and for MAP suite rows, which report no cost). */
  cost: number;
  /** The largest runtime cost of a single expression in this case (checked against the per-expression limit). */
  maxExpressionCost?: number;
  file?: string;
}

export interface ReplaySummary {
  cases: number;
  passed: number;
  failed: number;
  /** Cases that could not be run (missing object, unreadable input). Counted in `failed` too. */
  errors: number;
}

export interface ReplayReport {
  summary: ReplaySummary;
  cases: CaseResult[];
}

export function summarize(cases: CaseResult[], errors: number): ReplayReport {
  const passed = cases.filter((c) => c.pass).length;
  return { summary: { cases: cases.length, passed, failed: cases.length - passed, errors }, cases };
}

const V = (v: Verdict | null | undefined): string => (v ? v.toUpperCase() : "-");

/** Human-readable rendering, close to kaptest's: one PASS/FAIL line per case, detail lines for failures. */
export function renderText(report: ReplayReport, verbose = false): string {
  const lines: string[] = [];
  // the file a row came from: on the suite's header line when all its rows share one, else on each row
  const filesOf = new Map<string, Set<string | undefined>>();
  for (const c of report.cases) (filesOf.get(c.suite) ?? filesOf.set(c.suite, new Set()).get(c.suite)!).add(c.file === c.suite ? undefined : c.file);
  let lastSuite = "";
  for (const c of report.cases) {
    const files = filesOf.get(c.suite)!;
    const shared = files.size === 1 ? [...files][0] : undefined;
    if (c.suite !== lastSuite) {
      lines.push(`[${c.suite}]${shared ? ` ${shared}` : ""}`);
      lastSuite = c.suite;
    }
    const got = c.source !== undefined ? `source ${V(c.source)}, vap ${V(c.vap)}` : V(c.vap);
    const from = files.size > 1 && c.file && c.file !== c.suite ? ` (${c.file})` : "";
    lines.push(`${c.pass ? "PASS" : "FAIL"}: ${c.policy} - (${c.operation}) ${c.resource}${from} - ${V(c.expected)} ==> ${got}`);
    if (!c.pass || verbose) {
      if (c.reason) lines.push(`--- ${c.reason}`);
      for (const m of c.messages) lines.push(`--- message: ${m}`);
    }
  }
  const s = report.summary;
  lines.push(`Total: ${s.cases}, Pass: ${s.passed}, Fail: ${s.failed}${s.errors ? `, Errors: ${s.errors}` : ""}`);
  return lines.join("\n") + "\n";
}

/** kube-apiserver's CEL cost budget for one admission evaluation (celconfig.RuntimeCELCostBudget). */
export const PER_EVALUATION_COST_BUDGET = 10_000_000;
/** kube-apiserver's limit for one expression (celconfig.PerCallLimit). */
export const PER_EXPRESSION_COST_LIMIT = 1_000_000;

/** The largest per-expression cost among a decision's results (evaluated with `expressionCosts: true`). */
export function maxExpressionCost(results: readonly { expressionCosts?: Record<string, number> }[]): number {
  let max = 0;
  for (const r of results) for (const c of Object.values(r.expressionCosts ?? {})) max = Math.max(max, c);
  return max;
}
/** A case that spends more than this percentage of the budget is reported: little headroom on a real cluster. */
export const COST_WARNING_PERCENT = 10;

const thousands = (n: number): string => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/**
 * One line per case over a warning threshold: more than 10% of the per-evaluation budget (the case's cost sums all
 * its evaluations, so this warns at least whenever one evaluation is over it), or one expression over 10% of the
 * per-expression limit.
 */
export function costWarnings(cases: readonly CaseResult[]): string[] {
  const budget = (PER_EVALUATION_COST_BUDGET * COST_WARNING_PERCENT) / 100;
  const perExpression = (PER_EXPRESSION_COST_LIMIT * COST_WARNING_PERCENT) / 100;
  const out: string[] = [];
  for (const c of cases) {
    if (c.cost > budget)
      out.push(`${c.suite} ${c.resource}: CEL cost ${thousands(c.cost)} is over ${COST_WARNING_PERCENT}% of the ${thousands(PER_EVALUATION_COST_BUDGET)} per-evaluation budget`);
    if ((c.maxExpressionCost ?? 0) > perExpression)
      out.push(`${c.suite} ${c.resource}: one expression costs ${thousands(c.maxExpressionCost!)}, over ${COST_WARNING_PERCENT}% of the ${thousands(PER_EXPRESSION_COST_LIMIT)} per-expression limit`);
  }
  return out;
}
