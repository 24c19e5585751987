// The extension's entry point: a thin layer over src/core (DESIGN.md). Nothing slow or networked in
// activate(): core lives in bundles required on first use (lazy/), and prodlike.yaml is read after
// activate() has returned. A failure here is shown to the user, never swallowed.
import * as vscode from 'vscode';
import { performance } from 'node:perf_hooks';
import { Ctx } from './ctx';
import { registerCommands } from './commands';
import { describe } from './errors';
import { loadedCoreModules } from './lazy';
import { createDeployButton } from './statusBar/deployButton';
import { createClustersView } from './views/clusters/provider';
import { ParityDiagnostics } from './diagnostics/parity';
import { createParityView } from './views/parity';
import { createLocalView } from './views/local/provider';
import { registerParityQuickFixes } from './diagnostics/codeActions';

let ctx: Ctx | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  try {
    ctx = new Ctx(context);
    const clusters = createClustersView(ctx);
    ctx.clustersTree = clusters.tree;
    ctx.pushExtCleanup(clusters.disposable);
    const local = createLocalView(ctx);
    ctx.localTree = local.tree;
    ctx.pushExtCleanup(local.disposable);
    ctx.parity = ctx.pushExtCleanup(new ParityDiagnostics(ctx));
    ctx.pushExtCleanup(createParityView(ctx.parity));
    ctx.pushExtCleanup(registerParityQuickFixes(ctx));
    registerCommands(ctx);
    ctx.pushExtCleanup(createDeployButton(ctx));
    const activated = performance.now() - started;
    // The bench reads this line from the extension's log file.
    ctx.output.info(`activated in ${activated.toFixed(2)} ms; core bundles loaded during activation: ${loadedCoreModules().join(', ') || 'none'}`);
    const c = ctx;
    setImmediate(() => {
      const t = performance.now();
      void c.project.reload().then(() => c.output.info(`prodlike.yaml read in ${(performance.now() - t).toFixed(2)} ms (${c.project.state.kind})`));
    });
  } catch (e) {
    void vscode.window.showErrorMessage(`prodlike could not start: ${describe(e)}`);
    throw e;
  }
}

export function deactivate(): void {
  ctx = undefined;
}
