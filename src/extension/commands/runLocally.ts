import * as vscode from 'vscode';
import type { CommandFactory } from './types';
import { requireTrust } from '../trust';
import { clustersCoreModule } from '../lazy';
import { localEngine, planRun, readyProject } from '../local';
import { ImageNode } from '../views/local/provider';
import { showParityDiff } from './parityDiff';

/**
 * prodlike.local.run — Run Locally As In Production: the environment's workload from the manifests
 * (env, command, user, limits, read-only root), the image by digest — the manifest's, or the Local
 * view's image — then the parity diff. The plan is shown (secret values masked) before it starts.
 */
export const runLocally: CommandFactory = (ctx) => async (arg?: unknown) => {
  if (!requireTrust('Run locally')) return;
  const state = await readyProject(ctx);
  if (!state) return;
  let environment = state.environment;
  if (!environment?.workload) {
    const candidates = Object.values(state.config.environments).filter((e) => e.workload);
    const pick = await vscode.window.showQuickPick(candidates.map((e) => ({ label: e.name, description: e.workload, env: e })), { title: 'prodlike: Run Locally As In Production', placeHolder: 'Environment whose workload to run' });
    environment = pick?.env;
  }
  if (!environment?.workload) return;
  const image = arg instanceof ImageNode ? (arg.pinned ?? arg.reference) : typeof arg === 'string' ? arg : undefined;
  const plan = await planRun(ctx, state, { environment, workload: environment.workload, container: environment.container }, image);
  if (!plan) return;

  const detail = [
    `Image: ${plan.image} (run by digest)`,
    `From: ${plan.workload.kind}/${plan.workload.name} (${plan.workload.container}) in ${plan.workload.file}`,
    `Environment: ${plan.env.length} variable(s)${plan.env.some((v) => v.secret) ? ', Secret values from your env file (not shown)' : ''}`,
    plan.user ? `User: ${plan.user}` : '',
    plan.readOnlyRootFilesystem ? 'Read-only root filesystem' : '',
    plan.memoryBytes ? `Memory limit: ${plan.memoryBytes} bytes` : '',
    plan.publish && plan.ports.length ? `Ports: ${plan.ports.map((p) => `127.0.0.1:${p.hostPort}`).join(', ')}` : `Network: ${plan.network}`,
  ].filter(Boolean).join('\n');
  const go = 'Run';
  if ((await vscode.window.showInformationMessage(`Run ${plan.workload.name} locally as ${plan.name}?`, { modal: true, detail }, go)) !== go) return;

  const core = clustersCoreModule();
  const engine = localEngine(ctx);
  const started = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `prodlike: starting ${plan.name}`, cancellable: true }, async (_p, token) => {
    const controller = new AbortController();
    const sub = token.onCancellationRequested(() => controller.abort());
    try {
      return await core.startProductionRun(engine, plan, { signal: controller.signal });
    } finally {
      sub.dispose();
    }
  });
  ctx.output.info(`run: ${started.name} ${started.image}`);
  ctx.localTree?.refresh.request(undefined);
  await showParityDiff(ctx, engine, plan, started.digest, started.id);
};
