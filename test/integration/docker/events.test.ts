// watchEngineEvents against the real test engine: a container's life arrives as events, and a
// dropped event stream is re-opened and loses nothing that happened while it was down. The drop is
// injected by a unix-socket proxy between prodlike and the engine (the engine itself is shared by
// every test and is never stopped).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine } from '../../../src/core/docker/engine';
import { watchEngineEvents, type EngineEventsItem } from '../../../src/core/docker/events';
import { testInfra, uniqueName } from '../../support/infra';
import { removeContainers, testEngine } from './helpers';

const infra = testInfra();
const engine = testEngine();
const LABEL = 'dev.prodlike.test.events';
const created: string[] = [];

/** Starts a labelled busybox container that sleeps (no network: the test engine has no bridge). */
async function createContainer(run: string): Promise<string> {
  const c = await engine.docker.createContainer({
    name: uniqueName('events'),
    Image: infra.image,
    Cmd: ['/bin/busybox', 'sleep', '60'],
    Labels: { [LABEL]: run },
    HostConfig: { NetworkMode: 'none' },
  });
  created.push(c.id);
  return c.id;
}

/** Runs the watch in the background and keeps what it yields. */
function collect(iterable: AsyncIterable<EngineEventsItem>) {
  const items: EngineEventsItem[] = [];
  const done = (async () => {
    for await (const item of iterable) items.push(item);
  })();
  const until = async (what: string, probe: () => boolean, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!probe()) {
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; got:\n${JSON.stringify(items, null, 1)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { items, done, until };
}

const eventsOf = (items: EngineEventsItem[], id: string, action?: string) =>
  items.filter((i) => i.kind === 'event' && i.event.id === id && (!action || i.event.action === action));

/** A unix-socket proxy to the engine that can drop its connections and refuse new ones. */
class DroppingProxy {
  readonly path: string;
  private readonly dir = mkdtempSync(join(tmpdir(), 'prodlike-events-proxy-'));
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  refusing = false;
  accepted = 0;

  constructor(target: string) {
    this.path = join(this.dir, 'docker.sock');
    this.server = createServer((client) => {
      if (this.refusing) return client.destroy();
      this.accepted++;
      const upstream = createConnection(target);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }

  listen(): Promise<void> {
    return new Promise((r) => this.server.listen(this.path, r));
  }

  /** Cuts every open connection (the event stream among them) mid-stream. */
  drop(): void {
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    this.drop();
    await new Promise((r) => this.server.close(r));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

describe('watchEngineEvents (real engine)', () => {
  const controller = new AbortController();
  let proxy: DroppingProxy;

  before(async () => {
    assert.ok(infra.dockerHost.startsWith('unix://'), 'the proxy test needs the engine on a unix socket');
    proxy = new DroppingProxy(infra.dockerHost.slice('unix://'.length));
    await proxy.listen();
  });
  after(async () => {
    controller.abort();
    await removeContainers(engine, created);
    await proxy?.close();
  });

  it('reports a container started, stopped and removed, with its labels', async () => {
    const local = new AbortController();
    const w = collect(watchEngineEvents(engine, { signal: AbortSignal.any([controller.signal, local.signal]), types: ['container'], actions: ['create', 'start', 'die', 'destroy'] }));
    await w.until('the stream to open', () => w.items.some((i) => i.kind === 'connected'));
    const id = await createContainer('life');
    await engine.docker.getContainer(id).start();
    await w.until('the start event', () => eventsOf(w.items, id, 'start').length === 1);
    const start = eventsOf(w.items, id, 'start')[0]!;
    assert.equal(start.kind === 'event' && start.event.attributes[LABEL], 'life', 'a container event carries its labels');
    assert.ok(start.kind === 'event' && Math.abs(start.event.time.getTime() - Date.now()) < 60_000, 'the event time is the engine clock, in ms');
    await engine.docker.getContainer(id).remove({ force: true });
    await w.until('die and destroy', () => eventsOf(w.items, id, 'die').length === 1 && eventsOf(w.items, id, 'destroy').length === 1);
    assert.deepEqual(
      eventsOf(w.items, id).map((i) => (i.kind === 'event' ? i.event.action : '')),
      ['create', 'start', 'die', 'destroy'],
      'each step once, in order',
    );
    local.abort();
    await w.done;
    assert.equal(w.items.filter((i) => i.kind === 'reconnecting').length, 0, 'no reconnect on a healthy stream');
  });

  it('re-opens a dropped stream with backoff and delivers what happened meanwhile, once', async () => {
    const local = new AbortController();
    const viaProxy = openEngine({ url: `unix://${proxy.path}`, from: 'argument' });
    const w = collect(
      watchEngineEvents(viaProxy, { signal: AbortSignal.any([controller.signal, local.signal]), types: ['container'], initialDelayMs: 200, maxDelayMs: 1000 }),
    );
    await w.until('the stream to open', () => w.items.some((i) => i.kind === 'connected'));
    const id = await createContainer('drop');
    await w.until('the create event', () => eventsOf(w.items, id, 'create').length === 1);

    // The connection drops and the engine cannot be reached for a while.
    proxy.refusing = true;
    proxy.drop();
    await w.until('two failed reconnects', () => w.items.filter((i) => i.kind === 'reconnecting').length >= 2);
    const delays = w.items.flatMap((i) => (i.kind === 'reconnecting' ? [i.delayMs] : []));
    assert.ok(delays[1]! > delays[0]! * 1.1, `the delay grows between failures (${delays.join(', ')} ms)`);
    // Meanwhile the container starts: nobody is listening.
    await engine.docker.getContainer(id).start();
    const startedWhileDown = eventsOf(w.items, id, 'start').length;

    proxy.refusing = false;
    await w.until('the stream to re-open', () => w.items.some((i) => i.kind === 'connected' && i.resumed));
    await w.until('the start that happened while down', () => eventsOf(w.items, id, 'start').length === 1);
    assert.equal(startedWhileDown, 0, 'the start happened while the stream was down');
    // Live again: a later event arrives too.
    await engine.docker.getContainer(id).kill();
    await w.until('the die event', () => eventsOf(w.items, id, 'die').length === 1);
    // The engine replays from the last delivered event's time: nothing already delivered comes twice.
    assert.equal(eventsOf(w.items, id, 'create').length, 1, 'the create event is not repeated after the reconnect');
    const order = w.items.map((i) => i.kind);
    assert.equal(order[0], 'connected');
    assert.ok(order.indexOf('reconnecting') < order.lastIndexOf('connected'), 'reconnecting, then connected again');
    local.abort();
    await w.done;
  });

  it('stops at once when its signal aborts, also while waiting to reconnect', async () => {
    const local = new AbortController();
    const unreachable = openEngine({ url: `unix://${join(tmpdir(), uniqueName('no-engine'))}.sock`, from: 'argument' });
    const w = collect(watchEngineEvents(unreachable, { signal: local.signal, initialDelayMs: 60_000 }));
    await w.until('the first failure', () => w.items.some((i) => i.kind === 'reconnecting'));
    const first = w.items.find((i) => i.kind === 'reconnecting');
    assert.match(first?.kind === 'reconnecting' ? first.reason : '', /ENOENT|connect/);
    local.abort();
    // The backoff is a minute long: ending well before it means the abort cut the wait short.
    const ended = await Promise.race([w.done.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 20_000).unref())]);
    assert.ok(ended, 'the generator ends without waiting out the backoff');
  });
});
