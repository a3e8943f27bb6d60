// The tasks of a repo run and how they are spread: a queue served by worker threads (one per core by default), or
// in this thread when one worker is asked for or the code runs from TypeScript sources (tests). Results come back in
// task order whatever the completion order.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { RepoOptions, SuiteTask, Unit } from "./types.js";
import { runSuiteTask, runUnit, type SuiteOutcome, type UnitOutcome } from "./unit.js";

export type Task = { type: "unit"; unit: Unit } | { type: "suite"; suite: SuiteTask };
export type TaskResult = { type: "unit"; outcome: UnitOutcome } | { type: "suite"; outcome: SuiteOutcome };

export interface TaskMessage {
  seq: number;
  root: string;
  task: Task;
  opts: RepoOptions;
}

export function runTask(root: string, task: Task, opts: RepoOptions): TaskResult {
  switch (task.type) {
    case "unit":
      return { type: "unit", outcome: runUnit(root, task.unit, opts) };
    case "suite":
      return { type: "suite", outcome: runSuiteTask(root, task.suite, opts) };
    default: {
      const never: never = task;
      throw new Error(`unknown task ${JSON.stringify(never)}`);
    }
  }
}

/** Worker threads need compiled JavaScript; under a TypeScript runner (vitest) the work stays in this thread. */
const workerScript = new URL("./worker.js", import.meta.url);
const compiled = import.meta.url.endsWith(".js");

export const defaultWorkers = (): number => availableParallelism();

/** Run every task; `workers` ≤ 1 runs them here. `onDone` is called after each task. */
export async function runTasks(root: string, tasks: readonly Task[], opts: RepoOptions, workers: number, onDone?: (done: number, total: number) => void): Promise<TaskResult[]> {
  const results: TaskResult[] = new Array(tasks.length);
  const n = Math.min(workers, tasks.length);
  if (n <= 1 || !compiled) {
    tasks.forEach((task, i) => {
      results[i] = runTask(root, task, opts);
      onDone?.(i + 1, tasks.length);
    });
    return results;
  }
  let next = 0;
  let done = 0;
  await new Promise<void>((resolve, reject) => {
    const pool: Worker[] = [];
    const finish = (error?: unknown): void => {
      for (const w of pool) void w.terminate();
      if (error) reject(error instanceof Error ? error : new Error(String(error)));
      else resolve();
    };
    const feed = (w: Worker): void => {
      if (next < tasks.length) {
        const seq = next++;
        w.postMessage({ seq, root, task: tasks[seq]!, opts } satisfies TaskMessage);
      }
    };
    for (let i = 0; i < n; i++) {
      const w = new Worker(workerScript);
      pool.push(w);
      w.on("message", (m: { seq: number; result: TaskResult }) => {
        results[m.seq] = m.result;
        done++;
        onDone?.(done, tasks.length);
        if (done === tasks.length) finish();
        else feed(w);
      });
      w.on("error", finish);
      feed(w);
    }
  });
  return results;
}
