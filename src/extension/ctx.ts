/**
 * The extension's context (after rust-analyzer's ctx.ts): it owns every long-lived object and says
 * how long each lives. `pushExtCleanup` = until deactivation. Views and commands receive the Ctx
 * instead of reaching for module-level singletons.
 */
import * as vscode from 'vscode';
import { workspaceCoreModule, type WorkspaceCore } from './lazy';
import { DisposableStore, MutableDisposable, type Disposable } from './lifecycle';
import { Observable } from './observable';
import { Project } from './project';
import { ClusterRegistry } from './clusters';
import type { ClustersTree } from './views/clusters/provider';
import type { ParityDiagnostics } from './diagnostics/parity';
import type { LocalTree } from './views/local/provider';
import { ParityDiffDocuments } from './views/local/diffDocuments';
import type { DeployPhase } from './statusBar/render';

export class Ctx {
  readonly output: vscode.LogOutputChannel;
  readonly project: Project;
  /** The pipeline's state as the status bar shows it. */
  readonly deployPhase: Observable<DeployPhase>;
  readonly clusters: ClusterRegistry;
  /** Read-only parity diff documents (prodlike-diff:). */
  readonly diffDocuments: ParityDiffDocuments;
  /** The deploy the button started, while it runs; disposing it (deactivation) cancels it. */
  readonly deployRun: MutableDisposable<AbortController & Disposable>;
  /** The Clusters view's tree, once created (commands ask it to refresh). */
  clustersTree: ClustersTree | undefined;
  /** The Local view's tree (images built, parity runs), once created. */
  localTree: LocalTree | undefined;
  /** Parity findings → Problems, once created. */
  parity: ParityDiagnostics | undefined;
  private readonly extStore = new DisposableStore();
  private readonly targetsChanged = new vscode.EventEmitter<void>();
  /** Fires when what a deploy target resolves to changes (kube contexts and their servers were read). */
  readonly onDidChangeTargets = this.targetsChanged.event;
  private kubeServers = new Map<string, string | undefined>();
  private kubeCurrentContext: string | undefined;

  constructor(readonly extension: vscode.ExtensionContext) {
    extension.subscriptions.push(this.extStore);
    this.output = this.pushExtCleanup(vscode.window.createOutputChannel('prodlike', { log: true }));
    this.project = this.pushExtCleanup(new Project(extension.workspaceState, this.output));
    this.deployPhase = this.pushExtCleanup(new Observable<DeployPhase>({ kind: 'idle' }));
    this.pushExtCleanup(this.targetsChanged);
    this.clusters = this.pushExtCleanup(new ClusterRegistry(this));
    this.deployRun = this.pushExtCleanup(new MutableDisposable<AbortController & Disposable>());
    this.diffDocuments = this.pushExtCleanup(new ParityDiffDocuments());
  }

  /** Lives until the extension is deactivated. */
  pushExtCleanup<T extends Disposable>(d: T): T {
    return this.extStore.add(d);
  }

  /** What the kube contexts resolve to, as read from the kubeconfig (by the clusters view or a command). */
  setKubeContexts(current: string | undefined, servers: Map<string, string | undefined>): void {
    this.kubeCurrentContext = current;
    this.kubeServers = servers;
    this.targetsChanged.fire();
  }

  /** The API server URL or Docker endpoint an environment deploys to, when known without asking the network. */
  serverOf(env: WorkspaceCore.Environment): string | undefined {
    if (env.orchestrator === 'swarm') return this.serverOfSwarm(env.engine);
    const context = env.context ?? this.kubeCurrentContext;
    return context ? this.kubeServers.get(context) : undefined;
  }

  /** The Docker endpoint of a swarm: the given one, else DOCKER_HOST, else the default socket. */
  serverOfSwarm(engine?: string): string {
    return workspaceCoreModule().resolveEngineEndpoint(engine).url;
  }
}
