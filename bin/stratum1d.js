#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/ (built by `npm run build`). `stratum1d mcp` starts
// from its bundle (dist/bundle/, scripts/bundle-mcp.mjs): an assistant waits on its first answer.
const argv = process.argv.slice(2);
const { main } = await import(argv[0] === 'mcp' ? '../dist/bundle/mcp-main.js' : '../dist/cli/main.js');

main(argv, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`stratum1d: internal error: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 70; // EX_SOFTWARE
  },
);
