#!/usr/bin/env node
// Every public package's `prepack`: its package.json exports TypeScript sources (.ts), which Node
// refuses to load from node_modules (ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING). A tarball of it
// would install and then fail at the first import, so packing or publishing the source folder is
// refused here, naming what to pack instead. `npm run build` writes packages/<pkg>/dist, whose
// package.json has no scripts, so packing that runs nothing and goes through.
/* global process, console -- the globals: this must run on any Node. */
import { basename } from 'node:path';

const dir = process.cwd();
const name = process.env.npm_package_name ?? basename(dir);
console.error(
  `${name}: this folder exports TypeScript sources, which Node will not load from node_modules. ` +
    `Build and pack the built package instead:\n  npm run build && npm pack ${dir}/dist\n` +
    `(see "Use holdfast in your service" in the README)`,
);
process.exit(1);
