/**
 * From an environment of prodlike.yaml to the Cluster it names. The one place that branches on
 * the orchestrator: everything above it (CLI, pipeline, tree, status bar) talks to `Cluster`.
 */
import type { Environment, ProjectConfig } from '../config/types';
import { loadProjectConfig, resolveEnvironment } from '../config';
import { ProdlikeError } from '../errors';
import type { OpenKubeClusterOptions } from '../kube/cluster';
import { openSwarmCluster } from '../swarm/cluster';
import type { Cluster, WorkloadRef } from './types';

export interface OpenClusterOptions {
  /** Overrides from the command line (`--context`, `--namespace`) win over the environment. */
  context?: string;
  namespace?: string;
  /** Docker endpoint override for swarm environments. */
  engine?: string;
  /** Allow kubeconfig exec plugins (false in Restricted Mode). */
  allowExecPlugins?: boolean;
  kubeconfig?: string;
  /** The environment variables to read (DOCKER_HOST, KUBECONFIG); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** How many revisions the swarm backend keeps. */
  historyLimit?: number;
  /** Opens a Kubernetes cluster; injected so this module does not load the Kubernetes client for swarm users. */
  openKube?: (options: OpenKubeClusterOptions) => Cluster | Promise<Cluster>;
}

function loadKube(): (options: OpenKubeClusterOptions) => Cluster {
  // Loaded on first use: @kubernetes/client-node is heavy and swarm users never need it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../kube/cluster') as typeof import('../kube/cluster')).openKubeCluster;
}

export async function openCluster(environment: Environment, options: OpenClusterOptions = {}): Promise<Cluster> {
  if (environment.orchestrator === 'swarm') {
    return openSwarmCluster({
      name: `swarm (${environment.name})`,
      engine: options.engine ?? environment.engine,
      env: options.env,
      update: environment.update,
      historyLimit: options.historyLimit,
    });
  }
  const openKube = options.openKube ?? loadKube();
  return openKube({
    context: options.context ?? environment.context,
    namespace: options.namespace ?? environment.namespace,
    allowExecPlugins: options.allowExecPlugins,
    kubeconfig: options.kubeconfig || options.env ? { path: options.kubeconfig, env: options.env } : undefined,
  });
}

/** What a command acts on: the environment, its cluster, and the workload in it. */
export interface Target {
  config: ProjectConfig;
  environment: Environment;
  cluster: Cluster;
  namespace: string;
  /** Undefined when neither the environment nor the command line names a workload. */
  workload?: WorkloadRef;
}

export interface TargetOverrides extends Omit<OpenClusterOptions, 'openKube'> {
  workload?: string;
  container?: string;
}

/** Loads prodlike.yaml from `root`, picks the environment (named, else the default) and opens its cluster. */
export async function openTarget(root: string, environmentName: string | undefined, overrides: TargetOverrides = {}, openKube?: OpenClusterOptions['openKube']): Promise<Target> {
  const config = await loadProjectConfig(root);
  const environment = resolveEnvironment(config, environmentName);
  const cluster = await openCluster(environment, { ...overrides, openKube });
  const namespace = namespaceFor(environment, overrides.namespace);
  const name = overrides.workload ?? environment.workload;
  const container = overrides.container ?? environment.container;
  return { config, environment, cluster, namespace, workload: name ? { namespace, name, ...(container ? { container } : {}) } : undefined };
}

/** The workload of a target, or an error that says how to name one. */
export function requireWorkload(target: Target): WorkloadRef {
  if (target.workload) return target.workload;
  throw new ProdlikeError(
    'usage',
    `Environment "${target.environment.name}" names no workload.`,
    `Add \`workload: <name>\` to environments.${target.environment.name} in prodlike.yaml, or pass --workload <name> (\`prodlike status ${target.environment.name}\` lists them).`,
  );
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
