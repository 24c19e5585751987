/**
 * Immutable tags: `<git short sha>` for a clean work tree, `<sha>-dirty-<hash>` when there are
 * uncommitted changes, where the hash covers the changed paths and their current contents — so
 * the same uncommitted state always gets the same tag and any edit gets a new one. Never `latest`
 * (Skaffold's gitCommit tagger is the model). Git is run with argument arrays, never a shell.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ProdlikeError, messageOf } from '../errors';

export interface ImmutableTag {
  tag: string;
  commit: string;
  dirty: boolean;
  /** Paths (relative to the repository root) that made the tree dirty. */
  changed: string[];
}

export async function immutableTag(dir: string, signal?: AbortSignal): Promise<ImmutableTag> {
  const top = (await git(dir, ['rev-parse', '--show-toplevel'], signal)).trim();
  let commit: string;
  try {
    commit = (await git(dir, ['rev-parse', '--short=12', 'HEAD'], signal)).trim();
  } catch {
    throw new ProdlikeError('usage', `The git repository at ${top} has no commit yet, so there is nothing to tag the image with.`, 'Commit once (git commit), or pass an explicit --tag.');
  }
  // -z: NUL-separated, paths verbatim (no quoting of unusual names); untracked files count as changes.
  const status = await git(top, ['status', '--porcelain=v1', '-z', '--untracked-files=all'], signal);
  const changed: string[] = [];
  const records = status.split('\0');
  for (let i = 0; i < records.length; i++) {
    const rec = records[i]!;
    if (rec.length < 4) continue;
    changed.push(rec.slice(3));
    // Renames and copies carry the original path in the next record.
    if (rec[0] === 'R' || rec[0] === 'C') i++;
  }
  if (changed.length === 0) return { tag: commit, commit, dirty: false, changed };
  changed.sort();
  const hash = createHash('sha256');
  for (const path of changed) {
    hash.update(path).update('\0');
    await hashPath(hash, join(top, path));
    hash.update('\0');
  }
  return { tag: `${commit}-dirty-${hash.digest('hex').slice(0, 12)}`, commit, dirty: true, changed };
}

async function hashPath(hash: ReturnType<typeof createHash>, abs: string): Promise<void> {
  const st = await lstat(abs).catch(() => undefined);
  if (!st) return void hash.update('<deleted>');
  if (st.isSymbolicLink()) return void hash.update(`<link>${await readlink(abs)}`);
  if (!st.isFile()) return void hash.update('<other>');
  hash.update(`<mode>${(st.mode & 0o111) !== 0 ? 'x' : '-'}`);
  for await (const chunk of createReadStream(abs)) hash.update(chunk as Buffer);
}

/** Refuses tags that are not immutable by construction. */
export function assertImmutableTag(tag: string): void {
  if (tag === 'latest' || tag === '') {
    throw new ProdlikeError('usage', `The tag "${tag}" moves with every build, so production could run something other than what you tested.`, 'Let prodlike tag from git (omit --tag), or use a tag that names one build.');
  }
}

function git(cwd: string, args: string[], signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, signal, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' } });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', (e) =>
      reject(
        (e as NodeJS.ErrnoException).code === 'ENOENT'
          ? new ProdlikeError('usage', 'git is not installed, so prodlike cannot tag the image from the commit.', 'Install git, or pass an explicit --tag.')
          : new ProdlikeError(signal?.aborted ? 'aborted' : 'internal', `git ${args[0]} failed: ${messageOf(e)}`),
      ),
    );
    child.on('close', (code) => {
      if (code === 0) return resolve(out);
      if (/not a git repository/i.test(err)) {
        return reject(new ProdlikeError('usage', `${cwd} is not inside a git repository, so prodlike cannot tag the image from a commit.`, 'Run `git init && git commit`, or pass an explicit --tag.'));
      }
      reject(new ProdlikeError('internal', `git ${args.join(' ')} failed: ${err.trim()}`));
    });
  });
}
