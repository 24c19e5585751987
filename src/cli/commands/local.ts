/**
 * `prodlike local init`: make this machine's Docker engine a single-node swarm, the local
 * production. It changes the engine for everything that uses it, so it asks first (or takes
 * --yes) and is never done as a side effect of another command.
 */
import { openEngine, resolveEngineEndpoint } from '../../core/docker/engine';
import { ProdlikeError } from '../../core/errors';
import { initLocalSwarm, planLocalInit } from '../../core/swarm/local';
import { printJson, println } from '../io';
import type { RegisterCommand } from '../program';
import { createInterface } from 'node:readline';

export const registerLocal: RegisterCommand = (program, ctx) => {
  const local = program.command('local').description('the local production: a swarm on this machine\'s Docker engine');
  local
    .command('init')
    .description('make the Docker engine a single-node swarm (asks first)')
    .option('--engine <url>', 'Docker endpoint (default: DOCKER_HOST or the local socket)')
    .option('--yes', 'do not ask')
    .action(async (flags: { engine?: string; yes?: boolean }) => {
      const io = ctx.io;
      const engine = openEngine(resolveEngineEndpoint(flags.engine, io.env));
      const plan = await planLocalInit(engine);
      if (plan.action === 'already') {
        if (io.json) return printJson(io, { plan, result: 'already' });
        return println(io, plan.reason);
      }
      if (plan.action === 'refuse') throw new ProdlikeError('usage', plan.reason);
      if (!flags.yes) {
        let answer: string | undefined;
        if (io.interactive && !io.json && io.in) {
          io.err.write(`${plan.reason}\nCreate it? [y/N] `);
          const rl = createInterface({ input: io.in, terminal: false });
          for await (const line of rl) {
            answer = line;
            break;
          }
          rl.close();
        }
        if (!answer || !/^y(es)?$/i.test(answer.trim())) {
          throw new ProdlikeError('confirmation-required', `Not creating a swarm on ${plan.endpoint} without confirmation.`, 'Answer "y" at the prompt, or pass --yes.');
        }
      }
      const nodeId = await initLocalSwarm(engine, plan);
      if (io.json) return printJson(io, { plan, result: 'created', nodeId });
      println(io, `swarm created on ${plan.endpoint} (node ${nodeId}); deploy with \`prodlike deploy <image> local\``);
    });
};
