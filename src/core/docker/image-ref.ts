/**
 * Image references as Docker reads them: `[registry[:port]/]path[:tag][@sha256:digest]`.
 * The registry is the first path component when it looks like a host (has a dot or a colon, or is
 * `localhost`), Docker Hub otherwise — the rule of distribution/reference.
 */
import { ProdlikeError } from '../errors';

export interface ImageRef {
  /** Registry host[:port]; `docker.io` for Docker Hub. */
  registry: string;
  /** Repository path inside the registry (`library/nginx` for `nginx`). */
  path: string;
  tag?: string;
  digest?: string;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/**
 * The three parts of a reference as written, without checking them: what comes before `@` is the
 * name (with the tag after its last colon, unless that colon belongs to a registry port), after `@`
 * the digest. For references read back from an engine; what a user types goes through parseImageRef.
 */
export function splitImageRef(text: string): { name: string; tag?: string; digest?: string } {
  let name = text.trim();
  let digest: string | undefined;
  const at = name.indexOf('@');
  if (at >= 0) {
    digest = name.slice(at + 1);
    name = name.slice(0, at);
  }
  let tag: string | undefined;
  const colon = name.lastIndexOf(':');
  // A colon after the last slash is a tag; before it, a registry port (127.0.0.1:5055/app).
  if (colon > name.lastIndexOf('/')) {
    tag = name.slice(colon + 1);
    name = name.slice(0, colon);
  }
  return { name, tag, digest };
}

export function parseImageRef(text: string): ImageRef {
  const bad = (why: string) => new ProdlikeError('usage', `"${text}" is not an image reference: ${why}.`, 'Write it as [registry/]repository[:tag][@sha256:digest], e.g. registry.example.com/team/app:1a2b3c4.');
  const { name: rest, tag, digest } = splitImageRef(text);
  if (digest !== undefined && !DIGEST.test(digest)) throw bad('the digest must be sha256: followed by 64 hex digits');
  if (tag !== undefined && !TAG.test(tag)) throw bad(`"${tag}" is not a valid tag`);
  const parts = rest.split('/');
  let registry = 'docker.io';
  if (parts.length > 1 && (/[.:]/.test(parts[0]!) || parts[0] === 'localhost')) registry = parts.shift()!;
  if (parts.length === 0 || parts.some((p) => !PATH_COMPONENT.test(p))) throw bad('repository names are lowercase letters, digits and separators');
  if (registry === 'docker.io' && parts.length === 1) parts.unshift('library');
  return { registry, path: parts.join('/'), tag, digest };
}

/** The repository as a user writes it (`nginx`, not `docker.io/library/nginx`). */
export function repositoryOf(ref: ImageRef): string {
  if (ref.registry === 'docker.io') return ref.path.startsWith('library/') ? ref.path.slice('library/'.length) : ref.path;
  return `${ref.registry}/${ref.path}`;
}

export function formatImageRef(ref: ImageRef): string {
  return `${repositoryOf(ref)}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** `repo:tag@sha256:…` — what a deploy uses: readable, and pinned to the exact bytes. */
export function pinnedRef(repository: string, tag: string, digest: string): string {
  return formatImageRef({ ...parseImageRef(`${repository}:${tag}`), digest });
}
