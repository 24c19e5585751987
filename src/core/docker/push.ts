/**
 * Pushing an image to its registry through the engine, with per-layer progress, retries on
 * transient registry errors, and the registry digest as the result — the `repo:tag@sha256:…`
 * a deploy pins. Credentials come from credentials.ts and go only into the engine's
 * X-Registry-Auth header; no event, message or error carries them.
 */
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { ProdlikeError, isProdlikeError, throwIfAborted } from '../errors';
import { registryCredentials, type CredentialsOptions, type RegistryAuth } from './credentials';
import { engineMessage, engineStatus, engineUnreachable, isConnectionError, type Engine } from './engine';
import { parseImageRef, pinnedRef, repositoryOf } from './image-ref';
import { readJsonLines } from './json-stream';

export type PushEvent =
  | { type: 'auth'; registry: string; from: 'credHelpers' | 'credsStore' | 'auths' | 'none'; helper?: string }
  /** A layer's state: Preparing, Waiting, Pushing (with bytes), Pushed, Layer already exists, Mounted from … */
  | { type: 'layer'; id: string; status: string; current?: number; total?: number }
  | { type: 'retry'; attempt: number; of: number; reason: string; delayMs: number }
  | { type: 'pushed'; digest: string; size?: number };

export interface PushOptions {
  signal?: AbortSignal;
  onEvent?: (event: PushEvent) => void;
  /** Explicit credentials (tests, CI); otherwise the user's Docker config is read. */
  auth?: RegistryAuth;
  credentials?: CredentialsOptions;
  /** Attempts after the first one for transient errors (default 3), and the first delay (doubles). */
  retries?: number;
  retryDelayMs?: number;
  idleTimeoutMs?: number;
}

export interface PushedImage {
  /** `repo:tag`. */
  reference: string;
  /** sha256:… of the manifest in the registry. */
  digest: string;
  /** `repo:tag@sha256:…` */
  pinned: string;
  size?: number;
}

const PushMessage = z
  .object({
    status: z.string().optional(),
    id: z.string().optional(),
    progressDetail: z.object({ current: z.number().optional(), total: z.number().optional() }).partial().optional(),
    error: z.string().optional(),
    errorDetail: z.object({ message: z.string().optional() }).partial().optional(),
    aux: z.object({ Tag: z.string().optional(), Digest: z.string().optional(), Size: z.number().optional() }).partial().optional(),
  })
  .passthrough();

const AUTH_FAILURE = /unauthorized|authentication required|no basic auth credentials|denied|401|403 forbidden|incorrect username or password/i;
const TRANSIENT = /\b50[0234]\b|service unavailable|bad gateway|gateway time-?out|i\/o timeout|timeout|connection reset|broken pipe|unexpected EOF|\bEOF\b|TLS handshake|too many requests|\b429\b|connection refused/i;
const UNREACHABLE = /connection refused|no such host|dial tcp|server gave HTTP response to HTTPS client|network is unreachable/i;

/** Pushes `reference` (`repo:tag`; the image must exist on the engine under that name). */
export async function pushImage(engine: Engine, reference: string, options: PushOptions = {}): Promise<PushedImage> {
  const emit = options.onEvent ?? (() => undefined);
  const ref = parseImageRef(reference);
  if (!ref.tag || ref.digest) throw new ProdlikeError('usage', `Push a tagged reference (repo:tag), not "${reference}".`, 'Build first; prodlike tags the image from git.');
  const repository = repositoryOf(ref);

  let auth = options.auth;
  if (!auth) {
    const found = await registryCredentials(ref.registry, { ...options.credentials, signal: options.signal });
    auth = found.auth;
    emit({ type: 'auth', registry: ref.registry, from: found.source.from, helper: found.source.helper });
  } else emit({ type: 'auth', registry: ref.registry, from: 'auths' });

  const retries = options.retries ?? 3;
  let delay = options.retryDelayMs ?? 1000;
  for (let attempt = 0; ; attempt++) {
    throwIfAborted(options.signal);
    try {
      const { digest, size } = await pushOnce(engine, repository, ref.tag, auth, options, emit);
      emit({ type: 'pushed', digest, size });
      return { reference: `${repository}:${ref.tag}`, digest, pinned: pinnedRef(repository, ref.tag, digest), size };
    } catch (e) {
      const err = toPushError(engine, e, ref.registry, repository, auth !== undefined);
      const transient = err.code === 'push-failed' || err.code === 'registry-unreachable';
      if (!transient || attempt >= retries || !TRANSIENT.test(err.message)) throw err;
      emit({ type: 'retry', attempt: attempt + 1, of: retries, reason: err.message, delayMs: delay });
      await sleep(delay, options.signal);
      delay *= 2;
    }
  }
}

async function pushOnce(
  engine: Engine,
  repository: string,
  tag: string,
  auth: RegistryAuth | undefined,
  options: PushOptions,
  emit: (e: PushEvent) => void,
): Promise<{ digest: string; size?: number }> {
  const image = engine.docker.getImage(repository);
  // The engine wants some X-Registry-Auth even for anonymous pushes; an empty object is the CLI's choice.
  const stream = (await image.push({ tag, authconfig: auth ?? {}, abortSignal: options.signal } as never)) as unknown as Readable;
  let digest: string | undefined;
  let size: number | undefined;
  for await (const raw of readJsonLines(stream, { signal: options.signal, idleTimeoutMs: options.idleTimeoutMs ?? 10 * 60_000, what: 'the push', code: 'push-failed' })) {
    const parsed = PushMessage.safeParse(raw);
    if (!parsed.success) throw new ProdlikeError('push-failed', `The engine sent a push message prodlike cannot read: ${JSON.stringify(raw).slice(0, 200)}`);
    const msg = parsed.data;
    if (msg.error !== undefined || msg.errorDetail?.message !== undefined) {
      throw new ProdlikeError('push-failed', msg.errorDetail?.message ?? msg.error ?? 'unknown error');
    }
    if (msg.aux?.Digest) {
      digest = msg.aux.Digest;
      size = msg.aux.Size;
      continue;
    }
    if (msg.status && msg.id) {
      emit({ type: 'layer', id: msg.id, status: msg.status, current: msg.progressDetail?.current, total: msg.progressDetail?.total });
      continue;
    }
    const m = msg.status ? /digest: (sha256:[0-9a-f]{64}) size: (\d+)/.exec(msg.status) : null;
    if (m) {
      digest ??= m[1];
      size ??= Number(m[2]);
    }
  }
  if (!digest) throw new ProdlikeError('push-failed', 'The engine ended the push without reporting a digest.');
  return { digest, size };
}

function toPushError(engine: Engine, e: unknown, registry: string, repository: string, hadAuth: boolean): ProdlikeError {
  if (isConnectionError(e)) return engineUnreachable(engine.endpoint, e);
  const message = isProdlikeError(e) ? e.message : engineMessage(e);
  if (isProdlikeError(e) && (e.code === 'aborted' || e.code === 'timeout' || e.code === 'registry-auth')) return e;
  if (engineStatus(e) === 404 || /No such image|does not exist locally/i.test(message)) {
    return new ProdlikeError('not-found', `There is no image ${repository} on the engine to push.`, 'Build it first (prodlike build).', { cause: e });
  }
  if (AUTH_FAILURE.test(message)) {
    return new ProdlikeError(
      'registry-auth',
      `${registry} refused the push of ${repository}: ${hadAuth ? 'the saved credentials were rejected' : 'it needs a login and your Docker config has none for it'}.`,
      `Run \`docker login ${registry}\` (or fix the credential helper), then push again.`,
      { cause: e },
    );
  }
  if (UNREACHABLE.test(message)) {
    return new ProdlikeError('registry-unreachable', `Cannot reach the registry ${registry}: ${message}`, `Check that ${registry} is up and reachable from the Docker engine (not only from this machine).`, { cause: e });
  }
  return new ProdlikeError('push-failed', `The push of ${repository} failed: ${message}`, 'Read the message above; transient registry errors were already retried.', { cause: e });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new ProdlikeError('aborted', 'Cancelled the push.'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
