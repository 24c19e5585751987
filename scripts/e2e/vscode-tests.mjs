#!/usr/bin/env node
// `npm run test:vscode`: the extension-host checks (test/e2e/vscode/suite.ts) in a VS Code that
// @vscode/test-electron downloads — for machines that can download it. Machines without internet
// (this project's CI among them) cannot: there the extension is tested in code-server instead
// (`npm run test:e2e`), and this script says so and exits 1 within seconds instead of hanging.
// Steps: download VS Code (first, so a machine that cannot fails before any build), build the
// bundles, bundle the suite, copy examples/drifty-app to a temporary workspace, run VS Code with the
// extension under development.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';

const root = new URL('../..', import.meta.url).pathname;
const version = process.env.PRODLIKE_VSCODE_VERSION ?? '1.100.3';
// test-electron's own timeout is per request and idle-based; this bounds the whole run (download, then
// the suite, whose checks wait at most a minute each) so a stalled network or VS Code never hangs CI.
const budgetMs = Number(process.env.PRODLIKE_VSCODE_TIMEOUT_MS ?? 15 * 60_000);
const watchdog = setTimeout(() => {
  console.error(`test:vscode: no result within ${budgetMs / 1000} s; giving up (PRODLIKE_VSCODE_TIMEOUT_MS sets the limit).`);
  process.exit(1);
}, budgetMs);
watchdog.unref();

let vscodeExecutablePath;
try {
  vscodeExecutablePath = await downloadAndUnzipVSCode({ version, timeout: 15_000, cachePath: join(root, '.cache', 'vscode-test') });
} catch (e) {
  console.error(
    [
      `test:vscode: cannot download VS Code ${version} (${e instanceof Error ? e.message : e}).`,
      '@vscode/test-electron downloads VS Code from update.code.visualstudio.com; machines without internet access (CI here among them) cannot.',
      'CI here tests the extension in a real VS Code through code-server instead: run `npm run test:e2e`.',
    ].join('\n'),
  );
  process.exit(1);
}

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
    vscodeExecutablePath,
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
