import fs from 'node:fs';
import path from 'node:path';

// `npm ci` refuses a lock that lacks an optional package the registry serves (another platform's binary,
// say), and the registry's contents change. A lock that lists every dependency of every package it holds
// stays valid whatever the registry adds later.
test('package-lock.json lists every dependency and optional dependency of every package in it', () => {
  const lock = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package-lock.json'), 'utf8')) as {
    lockfileVersion: number;
    packages: Record<string, { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }>;
  };
  expect(lock.lockfileVersion).toBe(3);
  const has = (from: string, name: string) => {
    // Node's lookup: node_modules/name beside `from`, then in each folder above it.
    for (let dir = from; ; dir = dir.includes('/node_modules/') ? dir.slice(0, dir.lastIndexOf('/node_modules/')) : '') {
      if (lock.packages[`${dir ? `${dir}/` : ''}node_modules/${name}`]) return true;
      if (!dir) return false;
    }
  };
  const missing: string[] = [];
  for (const [at, pkg] of Object.entries(lock.packages)) {
    for (const name of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
      if (!has(at, name)) missing.push(`${at || '(root)'} → ${name}`);
    }
  }
  expect(missing).toEqual([]);
});
