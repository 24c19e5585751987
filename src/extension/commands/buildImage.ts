import * as vscode from 'vscode';
import type { CommandFactory } from './types';
import { requireTrust } from '../trust';
import { clustersCoreModule } from '../lazy';
import { localEngine, readyProject, repositoryOf } from '../local';

/**
 * prodlike.image.build — builds the workspace's image with the immutable tag from git
 * (`<sha>` or `<sha>-dirty-<hash>`), as `prodlike build` does; cancellable. Returns the reference.
 */
export const buildImage: CommandFactory = (ctx) => async () => {
  if (!requireTrust('Build')) return undefined;
  const state = await readyProject(ctx);
  if (!state) return undefined;
  const repository = repositoryOf(state.config);
  if (!repository) return void vscode.window.showWarningMessage('prodlike: set `image: registry.example.com/team/app` in prodlike.yaml so prodlike knows what to build.');
  const core = clustersCoreModule();
  const engine = localEngine(ctx);
  const reference = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `prodlike: building ${repository}`, cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      const sub = token.onCancellationRequested(() => controller.abort());
      try {
        const tag = await core.immutableTag(state.config.root, controller.signal);
        const ref = `${repository}:${tag.tag}`;
        progress.report({ message: `${ref}${tag.dirty ? ' (uncommitted changes)' : ''}` });
        ctx.output.info(`build: ${ref} on ${engine.endpoint.url}`);
        const c = state.config.build;
        await core.buildImage(
          engine,
          {
            context: c.context,
            dockerfile: c.dockerfile,
            tags: [ref],
            buildArgs: c.args,
            target: c.target,
            platform: c.platform,
            networkMode: vscode.workspace.getConfiguration('prodlike').get<string>('build.network') || undefined,
            labels: { 'dev.prodlike.source-tag': tag.tag },
          },
          {
            signal: controller.signal,
            onEvent: (e) => {
              if (e.type === 'step') progress.report({ message: `step ${e.index}${e.total ? `/${e.total}` : ''}: ${e.text}` });
              else if (e.type === 'output') ctx.output.info(`build: ${e.text.trimEnd()}`);
              else if (e.type === 'warning') ctx.output.warn(`build: ${e.text}`);
            },
          },
        );
        return ref;
      } finally {
        sub.dispose();
      }
    },
  );
  ctx.localTree?.refresh.request(undefined);
  const push = 'Push';
  const run = 'Run Locally';
  const choice = await vscode.window.showInformationMessage(`prodlike: built ${reference}.`, push, run);
  if (choice === push) await vscode.commands.executeCommand('prodlike.image.push', reference);
  return reference;
};
