#!/usr/bin/env node
// Runs prodlike's tests with Node's own test runner (TypeScript through tsx), so the summary
// line is Node's. Integration tests get the real parts from scripts/test-infra.sh: started here
// when not running, and stopped again at the end only if this run started them
// (PRODLIKE_TEST_KEEP=1 keeps them for the next run).
//
//   node scripts/run-tests.mjs [unit|integration|e2e|all | test/…/x.test.ts …] [-- extra node --test args]
import { spawnSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const sep = args.indexOf('--');
const positional = sep >= 0 ? args.slice(0, sep) : args;
// Paths to single test files may be given instead of suite names (handy while working on one area).
const picked = positional.filter((a) => a.endsWith('.test.ts'));
const suites = positional.filter((a) => !a.endsWith('.test.ts'));
const extra = sep >= 0 ? args.slice(sep + 1) : [];
const which = suites.length === 0 || suites.includes('all') ? ['unit', 'integration', 'e2e'] : suites;

function testFiles(dir) {
  const out = [];
  const walk = (d) => {
    let entries;
    try { entries = readdirSync(d); } catch { return; }
    for (const name of entries.sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.test.ts')) out.push(relative(root, p));
    }
  };
  walk(join(root, 'test', dir));
  return out;
}

const files = picked.length > 0 ? picked : which.flatMap(testFiles);
if (files.length === 0) {
  console.error(`no test files for ${which.join(', ')}`);
  process.exit(1);
}

const env = { ...process.env };
let startedInfra = false;
const needsInfra = picked.length > 0 ? picked.some((f) => !f.startsWith('test/unit/')) : which.some((s) => s !== 'unit');
if (needsInfra) {
  // The example apps' busybox binary (ignored by git) must be in place before anything builds them.
  const prep = spawnSync('bash', [join(root, 'scripts/prepare-examples.sh')], { stdio: 'inherit' });
  if (prep.status !== 0) process.exit(2);
  const up = spawnSync('bash', [join(root, 'scripts/test-infra.sh'), 'up'], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (up.status !== 0) {
    console.error('test infrastructure could not start (see above)');
    process.exit(2);
  }
  startedInfra = up.stdout.trim().endsWith('started');
  const dir = process.env.PRODLIKE_TEST_DIR ?? '/tmp/prodlike-test';
  for (const line of readFileSync(join(dir, 'env'), 'utf8').split('\n')) {
    const m = /^export (\w+)='(.*)'$/.exec(line);
    if (m) env[m[1]] = m[2];
  }
}

function down() {
  if (startedInfra && !process.env.PRODLIKE_TEST_KEEP) {
    spawnSync('bash', [join(root, 'scripts/test-infra.sh'), 'down'], { stdio: 'inherit' });
  }
}

const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-timeout=600000', ...extra, ...files], {
  cwd: root,
  env,
  stdio: 'inherit',
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => {
  down();
  process.exit(code ?? (signal ? 1 : 0));
});
