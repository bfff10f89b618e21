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
cli.main(process.argv).then((code) => {
  process.exitCode = code;
});
