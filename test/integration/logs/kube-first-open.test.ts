// The first open of a container's log racing a restart, against the Kubernetes API test server.
// The logs API names a container, not a container ID: a request that reaches the kubelet after the
// container restarted reads the new instance's log. When the restart falls between the moment the
// pod watch reported the old instance and the tail's first request for it, the old instance's last
// lines must still come (from the `previous` log) and the new instance's lines must come once, under
// the new instance — neither lost nor shown twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deployment } from '../../kube-server/index';
import { withServer } from '../kube/support';
import { kubeDiscovery } from '../../../src/core/logs/kube-sources';
import type { SourceDiscovery, SourceIdentity } from '../../../src/core/logs';
import { assertLossless, startTail } from './support';

const WATCH = { idleTimeoutMs: 5000, backoffMs: { base: 20, max: 200 } };
const TAIL = { idleTimeoutMs: 2000, retry: { initialDelayMs: 20, maxDelayMs: 200 } };

/** Passes the discovery on; `before` runs when the first source is reported, before the tail hears of it. */
async function* onFirstSource(discovery: SourceDiscovery, before: (id: SourceIdentity) => void): SourceDiscovery {
  let done = false;
  for await (const e of discovery) {
    if (e.type === 'up' && !done) {
      done = true;
      before(e.source.identity);
    }
    yield e;
  }
}

for (const newLinesBeforeOpen of [true, false]) {
  test(`a container restarted between discovery and the first open: no line lost or repeated (new instance wrote ${newLinesBeforeOpen ? 'before' : 'after'} the open)`, async (t) => {
    const { server, cluster } = await withServer(t, { readyDelayMs: 10, logOnStart: false });
    server.apply(deployment({ name: 'web', image: 'registry/web:1', replicas: 1 }));
    await server.settle();
    const pod = server.list('pods', 'default')[0]!.metadata.name as string;
    const written = ['old 1', 'old 2', 'old 3'];
    for (const w of written) server.writeLog('default', pod, w);

    const ac = new AbortController();
    t.after(() => ac.abort());
    let oldInstance = '';
    const discovery = onFirstSource(kubeDiscovery({ cluster, namespace: 'default', workload: 'web' }, { follow: true, watch: WATCH }, ac.signal), (id) => {
      // The kubelet restarts the container just after the watch reported it, before the tail asks for its log.
      oldInstance = id.instance!;
      server.restartContainer('default', pod);
      if (newLinesBeforeOpen) {
        server.writeLog('default', pod, 'new 1');
        written.push('new 1');
      }
    });
    const tail = startTail(discovery, TAIL);
    t.after(() => tail.stop());

    const seen = (texts: string[]) => (lines: { text: string }[]) => texts.every((x) => lines.some((l) => l.text === x));
    // The new instance writes while the tail's first stream is open.
    await server.waitFor(() => server.openStreams('log') >= 1);
    for (const w of ['new 2', 'new 3']) {
      server.writeLog('default', pod, w);
      written.push(w);
    }
    await tail.until(seen(written), 'every line of both instances');
    // Time for a repeat to show: the old instance's stream is closed a grace period after it is reported down.
    await tail.until(() => tail.notices.some((n) => n.type === 'source-ended'), 'the old instance ends');
    await tail.stop();

    assertLossless(tail.lines, written, assert);
    for (const l of tail.lines) {
      assert.equal(l.source.instance === oldInstance, l.text.startsWith('old'), `"${l.text}" is shown under the instance that wrote it`);
    }
  });
}
