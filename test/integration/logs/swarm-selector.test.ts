// Swarm services picked by label (`prodlike logs -l key=value` on a swarm environment), against the
// test infrastructure's real swarm: the tasks of every matching service appear, a service that does
// not match stays out, a matching service created while the tail runs joins it, and -n picks a stack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine } from '../../../src/core/docker/engine';
import { swarmDiscovery } from '../../../src/core/logs/swarm-sources';
import { runProdlike } from '../../support/cli';
import { testInfra, uniqueName } from '../../support/infra';
import { startTail } from './support';

const infra = testInfra();

function docker(...args: string[]): string {
  const r = spawnSync('docker', ['--host', infra.dockerHost, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** A service whose task prints "<service> <n>" every 100 ms (host network: the test engine has no bridge). */
function createService(name: string, labels: string[]): void {
  docker('service', 'create', '--detach', '--quiet', '--name', name, '--network', 'host', '--stop-grace-period', '1s', ...labels.flatMap((l) => ['--label', l]),
    '--env', `NAME=${name}`, infra.image, 'sh', '-c', 'i=0; while true; do i=$((i+1)); echo "$NAME $i"; sleep 0.1; done');
}

test('-l on swarm: the tasks of every service with the labels, not the others, and services created later', async (t) => {
  const run = uniqueName('sel');
  const [web, api, other, later] = ['web', 'api', 'other', 'later'].map((n) => `${run}-${n}`) as [string, string, string, string];
  t.after(() => void spawnSync('docker', ['--host', infra.dockerHost, 'service', 'rm', web, api, other, later], { encoding: 'utf8' }));
  createService(web, [`prodlike-test.sel=${run}`, 'tier=front']);
  // As `docker stack deploy` labels a service of stack <run>.
  createService(api, [`prodlike-test.sel=${run}`, 'tier=back', `com.docker.stack.namespace=${run}`]);
  createService(other, ['tier=front']);

  const engine = openEngine({ url: infra.dockerHost, from: 'argument' });
  const ac = new AbortController();
  t.after(() => ac.abort());
  const tail = startTail(swarmDiscovery({ engine, cluster: 'swarm', selector: `prodlike-test.sel=${run}` }, { follow: true, pollMs: 300 }, ac.signal), { idleTimeoutMs: 5000 });
  t.after(() => tail.stop());
  const has = (service: string, n = 3) => (ls: { text: string }[]) => ls.filter((l) => l.text.startsWith(`${service} `)).length >= n;
  await tail.until((ls) => has(web)(ls) && has(api)(ls), 'lines of both labelled services', 90_000);

  createService(later, [`prodlike-test.sel=${run}`]);
  await tail.until(has(later), 'lines of the service created during the tail', 90_000);
  // The unlabelled service has been writing all along.
  assert.ok(!tail.lines.some((l) => l.text.startsWith(`${other} `)), 'a service without the label stays out');
  const line = tail.lines.find((l) => l.text.startsWith(`${later} `))!;
  assert.equal(line.source.kind, 'task');
  assert.equal(line.source.container, later);
  assert.match(line.source.pod, new RegExp(`^${later}\\.1\\.`));
  await tail.stop();

  // The same through the CLI on a swarm environment; a second requirement narrows the choice.
  const app = mkdtempSync(join(tmpdir(), 'prodlike-swarm-sel-'));
  t.after(() => rmSync(app, { recursive: true, force: true }));
  writeFileSync(join(app, 'prodlike.yaml'), ['image: registry.example/app', 'environments:', '  local:', '    orchestrator: swarm', `    engine: ${infra.dockerHost}`, ''].join('\n'));
  const r = await runProdlike(['logs', '-l', `prodlike-test.sel=${run},tier=front`], { cwd: app, env: { ...process.env, NO_COLOR: '1' } });
  assert.equal(r.code, 0, r.stderr);
  const services = new Set(r.stdout.split('\n').filter(Boolean).map((l) => /^\[[^\]]+\] (\S+) \d+$/.exec(l)?.[1]));
  assert.deepEqual([...services], [web]);
  // -n is the stack: only its services, with the stack as their namespace.
  const stack = await runProdlike(['logs', '-n', run, '--json'], { cwd: app, env: process.env });
  assert.equal(stack.code, 0, stack.stderr);
  const objects = stack.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { container: string; namespace: string });
  assert.ok(objects.length > 0);
  assert.deepEqual([...new Set(objects.map((o) => `${o.namespace}/${o.container}`))], [`${run}/${api}`]);

  const none = await runProdlike(['logs', '-l', `prodlike-test.sel=${run}-nothing`], { cwd: app, env: process.env });
  assert.equal(none.code, 0, none.stderr);
  assert.match(none.stderr, /No service matches labels "prodlike-test\.sel=.*-nothing"/);
  const setBased = await runProdlike(['logs', '-l', 'tier in (front,back)'], { cwd: app, env: process.env });
  assert.equal(setBased.code, 2);
  assert.match(setBased.stderr, /Set-based label selectors .* work with Kubernetes only/);
});
