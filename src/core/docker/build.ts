/**
 * Building an image on the engine, with progress as typed events.
 *
 * The context is planned and streamed by build-context.ts; the engine's answer is read by
 * json-stream.ts and every message is inspected: an `error`/`errorDetail` anywhere is a failed
 * build even when the HTTP stream ends normally (docker-modem #146, dockerode #639), and a stream
 * that ends without an image ID is a failure too. BuildKit is used when the engine says it is its
 * default builder (`Builder-Version: 2` on /_ping), the classic builder otherwise.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { ProdlikeError, isProdlikeError, messageOf, throwIfAborted } from '../errors';
import { decodeBuildkitTrace } from './buildkit-trace';
import { packBuildContext, planBuildContext, type BuildContextPlan } from './build-context';
import { checkDockerfile } from './dockerfile';
import { engineMessage, engineUnreachable, isConnectionError, pingEngine, type Engine } from './engine';
import { readJsonLines } from './json-stream';

export type Builder = 'classic' | 'buildkit';

export interface BuildRequest {
  /** The context folder. */
  context: string;
  /** Dockerfile path relative to the context (default "Dockerfile"). */
  dockerfile?: string;
  /** Full references to tag the result with (`repo:tag`). */
  tags: string[];
  buildArgs?: Record<string, string>;
  target?: string;
  /** `os/arch[/variant]`, e.g. linux/amd64. */
  platform?: string;
  labels?: Record<string, string>;
  /** `auto` (default) asks the engine. */
  builder?: 'auto' | Builder;
  /** Network for RUN steps (`host` on engines without a bridge network). */
  networkMode?: string;
  noCache?: boolean;
  /** Always try to pull newer base images. */
  pull?: boolean;
}

export interface BuildOptions {
  signal?: AbortSignal;
  onEvent?: (event: BuildEvent) => void;
  /** Longest silence tolerated from the engine (default 15 minutes: a quiet compile step is normal). */
  idleTimeoutMs?: number;
}

export type BuildEvent =
  | { type: 'context'; files: number; bytes: number; dockerfile: string }
  | { type: 'context-sent'; bytes: number }
  | { type: 'builder'; builder: Builder }
  /** A build step started. `total` is known for the classic builder ("Step 2/5"). */
  | { type: 'step'; index: number; total?: number; text: string }
  /** The step just announced was served from the build cache. */
  | { type: 'cached'; index: number }
  /** Output of a RUN step or of the builder itself, as text (may hold several lines). */
  | { type: 'output'; text: string; stream?: 'stdout' | 'stderr' }
  /** Pull progress of a base image layer. */
  | { type: 'layer'; id: string; status: string; current?: number; total?: number }
  | { type: 'warning'; text: string }
  | { type: 'built'; imageId: string };

export interface BuiltImage {
  imageId: string;
  tags: string[];
  builder: Builder;
  contextBytes: number;
  plan: BuildContextPlan;
}

/** One message of the engine's build stream; tolerant (unknown fields pass), strict about types. */
const BuildMessage = z
  .object({
    stream: z.string().optional(),
    status: z.string().optional(),
    id: z.string().optional(),
    progressDetail: z.object({ current: z.number().optional(), total: z.number().optional() }).partial().optional(),
    error: z.string().optional(),
    errorDetail: z.object({ message: z.string().optional(), code: z.number().optional() }).partial().optional(),
    aux: z.unknown().optional(),
  })
  .passthrough();

const DEFAULT_IDLE_TIMEOUT_MS = 15 * 60_000;

/** Builds the image; resolves when the engine reports an image ID, throws a ProdlikeError otherwise. */
export async function buildImage(engine: Engine, request: BuildRequest, options: BuildOptions = {}): Promise<BuiltImage> {
  const emit = options.onEvent ?? (() => undefined);
  throwIfAborted(options.signal);

  const plan = await planBuildContext(request.context, { dockerfile: request.dockerfile, signal: options.signal });
  const dockerfileText = await readFile(resolve(plan.root, plan.dockerfile), 'utf8');
  checkDockerfile(dockerfileText, plan.dockerfile, request.target);
  emit({ type: 'context', files: plan.fileCount, bytes: plan.fileBytes, dockerfile: plan.dockerfile });

  const builder: Builder = request.builder && request.builder !== 'auto' ? request.builder : (await pingEngine(engine)).builder;
  emit({ type: 'builder', builder });

  let sent = 0;
  const tar = packBuildContext(plan, (n) => (sent = n));
  tar.once('end', () => emit({ type: 'context-sent', bytes: sent }));
  const params: Record<string, unknown> = {
    t: request.tags,
    dockerfile: plan.dockerfile,
    rm: true,
    forcerm: true,
  };
  if (request.buildArgs && Object.keys(request.buildArgs).length) params.buildargs = JSON.stringify(request.buildArgs);
  if (request.labels && Object.keys(request.labels).length) params.labels = JSON.stringify(request.labels);
  if (request.target) params.target = request.target;
  if (request.platform) params.platform = request.platform;
  if (request.networkMode) params.networkmode = request.networkMode;
  if (request.noCache) params.nocache = true;
  if (request.pull) params.pull = true;
  if (builder === 'buildkit') params.version = '2';

  let response: Readable;
  try {
    response = await postBuild(engine, tar, params, options.signal);
  } catch (e) {
    tar.destroy();
    throw buildRequestFailure(engine, e, options.signal);
  }

  let imageId: string | undefined;
  let stepIndex = 0;
  const recent: string[] = [];
  const remember = (text: string) => {
    for (const line of text.split('\n')) if (line.trim()) recent.push(line);
    recent.splice(0, Math.max(0, recent.length - 10));
  };
  const vertexIndex = new Map<string, number>();

  for await (const raw of readJsonLines(response, {
    signal: options.signal,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    what: 'the build',
    code: 'build-failed',
  })) {
    const parsed = BuildMessage.safeParse(raw);
    if (!parsed.success) {
      throw new ProdlikeError('build-failed', `The engine sent a build message prodlike cannot read: ${JSON.stringify(raw).slice(0, 200)}`, 'Check that DOCKER_HOST points at a Docker engine.');
    }
    const msg = parsed.data;
    if (msg.error !== undefined || msg.errorDetail?.message !== undefined) {
      const reason = msg.errorDetail?.message ?? msg.error ?? 'unknown error';
      throw new ProdlikeError('build-failed', `The build failed: ${reason}${recent.length ? `\n${recent.map((l) => `  | ${l}`).join('\n')}` : ''}`, fixForBuildError(reason));
    }
    if (msg.id === 'moby.buildkit.trace' && typeof msg.aux === 'string') {
      let trace;
      try {
        trace = decodeBuildkitTrace(msg.aux);
      } catch (e) {
        throw new ProdlikeError('build-failed', `Cannot read BuildKit progress from the engine: ${messageOf(e)}`, 'Retry with the classic builder (--builder classic).');
      }
      for (const v of trace.vertexes) {
        if (!vertexIndex.has(v.digest) && (v.started || v.cached)) {
          vertexIndex.set(v.digest, ++stepIndex);
          emit({ type: 'step', index: stepIndex, text: v.name });
          if (v.cached) emit({ type: 'cached', index: stepIndex });
        }
        if (v.error) {
          throw new ProdlikeError('build-failed', `The build failed at "${v.name}": ${v.error}`, fixForBuildError(v.error));
        }
      }
      for (const s of trace.statuses) emit({ type: 'layer', id: s.id, status: s.vertex ? 'transferring' : s.id, current: s.current, total: s.total || undefined });
      for (const l of trace.logs) {
        remember(l.text);
        emit({ type: 'output', text: l.text, stream: l.stream === 2 ? 'stderr' : 'stdout' });
      }
      continue;
    }
    if (msg.aux && typeof msg.aux === 'object') {
      const id = (msg.aux as { ID?: unknown }).ID;
      if (typeof id === 'string' && id.startsWith('sha256:')) imageId = id;
      continue;
    }
    if (msg.stream !== undefined) {
      const step = /^Step (\d+)\/(\d+) : (.*)/s.exec(msg.stream);
      if (step) {
        stepIndex = Number(step[1]);
        emit({ type: 'step', index: stepIndex, total: Number(step[2]), text: step[3]!.trim() });
      } else if (/^ ---> Using cache\s*$/.test(msg.stream)) {
        emit({ type: 'cached', index: stepIndex });
      } else if (/^ ---> /.test(msg.stream) || /^Removing intermediate container /.test(msg.stream)) {
        // The classic builder's bookkeeping; the step events already say where we are.
      } else if (msg.stream.trim()) {
        const m = /^Successfully built ([0-9a-f]{12,64})\s*$/.exec(msg.stream);
        if (m && !imageId) imageId = m[1];
        if (!m && !/^Successfully tagged /.test(msg.stream)) {
          remember(msg.stream);
          emit({ type: 'output', text: msg.stream });
        }
      }
      continue;
    }
    if (msg.status !== undefined) {
      if (msg.id) emit({ type: 'layer', id: msg.id, status: msg.status, current: msg.progressDetail?.current, total: msg.progressDetail?.total });
      else if (/^\[Warning\]|^WARNING/i.test(msg.status)) emit({ type: 'warning', text: msg.status });
      else emit({ type: 'output', text: msg.status });
    }
  }
  throwIfAborted(options.signal);
  if (!imageId) {
    throw new ProdlikeError('build-failed', `The engine ended the build without reporting an image.${recent.length ? `\n${recent.map((l) => `  | ${l}`).join('\n')}` : ''}`, 'Run the build again; if it repeats, check the engine log (journalctl -u docker).');
  }
  if (!imageId.startsWith('sha256:')) imageId = await fullImageId(engine, imageId);
  emit({ type: 'built', imageId });
  return { imageId, tags: request.tags, builder, contextBytes: sent, plan };
}

/**
 * POST /build through the modem directly. dockerode's buildImage() opens a BuildKit session for
 * version 2 with gRPC and .proto files read from its own folder at run time, which a bundled
 * extension does not carry; the engine accepts a BuildKit build without a session (the context
 * travels in the request body, as for the classic builder), so we send exactly that.
 */
function postBuild(engine: Engine, tar: Readable, params: Record<string, unknown>, signal?: AbortSignal): Promise<Readable> {
  type Dial = (opts: object, cb: (err: unknown, res?: Readable) => void) => void;
  const modem = engine.docker.modem as unknown as { dial: Dial };
  return new Promise((ok, fail) =>
    modem.dial(
      {
        path: '/build?',
        method: 'POST',
        file: tar,
        options: params,
        abortSignal: signal,
        isStream: true,
        statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' },
      },
      (err, res) => (err || !res ? fail(err ?? new Error('no response')) : ok(res)),
    ),
  );
}

async function fullImageId(engine: Engine, shortId: string): Promise<string> {
  const info = await engine.docker.getImage(shortId).inspect();
  return info.Id;
}

function buildRequestFailure(engine: Engine, e: unknown, signal?: AbortSignal): ProdlikeError {
  if (isProdlikeError(e)) return e;
  if (signal?.aborted) return new ProdlikeError('aborted', 'Cancelled the build.');
  if (isConnectionError(e)) return engineUnreachable(engine.endpoint, e);
  const reason = engineMessage(e);
  const line = /line (\d+)/.exec(reason)?.[1];
  return new ProdlikeError('build-failed', `The engine refused the build: ${reason}`, line ? `Fix line ${line} of the Dockerfile.` : fixForBuildError(reason), { cause: e });
}

function fixForBuildError(reason: string): string {
  if (/network bridge not found/.test(reason)) return 'This engine has no bridge network: build with --network host.';
  if (/pull access denied|not found: manifest unknown|repository does not exist/.test(reason)) return 'Check the FROM image name, or `docker login` to the registry that holds it.';
  if (/returned a non-zero code|executor failed running/.test(reason)) return 'A RUN step failed: its output is above.';
  if (/COPY failed|ADD failed|failed to compute cache key/.test(reason)) return 'A COPY/ADD source is missing from the build context (or excluded by .dockerignore).';
  return 'Read the build output above, fix the Dockerfile or the sources, and build again.';
}
