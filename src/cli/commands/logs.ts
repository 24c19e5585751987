import { containerLogs, type LogLine } from '../../core/docker/containers';
import { ProdlikeError } from '../../core/errors';
import { paint, type CliIO } from '../io';
import type { RegisterCommand } from '../program';
import { engineFor } from './build';
import { addWorkloadLogOptions, isLocalContainer, runWorkloadLogs, wantsWorkloads, type WorkloadLogFlags } from '../logs-tail';

interface LogsOptions extends WorkloadLogFlags {
  engine?: string;
  follow?: boolean;
  since?: string;
  tail?: string;
}

// `logs <container>` covers local parity runs (stdout and stderr kept apart, unprefixed);
// everything else — a workload's pods or tasks, a label selector, several contexts — is the merged
// tail of ../logs-tail.ts. A name that is not a local container is taken as a workload.
export const registerLogs: RegisterCommand = (program, ctx) => {
  addWorkloadLogOptions(
    program
      .command('logs')
      .description('show the log of a local container, or of every pod/task of a workload in one stream')
      .argument('[target]', 'local container name or ID (see prodlike ps), or a workload (default: the environment\'s)'),
  )
    .option('--engine <endpoint>', 'Docker endpoint (default: DOCKER_HOST or the local socket)')
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .option('--since <time>', 'only lines since a duration ago (10m, 2h) or a timestamp')
    .option('--tail <n>', 'only the last n lines')
    .action(async (target: string | undefined, opts: LogsOptions) => {
      const io = ctx.io;
      if (target === undefined || wantsWorkloads(opts) || !(await isLocalContainer(engineFor(io, opts.engine), target))) {
        return runWorkloadLogs(ctx, target, opts, { alsoNoContainer: target !== undefined && !wantsWorkloads(opts) });
      }
      const tail = opts.tail === undefined ? undefined : Number(opts.tail);
      if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) throw new ProdlikeError('usage', `--tail "${opts.tail}" is not a number of lines.`, 'Write --tail 100.');
      const controller = new AbortController();
      const onInt = () => controller.abort();
      process.once('SIGINT', onInt);
      try {
        for await (const line of logSource(io, target, opts.engine, { follow: opts.follow, since: opts.since, tail, signal: controller.signal })) printLine(io, line);
      } finally {
        process.removeListener('SIGINT', onInt);
      }
    });
};

function logSource(io: CliIO, target: string, engine: string | undefined, options: Parameters<typeof containerLogs>[2]): AsyncIterable<LogLine> {
  return containerLogs(engineFor(io, engine), target, options);
}

/** stdout lines to stdout, stderr lines to stderr — as the app wrote them; JSON lines with --json. */
function printLine(io: CliIO, line: LogLine): void {
  if (io.json) return void io.out.write(JSON.stringify(line) + '\n');
  if (line.stream === 'stderr') io.err.write(`${paint(io, 'red', line.text)}\n`);
  else io.out.write(`${line.text}\n`);
}
