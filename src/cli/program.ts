/**
 * The `prodlike` command line: global options, exit codes and error rendering. Each command lives
 * in its own file under commands/ and is registered in COMMANDS below.
 *
 * Exit codes: 0 ok, 1 the check or operation failed, 2 usage or environment error.
 */
import { Command, CommanderError } from 'commander';
import { ProdlikeError, isProdlikeError, messageOf } from '../core/errors';
import { paint, printJson, type CliIO } from './io';
import { registerDoctor } from './commands/doctor';
import { registerCheck } from './commands/check';
import { registerBuild } from './commands/build';
import { registerPush } from './commands/push';
import { registerRun } from './commands/run';
import { registerPs } from './commands/ps';
import { registerLogs } from './commands/logs';
import { registerStop } from './commands/stop';
import { registerDiff } from './commands/diff';
import { registerDeploy } from './commands/deploy';
import { registerStatus } from './commands/status';
import { registerHistory } from './commands/history';
import { registerRollback } from './commands/rollback';
import { registerLocal } from './commands/local';
import { registerShip } from './commands/ship';

export interface CommandContext {
  io: CliIO;
  /** Exit code the command asks for when it returns normally (e.g. 1 when a check found problems). */
  setExitCode(code: 0 | 1 | 2): void;
}

export type RegisterCommand = (program: Command, ctx: CommandContext) => void;

/** Every command of the CLI. One file each; add new ones here. */
const COMMANDS: RegisterCommand[] = [registerDoctor, registerBuild, registerPush, registerRun, registerPs, registerLogs, registerStop, registerDiff, registerCheck, registerDeploy, registerStatus, registerHistory, registerRollback, registerLocal, registerShip];

declare const PRODLIKE_VERSION: string | undefined;
function version(): string {
  // esbuild defines PRODLIKE_VERSION; under tsx (tests) read package.json.
  if (typeof PRODLIKE_VERSION === 'string') return PRODLIKE_VERSION;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../../package.json') as { version: string }).version;
}

export async function runCli(argv: string[], io: CliIO): Promise<number> {
  let exitCode: 0 | 1 | 2 = 0;
  const ctx: CommandContext = { io, setExitCode: (c) => (exitCode = c) };
  const program = new Command('prodlike')
    .description('Run the image production runs, configured the same way; build, push, deploy, tail and roll back.')
    .version(version(), '-V, --version')
    .option('--json', 'machine-readable output (JSON) on stdout')
    .option('--no-color', 'no colours')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out.write(s),
      writeErr: (s) => io.err.write(s),
    })
    .hook('preAction', (cmd) => {
      const opts = cmd.optsWithGlobals<{ json?: boolean; color?: boolean }>();
      io.json = opts.json === true;
      if (opts.color === false) io.color = false;
    });
  for (const register of COMMANDS) register(program, ctx);

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return e.exitCode === 0 ? 0 : 2;
    }
    const err = isProdlikeError(e) ? e : new ProdlikeError('internal', messageOf(e), 'This is a bug in prodlike: please report it with the command you ran.', { cause: e });
    renderError(io, err);
    return err.exitCode;
  }
}

export function renderError(io: CliIO, err: ProdlikeError): void {
  if (io.json) {
    printJson(io, { error: { code: err.code, message: err.message, fix: err.fix } });
    return;
  }
  io.err.write(`${paint(io, 'red', 'error:')} ${err.message}\n`);
  if (err.fix) io.err.write(`${paint(io, 'yellow', 'fix:')}   ${err.fix}\n`);
  if (err.code === 'internal' && err.cause instanceof Error && err.cause.stack) io.err.write(err.cause.stack + '\n');
}
