/**
 * The extension-host checks for `npm run test:vscode` (@vscode/test-electron, on machines that can
 * download VS Code). Here, where VS Code cannot be downloaded, the same behaviour is tested through
 * the UI in code-server (test/e2e/*.test.ts); this suite checks it through the API, in the real
 * extension host, on a copy of examples/drifty-app. No mocha: `run()` runs each check in order and
 * rejects on the first failure, which makes test-electron exit non-zero.
 */
import * as vscode from 'vscode';
import assert from 'node:assert/strict';
import { join } from 'node:path';

const EXTENSION_ID = 'prodlike.prodlike';

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const checks: [string, () => Promise<void>][] = [
  [
    'activates on a workspace with prodlike.yaml without loading the core bundles',
    async () => {
      const ext = vscode.extensions.getExtension(EXTENSION_ID);
      assert.ok(ext, `${EXTENSION_ID} is installed`);
      await ext.activate();
      const loaded = Object.keys(require.cache).filter((k) => /extension-(clusters|workspace)\.js$/.test(k));
      // prodlike.yaml is read right after activate() returns, which loads the workspace bundle; never the clusters one.
      assert.ok(!loaded.some((k) => k.endsWith('extension-clusters.js')), `dockerode/client-node bundle not loaded: ${loaded.join(', ')}`);
    },
  ],
  [
    'registers every command it contributes',
    async () => {
      const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
      const contributed = (ext.packageJSON as { contributes: { commands: { command: string }[] } }).contributes.commands.map((c) => c.command);
      const registered = new Set(await vscode.commands.getCommands(true));
      for (const c of contributed) assert.ok(registered.has(c), `${c} is registered`);
    },
  ],
  [
    'publishes parity findings of examples/drifty-app as diagnostics with rule ids',
    async () => {
      const diagnostics = await until('prodlike diagnostics', () => {
        const all = vscode.languages.getDiagnostics().flatMap(([uri, ds]) => ds.filter((d) => d.source === 'prodlike').map((d) => ({ uri, d })));
        return all.some((x) => x.d.code === 'image-latest') ? all : undefined;
      });
      assert.ok(diagnostics.some((x) => x.d.code === 'readiness-probe-missing'), 'the missing readiness probe is reported');
      assert.ok(diagnostics.some((x) => x.d.code === 'log-to-file'), 'logging to a file is reported');
    },
  ],
  [
    'offers the readiness-probe quick fix, whose edit adds a probe',
    async () => {
      const [uri, d] = await until('the readiness diagnostic', () => {
        for (const [u, ds] of vscode.languages.getDiagnostics()) {
          const hit = ds.find((x) => x.code === 'readiness-probe-missing');
          if (hit) return [u, hit] as const;
        }
        return undefined;
      });
      await vscode.workspace.openTextDocument(uri);
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, d.range);
      const fix = actions.find((a) => a.title.startsWith('Add a readinessProbe'));
      assert.ok(fix?.edit, `a readiness quick fix is offered (got: ${actions.map((a) => a.title).join(' | ')})`);
      const inserted = fix.edit.get(uri).map((e) => e.newText).join('');
      assert.match(inserted, /readinessProbe:\n\s+httpGet:\n\s+path: \/healthz\n\s+port: 8080/);
    },
  ],
];

export async function run(): Promise<void> {
  const failures: string[] = [];
  for (const [name, check] of checks) {
    try {
      await check();
      console.log(`ok - ${name}`);
    } catch (e) {
      console.log(`not ok - ${name}\n  ${String((e as Error).stack ?? e).replace(/\n/g, '\n  ')}`);
      failures.push(name);
    }
  }
  console.log(`# ${checks.length - failures.length} passed, ${failures.length} failed (workspace ${vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? join('?')})`);
  if (failures.length) throw new Error(`${failures.length} extension-host check(s) failed: ${failures.join('; ')}`);
}
