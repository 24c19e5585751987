import { containerChanges } from '../../core/docker/containers';
import { paint, printJson, println } from '../io';
import type { RegisterCommand } from '../program';
import { engineFor } from './build';

export const registerDiff: RegisterCommand = (program, ctx) => {
  program
    .command('diff')
    .description('files a container changed in its filesystem (A added, C changed, D deleted)')
    .argument('<container>', 'container name or ID')
    .option('--engine <endpoint>', 'Docker endpoint (default: DOCKER_HOST or the local socket)')
    .action(async (name: string, opts: { engine?: string }) => {
      const io = ctx.io;
      const changes = await containerChanges(engineFor(io, opts.engine), name);
      if (io.json) return printJson(io, changes);
      if (changes.length === 0) return println(io, paint(io, 'gray', 'No changes: the container wrote nothing outside its volumes.'));
      for (const c of changes) println(io, `${{ added: 'A', changed: 'C', deleted: 'D' }[c.kind]} ${c.path}`);
    });
};
