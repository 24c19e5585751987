/** What the engine's errors mean to a user of the swarm backend. */
import { engineUnreachable, type EngineEndpoint } from '../docker/engine';
import { isProdlikeError, messageOf, ProdlikeError, type ErrorCode } from '../errors';

interface DockerError {
  statusCode?: number;
  code?: string;
  name?: string;
  json?: { message?: string } | null;
}

export function engineMessage(e: unknown): string {
  const d = e as DockerError;
  return (d?.json && typeof d.json === 'object' && d.json.message) || messageOf(e);
}

export function isNotFound(e: unknown): boolean {
  return (e as DockerError)?.statusCode === 404;
}

/** Turns a dockerode failure into the error a user can act on; `code` is used when nothing more specific fits. */
export function swarmError(endpoint: EngineEndpoint, e: unknown, what: string, code: ErrorCode = 'internal'): ProdlikeError {
  if (isProdlikeError(e)) return e;
  const d = e as DockerError;
  if (d?.name === 'AbortError' || d?.code === 'ABORT_ERR') return new ProdlikeError('aborted', 'Cancelled.', undefined, { cause: e });
  if (d?.code && ['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'EHOSTUNREACH', 'ETIMEDOUT'].includes(d.code)) return engineUnreachable(endpoint, e);
  const message = engineMessage(e);
  if (d?.statusCode === 503 && /swarm/i.test(message)) {
    return new ProdlikeError(
      'engine-unreachable',
      `The Docker engine at ${endpoint.url} is not a swarm manager (${message.trim()}).`,
      'Run `prodlike local init` to make this engine a single-node swarm, or point the environment\'s `engine:` at a swarm manager.',
      { cause: e },
    );
  }
  if (d?.statusCode === 404) return new ProdlikeError('not-found', `${what}: ${message.trim()}`, undefined, { cause: e });
  return new ProdlikeError(code, `${what}: ${message.trim()}`, undefined, { cause: e });
}
