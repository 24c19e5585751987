/**
 * The workspace's prodlike project: prodlike.yaml (loaded by core, in the lazily required workspace
 * bundle), the environment the user picked (remembered per workspace), and a change event that the
 * status bar, the trees and the diagnostics listen to. A malformed prodlike.yaml is a state, not an
 * exception: its problems are shown where the file is.
 */
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceCoreModule, type WorkspaceCore } from './lazy';
import { asUserError, type UserError } from './errors';
import { DisposableStore } from './lifecycle';

type ProjectConfig = WorkspaceCore.ProjectConfig;
type Environment = WorkspaceCore.Environment;

export interface ConfigProblemLike {
  file: string;
  line: number;
  column: number;
  path: string;
  message: string;
}

export type ProjectState =
  | { kind: 'loading' }
  | { kind: 'none' }
  | { kind: 'invalid'; root: string; error: UserError; problems: ConfigProblemLike[] }
  | { kind: 'ready'; root: string; config: ProjectConfig; environment: Environment | undefined; environmentError?: UserError };

const ENVIRONMENT_KEY = 'prodlike.environment';

export class Project implements vscode.Disposable {
  private readonly store = new DisposableStore();
  private readonly changed = new vscode.EventEmitter<ProjectState>();
  readonly onDidChange = this.changed.event;
  private current: ProjectState = { kind: 'loading' };
  private reloading: Promise<void> | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;

  constructor(private readonly memento: vscode.Memento, private readonly log: vscode.LogOutputChannel) {
    this.store.add(this.changed);
    const watcher = this.store.add(vscode.workspace.createFileSystemWatcher('**/prodlike.{yaml,yml}'));
    const soon = () => this.scheduleReload();
    this.store.add(watcher.onDidChange(soon));
    this.store.add(watcher.onDidCreate(soon));
    this.store.add(watcher.onDidDelete(soon));
    this.store.add(vscode.workspace.onDidChangeWorkspaceFolders(soon));
    this.store.add({ dispose: () => clearTimeout(this.reloadTimer) });
  }

  get state(): ProjectState {
    return this.current;
  }

  /** The folder prodlike works in: the first workspace folder with a prodlike.yaml, else the first folder. */
  get root(): string | undefined {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const local = folders.filter((f) => f.uri.scheme === 'file');
    const withConfig = local.find((f) => existsSync(join(f.uri.fsPath, 'prodlike.yaml')) || existsSync(join(f.uri.fsPath, 'prodlike.yml')));
    return (withConfig ?? local[0])?.uri.fsPath;
  }

  /** Loads (or reloads) prodlike.yaml; concurrent callers share one load. */
  reload(): Promise<void> {
    return (this.reloading ??= this.load().finally(() => (this.reloading = undefined)));
  }

  /** The ready state, loading it first if needed; undefined with the reason shown otherwise. */
  async ready(): Promise<Extract<ProjectState, { kind: 'ready' }> | undefined> {
    if (this.current.kind === 'loading') await this.reload();
    return this.current.kind === 'ready' ? this.current : undefined;
  }

  async selectEnvironment(name: string): Promise<void> {
    await this.memento.update(ENVIRONMENT_KEY, name);
    await this.reload();
  }

  private scheduleReload(): void {
    clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => void this.reload(), 150);
  }

  private async load(): Promise<void> {
    const root = this.root;
    if (!root) return this.set({ kind: 'none' });
    let core: typeof WorkspaceCore;
    try {
      core = workspaceCoreModule();
    } catch (e) {
      this.log.error('prodlike: cannot load its workspace module', e);
      return this.set({ kind: 'invalid', root, error: asUserError(e), problems: [] });
    }
    try {
      if (!(await core.findConfigFile(root))) return this.set({ kind: 'none' });
      const config = await core.loadProjectConfig(root);
      const wanted = this.memento.get<string>(ENVIRONMENT_KEY);
      const name = wanted && config.environments[wanted] ? wanted : config.defaultEnvironment;
      try {
        const environment = core.resolveEnvironment(config, name);
        this.set({ kind: 'ready', root, config, environment });
      } catch (e) {
        this.set({ kind: 'ready', root, config, environment: undefined, environmentError: asUserError(e) });
      }
    } catch (e) {
      const problems = (e as { problems?: ConfigProblemLike[] }).problems ?? [];
      this.log.warn(`prodlike.yaml: ${asUserError(e).message}`);
      this.set({ kind: 'invalid', root, error: asUserError(e), problems });
    }
  }

  private set(state: ProjectState): void {
    this.current = state;
    this.changed.fire(state);
  }

  dispose(): void {
    this.store.dispose();
  }
}
