/**
 * The engine's progress streams (build, push, pull) are JSON messages, one per line. This reads
 * them the way a careful client must (docker-modem's own parser has lost messages and garbled text):
 *
 * - bytes are decoded with a streaming UTF-8 decoder, so a character split across two chunks
 *   arrives whole;
 * - the last message is read even when the stream ends without a newline;
 * - a line that is not JSON is an error (not skipped): a build whose log we cannot read is not
 *   a build we can call successful;
 * - a stream that goes quiet for `idleTimeoutMs`, or whose `signal` fires, is destroyed and the
 *   reader rejects — a hung engine never hangs prodlike.
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { ProdlikeError } from '../errors';

export interface JsonStreamOptions {
  signal?: AbortSignal;
  /** Longest silence tolerated between two chunks. Undefined: no limit (the signal still applies). */
  idleTimeoutMs?: number;
  /** What the stream is, for error messages ("the build", "the push"). */
  what: string;
  /** Error code used for malformed output. */
  code: 'build-failed' | 'push-failed' | 'internal';
}

/** Yields each JSON value of a newline-delimited JSON stream, in order. */
export async function* readJsonLines(stream: Readable, options: JsonStreamOptions): AsyncGenerator<unknown> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let lineNo = 0;

  const parse = (line: string): unknown => {
    lineNo++;
    try {
      return JSON.parse(line);
    } catch {
      const shown = line.length > 200 ? `${line.slice(0, 200)}…` : line;
      throw new ProdlikeError(
        options.code,
        `The engine sent output that is not JSON during ${options.what} (message ${lineNo}): ${shown}`,
        'This usually means a proxy or a broken engine between prodlike and Docker; retry, or check DOCKER_HOST.',
      );
    }
  };

  for await (const chunk of guarded(stream, options)) {
    pending += typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer);
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (line) yield parse(line);
    }
  }
  const rest = (pending + decoder.end()).trim();
  if (rest) yield parse(rest);
}

/**
 * The chunks of `stream`, ending with a ProdlikeError when the signal fires or the stream is idle
 * for too long. The stream is destroyed in both cases so the engine connection is released.
 */
async function* guarded(stream: Readable, options: JsonStreamOptions): AsyncGenerator<Buffer | string> {
  const { signal, idleTimeoutMs } = options;
  let failure: ProdlikeError | undefined;
  let timer: NodeJS.Timeout | undefined;
  const fail = (err: ProdlikeError) => {
    if (failure) return;
    failure = err;
    stream.destroy(err);
  };
  const arm = () => {
    if (idleTimeoutMs === undefined) return;
    clearTimeout(timer);
    timer = setTimeout(
      () =>
        fail(
          new ProdlikeError(
            'timeout',
            `The engine sent nothing for ${Math.round(idleTimeoutMs / 1000)} s during ${options.what}; gave up.`,
            'Check the engine (`prodlike doctor`), or raise the timeout if this step is legitimately silent.',
          ),
        ),
      idleTimeoutMs,
    );
  };
  const onAbort = () => fail(new ProdlikeError('aborted', `Cancelled ${options.what}.`));
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  arm();
  try {
    for await (const chunk of stream) {
      arm();
      yield chunk as Buffer | string;
    }
  } catch (e) {
    throw failure ?? e;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
  if (failure) throw failure;
}
