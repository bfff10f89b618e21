#!/usr/bin/env node
'use strict';
let cli;
try {
  cli = require('../dist/src/cli.js');
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND' && /dist[\\/]src[\\/]cli/.test(err.message)) {
    process.stderr.write('toctou-lint: the tool is not built; run `npm run build` in its folder.\n');
    process.exit(2);
  }
  throw err;
}
// A closed pipe (`| head`) ends the run quietly; any other failure to write the report is an error.
process.stdout.on('error', (err) => {
  if (err && err.code === 'EPIPE') process.exit(process.exitCode || 0);
  process.stderr.write(`toctou-lint: cannot write the report to stdout: ${err && err.code ? err.code : err}\n`);
  process.exit(2);
});
cli.main(process.argv).then((code) => {
  process.exitCode = code;
});
