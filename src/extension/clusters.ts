/**
 * The clusters a user can see: the local swarm (DOCKER_HOST or the default socket), every context of
 * the kubeconfig kubectl would read, and the environments of prodlike.yaml mapped onto them. Opened
 * clusters are cached until the kubeconfig, prodlike.yaml or Workspace Trust changes, or the user
 * refreshes. The kubeconfig is only the user's own (KUBECONFIG or ~/.kube/config), never a file from
 * the workspace: its exec plugins run programs.
 */
import * as vscode from 'vscode';
import type { Cluster } from '../core/cluster/types';
import { clustersCoreModule, type ClustersCore, type WorkspaceCore } from './lazy';
import type { Ctx } from './ctx';
import { asUserError, type UserError } from './errors';

export type ClusterSource =
  | { kind: 'swarm'; id: string; name: string; server: string; environments: string[] }
  | { kind: 'kube'; id: string; name: string; server?: string; current: boolean; context: ClustersCore.KubeContextInfo; environments: string[] }
  /** An environment whose cluster cannot be named (its kube context is not in the kubeconfig). */
  | { kind: 'unresolved'; id: string; name: string; environment: string; error: UserError };

export interface ClusterSources {
  sources: ClusterSource[];
  /** The kubeconfig could not be read: shown as a node with its fix. */
  kubeconfigError?: UserError;
  kubeconfigFiles: string[];
}

export class ClusterRegistry implements vscode.Disposable {
  private opened = new Map<string, Cluster>();
  private cachedSources: Promise<ClusterSources> | undefined;
  /** prodlike.yaml's environments as the cached sources were read with them. */
  private sourcesReadWith: string | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  /** The set of clusters changed (reset): views reload from the roots. */
  readonly onDidReset = this.changed.event;

  constructor(private readonly ctx: Ctx) {}

  sources(): Promise<ClusterSources> {
    if (!this.cachedSources) {
      this.sourcesReadWith = this.environmentsKey();
      this.cachedSources = this.readSources();
    }
    return this.cachedSources;
  }

  /**
   * prodlike.yaml was (re)loaded: resets only if the sources were read with other environments. A
   * reset reloads every view from its roots, which cancels the listings in flight (a row being
   * expanded would show nothing), so a save that changes nothing here resets nothing.
   */
  projectChanged(): void {
    // Nothing read yet (or since the last reset): the next read sees the new environments.
    if (!this.cachedSources || this.environmentsKey() === this.sourcesReadWith) return;
    this.reset();
  }

  private environmentsKey(): string {
    const state = this.ctx.project.state;
    return state.kind === 'ready' ? JSON.stringify(state.config.environments) : state.kind;
  }

  /** Forgets every opened cluster (their watches end) and re-reads the kubeconfig on next use. */
  reset(): void {
    for (const c of this.opened.values()) c.dispose();
    this.opened.clear();
    this.cachedSources = undefined;
    this.changed.fire();
  }

  open(source: Exclude<ClusterSource, { kind: 'unresolved' }>): Cluster {
    let cluster = this.opened.get(source.id);
    if (!cluster) {
      const core = clustersCoreModule();
      cluster =
        source.kind === 'swarm'
          ? core.openSwarmCluster({ name: source.name })
          : core.openKubeCluster({ context: source.name, allowExecPlugins: vscode.workspace.isTrusted });
      this.opened.set(source.id, cluster);
    }
    return cluster;
  }

  /** The cluster an environment deploys to, configured as the environment says (swarm update settings…). */
  async openEnvironment(env: WorkspaceCore.Environment): Promise<Cluster> {
    return clustersCoreModule().openCluster(env, { allowExecPlugins: vscode.workspace.isTrusted });
  }

  private async readSources(): Promise<ClusterSources> {
    const core = clustersCoreModule();
    const project = this.ctx.project.state.kind === 'ready' ? this.ctx.project.state : undefined;
    const environments = project ? Object.values(project.config.environments) : [];
    const sources: ClusterSource[] = [];

    const swarmEnvs = environments.filter((e) => e.orchestrator === 'swarm' && !e.engine).map((e) => e.name);
    const endpoint = this.ctx.serverOfSwarm();
    sources.push({ kind: 'swarm', id: 'swarm', name: 'Local swarm', server: endpoint, environments: swarmEnvs });

    let kubeconfigError: UserError | undefined;
    let files: string[] = [];
    const servers = new Map<string, string | undefined>();
    let current: string | undefined;
    try {
      const loaded = core.loadKubeconfig({ allowExecPlugins: vscode.workspace.isTrusted });
      files = loaded.files;
      current = loaded.currentContext;
      for (const c of loaded.contexts) {
        servers.set(c.name, c.server);
        const envs = environments.filter((e) => e.orchestrator === 'kubernetes' && (e.context ?? loaded.currentContext) === c.name).map((e) => e.name);
        sources.push({ kind: 'kube', id: `kube:${c.name}`, name: c.name, server: c.server, current: c.name === loaded.currentContext, context: c, environments: envs });
      }
      for (const e of environments) {
        if (e.orchestrator !== 'kubernetes') continue;
        const wanted = e.context ?? loaded.currentContext;
        if (wanted && loaded.contexts.some((c) => c.name === wanted)) continue;
        sources.push({
          kind: 'unresolved',
          id: `unresolved:${e.name}`,
          name: e.name,
          environment: e.name,
          error: {
            code: 'kubeconfig-invalid',
            message: wanted ? `Environment "${e.name}": context "${wanted}" is not in your kubeconfig.` : `Environment "${e.name}": your kubeconfig has no current context.`,
            fix: loaded.files.length ? `Add it to ${loaded.files.join(', ')}, or change environments.${e.name}.context in prodlike.yaml.` : 'Create ~/.kube/config or set KUBECONFIG.',
          },
        });
      }
    } catch (e) {
      kubeconfigError = asUserError(e);
    }
    this.ctx.setKubeContexts(current, servers);
    return { sources, kubeconfigError, kubeconfigFiles: files };
  }

  dispose(): void {
    for (const c of this.opened.values()) c.dispose();
    this.opened.clear();
    this.changed.dispose();
  }
}
