// Runs before every build: deletes compiled files whose TypeScript source is gone, so an incremental
// build never leaves a stale module behind (e.g. src/i18n.js shadowing src/i18n/index.ts).
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist');

function walk(dir) {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      walk(full);
      if (fs.readdirSync(full).length === 0) fs.rmdirSync(full);
      continue;
    }
    const match = /^(.*)\.(js|js\.map|d\.ts)$/.exec(entry.name);
    if (!match) continue;
    const source = path.join(root, path.relative(dist, dir), `${match[1]}.ts`);
    if (!fs.existsSync(source)) fs.rmSync(full);
  }
}

walk(dist);

// tsc's incremental build trusts dist/.tsbuildinfo and never re-emits an output that went missing: when a
// source has no compiled file, forget the build state so that this build emits everything again.
function sources(dir, out = []) {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) sources(full, out);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}
const buildInfo = path.join(dist, '.tsbuildinfo');
const missing = ['src', 'migrations', 'scripts'].flatMap((d) => sources(path.join(root, d)))
  .some((file) => !fs.existsSync(path.join(dist, path.relative(root, file)).replace(/\.ts$/, '.js')));
if (missing && fs.existsSync(buildInfo)) fs.rmSync(buildInfo);
