import * as vscode from 'vscode';
import type { CommandFactory } from './types';
import { ErrorNode } from '../views/clusters/nodes';

/**
 * prodlike.clusters.switchContext — the fix-it of "Cannot reach cluster X": pick another context of
 * the kubeconfig and work on the environment that deploys to it. prodlike never rewrites the
 * kubeconfig (it is the user's, shared with kubectl); a context no environment names gets a
 * pointer to the line of prodlike.yaml to change.
 */
export const switchContext: CommandFactory = (ctx) => async (node?: unknown) => {
  const failing = node instanceof ErrorNode ? node.retry?.id.replace(/^kube:/, '') : undefined;
  const { sources } = await ctx.clusters.sources();
  const contexts = sources.filter((s): s is Extract<typeof s, { kind: 'kube' }> => s.kind === 'kube' && s.name !== failing);
  if (contexts.length === 0) return void vscode.window.showInformationMessage('prodlike: your kubeconfig has no other context to switch to.');
  const pick = await vscode.window.showQuickPick(
    contexts.map((c) => ({
      label: c.name,
      description: [c.current ? 'current context' : undefined, c.server].filter(Boolean).join(' · '),
      detail: c.environments.length ? `environments: ${c.environments.join(', ')}` : 'no environment of prodlike.yaml deploys here',
      source: c,
    })),
    { title: failing ? `prodlike: ${failing} cannot be reached — switch to another context` : 'prodlike: Switch Context', placeHolder: 'Kubernetes context' },
  );
  if (!pick) return;
  const envs = pick.source.environments;
  const env = envs.length <= 1 ? envs[0] : (await vscode.window.showQuickPick(envs, { title: `prodlike: environments on ${pick.label}` }));
  if (env) {
    await ctx.project.selectEnvironment(env);
    void vscode.window.showInformationMessage(`prodlike: now working on "${env}" (context ${pick.label}, ${pick.source.server ?? 'server unknown'}).`);
    return;
  }
  const open = 'Open prodlike.yaml';
  const answer = await vscode.window.showInformationMessage(`prodlike: no environment deploys to context "${pick.label}". Set \`context: ${pick.label}\` on an environment in prodlike.yaml to use it.`, open);
  if (answer === open) await vscode.commands.executeCommand('prodlike.config.open');
};
