#!/usr/bin/env node
// Prepares one end-to-end run (called by test/e2e under `flock`, so parallel test files share it):
//   1. scripts/e2e/setup.sh — chromium, ripgrep, build headers, code-server in .cache/code-server;
//   2. the extension's bundles (built by `npm test` before the tests; built here only when missing);
//   3. a .vsix packaged by @vscode/vsce from them, installed with code-server's own
//      --install-extension into a fresh extensions folder, as a user would install it.
// Prints one JSON line: { codeServer, extensionsDir, vsix }.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const cache = join(root, '.cache');
const run = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 2, 2], ...opts });
  if (r.status !== 0) {
    console.error(`e2e prepare: ${cmd} ${args.join(' ')} failed (${r.status ?? r.signal})`);
    process.exit(1);
  }
};

run('bash', [join(root, 'scripts/e2e/setup.sh')]);

const bundles = ['dist/extension.js', 'dist/extension-workspace.js', 'dist/extension-clusters.js'];
if (bundles.some((b) => !existsSync(join(root, b)))) run(process.execPath, [join(root, 'esbuild.config.mjs')]);

const vsix = join(cache, 'e2e', 'prodlike.vsix');
mkdirSync(join(cache, 'e2e'), { recursive: true });
const newest = Math.max(...[...bundles, 'package.json', 'media/prodlike.svg'].map((f) => statSync(join(root, f)).mtimeMs));
const marker = join(cache, 'e2e', 'installed');
if (!existsSync(vsix) || statSync(vsix).mtimeMs < newest || !existsSync(marker) || statSync(marker).mtimeMs < statSync(vsix).mtimeMs) {
  run(process.execPath, [
    join(root, 'node_modules/@vscode/vsce/vsce'),
    'package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', vsix,
  ]);
  const extensionsDir = join(cache, 'e2e', 'extensions');
  rmSync(extensionsDir, { recursive: true, force: true });
  const ud = join(cache, 'e2e', 'install-user-data');
  run(process.execPath, [
    join(cache, 'code-server/node_modules/code-server/out/node/entry.js'),
    '--extensions-dir', extensionsDir, '--user-data-dir', ud, '--install-extension', vsix,
  ], { env: { ...process.env, HOME: join(cache, 'e2e', 'home') } });
  run('touch', [marker]);
}

console.log(JSON.stringify({
  codeServer: join(cache, 'code-server/node_modules/code-server/out/node/entry.js'),
  extensionsDir: join(cache, 'e2e', 'extensions'),
  vsix,
}));
