/**
 * The deploy pipeline as the status-bar button runs it: core's `ship` (build → push → plan →
 * confirm → deploy → watch → autoRollback) for the selected environment, its events rendered as
 * the button's phase and a cancellable progress notification. One deploy at a time: it belongs
 * to `ctx.deployRun`, so deactivation cancels it. When the rollout failed and nothing undid it,
 * the user is offered the rollback (the environment's autoRollback does it without asking).
 */
import * as vscode from 'vscode';
import type { Ctx } from './ctx';
import { clustersCoreModule, type ClustersCore } from './lazy';
import { abortable } from './lifecycle';
import { outcomeOf, PipelinePhase } from './statusBar/pipelinePhase';
import { performRollback } from './commands/rollback';

/** How long a finished deploy's check mark stays on the button before it goes back to idle. */
const SUCCESS_SHOWN_MS = 15_000;

export async function runDeploy(ctx: Ctx): Promise<void> {
  if (ctx.deployRun.value) {
    const cancel = 'Cancel Deploy';
    const choice = await vscode.window.showInformationMessage(`prodlike: a deploy is running (${ctx.deployPhase.value.kind}).`, cancel);
    if (choice === cancel) ctx.deployRun.value?.abort();
    return;
  }
  const state = await ctx.project.ready();
  if (!state) {
    const open = 'Open prodlike.yaml';
    if ((await vscode.window.showWarningMessage('prodlike: this workspace has no valid prodlike.yaml.', open)) === open) await vscode.commands.executeCommand('prodlike.config.open');
    return;
  }
  const env = state.environment;
  if (!env) return void vscode.window.showWarningMessage(`prodlike: ${state.environmentError?.message ?? 'no environment selected.'}`);
  if (!env.workload) return void vscode.window.showWarningMessage(`prodlike: environment "${env.name}" names no workload. Add \`workload: <name>\` to environments.${env.name} in prodlike.yaml.`);

  const core = clustersCoreModule();
  const cluster = await ctx.clusters.openEnvironment(env);
  const namespace = core.namespaceFor(env);
  const ref = { namespace, name: env.workload, ...(env.container ? { container: env.container } : {}) };
  // Swarm builds on the cluster's own engine (the image is then already where it runs); Kubernetes builds locally.
  const engine = core.openEngine(core.resolveEngineEndpoint(env.orchestrator === 'swarm' ? env.engine : undefined));
  const where = `${cluster.identity.name} (${cluster.identity.server})`;
  const controller = abortable();
  ctx.deployRun.value = controller;
  const tracker = new PipelinePhase();
  ctx.deployPhase.value = { kind: 'building' };
  ctx.output.info(`deploy: ${env.name} → ${namespace}/${env.workload} on ${where}`);

  let report: ClustersCore.ShipReport | undefined;
  try {
    report = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `prodlike: deploying ${env.workload} to ${env.name}`, cancellable: true },
      async (progress, token) => {
        const sub = token.onCancellationRequested(() => controller.abort());
        try {
          return await core.ship({
            target: { config: state.config, environment: env, cluster, namespace, workload: ref },
            engine,
            cause: `prodlike (VS Code): deploy to ${env.name}`,
            signal: controller.signal,
            build: { networkMode: vscode.workspace.getConfiguration('prodlike').get<string>('build.network') || undefined },
            onEvent: (e) => {
              const u = tracker.next(e);
              if (u.phase) ctx.deployPhase.value = u.phase;
              if (u.message) {
                progress.report({ message: u.message });
                if (e.type !== 'rollout' || e.event.type !== 'progress') ctx.output.info(`deploy: ${u.message}`);
              }
              // The tree shows the new revision (and the rollback) as they happen.
              if (e.type === 'stage' && e.state === 'finished' && (e.stage === 'deploy' || e.stage === 'rollback')) ctx.clustersTree?.refresh.request(undefined);
            },
            confirm: (req) => confirmDeploy(req, where),
          });
        } finally {
          sub.dispose();
        }
      },
    );
  } catch (e) {
    const message = (e as { message?: string }).message ?? String(e);
    const u = tracker.error(message);
    ctx.deployPhase.value = u.phase!;
    throw e;
  } finally {
    if (ctx.deployRun.value === controller) ctx.deployRun.value = undefined;
    cluster.dispose();
    ctx.clustersTree?.refresh.request(undefined);
    // The image the pipeline built (and pushed) is one of the Local view's.
    ctx.localTree?.refresh.request(undefined);
  }

  ctx.output.info(`deploy: ${report.outcome} — ${report.message}`);
  const outcome = outcomeOf(report);
  if (report.outcome === 'complete') {
    const shown = ctx.deployPhase.value;
    setTimeout(() => {
      if (ctx.deployPhase.value === shown) ctx.deployPhase.value = { kind: 'idle' };
    }, SUCCESS_SHOWN_MS).unref();
  }
  const rollBack = 'Roll Back';
  const history = 'Show History';
  const actions = outcome.offerRollback ? [rollBack, history] : report.outcome === 'rolled-back' ? [history] : [];
  const choice =
    outcome.level === 'info'
      ? await vscode.window.showInformationMessage(outcome.text, ...actions)
      : outcome.level === 'warning'
        ? await vscode.window.showWarningMessage(outcome.text, ...actions)
        : await vscode.window.showErrorMessage(outcome.text, ...actions);
  if (choice === history) await vscode.commands.executeCommand('prodlike.history.show');
  if (choice === rollBack) {
    const again = await ctx.clusters.openEnvironment(env);
    try {
      const done = await performRollback(ctx, { cluster: again, ref, environment: env });
      if (done?.outcome === 'complete') ctx.deployPhase.value = { kind: 'rolled-back', message: `rolled back to revision ${done.revision} (${done.image}) after the failed deploy`, revision: done.revision };
    } finally {
      again.dispose();
    }
  }
}

/** The protected environment's typed confirmation, with the plan and the server in view. */
async function confirmDeploy(req: ClustersCore.ConfirmRequest, where: string): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title: `prodlike: deploy to the protected environment "${req.environment}"`,
    prompt: `${req.plan.workload} on ${where}: ${req.plan.fromImage} → ${req.plan.toImage}. Type "${req.environment}" to deploy.`,
    placeHolder: req.environment,
    ignoreFocusOut: true,
  });
}
