import * as vscode from 'vscode';
import type { CommandFactory } from './types';
import { requireTrust } from '../trust';
import { clustersCoreModule } from '../lazy';
import { localEngine, readyProject, repositoryOf } from '../local';
import { ImageNode } from '../views/local/provider';
import { builtImageLabel } from '../views/local/format';
import { age } from '../views/format';

/**
 * prodlike.image.push — pushes an image prodlike built (the Local view's row, a reference, or a
 * pick of the built images) and shows the pinned reference a deploy uses (`repo:tag@sha256:…`).
 * Registry credentials come from the user's Docker config and are never shown.
 */
export const pushImage: CommandFactory = (ctx) => async (arg?: unknown) => {
  if (!requireTrust('Push')) return undefined;
  const core = clustersCoreModule();
  const engine = localEngine(ctx);
  let reference = arg instanceof ImageNode ? arg.reference : typeof arg === 'string' ? arg : undefined;
  if (!reference) {
    const state = await readyProject(ctx);
    if (!state) return undefined;
    const images = (await core.listBuiltImages(engine, repositoryOf(state.config))).filter((i) => i.references.length > 0);
    if (images.length === 0) {
      const build = 'Build Image';
      if ((await vscode.window.showInformationMessage('prodlike: no image built by prodlike to push yet.', build)) === build) await vscode.commands.executeCommand('prodlike.image.build');
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(
      images.map((i) => ({ label: builtImageLabel(i), description: [i.repoDigests.length ? 'pushed' : 'not pushed', age(i.created.toISOString())].join(' · '), detail: i.references[0], reference: i.references[0]! })),
      { title: 'prodlike: Push Image', placeHolder: 'Image to push' },
    );
    reference = pick?.reference;
  }
  if (!reference) return undefined;
  const ref = reference;
  const pushed = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `prodlike: pushing ${ref}`, cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      const sub = token.onCancellationRequested(() => controller.abort());
      try {
        return await core.pushImage(engine, ref, {
          signal: controller.signal,
          onEvent: (e) => {
            if (e.type === 'layer') progress.report({ message: `${e.id}: ${e.status}` });
            else if (e.type === 'retry') progress.report({ message: `retrying (${e.attempt}/${e.of}): ${e.reason}` });
          },
        });
      } finally {
        sub.dispose();
      }
    },
  );
  ctx.output.info(`push: ${pushed.pinned}`);
  ctx.localTree?.refresh.request(undefined);
  const copy = 'Copy Reference';
  if ((await vscode.window.showInformationMessage(`prodlike: pushed ${pushed.pinned}`, copy)) === copy) await vscode.env.clipboard.writeText(pushed.pinned);
  return pushed.pinned;
};
