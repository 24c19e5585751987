// Watching services: the engine's events drive updates; a new and a removed service show up.
import { describe, it } from 'node:test';
import type { WatchEvent, Workload } from '../../../src/core/cluster/types';
import { testInfra } from '../../support/infra';
import { createService, eventually, testCluster } from './fixtures';

describe('swarm: watching workloads', () => {
  it('starts with the full list, then reports a service added, its tasks coming up, and its removal', async () => {
    const cluster = testCluster();
    const ac = new AbortController();
    const events: WatchEvent<Workload>[] = [];
    const watcher = (async () => {
      for await (const e of cluster.watchWorkloads('default', ac.signal)) events.push(e);
    })();
    let svc: ReturnType<typeof createService> | undefined;
    try {
      await eventually(async () => (events.some((e) => e.type === 'synced') ? true : undefined), 'the first list');
      svc = createService(testInfra().image, { replicas: 1, prefix: 'watch' });
      const name = svc.name;
      await eventually(async () => (events.some((e) => e.type === 'added' && e.object.name === name) ? true : undefined), 'the new service');
      await eventually(async () => (events.some((e) => (e.type === 'added' || e.type === 'modified') && e.object.name === name && e.object.ready === 1) ? true : undefined), 'its task running');
      svc.remove();
      await eventually(async () => (events.some((e) => e.type === 'deleted' && e.object.name === name) ? true : undefined), 'the removal');
    } finally {
      svc?.remove();
      ac.abort();
      await watcher;
      cluster.dispose();
    }
  });
});
