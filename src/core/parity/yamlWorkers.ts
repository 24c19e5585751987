/**
 * Parses many YAML files, in worker threads when there is enough to parse and the worker bundle is
 * present (dist/parity-worker.js, next to the CLI and extension bundles), else on this thread.
 *
 * Why: the `yaml` lexer costs about half a millisecond per small manifest and grows with the file,
 * and a 1 MiB file takes long enough to stall the extension host. In a worker, parsing overlaps
 * with the source and Dockerfile rules on the main thread and never blocks it. Results are the
 * plain `YamlFileData` of yamlFile.ts, so both paths give the same documents and positions.
 *
 * A worker that dies (a parser bug, memory) is replaced; its files are retried one per job, and a
 * file that kills a worker on its own is refused with a finding rather than parsed here, where it
 * would take the whole process down.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ProdlikeError, throwIfAborted } from '../errors';
import { parseYaml, type YamlFileData } from './yamlFile';

export interface YamlInput {
  path: string;
  text: string;
}

export interface ParseYamlOptions {
  signal?: AbortSignal;
  /** The worker script; default: parity-worker.js beside this bundle. `null`: parse on this thread. */
  workerFile?: string | null;
  /** Below this many bytes in all, parsing stays on this thread (a worker costs ~30 ms to start). */
  minWorkerBytes?: number;
  /** Default: one fewer than the CPUs (the main thread runs the other rules), at least 1, at most 4. */
  workers?: number;
}

/** What crosses to a worker and back. */
export interface WorkerRequest {
  job: number;
  files: YamlInput[];
}
/** `ready` is sent once, when the worker's code has loaded: a death before it is the bundle's fault. */
export type WorkerResponse = { ready: true } | { job: number; results: YamlFileData[] };

export const DEFAULT_MIN_WORKER_BYTES = 128 * 1024;
const JOB_BYTES = 64 * 1024;

export function defaultWorkerFile(): string | undefined {
  // In a bundle, __dirname is dist/; under tsx (tests) it is src/core/parity, which has no bundle.
  const file = join(__dirname, 'parity-worker.js');
  return existsSync(file) ? file : undefined;
}

export async function parseYamlFiles(files: readonly YamlInput[], options: ParseYamlOptions = {}): Promise<Map<string, YamlFileData>> {
  const out = new Map<string, YamlFileData>();
  const bytes = files.reduce((n, f) => n + f.text.length, 0);
  const workerFile = options.workerFile === undefined ? defaultWorkerFile() : options.workerFile;
  const here = () => {
    for (const f of files) {
      throwIfAborted(options.signal);
      if (!out.has(f.path)) out.set(f.path, parseYaml(f.text));
    }
    return out;
  };
  if (!workerFile || files.length === 0 || bytes < (options.minWorkerBytes ?? DEFAULT_MIN_WORKER_BYTES)) return here();

  // Jobs of about JOB_BYTES each, so the workers finish at about the same time.
  const queue: YamlInput[][] = [];
  let cur: YamlInput[] = [];
  let curBytes = 0;
  for (const f of files) {
    cur.push(f);
    curBytes += f.text.length;
    if (curBytes >= JOB_BYTES) {
      queue.push(cur);
      cur = [];
      curBytes = 0;
    }
  }
  if (cur.length > 0) queue.push(cur);
  const count = Math.max(1, Math.min(options.workers ?? Math.min(4, availableParallelism() - 1), queue.length));

  const live = new Set<Worker>();
  try {
    await new Promise<void>((resolve, reject) => {
      let pending = queue.length;
      let nextJob = 0;
      let failed = false;
      const fail = (e: unknown) => {
        if (failed) return;
        failed = true;
        reject(e);
      };
      const onAbort = () => fail(new ProdlikeError('aborted', 'Cancelled.'));
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => {
        if (--pending === 0) {
          options.signal?.removeEventListener('abort', onAbort);
          resolve();
        }
      };

      const start = (): void => {
        const worker = new Worker(workerFile);
        live.add(worker);
        let ready = false;
        const jobs = new Map<number, YamlInput[]>();
        const feed = () => {
          const files = queue.shift();
          if (!files) return;
          const job = nextJob++;
          jobs.set(job, files);
          worker.postMessage({ job, files } satisfies WorkerRequest);
        };
        worker.on('message', (m: WorkerResponse) => {
          if ('ready' in m) {
            ready = true;
            return;
          }
          const files = jobs.get(m.job);
          if (!files) return;
          jobs.delete(m.job);
          m.results.forEach((r, i) => out.set(files[i]!.path, r));
          done();
          feed();
          if (jobs.size === 0 && queue.length === 0) {
            live.delete(worker);
            void worker.terminate();
          }
        });
        const lost = (reason: string) => {
          if (!live.delete(worker) || failed) return;
          void worker.terminate();
          if (!ready) return fail(new WorkerUnavailable(reason)); // not the input's fault
          for (const files of jobs.values()) {
            if (files.length === 1) {
              out.set(files[0]!.path, refused(reason));
              done();
            } else {
              // Retry one file per job, so only the file that kills a worker is refused.
              pending += files.length - 1;
              queue.unshift(...files.map((f) => [f]));
            }
          }
          jobs.clear();
          if (queue.length > 0) start();
        };
        worker.on('error', (e) => lost(e.message));
        worker.on('exit', (code) => lost(`the parser exited (${code})`));
        // Two jobs in flight: the next one is queued in the worker while results come back.
        feed();
        feed();
      };
      for (let i = 0; i < count; i++) start();
    });
  } catch (e) {
    if (!(e instanceof WorkerUnavailable)) throw e;
    return here();
  } finally {
    await Promise.all([...live].map((w) => w.terminate()));
  }
  return out;
}

/** The worker could not start (a missing or broken bundle): parsing falls back to this thread. */
class WorkerUnavailable extends Error {}

function refused(reason: string): YamlFileData {
  return { documents: [], hits: [{ ruleId: 'input-refused', message: `YAML could not be parsed (${reason}); not read.`, start: { line: 1, column: 1 } }] };
}
