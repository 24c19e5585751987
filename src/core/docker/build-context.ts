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
 *
 * Speed (bench/build-context.ts): the cost of a context of many small files is the latency of one
 * file-system call after another, not CPU. So the walk reads each folder with its entry types
 * (no stat for what .dockerignore excludes), stats what is kept many at a time, and never enters an
 * excluded folder without an exception under it; packing reuses the plan's stats and reads the
 * next small files ahead, many at a time, while tar-fs writes them out in order; the tar leaves in
 * chunks of 64 KiB rather than one write per header.
 */
import { constants as fsConstants, readlink, createReadStream, type Dirent, type Stats } from 'node:fs';
import { lstat, open, readdir, readFile } from 'node:fs/promises';
import { join, posix, relative, resolve, sep } from 'node:path';
import { Readable, Transform, pipeline } from 'node:stream';
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
  /** What lstat said of each entry when it was planned (keyed like `entries`); the tar headers are written from these. */
  stats: ReadonlyMap<string, Stats>;
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

/** File-system calls in flight at once while planning (the libuv pool runs 4; the rest wait queued, not idle). */
const WALK_CONCURRENCY = 64;

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
  const limit = concurrency(WALK_CONCURRENCY);
  const stats = new Map<string, Stats>();

  const statEntry = async (rel: string): Promise<Stats | undefined> => {
    try {
      return await limit(() => lstat(resolve(root, rel)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // removed while we walked
      throw new ProdlikeError('usage', `Cannot read ${resolve(root, rel)} in the build context: ${messageOf(e)}`, 'Fix its permissions, or add it to .dockerignore.');
    }
  };

  // Returns the entries under dirRel in order (parents before children); folders are walked concurrently.
  const walk = async (dirRel: string): Promise<string[]> => {
    throwIfAborted(options.signal);
    const dirAbs = dirRel ? resolve(root, dirRel) : root;
    let dirents: Dirent[];
    try {
      dirents = await limit(() => readdir(dirAbs, { withFileTypes: true }));
    } catch (e) {
      // The CLI fails on an unreadable folder instead of silently leaving it out; so do we.
      throw new ProdlikeError('usage', `Cannot read ${dirAbs} in the build context: ${messageOf(e)}`, 'Fix its permissions, or add it to .dockerignore.');
    }
    dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const parts = dirents.map(async (d): Promise<string[]> => {
      // Sockets, FIFOs and devices cannot travel in a build context; the CLI skips them too.
      if (!d.isDirectory() && !d.isFile() && !d.isSymbolicLink()) return [];
      const rel = dirRel ? `${dirRel}/${d.name}` : d.name;
      const excluded = matcher.ignores(rel) && !alwaysSent.has(rel);
      if (d.isDirectory() && excluded) {
        // The CLI's rule: walk an excluded folder only when an exception pattern starts with its path.
        return exceptions.some((p) => `${p}/`.startsWith(`${rel}/`)) ? walk(rel) : [];
      }
      if (excluded) return [];
      const st = await statEntry(rel);
      if (!st) return [];
      stats.set(rel, st);
      return st.isDirectory() ? [rel, ...(await walk(rel))] : [rel];
    });
    return (await Promise.all(parts)).flat();
  };
  const entries = await walk('');
  let fileCount = 0;
  let fileBytes = 0;
  for (const st of stats.values()) {
    if (st.isFile()) {
      fileCount++;
      fileBytes += st.size;
    }
  }
  return { root, dockerfile, ignorePatterns, entries, stats, fileCount, fileBytes };
}

/** Files up to this size are read ahead whole; larger ones are streamed from disk when their turn comes. */
const READ_AHEAD_MAX_FILE = 1024 * 1024;
const READ_AHEAD_FILES = 64;
const READ_AHEAD_BYTES = 32 * 1024 * 1024;
/** The tar leaves in chunks of about this size (one socket write each) instead of one per header and file. */
const CHUNK_BYTES = 64 * 1024;

/**
 * Streams the planned context as an uncompressed tar (what the CLI sends). `onBytes` reports the
 * bytes produced so far, for progress and for the bench's "context bytes sent".
 *
 * tar-fs writes the tar (headers, links, order); it reads the disk through `plannedFs`, which
 * answers lstat from the plan and serves file contents that were read ahead. A file that changed
 * size since it was planned fails the build rather than sending a corrupt entry.
 */
export function packBuildContext(plan: BuildContextPlan, onBytes?: (total: number) => void): Readable {
  const pack = tarFs.pack(plan.root, {
    entries: plan.entries,
    fs: plannedFs(plan),
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
    // @types/tar-fs lags tar-fs 3 (umask and fs are real options there).
  } as tarFs.PackOptions) as unknown as Readable;
  let total = 0;
  let held: Buffer[] = [];
  let heldBytes = 0;
  const release = (stream: Transform) => {
    if (!heldBytes) return;
    const chunk = held.length === 1 ? held[0]! : Buffer.concat(held, heldBytes);
    held = [];
    heldBytes = 0;
    stream.push(chunk);
    onBytes?.((total += chunk.length));
  };
  const chunked = new Transform({
    transform(chunk: Buffer, _enc, done) {
      held.push(chunk);
      heldBytes += chunk.length;
      if (heldBytes >= CHUNK_BYTES) release(this);
      done();
    },
    flush(done) {
      release(this);
      done();
    },
  });
  return pipeline(pack, chunked, () => undefined);
}

/**
 * The few fs calls tar-fs makes (lstat, readdir, readlink, createReadStream), answered from the
 * plan: no second stat of anything, no folder listed again, and small files read ahead of the
 * writer, several at a time, so it never waits on one read after another.
 */
function plannedFs(plan: BuildContextPlan) {
  const byPath = new Map<string, Stats>();
  const files: { abs: string; size: number }[] = [];
  for (const rel of plan.entries) {
    const st = plan.stats.get(rel);
    if (!st) continue;
    const abs = join(plan.root, rel);
    byPath.set(abs, st);
    if (st.isFile()) files.push({ abs, size: st.size });
  }
  const ahead = new ReadAhead(files);
  return {
    lstat(path: string, cb: (err: NodeJS.ErrnoException | null, st?: Stats) => void) {
      const st = byPath.get(path);
      if (st) process.nextTick(cb, null, st);
      else process.nextTick(cb, Object.assign(new Error(`${path} was not planned`), { code: 'ENOENT' }));
    },
    readdir(_path: string, cb: (err: null, names: string[]) => void) {
      // The plan lists every entry; tar-fs must not discover more.
      process.nextTick(cb, null, []);
    },
    readlink,
    createReadStream(path: string, opts: { start?: number; end?: number }) {
      const read = ahead.take(path);
      if (!read) return createReadStream(path, opts);
      let started = false;
      return new Readable({
        read() {
          if (started) return;
          started = true;
          read.then(
            (buf) => {
              this.push(buf);
              this.push(null);
            },
            (e: unknown) => this.destroy(e as Error),
          );
        },
      });
    },
  };
}

/** Reads small files in plan order ahead of the tar writer, bounded in count and bytes. */
class ReadAhead {
  private next = 0;
  private buffered = 0;
  private readonly pending = new Map<string, { size: number; read: Promise<Buffer> }>();

  constructor(private readonly files: { abs: string; size: number }[]) {}

  /** The file's contents when it is small (read ahead), undefined when it is to be streamed. */
  take(abs: string): Promise<Buffer> | undefined {
    this.fill();
    const hit = this.pending.get(abs);
    if (!hit) return undefined;
    this.pending.delete(abs);
    this.buffered -= hit.size;
    this.fill();
    return hit.read;
  }

  private fill(): void {
    while (this.next < this.files.length && this.pending.size < READ_AHEAD_FILES && this.buffered < READ_AHEAD_BYTES) {
      const f = this.files[this.next++]!;
      if (f.size > READ_AHEAD_MAX_FILE) continue;
      const read = readExactly(f.abs, f.size);
      read.catch(() => undefined); // handled by whoever takes it; a destroyed pack may never take it
      this.pending.set(f.abs, { size: f.size, read });
      this.buffered += f.size;
    }
  }
}

/** The file's first `size` bytes, without following a symbolic link swapped in since the plan; shorter is an error. */
async function readExactly(abs: string, size: number): Promise<Buffer> {
  const fh = await open(abs, fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0));
  try {
    const buf = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const { bytesRead } = await fh.read(buf, got, size - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    if (got < size) throw new Error(`${abs} shrank from ${size} to ${got} bytes while the build context was being sent`);
    return buf;
  } finally {
    await fh.close();
  }
}

/** Runs at most `n` of the given tasks at once; the rest wait in order. */
function concurrency(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    // A finishing task hands its slot straight to the next waiting one, so `running` never exceeds n.
    if (running >= n) await new Promise<void>((go) => waiting.push(go));
    else running++;
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
