// Shared set-up for the kube tests: a test server per test, and a KubeCluster on it.
import { startKubeServer, type KubeServer, type KubeServerOptions } from '../../kube-server/index';
import { openKubeCluster, type KubeCluster } from '../../../src/core/kube/index';
import { loadKubeconfig } from '../../../src/core/kube/kubeconfig';
import type { RolloutEvent } from '../../../src/core/cluster/types';

export async function withServer(t: { after(fn: () => Promise<void> | void): void }, options: KubeServerOptions = {}): Promise<{ server: KubeServer; cluster: KubeCluster }> {
  const server = await startKubeServer(options);
  const cluster = openKubeCluster({ kubeconfig: loadKubeconfig({ kubeconfigPath: server.kubeconfigPath }), watch: { idleTimeoutMs: 5_000, backoffMs: { base: 20, max: 200 } } });
  t.after(async () => {
    cluster.dispose();
    await server.close();
  });
  return { server, cluster };
}

/** A sha256-pinned reference for a test image name. */
export function pinned(name: string, n: number): string {
  return `${name}@sha256:${n.toString(16).padStart(64, '0')}`;
}

export async function collect(events: AsyncIterable<RolloutEvent>): Promise<RolloutEvent[]> {
  const out: RolloutEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}
