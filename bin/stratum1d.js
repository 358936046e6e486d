#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/ (built by `npm run build`).
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`stratum1d: internal error: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 70; // EX_SOFTWARE
  },
);
