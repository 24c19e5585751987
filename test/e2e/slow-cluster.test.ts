// The Clusters view against an engine that answers slowly, or not at all. The engine is the real
// test engine behind a relay on a unix socket that holds back its answers for as long as the test
// says: what a user on a slow link or with a hung daemon sees.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCodeServer, type CodeServer } from './support/codeServer';
import { docker } from './support/fixtures';
import { testInfra, uniqueName } from '../support/infra';
import { openWorkbench, type Workbench } from './support/workbench';
import type { Locator } from 'playwright-core';

interface SlowRelay {
  endpoint: string;
  /** Requests whose first line matches are held back this long before they reach the engine. */
  delayMs: number;
  slowRequests: RegExp;
  /** From now on the matching requests get no answer at all, until `answer()`. */
  hang(): void;
  answer(): void;
  close(): Promise<void>;
}

/**
 * A unix-socket relay to the test engine that holds back the requests matching `slowRequests` by
 * `delayMs` (and what follows them on the same connection, so order is kept).
 */
async function slowRelay(target: string): Promise<SlowRelay> {
  const dir = mkdtempSync(join(tmpdir(), 'prodlike-slow-'));
  const path = join(dir, 'engine.sock');
  const sockets = new Set<net.Socket>();
  let answered = Promise.resolve();
  let release = () => {};
  const relay: SlowRelay = {
    endpoint: `unix://${path}`,
    delayMs: 0,
    slowRequests: /^GET (\/v[\d.]+)?\/services\?/,
    hang: () => (answered = new Promise((r) => (release = r))),
    answer: () => release(),
    close: async () => {},
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(target);
    sockets.add(client).add(upstream);
    let chain = Promise.resolve();
    client.on('data', (d: Buffer) => {
      const slow = relay.slowRequests.test(d.subarray(0, 200).toString('latin1'));
      const wait = slow ? relay.delayMs : 0;
      const hung = slow ? answered : undefined;
      chain = chain.then(() => hung).then(() => (wait ? new Promise((r) => setTimeout(r, wait)) : undefined)).then(() => {
        if (!upstream.destroyed) upstream.write(d);
      });
    });
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  relay.close = async () => {
    release();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  };
  return relay;
}

/**
 * Clicks a tree row. The pointer is first moved off the tree and any hover dismissed: a row's hover
 * opens below it and would take the click meant for the row under it.
 */
async function clickRow(wb: Workbench, row: Locator): Promise<void> {
  await wb.page.mouse.move(900, 450);
  await wb.page.keyboard.press('Escape');
  await row.click({ timeout: 10_000 });
}

describe('Clusters view: an engine that answers slowly, or not at all', () => {
  let relay: SlowRelay;
  let server: CodeServer;
  let wb: Workbench;
  const service = uniqueName('e2e-slow').slice(0, 60);

  before(async () => {
    docker('service', 'create', '--detach', '--quiet', '--name', service, '--network', 'host', '--no-healthcheck', testInfra().image, 'sleep', '3600');
    const engine = process.env.DOCKER_HOST ?? '';
    assert.match(engine, /^unix:\/\//, 'the test engine listens on a unix socket');
    relay = await slowRelay(engine.slice('unix://'.length));
    server = await startCodeServer({
      env: { DOCKER_HOST: relay.endpoint },
      settings: { 'prodlike.clusters.requestTimeoutSeconds': 4 },
    });
    wb = await openWorkbench(server, { trust: true });
    await wb.openProdlikeViews();
  });
  after(async () => {
    await wb?.close();
    await server?.stop();
    await relay?.close();
    try {
      docker('service', 'rm', service);
    } catch {
      // already gone
    }
  });

  it('a row expanded while the view reloads everything still shows its children', async () => {
    const swarm = wb.treeItem('Clusters', 'Local swarm');
    await swarm.waitFor({ timeout: 60_000 });
    relay.delayMs = 2_000;
    await clickRow(wb, swarm);
    // The view's refresh button while the listing is under way.
    await new Promise((r) => setTimeout(r, 500));
    await wb.runCommand('prodlike: Refresh');
    const ns = wb.treeItem('Clusters', /^default/).first();
    await ns.waitFor({ timeout: 15_000 }).catch(async (e) => {
      await wb.screenshot('slow-01-expanded-during-reload');
      throw e;
    });
    assert.equal(await swarm.getAttribute('aria-expanded'), 'true');
  });

  it('a namespace refreshed while it is being listed still shows its workloads', async () => {
    relay.delayMs = 0;
    const ns = wb.treeItem('Clusters', /^default/).first();
    await clickRow(wb, ns);
    const row = wb.treeItem('Clusters', service);
    await row.waitFor({ timeout: 20_000 });
    relay.delayMs = 1_500;
    // Changes that arrive while the namespace is still being listed after the previous one.
    for (let i = 0; i < 6; i++) {
      docker('service', 'update', '--detach', '--quiet', '--label-add', `step=${i}`, service);
      await new Promise((r) => setTimeout(r, 700));
    }
    await new Promise((r) => setTimeout(r, 5_000));
    relay.delayMs = 0;
    await new Promise((r) => setTimeout(r, 3_000));
    await wb.screenshot('slow-02-namespace-after-changes');
    assert.equal(await ns.getAttribute('aria-expanded'), 'true');
    await row.waitFor({ timeout: 10_000 });
  });

  it('an engine that does not answer: the row says so when the time is up, and Retry lists it once it answers', async () => {
    relay.delayMs = 0;
    relay.hang();
    await wb.runCommand('prodlike: Refresh');
    const error = wb.treeItem('Clusters', /Cannot reach the local swarm: no answer within 4 s/);
    await error.waitFor({ timeout: 30_000 });
    assert.match(await error.innerText(), /Retry/, 'the row offers a retry');
    await wb.screenshot('slow-03-engine-not-answering');
    relay.answer();
    await clickRow(wb, error);
    await wb.treeItem('Clusters', /^default/).first().waitFor({ timeout: 20_000 });
    assert.equal(await error.count(), 0, 'the error row is gone once the engine answers');
  });
});
