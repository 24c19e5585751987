import { resolve } from 'node:path';
import { runDoctor, type CheckStatus } from '../../core/doctor';
import { paint, printJson, println, type CliIO } from '../io';
import type { RegisterCommand } from '../program';

const MARK: Record<CheckStatus, [string, Parameters<typeof paint>[1]]> = {
  ok: ['✓', 'green'],
  warning: ['!', 'yellow'],
  error: ['✗', 'red'],
  skipped: ['-', 'gray'],
};

export const registerDoctor: RegisterCommand = (program, ctx) => {
  program
    .command('doctor')
    .description('check the Docker engine, registry, kubeconfig and prodlike.yaml, with a fix for each problem')
    .argument('[workspace]', 'folder with prodlike.yaml', '.')
    .option('--engine <endpoint>', 'Docker endpoint to check (default: DOCKER_HOST or the local socket)')
    .action(async (workspace: string, opts: { engine?: string }) => {
      const io = ctx.io;
      const report = await runDoctor({ workspace: resolve(io.cwd, workspace), env: io.env, engine: opts.engine });
      // Exit 2: something in the environment stops prodlike from working (DESIGN's exit codes).
      if (!report.ready) ctx.setExitCode(2);
      if (io.json) return printJson(io, report);
      render(io, report);
    });
};

function render(io: CliIO, report: Awaited<ReturnType<typeof runDoctor>>): void {
  for (const check of report.checks) {
    const [mark, color] = MARK[check.status];
    println(io, `${paint(io, color, mark)} ${paint(io, 'bold', check.title)}`);
    for (const d of check.details) println(io, `    ${d}`);
    if (check.fix && (check.status === 'warning' || check.status === 'error')) println(io, `    ${paint(io, color, 'fix:')} ${check.fix}`);
  }
  println(io);
  println(io, report.ready ? paint(io, 'green', 'Ready to build and deploy.') : paint(io, 'red', 'Not ready: fix the errors above.'));
}
