// Runs the prodlike CLI in-process and returns what a user would have seen.
import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/program';
import type { CliIO } from '../../src/cli/io';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runProdlike(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; stdin?: string } = {}): Promise<CliResult> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  out.on('data', (c: Buffer) => chunks.out.push(c));
  err.on('data', (c: Buffer) => chunks.err.push(c));
  const input = new PassThrough();
  if (options.stdin !== undefined) input.end(options.stdin);
  const io: CliIO = {
    out,
    err,
    in: input,
    env: options.env ?? process.env,
    cwd: options.cwd ?? process.cwd(),
    json: false,
    color: false,
    interactive: options.stdin !== undefined,
  };
  const code = await runCli(args, io);
  return { code, stdout: Buffer.concat(chunks.out).toString('utf8'), stderr: Buffer.concat(chunks.err).toString('utf8') };
}
