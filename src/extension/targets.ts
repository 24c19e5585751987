/**
 * What a command acts on when it is run from the palette instead of a tree node: the selected
 * environment's cluster and workload (DESIGN.md: a command without a node falls back to the
 * environment or a quick pick).
 */
import * as vscode from 'vscode';
import type { Cluster, WorkloadRef } from '../core/cluster/types';
import type { Ctx } from './ctx';
import type { WorkspaceCore } from './lazy';
import { clustersCoreModule } from './lazy';
import { WorkloadNode } from './views/clusters/nodes';

export interface WorkloadTarget {
  cluster: Cluster;
  ref: WorkloadRef;
  /** The environment of prodlike.yaml this workload belongs to, when it belongs to one. */
  environment?: WorkspaceCore.Environment;
}

/** The environment's target, or undefined after telling the user what is missing. */
export async function environmentTarget(ctx: Ctx): Promise<WorkloadTarget | undefined> {
  const state = await ctx.project.ready();
  if (!state) {
    void vscode.window.showWarningMessage('prodlike: this workspace has no valid prodlike.yaml.', 'Open prodlike.yaml').then((c) => c && vscode.commands.executeCommand('prodlike.config.open'));
    return undefined;
  }
  const env = state.environment;
  if (!env) {
    void vscode.window.showWarningMessage(`prodlike: ${state.environmentError?.message ?? 'no environment selected.'}`);
    return undefined;
  }
  if (!env.workload) {
    void vscode.window.showWarningMessage(`prodlike: environment "${env.name}" names no workload. Add \`workload: <name>\` to environments.${env.name} in prodlike.yaml.`);
    return undefined;
  }
  const cluster = await ctx.clusters.openEnvironment(env);
  const namespace = clustersCoreModule().namespaceFor(env);
  return { cluster, ref: { namespace, name: env.workload, ...(env.container ? { container: env.container } : {}) }, environment: env };
}

/** A workload node's target, with the environment that deploys to it (for protected confirmation). */
export function nodeTarget(ctx: Ctx, node: WorkloadNode): WorkloadTarget {
  const names = node.environments();
  const state = ctx.project.state;
  const environment = state.kind === 'ready' ? names.map((n) => state.config.environments[n]).find(Boolean) : undefined;
  return { cluster: node.cluster, ref: node.ref, environment };
}

/**
 * Protected environments need their name typed (the same rule as the CLI: core's confirmProtected).
 * True when the action may proceed.
 */
export async function confirmProtectedEnvironment(env: WorkspaceCore.Environment | undefined, action: string): Promise<boolean> {
  if (!env?.protected) return true;
  const typed = await vscode.window.showInputBox({
    title: `prodlike: ${action} the protected environment "${env.name}"`,
    prompt: `Type "${env.name}" to ${action} it.`,
    placeHolder: env.name,
    ignoreFocusOut: true,
  });
  if (typed === undefined) return false;
  const result = clustersCoreModule().confirmProtected(env, typed, action);
  if (!result.ok) {
    void vscode.window.showWarningMessage(`prodlike: ${result.error.message}`);
    return false;
  }
  return true;
}
