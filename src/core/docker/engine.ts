/**
 * Which Docker engine prodlike talks to, and a connection to it.
 *
 * The endpoint is resolved as the docker CLI resolves it for the cases that matter here:
 * an explicit endpoint, then DOCKER_HOST, then the default unix socket. dockerode is loaded on
 * first use (not at import) so the extension's activation never pays for it.
 */
import type Dockerode from 'dockerode';
import { withDeadline } from '../deadline';
import { ProdlikeError, messageOf } from '../errors';

export interface EngineEndpoint {
  /** As a user would write it: unix:///var/run/docker.sock, tcp://host:2376, ssh://… */
  url: string;
  /** Where the choice came from, so doctor can say "from DOCKER_HOST". */
  from: 'argument' | 'DOCKER_HOST' | 'default';
}

export const DEFAULT_DOCKER_SOCKET = 'unix:///var/run/docker.sock';

export function resolveEngineEndpoint(explicit?: string, env: NodeJS.ProcessEnv = process.env): EngineEndpoint {
  if (explicit) return { url: explicit, from: 'argument' };
  if (env.DOCKER_HOST) return { url: env.DOCKER_HOST, from: 'DOCKER_HOST' };
  return { url: DEFAULT_DOCKER_SOCKET, from: 'default' };
}

/** dockerode options for an endpoint URL. */
export function dockerodeOptions(url: string, env: NodeJS.ProcessEnv = process.env): Dockerode.DockerOptions {
  if (url.startsWith('unix://')) return { socketPath: url.slice('unix://'.length) };
  if (url.startsWith('/')) return { socketPath: url };
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ProdlikeError('usage', `Cannot read the Docker endpoint "${url}".`, 'Use unix:///path/to/docker.sock, tcp://host:port or ssh://user@host.');
  }
  if (u.protocol === 'tcp:' || u.protocol === 'http:' || u.protocol === 'https:') {
    const tls = u.protocol === 'https:' || env.DOCKER_TLS_VERIFY === '1';
    return { host: u.hostname, port: Number(u.port || (tls ? 2376 : 2375)), protocol: tls ? 'https' : 'http' };
  }
  if (u.protocol === 'ssh:') {
    return { host: u.hostname, port: Number(u.port || 22), username: u.username || undefined, protocol: 'ssh' };
  }
  throw new ProdlikeError('usage', `Unsupported Docker endpoint "${url}".`, 'Use unix://, tcp:// or ssh://.');
}

export interface Engine {
  endpoint: EngineEndpoint;
  docker: Dockerode;
}

/** Opens (lazily loads dockerode and creates) a client for the endpoint; does not contact the engine. */
export function openEngine(endpoint: EngineEndpoint = resolveEngineEndpoint()): Engine {
  // Loaded here, not at module top: keeps dockerode (and ssh2) off the extension's activation path.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const DockerodeCtor = require('dockerode') as typeof Dockerode;
  return { endpoint, docker: new DockerodeCtor(dockerodeOptions(endpoint.url)) };
}

export interface EngineInfo {
  version: string;
  apiVersion: string;
  os: string;
  arch: string;
  swarm: 'inactive' | 'pending' | 'active' | 'error' | 'locked';
  swarmManager: boolean;
  nodeId?: string;
}

/** Asks the engine who it is; throws engine-unreachable with a fix when it does not answer. */
export async function describeEngine(engine: Engine, timeoutMs = 5000): Promise<EngineInfo> {
  try {
    const [version, info] = await withDeadline(timeoutMs, () => Promise.all([engine.docker.version(), engine.docker.info()]));
    const swarm = (info.Swarm ?? {}) as { LocalNodeState?: string; ControlAvailable?: boolean; NodeID?: string };
    return {
      version: version.Version,
      apiVersion: version.ApiVersion,
      os: version.Os,
      arch: version.Arch,
      swarm: (swarm.LocalNodeState || 'inactive') as EngineInfo['swarm'],
      swarmManager: swarm.ControlAvailable === true,
      nodeId: swarm.NodeID || undefined,
    };
  } catch (e) {
    throw engineUnreachable(engine.endpoint, e);
  }
}

export function engineUnreachable(endpoint: EngineEndpoint, cause: unknown): ProdlikeError {
  const where = endpoint.from === 'DOCKER_HOST' ? ` (from DOCKER_HOST)` : endpoint.from === 'default' ? ' (the default socket)' : '';
  return new ProdlikeError(
    'engine-unreachable',
    `Cannot reach the Docker engine at ${endpoint.url}${where}: ${messageOf(cause)}`,
    endpoint.from === 'default'
      ? 'Start Docker (for example `sudo systemctl start docker`), or set DOCKER_HOST to the engine you use.'
      : `Check that an engine listens at ${endpoint.url}, or unset DOCKER_HOST to use the default socket.`,
    { cause },
  );
}

/** What /_ping says about the engine: its API version and its default builder. */
export interface EnginePing {
  apiVersion?: string;
  /** BuildKit when the engine announces `Builder-Version: 2`, the classic builder otherwise. */
  builder: 'classic' | 'buildkit';
}

/** Pings the engine and reads its headers (dockerode's ping() returns only the body). */
export async function pingEngine(engine: Engine, timeoutMs = 5000): Promise<EnginePing> {
  type Dial = (opts: object, cb: (err: unknown, res?: import('node:http').IncomingMessage) => void) => void;
  const modem = engine.docker.modem as unknown as { dial: Dial };
  try {
    const res = await withDeadline(
      timeoutMs,
      () =>
        new Promise<import('node:http').IncomingMessage>((ok, fail) =>
          modem.dial({ path: '/_ping', method: 'GET', isStream: true, statusCodes: { 200: true, 500: 'server error' } }, (err, r) => (err || !r ? fail(err) : ok(r))),
        ),
    );
    res.resume();
    const header = (name: string) => {
      const v = res.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    return { apiVersion: header('api-version'), builder: header('builder-version') === '2' ? 'buildkit' : 'classic' };
  } catch (e) {
    throw engineUnreachable(engine.endpoint, e);
  }
}

/** True for errors that mean "no engine answered" (as opposed to "the engine said no"). */
export function isConnectionError(e: unknown): boolean {
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && ['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'EHOSTUNREACH', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE'].includes(code);
}

/** The engine's own words from a dockerode error (its JSON `message`), without dockerode's prefix. */
export function engineMessage(e: unknown): string {
  const err = e as { json?: unknown; reason?: unknown; statusCode?: unknown } | undefined;
  const json = err?.json;
  if (json && typeof json === 'object' && typeof (json as { message?: unknown }).message === 'string') return (json as { message: string }).message.trim();
  if (typeof json === 'string' && json.trim()) return json.trim();
  return messageOf(e);
}

/** HTTP status of a dockerode error, when the engine answered. */
export function engineStatus(e: unknown): number | undefined {
  const s = (e as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}
