/**
 * The Kubernetes API as HTTP requests. client-node does the part that is hard to get right
 * (credentials: tokens, client certificates, exec plugins, CA and proxy settings, via
 * `applyToHTTPSOptions`); the requests themselves go through Node's http/https here because
 * client-node's watch and log helpers lose errors and never time out (FIELD-NOTES: a destroyed
 * socket stops an informer for good, `Log.log` never calls `done`, a stalled log never ends).
 * Here every request takes an AbortSignal, every stream has an end, and every failure is a typed
 * ProdlikeError with credentials redacted.
 *
 * Connections are kept alive and reused: one agent per cluster (`KubeApi`), built from the TLS
 * material client-node works out (CA, client certificate and key, insecure-skip-tls-verify,
 * tls-server-name, proxy), while credentials (bearer tokens, exec-plugin tokens that refresh, basic
 * auth) are applied to every request. A tree refresh, a rollout poll or a log stream then costs no
 * TLS handshake against a remote API server. If the TLS material changes (a certificate file
 * rewritten, an exec plugin handing out a new client certificate), a new agent is built and the old
 * one keeps no more idle connections.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import { ProdlikeError, type ErrorCode } from '../errors';
import { redact } from './kubeconfig';

/** An error answer of the API server, with its HTTP status and the Status object's reason. */
export class KubeApiError extends ProdlikeError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly status: number,
    readonly reason: string | undefined,
    fix?: string,
  ) {
    super(code, message, fix);
  }
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  /** Whole-request timeout for non-streaming requests (default 30 s). */
  timeoutMs?: number;
}

export interface LineStreamOptions {
  query?: Record<string, string | number | boolean | undefined>;
  signal?: AbortSignal;
  /** End the stream with a `timeout` error after this long without a byte (a stalled connection). */
  idleTimeoutMs?: number;
}

/** What a connection is made with: a different value needs a different connection. */
interface TlsMaterial {
  ca?: Buffer | string;
  cert?: Buffer | string;
  key?: Buffer | string;
  pfx?: Buffer | string;
  passphrase?: string;
  rejectUnauthorized?: boolean;
  servername?: string;
}
const TLS_KEYS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

function tlsMaterial(opts: https.RequestOptions): TlsMaterial {
  const m: Record<string, unknown> = {};
  for (const k of TLS_KEYS) if (opts[k] !== undefined && opts[k] !== null) m[k] = opts[k];
  return m as TlsMaterial;
}

function sameMaterial(a: TlsMaterial, b: TlsMaterial): boolean {
  return TLS_KEYS.every((k) => {
    const x = a[k];
    const y = b[k];
    if (Buffer.isBuffer(x) && Buffer.isBuffer(y)) return x.equals(y);
    return x === y;
  });
}

/**
 * How long the server said it keeps an idle connection (`Keep-Alive: timeout=N`), by socket: read
 * from each response, used when the socket is handed back to the pool.
 */
const announcedIdle = new WeakMap<object, number>();

/**
 * Node does not reuse a connection whose server announces an idle timeout of 1 s or less (it
 * stops reusing 1 s before the announced end). Such a server would then cost a handshake per
 * request, also when requests follow each other within milliseconds (a tree refresh). Here such a
 * connection is reused for half the announced time; the rare request that still meets a connection
 * the server has just closed is retried once (`open`, GET only).
 */
function keepAliveShortIdle(socket: net.Socket, inherited: boolean, retired: boolean): boolean {
  if (retired) return false;
  if (inherited) return true;
  const idleMs = announcedIdle.get(socket);
  if (idleMs === undefined || idleMs <= 0) return false;
  socket.setTimeout(Math.floor(idleMs / 2));
  return true;
}

/** An agent (https, or http for plain-http servers) that keeps short-idle connections and can be retired. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- TypeScript's form for a mixin's base class
function poolAgent<A extends new (...args: any[]) => http.Agent>(Base: A) {
  return class extends Base {
    retired = false;
    override keepSocketAlive(socket: net.Socket): boolean {
      const kept = super.keepSocketAlive(socket) as unknown as boolean | undefined;
      return keepAliveShortIdle(socket, kept !== false, this.retired);
    }
  };
}
const PoolAgent = poolAgent(https.Agent);
const PlainPoolAgent = poolAgent(http.Agent);

type Pooled = { material: TlsMaterial; agent: http.Agent; retire(): void };

export class KubeApi {
  private pool: Pooled | undefined;
  private readonly retired = new Set<http.Agent>();
  private disposed = false;

  constructor(
    private readonly kc: KubeConfig,
    readonly server: string,
  ) {}

  /**
   * Closes this cluster's connections, open streams included. Requests made afterwards still work,
   * each on its own connection.
   */
  dispose(): void {
    this.disposed = true;
    this.pool?.agent.destroy();
    this.pool = undefined;
    for (const a of this.retired) a.destroy();
    this.retired.clear();
  }

  /** The pooled agent for this TLS material, built on first use and when the material changes. */
  private agentFor(url: URL, material: TlsMaterial): http.Agent {
    if (this.disposed) return url.protocol === 'http:' ? new http.Agent() : new https.Agent({ ...material });
    if (this.pool && sameMaterial(this.pool.material, material)) return this.pool.agent;
    if (this.pool) {
      // Connections in use (a log stream) finish on the old agent; none of them is reused after.
      this.pool.retire();
      this.retired.add(this.pool.agent);
    }
    this.pool = this.buildAgent(url, material);
    return this.pool.agent;
  }

  private buildAgent(url: URL, material: TlsMaterial): Pooled {
    // maxSockets stays unlimited: a long-lived watch or log stream holds its own connection and
    // short requests open another one instead of queueing behind it.
    const options = { keepAlive: true, ...material };
    const cluster = this.kc.getCurrentCluster();
    if (cluster?.proxyUrl) {
      // client-node knows the proxy kinds (http, https, socks); its agent is an http.Agent too and
      // pools with keepAlive.
      const create = (this.kc as unknown as { createAgent(c: unknown, o: object): http.Agent }).createAgent.bind(this.kc);
      const agent = create(cluster, options);
      return { material, agent, retire: () => destroyFree(agent) };
    }
    const agent = url.protocol === 'http:' ? new PlainPoolAgent({ keepAlive: true }) : new PoolAgent(options);
    return {
      material,
      agent,
      retire: () => {
        agent.retired = true;
        destroyFree(agent);
      },
    };
  }

  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.open(method, path, options.query, options.signal, options.body, options.contentType);
    const timeoutMs = options.timeoutMs ?? 30_000;
    const text = await new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => {
        res.destroy();
        reject(new ProdlikeError('timeout', `The API server at ${this.server} did not answer ${method} ${path} within ${Math.round(timeoutMs / 1000)} s.`, 'Check the cluster and your network, then retry.'));
      }, timeoutMs);
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve(Buffer.concat(chunks).toString('utf8'));
      });
      res.on('error', (e) => {
        clearTimeout(timer);
        reject(this.networkError(e, options.signal));
      });
      res.on('aborted', () => {
        clearTimeout(timer);
        reject(this.networkError(new Error('connection lost'), options.signal));
      });
    });
    if ((res.statusCode ?? 0) >= 400) throw this.statusError(res.statusCode ?? 0, text, method, path);
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ProdlikeError('internal', `The API server answered ${method} ${path} with something that is not JSON.`);
    }
  }

  /**
   * A streaming GET (watch, follow logs) as lines. Ends when the server ends the response; throws a
   * ProdlikeError when the connection drops, goes silent for `idleTimeoutMs`, or the server refuses.
   */
  async *lines(path: string, options: LineStreamOptions = {}): AsyncGenerator<string> {
    for await (const batch of this.lineBatches(path, options)) yield* batch;
  }

  /**
   * `lines`, handed over as they arrive: every line received since the consumer last asked, in one
   * array. A busy log stream then costs one await per network chunk instead of one per line.
   */
  async *lineBatches(path: string, options: LineStreamOptions = {}): AsyncGenerator<string[]> {
    const res = await this.open('GET', path, options.query, options.signal);
    if ((res.statusCode ?? 0) >= 400) {
      const body = await new Promise<string>((resolve) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', () => resolve(''));
      });
      throw this.statusError(res.statusCode ?? 0, body, 'GET', path);
    }
    // A bounded queue between the socket's events and the consumer's pulls. When the consumer
    // falls behind, the response is paused (TCP then slows the server) instead of buffering without
    // limit: a long tail of a busy workload must keep flat memory. While paused, silence is the
    // consumer's doing, not the server's, so the idle timer is off. At most HIGH_WATER lines (plus
    // one chunk) wait here, and the consumer holds at most as many in the batch it is working on.
    const HIGH_WATER = 1024;
    let queue: string[] = [];
    let paused = false;
    let partial = '';
    let done = false;
    let failure: unknown;
    let wake: (() => void) | undefined;
    let idle: NodeJS.Timeout | undefined;
    const notify = () => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    const fail = (e: unknown) => {
      if (done) return;
      failure = e;
      done = true;
      notify();
    };
    const armIdle = () => {
      if (!options.idleTimeoutMs) return;
      if (idle) clearTimeout(idle);
      idle = setTimeout(() => {
        fail(new ProdlikeError('timeout', `The stream ${path} went silent for ${Math.round(options.idleTimeoutMs! / 1000)} s.`));
        res.destroy();
      }, options.idleTimeoutMs);
    };
    armIdle();
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      if (!paused) armIdle();
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      if (queue.length === 0) queue = parts;
      else for (const part of parts) queue.push(part);
      if (!paused && queue.length >= HIGH_WATER) {
        paused = true;
        if (idle) clearTimeout(idle);
        res.pause();
      }
      notify();
    });
    res.on('end', () => {
      if (partial !== '') queue.push(partial);
      partial = '';
      done = true;
      notify();
    });
    // 'aborted'/'error'/'close' without 'end': the connection was lost mid-stream.
    res.on('aborted', () => fail(this.networkError(new Error('connection lost mid-stream'), options.signal)));
    res.on('error', (e) => fail(this.networkError(e, options.signal)));
    res.on('close', () => {
      if (!res.complete) fail(this.networkError(new Error('connection lost mid-stream'), options.signal));
    });
    try {
      while (true) {
        if (queue.length > 0) {
          const batch = queue;
          queue = [];
          if (paused && !done) {
            paused = false;
            armIdle();
            res.resume();
          }
          yield batch;
          continue;
        }
        if (done) {
          if (failure) throw failure;
          return;
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      if (idle) clearTimeout(idle);
      res.destroy();
    }
  }

  private async open(method: string, path: string, query: RequestOptions['query'], signal?: AbortSignal, body?: unknown, contentType?: string): Promise<http.IncomingMessage> {
    if (signal?.aborted) throw new ProdlikeError('aborted', 'Cancelled.');
    const url = new URL(this.server.replace(/\/+$/, '') + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const opts: https.RequestOptions = { method, headers: { accept: 'application/json' } };
    try {
      await this.kc.applyToHTTPSOptions(opts);
    } catch (e) {
      throw new ProdlikeError('kube-unreachable', `Could not get credentials for ${this.server}: ${redact(e instanceof Error ? e.message : String(e))}`, 'Check the user of this context in your kubeconfig (an exec plugin may have failed).');
    }
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) {
      opts.headers = { ...opts.headers, 'content-type': contentType ?? 'application/json', 'content-length': Buffer.byteLength(payload) };
    }
    const transport = url.protocol === 'http:' ? http : https;
    // client-node built a throwaway agent (a new one per call); the request goes through this
    // cluster's pool instead, and the TLS options travel with that agent.
    const material = tlsMaterial(opts);
    const agent = this.agentFor(url, material);
    const requestOptions: https.RequestOptions = { method: opts.method, headers: opts.headers, agent, signal };
    if (opts.auth) requestOptions.auth = opts.auth;
    const send = (retry: boolean) =>
      new Promise<http.IncomingMessage>((resolve, reject) => {
        const req = transport.request(url, requestOptions, (res) => {
          const hint = /^timeout=(\d+)/.exec(String(res.headers['keep-alive'] ?? ''))?.[1];
          if (hint && res.socket) announcedIdle.set(res.socket, Number(hint) * 1000);
          resolve(res);
        });
        req.on('error', (e) => {
          // A kept-alive connection the server closed just as it was reused: nothing was read, so a
          // GET is safely sent again on a new connection (what Node's documentation advises).
          if (retry && req.reusedSocket && (e as NodeJS.ErrnoException).code === 'ECONNRESET' && !signal?.aborted) {
            resolve(send(false));
            return;
          }
          reject(this.networkError(e, signal));
        });
        req.end(payload);
      });
    return await send(method === 'GET' || method === 'HEAD');
  }

  private networkError(e: Error, signal?: AbortSignal): ProdlikeError {
    if (signal?.aborted || e.name === 'AbortError') return new ProdlikeError('aborted', 'Cancelled.');
    if (e instanceof ProdlikeError) return e;
    const code = (e as NodeJS.ErrnoException).code;
    return new ProdlikeError('kube-unreachable', `The Kubernetes API server at ${this.server} cannot be reached: ${redact(code ?? e.message)}.`, 'Check that the cluster is running and that the context points at it (kubectl cluster-info).', { cause: e });
  }

  private statusError(status: number, body: string, method: string, path: string): KubeApiError {
    let message = '';
    let reason: string | undefined;
    try {
      const parsed = JSON.parse(body) as { message?: unknown; reason?: unknown };
      if (typeof parsed.message === 'string') message = parsed.message;
      if (typeof parsed.reason === 'string') reason = parsed.reason;
    } catch {
      message = body.slice(0, 200);
    }
    message = redact(message || `HTTP ${status}`);
    if (status === 401) {
      return new KubeApiError('kube-unreachable', `The API server at ${this.server} rejected the credentials (401 Unauthorized).`, status, reason, 'Log in again or refresh the credentials of this context (kubectl get ns shows whether they work).');
    }
    if (status === 403) return new KubeApiError('kube-unreachable', `Not allowed: ${message}`, status, reason, 'Ask for the RBAC permission this needs, or use another context.');
    if (status === 404) return new KubeApiError('not-found', message, status, reason);
    if (status === 409 || status === 422) return new KubeApiError('deploy-failed', message, status, reason);
    if (status === 410) return new KubeApiError('internal', message, status, reason ?? 'Expired');
    return new KubeApiError('internal', `${method} ${path} failed (${status}): ${message}`, status, reason);
  }
}

function destroyFree(agent: http.Agent): void {
  for (const list of Object.values(agent.freeSockets)) for (const socket of list ?? []) socket.destroy();
}
