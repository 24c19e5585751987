/**
 * Finds the files a parity check reads: Dockerfiles, YAML (Kubernetes manifests, compose files),
 * sources in the languages the source rules know, `.env` files, nginx and Java logging configs.
 *
 * Skips what is not the team's own code (node_modules, .git, vendored and build-output folders),
 * binary files (a NUL byte in the first 8 KiB), and refuses files over a size bound with an
 * `input-refused` hit instead of reading them.
 *
 * Files are read with synchronous calls in slices of a few milliseconds, yielding to the event loop
 * between slices (so an editor stays responsive and a cancel is seen). Measured on 14,000 small
 * files: promise-based reads cost ~0.1 ms of main-thread CPU per file (four thread-pool round
 * trips and FileHandle bookkeeping), synchronous ones ~15 µs — most of a check's time before.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { throwIfAborted } from '../errors';

export type FileKind = 'dockerfile' | 'dockerignore' | 'yaml' | 'source' | 'dotenv' | 'nginx' | 'java-logging' | 'php-ini';

export type SourceLanguage = 'js' | 'python' | 'go' | 'java' | 'ruby' | 'php' | 'shell';

export interface RepoFile {
  /** Relative to the root, forward slashes. */
  path: string;
  kind: FileKind;
  language?: SourceLanguage;
  text: string;
}

export interface RefusedFile {
  path: string;
  reason: string;
}

export interface Repo {
  root: string;
  /** Every file path seen (relative), for rules that ask what a `COPY .` brings in. */
  allPaths: string[];
  files: RepoFile[];
  refused: RefusedFile[];
  /** Every file looked at (including skipped binary and unknown files), for the bench's files/s. */
  visited: number;
}

export interface ScanOptions {
  /** Files larger than this are refused with a finding (default 1 MiB). */
  maxFileBytes?: number;
  signal?: AbortSignal;
}

export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

/** Folders that hold someone else's code or generated output. */
const SKIPPED_DIRS = new Set([
  'node_modules', '.git', '.hg', '.svn', 'vendor', 'third_party', 'third-party', 'bower_components',
  '.venv', 'venv', 'site-packages', '__pycache__', '.tox', '.mypy_cache', '.pytest_cache',
  'dist', 'out', 'target', '.next', '.nuxt', 'coverage', '.cache', '.gradle', '.idea', '.vscode', 'Pods',
]);

const SOURCE_EXTENSIONS: Record<string, SourceLanguage> = {
  '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.jsx': 'js', '.ts': 'js', '.mts': 'js', '.cts': 'js', '.tsx': 'js',
  '.py': 'python', '.go': 'go', '.java': 'java', '.kt': 'java', '.rb': 'ruby', '.php': 'php', '.sh': 'shell', '.bash': 'shell',
};

/** Extension-less scripts (bin/start, cgi-bin/handler) are read only when small, and kept only with a shell shebang. */
const MAX_SCRIPT_BYTES = 64 * 1024;

export function classify(name: string): { kind: FileKind; language?: SourceLanguage; maybe?: boolean } | undefined {
  const lower = name.toLowerCase();
  if (lower === 'dockerfile' || lower.startsWith('dockerfile.') || lower.endsWith('.dockerfile') || lower === 'containerfile') return { kind: 'dockerfile' };
  if (lower === '.dockerignore') return { kind: 'dockerignore' };
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return { kind: 'yaml' };
  if (lower === '.env' || lower.startsWith('.env.')) return { kind: 'dotenv' };
  if (lower === 'nginx.conf' || (lower.endsWith('.conf') && lower.includes('nginx'))) return { kind: 'nginx' };
  if (/^(logback.*\.xml|log4j2?.*\.(xml|properties))$/.test(lower)) return { kind: 'java-logging' };
  if (lower === 'php.ini' || lower.endsWith('.ini') && lower.includes('php')) return { kind: 'php-ini' };
  if (lower.endsWith('.min.js') || lower.endsWith('.d.ts')) return undefined;
  const dot = lower.lastIndexOf('.');
  if (dot <= 0) return { kind: 'source', language: 'shell', maybe: true };
  const language = SOURCE_EXTENSIONS[lower.slice(dot)];
  return language ? { kind: 'source', language } : undefined;
}

export async function scanRepo(root: string, options: ScanOptions = {}): Promise<Repo> {
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const candidates: { path: string; kind: FileKind; language?: SourceLanguage; maybe?: boolean }[] = [];
  let visited = 0;
  const allPaths: string[] = [];
  const dirs: string[] = [''];
  while (dirs.length > 0) {
    throwIfAborted(options.signal);
    const rel = dirs.pop()!;
    let entries;
    try {
      entries = await readdir(join(root, rel), { withFileTypes: true });
    } catch {
      continue; // unreadable folder: nothing to say about it
    }
    for (const e of entries) {
      const path = rel ? posix.join(rel, e.name) : e.name;
      if (e.isDirectory()) {
        if (!SKIPPED_DIRS.has(e.name)) dirs.push(path);
      } else if (e.isFile()) {
        visited++;
        allPaths.push(path);
        const c = classify(e.name);
        if (c) candidates.push({ path, ...c });
      }
    }
  }
  candidates.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  const files: RepoFile[] = [];
  const refused: RefusedFile[] = [];
  const buffer = { bytes: Buffer.allocUnsafe(64 * 1024) };
  let sliceStart = performance.now();
  for (const c of candidates) {
    if (performance.now() - sliceStart > SLICE_MS) {
      await new Promise((r) => setImmediate(r));
      throwIfAborted(options.signal);
      sliceStart = performance.now();
    }
    const read = readBounded(join(root, c.path), c.maybe ? MAX_SCRIPT_BYTES : maxBytes, buffer);
    if (c.maybe) {
      if (read.kind === 'text' && /^#!\S*(\/|\s)(ba|da|k|z)?sh\b/.test(read.text)) files.push({ path: c.path, kind: c.kind, language: c.language, text: read.text });
    } else if (read.kind === 'text') files.push({ path: c.path, kind: c.kind, language: c.language, text: read.text });
    else if (read.kind === 'too-large') refused.push({ path: c.path, reason: `${read.size} bytes, over the ${maxBytes}-byte bound; not read.` });
  }
  refused.sort((a, b) => (a.path < b.path ? -1 : 1));
  return { root, allPaths, files, refused, visited };
}

type ReadResult = { kind: 'text'; text: string } | { kind: 'binary' } | { kind: 'too-large'; size: number } | { kind: 'unreadable' };

/** How long the scan reads before letting the event loop run. */
const SLICE_MS = 8;

/** `buffer` is reused between files and grown when a file is larger. */
function readBounded(abs: string, maxBytes: number, buffer: { bytes: Buffer }): ReadResult {
  let fd: number;
  try {
    fd = openSync(abs, 'r');
  } catch {
    return { kind: 'unreadable' };
  }
  try {
    const { size } = fstatSync(fd);
    if (size > maxBytes) return { kind: 'too-large', size };
    if (buffer.bytes.length < size) buffer.bytes = Buffer.allocUnsafe(size);
    const buf = buffer.bytes;
    let off = 0;
    while (off < size) {
      const n = readSync(fd, buf, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    const head = buf.subarray(0, Math.min(off, 8192));
    if (head.includes(0)) return { kind: 'binary' };
    return { kind: 'text', text: buf.toString('utf8', 0, off) };
  } catch {
    return { kind: 'unreadable' };
  } finally {
    closeSync(fd);
  }
}
