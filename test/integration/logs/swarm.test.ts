// The tail against a real swarm (the private test engine): a task killed mid-tail is replaced by
// swarm, and its successor's lines appear in the same stream; neither task loses or repeats a line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { testInfra, uniqueName } from '../../support/infra';
import { openEngine } from '../../../src/core/docker/engine';
import { swarmDiscovery } from '../../../src/core/logs/swarm-sources';
import { startTail, type Line } from './support';

function docker(...args: string[]): string {
  const r = spawnSync('docker', ['--host', testInfra().dockerHost, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** "<task> <n>" lines of one task, in order: 1, 2, 3… with nothing missing or repeated. */
function assertCounting(lines: Line[], task: string): number[] {
  const ns = lines.filter((l) => l.text.startsWith(`${task} `)).map((l) => Number(l.text.split(' ')[1]));
  assert.ok(ns.length > 0, `lines of task ${task}`);
  assert.deepEqual(ns, Array.from({ length: ns.length }, (_, i) => ns[0]! + i), `task ${task} counts without gaps or repeats`);
  return ns;
}

test('a swarm task killed mid-tail is replaced and its successor\'s lines appear', async (t) => {
  const infra = testInfra();
  const name = uniqueName('logs-svc');
  // Host network: the test engine runs with --bridge=none. Each task numbers its lines.
  docker('service', 'create', '--detach', '--quiet', '--name', name, '--network', 'host', '--restart-delay', '100ms', '--stop-grace-period', '1s',
    '--env', 'TASK={{.Task.ID}}', infra.image, 'sh', '-c', 'i=0; while true; do i=$((i+1)); echo "$TASK $i"; sleep 0.1; done');
  t.after(() => void spawnSync('docker', ['--host', infra.dockerHost, 'service', 'rm', name], { encoding: 'utf8' }));
  const engine = openEngine({ url: infra.dockerHost, from: 'argument' });
  const ac = new AbortController();
  t.after(() => ac.abort());
  const tail = startTail(swarmDiscovery({ engine, cluster: 'swarm', service: name }, { follow: true, pollMs: 300 }, ac.signal), { idleTimeoutMs: 5000, retry: { initialDelayMs: 50, maxDelayMs: 500 } });
  t.after(() => tail.stop());

  await tail.until((ls) => ls.filter((l) => /^\w+ \d+$/.test(l.text)).length >= 10, 'ten lines of the first task', 90_000);
  const first = tail.lines.find((l) => /^\w+ \d+$/.test(l.text))!;
  const firstTask = first.text.split(' ')[0]!;
  assert.equal(first.source.kind, 'task');
  assert.match(first.source.pod, new RegExp(`^${name}\\.1\\.`));
  docker('kill', first.source.instance!);

  await tail.until((ls) => ls.filter((l) => /^\w+ \d+$/.test(l.text) && !l.text.startsWith(firstTask)).length >= 5, 'five lines of the replacement task', 90_000);
  await tail.until(() => tail.notices.some((n) => n.type === 'source-ended' && n.source.startsWith(`${first.source.pod}/`)), 'the killed task ends', 30_000);
  await tail.stop();
  const successor = tail.lines.find((l) => /^\w+ \d+$/.test(l.text) && !l.text.startsWith(firstTask))!;
  assert.notEqual(successor.source.instance, first.source.instance);
  assertCounting(tail.lines, firstTask);
  const next = assertCounting(tail.lines, successor.text.split(' ')[0]!);
  assert.equal(next[0], 1, 'the successor is read from its first line');
  assert.deepEqual(tail.lines.map((l) => l.seq), tail.lines.map((_, i) => i + 1));
});
