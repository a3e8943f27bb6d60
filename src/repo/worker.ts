// The worker-thread side of repo mode: receives one task at a time (a unit to convert and replay, or a standalone
// suite) and posts back its outcome. Everything crossing the thread boundary is plain data.
import { parentPort } from "node:worker_threads";
import { runTask, type TaskMessage } from "./tasks.js";

parentPort?.on("message", (message: TaskMessage) => {
  parentPort!.postMessage({ seq: message.seq, result: runTask(message.root, message.task, message.opts) });
});
