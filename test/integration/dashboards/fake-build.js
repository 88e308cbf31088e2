// Stand-in for scripts/reports-build.js in the service tests (a real Evidence build takes a
// minute): same arguments, same published layout (DIR/site-… + DIR/current symlink + build info).
// A file named FAIL next to the publish dir makes it fail like a broken build.
const { Buffer } = require('node:buffer');
const fs = require('node:fs');
const path = require('node:path');

const arg = (n) => process.argv[process.argv.indexOf(n) + 1];
const warehouse = arg('--warehouse');
const publish = arg('--publish');
if (fs.existsSync(path.join(publish, '..', 'FAIL'))) {
  console.error('fake build: boom');
  process.exit(2);
}
const s = fs.statSync(warehouse);
const key = `${s.ino}:${s.mtimeMs}:${s.size}`;
const name = `site-${Date.now()}-${process.pid}`;
const site = path.join(publish, name);
fs.mkdirSync(path.join(site, 'revenue'), { recursive: true });
fs.mkdirSync(path.join(site, '_app', 'immutable'), { recursive: true });
fs.mkdirSync(path.join(site, 'data'), { recursive: true });
fs.writeFileSync(path.join(site, 'index.html'), `<!doctype html><title>home</title><p id="key">${key}</p>`);
fs.writeFileSync(path.join(site, 'revenue', 'index.html'), '<!doctype html><title>revenue</title>');
fs.writeFileSync(path.join(site, '_app', 'immutable', 'app.abc123.js'), 'console.log(1)');
fs.writeFileSync(path.join(site, 'data', 'x.parquet'), Buffer.from([...Array(256).keys()]));
fs.writeFileSync(
  path.join(site, 'ledgerline-build.json'),
  JSON.stringify({
    warehouse: { path: warehouse, key, mtime: s.mtime },
    built_at: new Date().toISOString(),
    duration_ms: 1,
  }),
);
fs.rmSync(path.join(publish, 'current.tmp'), { force: true });
fs.symlinkSync(name, path.join(publish, 'current.tmp'));
fs.renameSync(path.join(publish, 'current.tmp'), path.join(publish, 'current'));
console.log(JSON.stringify({ ok: true, site }));
