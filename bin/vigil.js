#!/usr/bin/env node

// The `vigil` command: runs the compiled CLI (npm install builds it through the `prepare` script).
const path = require('node:path');
const fs = require('node:fs');
const entry = path.join(__dirname, '..', 'dist', 'shared', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write(`vigil: not built yet: run 'npm run build' in ${path.join(__dirname, '..')}\n`);
  process.exit(2);
}
require(entry)
  .runCli(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
