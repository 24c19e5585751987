/**
 * Which sources `prodlike logs` reads, from its flags: the pods of one or several kube contexts, the
 * tasks of swarm services (one by name, or every service a label selector and stack pick), local
 * containers (`--local`: parity runs, or by label or name), or local containers together with a
 * cluster (`--local --context c -l app=web`) — all merged into one discovery.
 */
import { openTarget } from '../core/cluster/open';
import { openEngine, resolveEngineEndpoint } from '../core/docker/engine';
import { ProdlikeError } from '../core/errors';
import type { KubeCluster } from '../core/kube/cluster';
import { mergeDiscoveries, type SourceDiscovery } from '../core/logs';
import { localDiscovery } from '../core/logs/docker-sources';
import { swarmDiscovery } from '../core/logs/swarm-sources';
import type { WorkloadLogFlags } from './logs-tail';
import type { CommandContext } from './program';

export interface OpenedSources {
  discovery: SourceDiscovery;
  /** More than one cluster: prefixes name the cluster too. */
  multiCluster: boolean;
  /** Closes the clusters. */
  dispose(): void;
}

function loadKubeSources(): typeof import('../core/logs/kube-sources') {
  // Loaded on first use, as cluster/open.ts does: the Kubernetes client is heavy and swarm users never need it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../core/logs/kube-sources') as typeof import('../core/logs/kube-sources');
}

export async function discoveriesFor(ctx: CommandContext, workload: string | undefined, flags: WorkloadLogFlags, signal: AbortSignal): Promise<OpenedSources> {
  if (!flags.local) return clusterDiscoveries(ctx, workload, flags, signal);
  const local = localDiscovery(
    { engine: openEngine(resolveEngineEndpoint(flags.engine, ctx.io.env)), ...(flags.selector ? { selector: flags.selector } : {}), ...(workload ? { names: [workload] } : {}) },
    { follow: flags.follow === true },
    signal,
  );
  // A cluster only when one is named: `--local` alone needs neither prodlike.yaml nor a kubeconfig.
  if (!flags.context && !flags.env) return { discovery: local, multiCluster: false, dispose: () => undefined };
  const cluster = await clusterDiscoveries(ctx, workload, flags, signal);
  return { discovery: mergeDiscoveries([local, cluster.discovery]), multiCluster: true, dispose: cluster.dispose };
}

async function clusterDiscoveries(ctx: CommandContext, workload: string | undefined, flags: WorkloadLogFlags, signal: AbortSignal): Promise<OpenedSources> {
  const io = ctx.io;
  const follow = flags.follow === true;
  const contexts = (flags.context ?? '').split(',').map((c) => c.trim()).filter(Boolean);
  if (contexts.length > 1 || (contexts.length === 1 && !flags.env)) {
    const { kubeDiscovery } = loadKubeSources();
    // Contexts named on the command line: prodlike.yaml is not needed.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { openKubeCluster } = require('../core/kube/cluster') as typeof import('../core/kube/cluster');
    const clusters = contexts.map((context) => openKubeCluster({ context, kubeconfig: { env: io.env } }));
    const discoveries = clusters.map((cluster) => kubeDiscovery({ cluster, namespace: flags.namespace ?? cluster.defaultNamespace, workload, selector: flags.selector }, { follow }, signal));
    return { discovery: mergeDiscoveries(discoveries), multiCluster: clusters.length > 1, dispose: () => clusters.forEach((c) => c.dispose()) };
  }
  const target = await openTarget(io.cwd, flags.env, { context: contexts[0], namespace: flags.namespace, engine: flags.engine, env: io.env, workload });
  // A selector picks by labels instead of the environment's workload.
  const name = workload ?? (flags.selector ? undefined : target.workload?.name);
  if (target.environment.orchestrator === 'swarm') {
    if (!name && !flags.selector && !flags.namespace) {
      target.cluster.dispose();
      throw new ProdlikeError('usage', 'Name a swarm service, or pick services by label or stack: prodlike logs <service> | -l key=value | -n stack.', '`prodlike status` lists the services.');
    }
    const engine = openEngine(resolveEngineEndpoint(flags.engine ?? target.environment.engine, io.env));
    const namespace = flags.namespace ?? target.environment.namespace;
    return {
      discovery: swarmDiscovery({ engine, cluster: target.cluster.identity.name, ...(name ? { service: name } : {}), ...(flags.selector ? { selector: flags.selector } : {}), ...(namespace ? { namespace } : {}) }, { follow }, signal),
      multiCluster: false,
      dispose: () => target.cluster.dispose(),
    };
  }
  const { kubeDiscovery } = loadKubeSources();
  const cluster = target.cluster as KubeCluster;
  const namespace = flags.namespace ?? target.environment.namespace ?? cluster.defaultNamespace;
  return { discovery: kubeDiscovery({ cluster, namespace, workload: name, selector: flags.selector }, { follow }, signal), multiCluster: false, dispose: () => cluster.dispose() };
}
