/**
 * Reading `GET /services/{id}/logs`: the engine multiplexes stdout and stderr into frames
 * (8-byte header: stream type, 3 zero bytes, big-endian length) unless the service has a TTY, and
 * with `timestamps=1&details=1` each message starts with its time and the task's identity:
 *
 *   2026-12-04T16:14:03.121608627Z com.docker.swarm.node.id=…,com.docker.swarm.service.id=…,com.docker.swarm.task.id=… hello
 *
 * We always ask for both, so every line carries its time and its task and node, whether or not the
 * user wants to see them (the CLI decides what to print).
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

export interface RawLogLine {
  stream: 'stdout' | 'stderr';
  time?: string;
  taskId?: string;
  nodeId?: string;
  text: string;
}

/** Splits one message of the engine into time, identity and text. Tolerant: unknown shapes keep their text. */
export function parseServiceLogLine(line: string, stream: 'stdout' | 'stderr'): RawLogLine {
  let rest = line;
  let time: string | undefined;
  const sp = rest.indexOf(' ');
  if (sp > 0 && /^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/.test(rest.slice(0, sp))) {
    time = rest.slice(0, sp);
    rest = rest.slice(sp + 1);
  }
  let taskId: string | undefined;
  let nodeId: string | undefined;
  if (rest.startsWith('com.docker.swarm.')) {
    const end = rest.indexOf(' ');
    const details = end >= 0 ? rest.slice(0, end) : rest;
    rest = end >= 0 ? rest.slice(end + 1) : '';
    for (const pair of details.split(',')) {
      const eq = pair.indexOf('=');
      const key = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (key === 'com.docker.swarm.task.id') taskId = value;
      else if (key === 'com.docker.swarm.node.id') nodeId = value;
    }
  }
  return { stream, time, taskId, nodeId, text: rest };
}

/**
 * Yields the lines of a service log stream. Each frame's bytes are decoded per stream with a
 * streaming UTF-8 decoder (a character split across frames arrives whole), a line split across
 * frames is joined, and a last line without a newline is still yielded when the stream ends.
 */
export async function* readServiceLogs(stream: Readable, multiplexed: boolean): AsyncGenerator<RawLogLine> {
  const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  const pending = { stdout: '', stderr: '' };
  let buffer: Buffer = Buffer.alloc(0);

  function* take(which: 'stdout' | 'stderr', bytes: Buffer): Generator<RawLogLine> {
    pending[which] += decoders[which].write(bytes);
    let nl: number;
    while ((nl = pending[which].indexOf('\n')) >= 0) {
      const line = pending[which].slice(0, nl).replace(/\r$/, '');
      pending[which] = pending[which].slice(nl + 1);
      yield parseServiceLogLine(line, which);
    }
  }

  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    if (!multiplexed) {
      yield* take('stdout', bytes);
      continue;
    }
    buffer = buffer.length === 0 ? bytes : Buffer.concat([buffer, bytes]);
    while (buffer.length >= 8) {
      const type = buffer.readUInt8(0);
      const length = buffer.readUInt32BE(4);
      if (buffer.length < 8 + length) break;
      const payload = buffer.subarray(8, 8 + length);
      buffer = buffer.subarray(8 + length);
      yield* take(type === 2 ? 'stderr' : 'stdout', payload);
    }
  }
  for (const which of ['stdout', 'stderr'] as const) {
    const rest = pending[which] + decoders[which].end();
    if (rest) yield parseServiceLogLine(rest, which);
  }
}

/** `since` as the engine wants it (Unix seconds): RFC 3339, or a duration back from now ("5m", "48h"). */
export function sinceToUnix(since: string, now = Date.now()): string {
  const m = /^(\d+(?:\.\d+)?)(s|m|h)$/.exec(since.trim());
  if (m) {
    const seconds = Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as 's' | 'm' | 'h'];
    return ((now / 1000 - seconds)).toFixed(3);
  }
  const t = Date.parse(since);
  if (Number.isNaN(t)) return since;
  return (t / 1000).toFixed(3);
}

/** RFC 3339 with nanoseconds → Unix seconds with nanoseconds, exact (no float rounding), for resuming. */
export function rfc3339ToUnix(time: string): string | undefined {
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(time);
  if (!m) return undefined;
  const seconds = Date.parse(`${m[1]}${m[3]}`) / 1000;
  if (Number.isNaN(seconds)) return undefined;
  return `${seconds}.${(m[2] ?? '0').padEnd(9, '0').slice(0, 9)}`;
}
