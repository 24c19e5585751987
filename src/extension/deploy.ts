/**
 * The deploy pipeline as the button runs it: core's pipeline events rendered as the status bar's
 * phase and a cancellable progress notification.
 */
import type { Ctx } from './ctx';

export async function runDeploy(_ctx: Ctx): Promise<void> {
  throw Object.assign(new Error('Deploy from VS Code needs the core deploy pipeline, which this build does not include yet.'), {
    code: 'internal',
    fix: 'Use `prodlike deploy` in a terminal for now.',
  });
}
