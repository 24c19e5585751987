// Local containers in the merged tail, against the real (private) Docker engine: two parity runs'
// numbered lines both appear under the right identity, a container started after the tail began is
// picked up, a container restarted mid-tail (`docker restart`) shows every line of both runs exactly
// once, a container replaced by a new one of the same name keeps its colour, and a credential in
// its environment never reaches the output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerLogs } from '../../../src/core/docker/containers';
import { PARITY_LABEL } from '../../../src/core/docker/run-as-production';
import { localDiscovery } from '../../../src/core/logs/docker-sources';
import { testInfra, uniqueName } from '../../support/infra';
import { removeContainers, testEngine } from '../docker/helpers';
import { startTail, type Line } from './support';

const infra = testInfra();
const engine = testEngine();
const PASSWORD = 'local-db-pa55word-7731';
// Every line is "<name> <n>", n counting from 1 in each run of the container.
const COUNT = 'i=0; while true; do i=$((i+1)); echo "$NAME $i"; sleep 0.1; done';

async function startContainer(run: string, name: string, o: { tty?: boolean; cmd?: string; env?: string[] } = {}): Promise<string> {
  const c = await engine.docker.createContainer({
    name,
    Image: infra.image,
    Cmd: ['sh', '-c', o.cmd ?? COUNT],
    Tty: o.tty === true,
    Env: [`NAME=${name}`, ...(o.env ?? [])],
    // As `prodlike run` labels a parity run, plus this test run's own label: other tests share the engine.
    Labels: { [PARITY_LABEL]: 'true', 'dev.prodlike.container': 'app', 'dev.prodlike.namespace': 'shop', 'prodlike-test.run': run },
    HostConfig: { NetworkMode: 'none' },
  });
  await c.start();
  return c.id;
}

/** The numbers of one container's lines of one run, in the order shown. */
function numbers(lines: Line[], name: string, instance?: string): number[] {
  return lines.filter((l) => /^\S+ \d+$/.test(l.text) && l.text.startsWith(`${name} `) && (!instance || l.source.instance === instance)).map((l) => Number(l.text.split(' ')[1]));
}

const counting = (ns: number[]) => ns.length > 0 && ns.every((n, i) => n === i + 1);

test('parity runs: both containers, the right identity, a newcomer, a restart without loss or repeat, a credential masked', async (t) => {
  const run = uniqueName('run');
  const [a, b, late] = [uniqueName('local-a'), uniqueName('local-b'), uniqueName('local-late')];
  t.after(() => removeContainers(engine, [a, b, late]));
  const ida = await startContainer(run, a, { cmd: `echo "connecting with $DB_PASSWORD"; echo "$NAME warming up" >&2; ${COUNT}`, env: [`DB_PASSWORD=${PASSWORD}`] });
  await startContainer(run, b, { tty: true });

  const ac = new AbortController();
  t.after(() => ac.abort());
  const tail = startTail(localDiscovery({ engine, selector: `${PARITY_LABEL}=true,prodlike-test.run=${run}` }, { follow: true }, ac.signal), { idleTimeoutMs: 5000, retry: { initialDelayMs: 50, maxDelayMs: 500 } });
  t.after(() => tail.stop());

  // The engine copies a container's stdout and stderr separately: under load a stderr line can be
  // read after later stdout lines. So the test waits for each line it looks at.
  await tail.until(
    (ls) => numbers(ls, a).length >= 5 && numbers(ls, b).length >= 5 && ls.some((l) => l.text === `${a} warming up`) && ls.some((l) => l.text.startsWith('connecting with')),
    "five lines of each container, and the first container's stderr line and first line",
  );
  const la = tail.lines.find((l) => l.text === `${a} 1`)!;
  assert.deepEqual({ ...la.source, instance: undefined }, { cluster: 'local', namespace: 'shop', pod: a, container: 'app', kind: 'container', instance: undefined });
  assert.match(la.source.instance!, new RegExp(`^${ida}@`));
  assert.equal(la.stream, 'stdout');
  assert.equal(tail.lines.find((l) => l.text === `${a} warming up`)?.stream, 'stderr', 'stderr is told apart without a TTY');
  assert.equal(tail.lines.find((l) => l.text === `${b} 1`)?.stream, 'stdout', 'a TTY container is one stream');
  assert.equal(tail.lines.find((l) => l.text.startsWith('connecting with'))?.text, 'connecting with [redacted]', 'the line is shown, masked');

  // A container started while the tail runs is picked up from its first line.
  await startContainer(run, late);
  await tail.until((ls) => numbers(ls, late).length >= 3, 'lines of the container started later');

  // Restarted mid-tail: the first run is read to its end, the second from its start.
  await tail.until((ls) => numbers(ls, a).length >= 10, 'ten lines of the container to restart');
  await engine.docker.getContainer(ida).restart({ t: 1 });
  await tail.until((ls) => new Set(ls.filter((l) => l.source.pod === a).map((l) => l.source.instance)).size === 2 && numbers(ls, a).filter((n) => n === 5).length === 2, 'five lines of the second run');

  // Replaced by a new container of the same name (as `prodlike run` replaces a parity run): a new instance, the same colour.
  const lateLine = tail.lines.find((l) => l.source.pod === late)!;
  await engine.docker.getContainer(late).remove({ force: true });
  await startContainer(run, late);
  await tail.until((ls) => ls.some((l) => l.source.pod === late && l.source.instance !== lateLine.source.instance && l.text === `${late} 2`), 'lines of the replacement container');
  assert.equal(tail.lines.find((l) => l.source.pod === late && l.source.instance !== lateLine.source.instance)!.color, lateLine.color);
  await tail.until(() => tail.notices.some((n) => n.type === 'source-ended' && n.source === `${late}/app`), 'the removed container ends');
  await tail.stop();

  const instances = [...new Set(tail.lines.filter((l) => l.source.pod === a).map((l) => l.source.instance!))];
  assert.equal(instances.length, 2, 'each run is its own instance');
  assert.ok(counting(numbers(tail.lines, a, instances[0])), `first run counts without gaps or repeats: ${numbers(tail.lines, a, instances[0]).join(',')}`);
  assert.ok(counting(numbers(tail.lines, a, instances[1])), `second run counts from 1 without gaps or repeats: ${numbers(tail.lines, a, instances[1]).join(',')}`);
  // The engine's own log of the container (both runs) is the oracle: what the tail showed is its beginning, line for line.
  const shown = tail.lines.filter((l) => l.source.pod === a && l.stream === 'stdout').map((l) => l.text);
  const engineLog: string[] = [];
  for await (const l of containerLogs(engine, ida, { follow: false })) if (l.stream === 'stdout') engineLog.push(l.text.replace(PASSWORD, '[redacted]'));
  assert.deepEqual(shown, engineLog.slice(0, shown.length));
  assert.ok(counting(numbers(tail.lines, late, lateLine.source.instance)));
  assert.ok(!tail.lines.some((l) => l.text.includes(PASSWORD)), 'the credential never reaches the output');
  assert.deepEqual(tail.lines.map((l) => l.seq), tail.lines.map((_, i) => i + 1));
});
