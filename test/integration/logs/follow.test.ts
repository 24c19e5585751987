// `prodlike logs -f` as a user runs it: a real process following every pod of a workload, printing
// lines as they are written, and stopping cleanly on Ctrl-C (SIGINT) — exit code 0, every line
// written before it printed once, no stream left open on the server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { deployment, startKubeServer } from '../../kube-server/index';

const root = join(__dirname, '..', '..', '..');

async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('prodlike logs -f prints new lines of every pod as they come and stops cleanly on Ctrl-C', async (t) => {
  const s = await startKubeServer({ readyDelayMs: 10, logOnStart: false });
  t.after(() => s.close());
  s.apply(deployment({ name: 'web', image: 'registry/web:1', replicas: 2 }));
  await s.settle();
  const [a, b] = s.list('pods', 'default').map((p) => p.metadata.name as string).sort();
  s.writeLog('default', a!, 'written before the tail: not shown with --tail 0');

  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'logs', 'web', '--context', 'test', '-f', '--tail', '0'], {
    env: { ...process.env, KUBECONFIG: s.kubeconfigPath, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));

  await until(() => s.openStreams('log') === 2, 'both log streams to open');
  s.writeLog('default', a!, 'GET / 200');
  s.writeLog('default', b!, 'GET /health 200');
  await until(() => stdout.split('\n').filter(Boolean).length >= 2, `both lines on stdout (stdout: ${stdout}, stderr: ${stderr})`);
  s.writeLog('default', b!, 'POST /orders 201');
  await until(() => stdout.includes('POST /orders 201'), 'a third line while following');

  child.kill('SIGINT');
  const { code, signal } = await exited;
  assert.equal(signal, null, `ended by ${signal}, not by itself: ${stderr}`);
  assert.equal(code, 0, stderr);
  assert.deepEqual(stdout.split('\n').filter(Boolean).sort(), [`[${a}/app] GET / 200`, `[${b}/app] GET /health 200`, `[${b}/app] POST /orders 201`].sort());
  assert.doesNotMatch(stderr, /✗|Error/);
  await until(() => s.openStreams('log') === 0, 'the server to see both log streams closed', 10_000);
});
