#!/usr/bin/env node
// `npm run bench -- NAME [args]`: builds, then runs dist/bench/NAME.bench.js. Each bench prints
// its figures and ends with one JSON line {"bench","n","scale","figures"}.
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync } = require('node:fs');
const path = require('node:path');

const [name, ...args] = process.argv.slice(2);
const root = path.resolve(__dirname, '..');
const available = () =>
  readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.ts'))
    .map((f) => f.replace(/\.bench\.ts$/, ''));
if (!name) {
  console.error(`usage: npm run bench -- NAME   (one of: ${available().join(', ')})`);
  process.exit(2);
}
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});
const file = path.join(root, 'dist', 'bench', `${name}.bench.js`);
if (!existsSync(file)) {
  console.error(`unknown bench ${name} (one of: ${available().join(', ')})`);
  process.exit(2);
}
process.argv = [process.argv[0], file, ...args];
require(file);
