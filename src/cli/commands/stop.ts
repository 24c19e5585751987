import { listParityRuns, stopContainer } from '../../core/docker/containers';
import { ProdlikeError } from '../../core/errors';
import { printJson, println } from '../io';
import type { RegisterCommand } from '../program';
import { engineFor } from './build';

export const registerStop: RegisterCommand = (program, ctx) => {
  program
    .command('stop')
    .description('stop and remove parity runs')
    .argument('[containers...]', 'container names or IDs')
    .option('--all', 'every parity run')
    .option('--keep', 'stop but do not remove')
    .option('--engine <endpoint>', 'Docker endpoint (default: DOCKER_HOST or the local socket)')
    .action(async (names: string[], opts: { all?: boolean; keep?: boolean; engine?: string }) => {
      const io = ctx.io;
      const engine = engineFor(io, opts.engine);
      const targets = opts.all ? (await listParityRuns(engine)).map((r) => r.name) : names;
      if (targets.length === 0 && !opts.all) throw new ProdlikeError('usage', 'Which container?', 'Name one (see `prodlike ps`), or pass --all.');
      for (const name of targets) await stopContainer(engine, name, { keep: opts.keep });
      if (io.json) return printJson(io, { stopped: targets });
      for (const name of targets) println(io, `stopped ${name}`);
    });
};
