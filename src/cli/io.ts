/**
 * What a CLI command may touch: its output streams, whether the user asked for JSON, colours,
 * environment and working folder. Commands get this instead of reaching for globals, so tests
 * can run them in-process and read what a user would have seen.
 */
import type { Readable, Writable } from 'node:stream';
import { styleText } from 'node:util';

export interface CliIO {
  out: Writable;
  err: Writable;
  in?: Readable;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Set by --json: commands print one JSON document (or JSON lines for streams) and nothing else on stdout. */
  json: boolean;
  color: boolean;
  /** True when a person can answer a prompt. */
  interactive: boolean;
}

export function processIO(): CliIO {
  const env = process.env;
  const color = !env.NO_COLOR && (env.FORCE_COLOR ? env.FORCE_COLOR !== '0' : process.stdout.isTTY === true);
  return {
    out: process.stdout,
    err: process.stderr,
    in: process.stdin,
    env,
    cwd: process.cwd(),
    json: false,
    color,
    interactive: process.stdin.isTTY === true && !env.CI,
  };
}

type Style = Parameters<typeof styleText>[0];

export function paint(io: CliIO, style: Style, text: string): string {
  return io.color ? styleText(style, text, { validateStream: false }) : text;
}

export function println(io: CliIO, text = ''): void {
  io.out.write(text + '\n');
}

export function printJson(io: CliIO, value: unknown): void {
  io.out.write(JSON.stringify(value, null, 2) + '\n');
}

/** Lays out rows as aligned columns (plain text; colour is applied after padding). */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}
