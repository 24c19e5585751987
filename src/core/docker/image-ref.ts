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

export function parseImageRef(text: string): ImageRef {
  const bad = (why: string) => new ProdlikeError('usage', `"${text}" is not an image reference: ${why}.`, 'Write it as [registry/]repository[:tag][@sha256:digest], e.g. registry.example.com/team/app:1a2b3c4.');
  let rest = text.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad('the digest must be sha256: followed by 64 hex digits');
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad(`"${tag}" is not a valid tag`);
  }
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
