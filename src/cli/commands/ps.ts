import { listParityRuns } from '../../core/docker/containers';
import { paint, printJson, println, table } from '../io';
import type { RegisterCommand } from '../program';
import { engineFor } from './build';

export const registerPs: RegisterCommand = (program, ctx) => {
  program
    .command('ps')
    .description('list the parity runs (containers started by prodlike run) on the local engine')
    .option('--engine <endpoint>', 'Docker endpoint (default: DOCKER_HOST or the local socket)')
    .action(async (opts: { engine?: string }) => {
      const io = ctx.io;
      const runs = await listParityRuns(engineFor(io, opts.engine));
      if (io.json) return printJson(io, runs);
      if (runs.length === 0) return println(io, paint(io, 'gray', 'No parity runs. Start one with `prodlike run`.'));
      println(io, table([['NAME', 'WORKLOAD', 'STATUS', 'PORTS', 'IMAGE'], ...runs.map((r) => [r.name, r.workload ?? '', r.status, r.ports.join(', '), r.image])]));
    });
};
