/** Every command, wired in one place (vscode-containers' registerCommands.ts); one file per command. */
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { describe, isAborted } from '../errors';
import type { CommandFactory } from './types';
import { deploy } from './deploy';
import { openConfig } from './openConfig';
import { showOutput } from './showOutput';
import { switchEnvironment } from './switchEnvironment';
import { rollback } from './rollback';
import { history } from './history';
import { refreshClusters } from './refreshClusters';
import { checkParity } from './checkParity';
import { tailLogs } from './tailLogs';
import { buildImage } from './buildImage';
import { pushImage } from './pushImage';
import { runLocally } from './runLocally';
import { parityDiff } from './parityDiff';
import { stopRun } from './stopRun';
import { runLogs } from './runLogs';
import { refreshLocal } from './refreshLocal';
import { switchContext } from './switchContext';

const COMMANDS: Record<string, CommandFactory> = {
  'prodlike.deploy.run': deploy,
  'prodlike.config.open': openConfig,
  'prodlike.environment.switch': switchEnvironment,
  'prodlike.output.show': showOutput,
  'prodlike.rollback.run': rollback,
  'prodlike.history.show': history,
  'prodlike.clusters.refresh': refreshClusters,
  'prodlike.parity.check': checkParity,
  'prodlike.logs.tail': tailLogs,
  'prodlike.image.build': buildImage,
  'prodlike.image.push': pushImage,
  'prodlike.local.run': runLocally,
  'prodlike.local.diff': parityDiff,
  'prodlike.local.stop': stopRun,
  'prodlike.local.logs': runLogs,
  'prodlike.local.refresh': refreshLocal,
  'prodlike.clusters.switchContext': switchContext,
};

export function registerCommands(ctx: Ctx): void {
  for (const [id, factory] of Object.entries(COMMANDS)) {
    const run = factory(ctx);
    ctx.pushExtCleanup(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await run(...args);
        } catch (e) {
          if (isAborted(e)) return;
          // A command's failure is shown to the user and logged with its stack; never swallowed.
          ctx.output.error(`${id} failed`, e);
          const show = 'Show Log';
          const choice = await vscode.window.showErrorMessage(`prodlike: ${describe(e)}`, show);
          if (choice === show) ctx.output.show(true);
        }
      }),
    );
  }
}
