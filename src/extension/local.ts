/**
 * The local engine as the Local view and its commands use it: which engine (the selected
 * environment's, when it is a swarm on its own endpoint; else DOCKER_HOST or the default socket),
 * and how "run as in production" is planned from prodlike.yaml and the manifests — the same steps
 * as `prodlike run`, so the CLI and the extension start the same container.
 */
import * as vscode from 'vscode';
import { isAbsolute, join } from 'node:path';
import type { Ctx } from './ctx';
import { clustersCoreModule, type ClustersCore, type WorkspaceCore } from './lazy';

type ReadyState = { root: string; config: WorkspaceCore.ProjectConfig; environment: WorkspaceCore.Environment | undefined };

const ENV_FILE_KEY = 'prodlike.run.envFile';

export function localEngine(ctx: Ctx): ClustersCore.Engine {
  const core = clustersCoreModule();
  const s = ctx.project.state;
  const env = s.kind === 'ready' ? s.environment : undefined;
  return core.openEngine(core.resolveEngineEndpoint(env?.orchestrator === 'swarm' ? env.engine : undefined));
}

/** The project, or undefined after saying what is missing. */
export async function readyProject(ctx: Ctx): Promise<ReadyState | undefined> {
  const state = await ctx.project.ready();
  if (!state) {
    const open = 'Open prodlike.yaml';
    void vscode.window.showWarningMessage('prodlike: this workspace has no valid prodlike.yaml.', open).then((c) => c === open && vscode.commands.executeCommand('prodlike.config.open'));
    return undefined;
  }
  return state;
}

/** The repository images are built into (prodlike.yaml `image:`), without tag or digest. */
export function repositoryOf(config: WorkspaceCore.ProjectConfig): string | undefined {
  if (!config.image) return undefined;
  const core = clustersCoreModule();
  return core.repositoryOf(core.parseImageRef(config.image));
}

export interface RunTarget {
  environment: WorkspaceCore.Environment;
  workload: string;
  container?: string;
}

/**
 * Plans a parity run of the environment's workload: the manifests' container, `image` instead of
 * theirs when given, Secret values from the user's env file. When a Secret has no value the user
 * is asked for an env file once (remembered per workspace); its values are never shown.
 */
export async function planRun(ctx: Ctx, state: ReadyState, target: RunTarget, image?: string): Promise<ClustersCore.ProductionRunPlan | undefined> {
  const core = clustersCoreModule();
  if (state.config.manifests.length === 0) {
    void vscode.window.showWarningMessage('prodlike: no Kubernetes manifests found (k8s/ or deploy/); set `manifests:` in prodlike.yaml.');
    return undefined;
  }
  const manifests = await core.loadManifests(state.config.manifests);
  let workload;
  try {
    workload = core.findWorkload(manifests, target.workload, { namespace: target.environment.namespace });
  } catch (e) {
    // The environment's workload is named differently in the cluster than in the manifests: let the user pick.
    const known = core.listWorkloads(manifests);
    if (known.length === 0) throw e;
    const pick = await vscode.window.showQuickPick(
      known.map((w) => ({ label: w.name, description: `${w.kind}${w.namespace ? ` in ${w.namespace}` : ''} · ${w.position.file}`, workload: w })),
      { title: `prodlike: "${target.workload}" is not in the manifests — which workload runs as in production?`, placeHolder: 'Workload from the manifests' },
    );
    if (!pick) return undefined;
    workload = core.findWorkload(manifests, pick.workload.name, { kind: pick.workload.kind, namespace: pick.workload.namespace });
  }
  const network = vscode.workspace.getConfiguration('prodlike').get<string>('run.network') || 'default';
  const plan = async (secrets: Record<string, string>) =>
    core.planProductionRun({ manifests, workload, container: target.container, image, secrets, network, environment: target.environment.name });
  let envFile = ctx.extension.workspaceState.get<string>(ENV_FILE_KEY);
  for (let attempt = 0; ; attempt++) {
    const secrets = envFile ? await core.readEnvFile(isAbsolute(envFile) ? envFile : join(state.root, envFile)) : {};
    try {
      return await plan(secrets);
    } catch (e) {
      const missingSecrets = /no value for/.test((e as Error).message) && /env file/.test((e as { fix?: string }).fix ?? '');
      if (!missingSecrets || attempt > 0) throw e;
      const pick = 'Choose Env File…';
      const answer = await vscode.window.showWarningMessage(`prodlike: ${(e as Error).message}`, { detail: 'Secret values come from a local env file (NAME=value lines) that is never committed and never shown.' }, pick);
      if (answer !== pick) return undefined;
      const uri = await vscode.window.showOpenDialog({ defaultUri: vscode.Uri.file(state.root), canSelectMany: false, openLabel: 'Use for Secrets', title: 'prodlike: env file with the Secret values' });
      if (!uri?.[0]) return undefined;
      envFile = uri[0].fsPath;
      await ctx.extension.workspaceState.update(ENV_FILE_KEY, envFile);
    }
  }
}

/** The run target a parity run's labels name (environment and workload), for re-planning its diff. */
export function runTargetOfLabels(state: ReadyState, run: ClustersCore.ParityRun): RunTarget | undefined {
  const envName = run.environment ?? state.environment?.name;
  const environment = envName ? state.config.environments[envName] : undefined;
  const workload = run.workload?.split('/').pop() ?? environment?.workload;
  if (!environment || !workload) return undefined;
  return { environment, workload };
}
