// The shipped artefacts, not the sources: dist/cli.js and dist/extension.js as esbuild bundled them
// (npm test builds them first). They must load in plain Node even though ssh2's optional native
// addons (cpu-features, sshcrypto.node) are left out of the bundle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { testInfra } from '../../support/infra';

const root = join(__dirname, '../../..');
const cli = join(root, 'dist/cli.js');
const extension = join(root, 'dist/extension.js');

function node(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, timeout: 60_000 });
}

test('both bundles exist (npm run build)', () => {
  assert.ok(existsSync(cli), 'dist/cli.js is missing: run npm run build');
  assert.ok(existsSync(extension), 'dist/extension.js is missing: run npm run build');
});

test('dist/cli.js loads in plain Node without running (require), and runs as the prodlike bin', () => {
  const loaded = node(['-e', `require(${JSON.stringify(cli)}); console.log('loaded')`]);
  assert.equal(loaded.status, 0, loaded.stderr);
  assert.equal(loaded.stdout, 'loaded\n');
  const v = node([cli, '--version']);
  assert.equal(v.status, 0, v.stderr);
  assert.match(v.stdout, /^\d+\.\d+\.\d+\n$/);
});

test('the bundled CLI talks to the real engine through dockerode (doctor, engine up)', () => {
  const infra = testInfra();
  const r = node([cli, '--json', 'doctor', join(root, 'examples/clean-app')], { DOCKER_HOST: infra.dockerHost });
  const report = JSON.parse(r.stdout);
  const engine = report.checks.find((c: { id: string }) => c.id === 'engine');
  assert.equal(engine.status, 'ok', JSON.stringify(engine));
  assert.match(engine.details.join('\n'), /swarm: active/);
});

test('the bundled CLI with the engine down: exit 2 and a fix', () => {
  const r = node([cli, 'doctor', '--no-color', join(root, 'examples/clean-app')], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stdout, /✗ Docker engine[\s\S]*fix: /);
});

test('dist/extension.js loads in plain Node with the host-provided vscode module, and exports activate', () => {
  // The extension host provides `vscode`; here a stand-in satisfies the require so the bundle's own
  // top-level code is what is tested. The real VS Code test is the end-to-end suite.
  const script = `
    const Module = require('module');
    const resolve = Module._resolveFilename;
    Module._resolveFilename = function (request, ...rest) { return request === 'vscode' ? 'vscode' : resolve.call(this, request, ...rest); };
    // Any member is a callable, constructible object whose members are the same again. esbuild's
    // namespace import builds an object whose prototype is the module's, so the stand-in's members
    // live on its prototype.
    const anything = new Proxy(function () {}, { get: (t, p) => (p === 'then' ? undefined : anything), construct: () => anything, apply: () => anything });
    const members = new Proxy({}, { get: (t, p) => (p === 'then' ? undefined : anything) });
    require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: Object.create(members) };
    const ext = require(${JSON.stringify(extension)});
    console.log(typeof ext.activate, typeof ext.deactivate);
  `;
  const r = node(['-e', script]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'function function\n');
});
