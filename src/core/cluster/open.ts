/**
 * From an environment of prodlike.yaml to the Cluster it names. The one place that branches on
 * the orchestrator: everything above it (CLI, pipeline, tree, status bar) talks to `Cluster`.
 */
import type { Environment } from '../config/types';
import { ProdlikeError } from '../errors';
import { openSwarmCluster } from '../swarm/cluster';
import type { Cluster } from './types';

export interface OpenClusterOptions {
  /** Overrides from the command line (`--context`, `--namespace`) win over the environment. */
  context?: string;
  namespace?: string;
  /** Docker endpoint override for swarm environments. */
  engine?: string;
  /** Allow kubeconfig exec plugins (false in Restricted Mode). */
  allowExecPlugins?: boolean;
  kubeconfig?: string;
  /** How many revisions the swarm backend keeps. */
  historyLimit?: number;
  /** Opens a Kubernetes cluster; injected so this module does not load the Kubernetes client for swarm users. */
  openKube?: (options: { context?: string; namespace?: string; allowExecPlugins?: boolean; kubeconfig?: string }) => Cluster | Promise<Cluster>;
}

export async function openCluster(environment: Environment, options: OpenClusterOptions = {}): Promise<Cluster> {
  if (environment.orchestrator === 'swarm') {
    return openSwarmCluster({
      name: `swarm (${environment.name})`,
      engine: options.engine ?? environment.engine,
      update: environment.update,
      historyLimit: options.historyLimit,
    });
  }
  if (!options.openKube) {
    throw new ProdlikeError(
      'usage',
      `Environment "${environment.name}" runs on Kubernetes, which this build of prodlike cannot open yet.`,
      'Use a swarm environment (orchestrator: swarm), or update prodlike.',
    );
  }
  return options.openKube({
    context: options.context ?? environment.context,
    namespace: options.namespace ?? environment.namespace,
    allowExecPlugins: options.allowExecPlugins,
    kubeconfig: options.kubeconfig,
  });
}

/** The namespace a command works in: the override, else the environment's, else the orchestrator's default. */
export function namespaceFor(environment: Environment, override?: string): string {
  return override ?? environment.namespace ?? 'default';
}

/**
 * A protected environment (prod) demands that its name be typed before a deploy or rollback, so a
 * reflexive "y" can never ship to the wrong place. `typed` is what the user typed at the prompt or
 * passed as `--yes=<name>`; undefined means nothing was given. Pure, so the CLI and the extension
 * share the exact rule.
 */
export type Confirmation = { ok: true } | { ok: false; error: ProdlikeError };

export function confirmProtected(environment: Pick<Environment, 'name' | 'protected'>, typed: string | undefined, action = 'deploy to'): Confirmation {
  if (!environment.protected) return { ok: true };
  if (typed !== undefined && typed.trim() === environment.name) return { ok: true };
  const fix = `Type the environment's name ("${environment.name}") when asked, or pass --yes=${environment.name} in CI.`;
  if (typed === undefined || typed.trim() === '') {
    return { ok: false, error: new ProdlikeError('confirmation-required', `"${environment.name}" is a protected environment: confirm by typing its name to ${action} it.`, fix) };
  }
  return { ok: false, error: new ProdlikeError('confirmation-required', `"${typed.trim()}" is not "${environment.name}": nothing was done.`, fix) };
}
