// `prodlike logs --order time` against the Kubernetes API test server: the lines of several pods
// printed by the time they were written, not by which stream was read first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deployment, startKubeServer } from '../../kube-server/index';
import { runProdlike } from '../../support/cli';

test('--order time prints the lines of every pod by their timestamps', async (t) => {
  const s = await startKubeServer({ readyDelayMs: 10, logOnStart: false });
  t.after(() => s.close());
  s.apply(deployment({ name: 'web', image: 'registry/web:1', replicas: 2 }));
  await s.settle();
  const [a, b] = s.list('pods', 'default').map((p) => p.metadata.name as string).sort();
  const at = (second: number) => new Date(Date.UTC(2030, 0, 1, 0, 0, second));
  // Each pod's own lines in order; across pods they interleave.
  for (const second of [2, 4, 6]) s.writeLog('default', a!, `written at ${second}`, { at: at(second) });
  for (const second of [1, 3, 5]) s.writeLog('default', b!, `written at ${second}`, { at: at(second) });
  const env = { ...process.env, KUBECONFIG: s.kubeconfigPath, NO_COLOR: '1' };

  const r = await runProdlike(['logs', 'web', '--context', 'test', '--order', 'time'], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.split('\n').filter(Boolean), [1, 2, 3, 4, 5, 6].map((n) => `[${n % 2 ? b : a}/app] written at ${n}`));

  const bad = await runProdlike(['logs', 'web', '--context', 'test', '--order', 'random'], { env });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--order "random" is neither arrival nor time/);
});
