/**
 * The edits of parity quick fixes, computed from a finding and the file's text only (no `vscode`,
 * no engine), so they are unit-tested in plain Node. Only mechanical fixes: the edit is the whole
 * fix, and nothing is guessed that the user would have to undo.
 *   - pin an image to its digest (Dockerfile FROM, manifest `image:`), when the engine knows the
 *     image's repository digest;
 *   - add a readinessProbe skeleton to a container (the port of its first containerPort, and the
 *     path of its livenessProbe when it has one);
 *   - raise `revisionHistoryLimit` to Kubernetes' default (10) so rollbacks have revisions to use.
 * Positions are 0-based here (VS Code's); findings carry 1-based ones.
 */

export interface FindingLike {
  ruleId: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  data?: Record<string, string>;
}

export interface QuickFixEdit {
  title: string;
  /** Replace [start, end) with text; start == end inserts. */
  start: { line: number; character: number };
  end: { line: number; character: number };
  text: string;
}

export const PIN_RULES = new Set(['base-image-not-pinned', 'base-image-latest', 'image-mutable-tag', 'image-latest']);
export const FIXABLE_RULES = new Set([...PIN_RULES, 'readiness-probe-missing', 'rollback-history-too-short']);

/** The Kubernetes default, and what `prodlike check` accepts (at least 2). */
export const DEFAULT_REVISION_HISTORY = 10;

/** Strips a registry's implicit parts so `nginx`, `library/nginx` and `docker.io/library/nginx` compare equal. */
export function normalizeRepository(repo: string): string {
  let r = repo.toLowerCase();
  r = r.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '');
  r = r.replace(/^library\//, '');
  return r;
}

/** `repo[:tag][@digest]` → repo (a port in the registry host is not a tag). */
export function repositoryPart(image: string): string {
  const noDigest = image.split('@')[0]!;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

/** The digest among an image's RepoDigests (`repo@sha256:…`) that belongs to the image's own repository. */
export function repoDigestFor(image: string, repoDigests: readonly string[]): string | undefined {
  const want = normalizeRepository(repositoryPart(image));
  for (const rd of repoDigests) {
    const at = rd.indexOf('@');
    if (at < 0) continue;
    if (normalizeRepository(rd.slice(0, at)) === want && /^sha256:[0-9a-f]{64}$/.test(rd.slice(at + 1))) return rd.slice(at + 1);
  }
  return undefined;
}

/** Replaces the image reference on the finding's line with `image@digest` (the tag stays, for people to read). */
export function pinImageEdit(lines: readonly string[], f: FindingLike, digest: string): QuickFixEdit | undefined {
  const image = f.data?.image;
  if (!image || !PIN_RULES.has(f.ruleId)) return undefined;
  const lineIndex = f.line - 1;
  const text = lines[lineIndex];
  if (text === undefined) return undefined;
  // The finding's column points at the image; search from there, else anywhere on the line (quoted values).
  let col = text.indexOf(image, Math.max(0, f.column - 1));
  if (col < 0) col = text.indexOf(image);
  if (col < 0) return undefined;
  return {
    title: `Pin ${image} to ${digest.slice(0, 19)}…`,
    start: { line: lineIndex, character: col },
    end: { line: lineIndex, character: col + image.length },
    text: `${image}@${digest}`,
  };
}

const indentOf = (s: string) => /^\s*/.exec(s)![0].length;

/**
 * Inserts a readinessProbe after the container's `name:` line, at the container's key indentation.
 * The finding points at the container's name.
 */
export function readinessProbeEdit(lines: readonly string[], f: FindingLike): QuickFixEdit | undefined {
  if (f.ruleId !== 'readiness-probe-missing') return undefined;
  const lineIndex = f.line - 1;
  const text = lines[lineIndex];
  if (text === undefined) return undefined;
  const m = /^(\s*)(- +)?name\s*:/.exec(text);
  if (!m) return undefined;
  const keyIndent = m[1]!.length + (m[2]?.length ?? 0);
  // The container's block: the following lines indented deeper than its list dash (or its keys).
  const blockIndent = m[2] ? m[1]!.length : keyIndent - 1;
  let port: string | undefined;
  let path: string | undefined;
  for (let i = lineIndex + 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.trim() === '' || l.trim().startsWith('#')) continue;
    if (indentOf(l) <= blockIndent) break;
    port ??= /containerPort\s*:\s*["']?(\d+)/.exec(l)?.[1];
    path ??= /^\s*path\s*:\s*["']?([^"'\s#]+)/.exec(l)?.[1];
  }
  const pad = ' '.repeat(keyIndent);
  const probe = [
    'readinessProbe:',
    '  httpGet:',
    `    path: ${path ?? '/healthz'}`,
    `    port: ${port ?? 8080}`,
    '  periodSeconds: 5',
    '  failureThreshold: 3',
  ];
  const eol = lineIndex + 1;
  return {
    title: `Add a readinessProbe (httpGet ${path ?? '/healthz'} on port ${port ?? 8080})`,
    start: { line: eol, character: 0 },
    end: { line: eol, character: 0 },
    text: probe.map((l) => pad + l + '\n').join(''),
  };
}

/** Replaces the value of `revisionHistoryLimit:` on the finding's line with the default (comments kept). */
export function revisionHistoryEdit(lines: readonly string[], f: FindingLike): QuickFixEdit | undefined {
  if (f.ruleId !== 'rollback-history-too-short') return undefined;
  const lineIndex = f.line - 1;
  const text = lines[lineIndex];
  if (text === undefined) return undefined;
  const m = /^(\s*revisionHistoryLimit\s*:\s*)(["']?-?\d+["']?)/.exec(text);
  if (!m) return undefined;
  const start = m[1]!.length;
  return {
    title: `Keep ${DEFAULT_REVISION_HISTORY} revisions (revisionHistoryLimit: ${DEFAULT_REVISION_HISTORY})`,
    start: { line: lineIndex, character: start },
    end: { line: lineIndex, character: start + m[2]!.length },
    text: String(DEFAULT_REVISION_HISTORY),
  };
}
