import type { CommandFactory } from './types';
import { requireTrust } from '../trust';
import { runDeploy } from '../deploy';

/** prodlike.deploy.run — the status-bar button: build → push → deploy → watch (→ undo) for the selected environment. */
export const deploy: CommandFactory = (ctx) => async () => {
  if (!requireTrust('Deploy')) return;
  await runDeploy(ctx);
};
