/**
 * The Kubernetes API as HTTP requests. client-node does the part that is hard to get right
 * (credentials: tokens, client certificates, exec plugins, CA and proxy settings, via
 * `applyToHTTPSOptions`); the requests themselves go through Node's http/https here because
 * client-node's watch and log helpers lose errors and never time out (FIELD-NOTES: a destroyed
 * socket stops an informer for good, `Log.log` never calls `done`, a stalled log never ends).
 * Here every request takes an AbortSignal, every stream has an end, and every failure is a typed
 * ProdlikeError with credentials redacted.
 */
import * as http from 'node:http';
import * as https from 'node:https';
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

export class KubeApi {
  constructor(
    private readonly kc: KubeConfig,
    readonly server: string,
  ) {}

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
    if (url.protocol === 'http:') delete opts.agent; // client-node's agent is an https.Agent
    return await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = transport.request(url, { ...opts, signal }, resolve);
      req.on('error', (e) => reject(this.networkError(e, signal)));
      req.end(payload);
    });
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
