#!/usr/bin/env node
// The `migrate` launcher: runs the compiled CLI (built by `npm ci` via the prepare script).
import { main } from "../dist/src/cli/main.js";

// `migrate … | head` closes the pipe early: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err) => {
    if (err && err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}

main(process.argv).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`migrate: internal error: ${err && err.stack ? err.stack : err}\n`); process.exitCode = 70; },
);
