#!/usr/bin/env node
// The `pomona` command: runs the compiled CLI (built by `npm install` into dist/).
require('../dist/cli/main.js').main(process.argv);
