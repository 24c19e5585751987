#!/usr/bin/env node
// `npm run test:vscode`: the extension-host checks (test/e2e/vscode/suite.ts) in a VS Code that
// @vscode/test-electron downloads — for machines that can download it. Here (no internet) CI tests the
// extension in code-server instead (`npm run test:e2e`). Steps: build the bundles, bundle the suite,
// copy examples/drifty-app to a temporary workspace, run VS Code with the extension under development.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { runTests } from '@vscode/test-electron';

const root = new URL('../..', import.meta.url).pathname;
const build = spawnSync(process.execPath, [join(root, 'esbuild.config.mjs')], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const out = join(root, '.cache', 'vscode-tests');
await esbuild.build({
  entryPoints: [join(root, 'test/e2e/vscode/suite.ts')],
  outfile: join(out, 'suite.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['vscode'],
  logLevel: 'warning',
});

const base = mkdtempSync(join(tmpdir(), 'prodlike-vscode-'));
const workspace = join(base, 'workspace');
cpSync(join(root, 'examples/drifty-app'), workspace, { recursive: true });
try {
  await runTests({
    version: process.env.PRODLIKE_VSCODE_VERSION ?? '1.100.3',
    extensionDevelopmentPath: root,
    extensionTestsPath: join(out, 'suite.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--user-data-dir', join(base, 'user-data')],
  });
} catch (e) {
  console.error(`test:vscode failed: ${e instanceof Error ? e.message : e}`);
  process.exitCode = 1;
} finally {
  rmSync(base, { recursive: true, force: true });
}
