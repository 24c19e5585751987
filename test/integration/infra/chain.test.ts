// The whole chain the other tests stand on, against the real parts scripts/test-infra.sh started:
// build an image on the private engine, push it to the local registry, pull it back by digest,
// run it and read what it printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pack } from 'tar-fs';
import { openEngine, resolveEngineEndpoint } from '../../../src/core/docker/engine';
import { testInfra, uniqueName } from '../../support/infra';

test('build → push → pull by digest → run → stdout, on the test engine and registry', async () => {
  const infra = testInfra();
  const { docker } = openEngine(resolveEngineEndpoint(infra.dockerHost));
  const name = uniqueName('chain');
  const repo = `${infra.registry}/prodlike-test/${name}`;
  const marker = `hello from ${name}`;
  const dir = await mkdtemp(join(tmpdir(), 'prodlike-chain-'));
  let containerId: string | undefined;
  try {
    await writeFile(join(dir, 'Dockerfile'), `FROM ${infra.image}\nCMD ["echo", "${marker}"]\n`);
    const build = await docker.buildImage(pack(dir) as unknown as NodeJS.ReadableStream, { t: `${repo}:1` });
    const buildEvents = await follow(docker, build);
    assert.ok(!buildEvents.some((e) => e.error), `build failed: ${JSON.stringify(buildEvents.filter((e) => e.error))}`);

    const push = await docker.getImage(`${repo}:1`).push({ authconfig: {} });
    const pushEvents = await follow(docker, push);
    assert.ok(!pushEvents.some((e) => e.error), `push failed: ${JSON.stringify(pushEvents.filter((e) => e.error))}`);
    const digest = pushEvents.map((e) => (e.aux as { Digest?: string } | undefined)?.Digest).find(Boolean);
    assert.match(digest ?? '', /^sha256:[0-9a-f]{64}$/);

    // Forget the local copy so the run below can only use what the registry serves.
    await docker.getImage(`${repo}:1`).remove({ force: true });
    const byDigest = `${repo}@${digest}`;
    const pull = await docker.pull(byDigest);
    const pullEvents = await follow(docker, pull);
    assert.ok(!pullEvents.some((e) => e.error), `pull failed: ${JSON.stringify(pullEvents)}`);
    const pulled = await docker.getImage(byDigest).inspect();
    assert.ok(pulled.RepoDigests.includes(byDigest), `pulled image has ${pulled.RepoDigests.join(', ')}`);

    const container = await docker.createContainer({ Image: byDigest, HostConfig: { NetworkMode: 'none' } });
    containerId = container.id;
    await container.start();
    const exit = await container.wait();
    assert.equal(exit.StatusCode, 0);
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const out: Buffer[] = [];
    stdout.on('data', (c: Buffer) => out.push(c));
    const logs = (await container.logs({ stdout: true, stderr: true, follow: false })) as Buffer;
    docker.modem.demuxStream(new PassThrough().end(logs), stdout, stderr);
    await new Promise((r) => setImmediate(r));
    assert.equal(Buffer.concat(out).toString('utf8'), `${marker}\n`);
  } finally {
    if (containerId) await docker.getContainer(containerId).remove({ force: true }).catch(() => undefined);
    await docker.getImage(`${repo}@sha256`).remove({ force: true }).catch(() => undefined);
    for (const img of await docker.listImages({ filters: { reference: [repo] } }).catch(() => [])) {
      await docker.getImage(img.Id).remove({ force: true }).catch(() => undefined);
    }
    await rm(dir, { recursive: true, force: true });
  }
});

type Progress = { error?: string; aux?: unknown; status?: string };

function follow(docker: import('dockerode'), stream: NodeJS.ReadableStream): Promise<Progress[]> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, events: Progress[]) => (err ? reject(err) : resolve(events)));
  });
}
