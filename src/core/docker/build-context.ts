/**
 * The build context: which files are sent to the engine, and the tar stream that sends them.
 *
 * It is planned first (a list of paths — data a test or a UI can look at) and packed second
 * (tar-fs streams each file from disk; nothing is read whole into memory). The rules are the
 * docker CLI's, so an image built by prodlike holds exactly the files `docker build` would put in it:
 *
 * - `.dockerignore` is read like the CLI reads it (comments, `!` exceptions, paths cleaned,
 *   a leading `/` dropped) and matched with @balena/dockerignore, a port of Docker's matcher;
 * - an excluded directory is still walked when an exception pattern starts with its path
 *   (`!docs/keep.md` under an excluded `docs`), and skipped otherwise — the CLI's own rule;
 * - the Dockerfile and `.dockerignore` are always sent (the engine needs them; it drops them from
 *   the image itself when they are ignored);
 * - symbolic links are sent as links, never followed, so nothing outside the context is read;
 * - owners are written as 0:0, as the CLI does.
 */
import { lstat, readdir, readFile } from 'node:fs/promises';
import { posix, relative, resolve, sep } from 'node:path';
import { Transform, pipeline, type Readable } from 'node:stream';
import ignore from '@balena/dockerignore';
import * as tarFs from 'tar-fs';
import { ProdlikeError, messageOf, throwIfAborted } from '../errors';

export interface BuildContextPlan {
  /** Absolute path of the context folder. */
  root: string;
  /** The Dockerfile, relative to root with forward slashes (what the engine's `dockerfile` parameter takes). */
  dockerfile: string;
  /** The cleaned .dockerignore patterns (exceptions keep their `!`), empty when there is none. */
  ignorePatterns: string[];
  /** Every path sent, relative to root, forward slashes, parents before children. */
  entries: string[];
  /** Regular files among entries, and their total size in bytes (what the tar will carry, roughly). */
  fileCount: number;
  fileBytes: number;
}

/** Reads `.dockerignore` text into patterns exactly as the docker CLI's ignore-file reader does. */
export function parseDockerignore(text: string): string[] {
  const patterns: string[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const raw of lines) {
    let pattern = raw.trim();
    if (!pattern || pattern.startsWith('#')) continue;
    const invert = pattern.startsWith('!');
    if (invert) pattern = pattern.slice(1).trim();
    if (pattern) {
      pattern = posix.normalize(pattern.replace(/\\/g, '/'));
      if (pattern.length > 1 && pattern.endsWith('/')) pattern = pattern.slice(0, -1);
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    patterns.push(invert ? `!${pattern}` : pattern);
  }
  return patterns;
}

export interface PlanOptions {
  /** Dockerfile path: relative to `root` (default "Dockerfile") or absolute inside it. */
  dockerfile?: string;
  signal?: AbortSignal;
}

/** Walks the context and decides what is sent. Throws a ProdlikeError when the folder or Dockerfile is missing. */
export async function planBuildContext(contextDir: string, options: PlanOptions = {}): Promise<BuildContextPlan> {
  const root = resolve(contextDir);
  const rootStat = await lstat(root).catch(() => undefined);
  if (!rootStat?.isDirectory()) {
    throw new ProdlikeError('usage', `The build context ${root} is not a folder.`, 'Set build.context in prodlike.yaml (or pass --context) to the folder that holds your sources.');
  }
  const dockerfileAbs = resolve(root, options.dockerfile ?? 'Dockerfile');
  const dockerfile = relative(root, dockerfileAbs).split(sep).join('/');
  if (dockerfile.startsWith('../') || dockerfile === '..' || dockerfile === '') {
    throw new ProdlikeError('usage', `The Dockerfile ${dockerfileAbs} is outside the build context ${root}.`, 'Move the Dockerfile into the context folder, or make the context a parent of it.');
  }
  const dfStat = await lstat(dockerfileAbs).catch(() => undefined);
  if (!dfStat?.isFile()) {
    throw new ProdlikeError('usage', `No Dockerfile at ${dockerfileAbs}.`, 'Create it, or point build.dockerfile in prodlike.yaml (or --file) at the Dockerfile you use.');
  }

  let ignoreText = '';
  try {
    ignoreText = await readFile(resolve(root, '.dockerignore'), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ProdlikeError('usage', `Cannot read ${resolve(root, '.dockerignore')}: ${messageOf(e)}`, 'Fix its permissions.');
    }
  }
  const ignorePatterns = parseDockerignore(ignoreText);
  const matcher = ignore({ ignorecase: false }).add(ignorePatterns);
  const exceptions = ignorePatterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  const alwaysSent = new Set([dockerfile, '.dockerignore']);

  const entries: string[] = [];
  let fileCount = 0;
  let fileBytes = 0;

  const walk = async (dirRel: string): Promise<void> => {
    throwIfAborted(options.signal);
    const dirAbs = dirRel ? resolve(root, dirRel) : root;
    let names: string[];
    try {
      names = await readdir(dirAbs);
    } catch (e) {
      // The CLI fails on an unreadable folder instead of silently leaving it out; so do we.
      throw new ProdlikeError('usage', `Cannot read ${dirAbs} in the build context: ${messageOf(e)}`, 'Fix its permissions, or add it to .dockerignore.');
    }
    names.sort();
    for (const name of names) {
      const rel = dirRel ? `${dirRel}/${name}` : name;
      const st = await lstat(resolve(root, rel));
      if (st.isSocket() || st.isFIFO() || st.isBlockDevice() || st.isCharacterDevice()) continue;
      const excluded = matcher.ignores(rel) && !alwaysSent.has(rel);
      if (st.isDirectory()) {
        if (excluded) {
          // The CLI's rule: walk an excluded folder only when an exception pattern starts with its path.
          if (exceptions.some((p) => `${p}/`.startsWith(`${rel}/`))) await walk(rel);
          continue;
        }
        entries.push(rel);
        await walk(rel);
        continue;
      }
      if (excluded) continue;
      entries.push(rel);
      if (st.isFile()) {
        fileCount++;
        fileBytes += st.size;
      }
    }
  };
  await walk('');
  return { root, dockerfile, ignorePatterns, entries, fileCount, fileBytes };
}

/**
 * Streams the planned context as an uncompressed tar (what the CLI sends). `onBytes` reports the
 * bytes produced so far, for progress and for the bench's "context bytes sent".
 */
export function packBuildContext(plan: BuildContextPlan, onBytes?: (total: number) => void): Readable {
  const pack = tarFs.pack(plan.root, {
    entries: plan.entries,
    // Entries list every path we send; this stops tar-fs from walking folders on its own
    // (which would re-add what .dockerignore removed).
    ignore: () => true,
    dereference: false,
    // Modes as they are on disk (the CLI applies no umask to the context).
    umask: 0,
    map: (header) => {
      header.uid = 0;
      header.gid = 0;
      // tar-stream writes uname/gname when present; the CLI leaves them empty.
      Object.assign(header, { uname: '', gname: '' });
      return header;
    },
    // @types/tar-fs lags tar-fs 3 (umask is a real option there).
  } as tarFs.PackOptions) as unknown as Readable;
  if (!onBytes) return pack;
  let total = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _enc, done) {
      onBytes((total += chunk.length));
      done(null, chunk);
    },
  });
  return pipeline(pack, counted, () => undefined);
}
