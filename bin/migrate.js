#!/usr/bin/env node
// The `migrate` launcher: runs the compiled CLI (built by `npm ci` via the prepare script).
import { main } from "../dist/src/cli/main.js";

main(process.argv).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`migrate: internal error: ${err && err.stack ? err.stack : err}\n`); process.exitCode = 70; },
);
