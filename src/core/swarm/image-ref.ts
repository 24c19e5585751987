/**
 * Image references as swarm stores them: `repository[:tag][@sha256:…]`. prodlike deploys only
 * digest-pinned references (Skaffold's rule): a tag can move, a digest cannot, so every node runs
 * the same bytes and a revision in the history means exactly one image.
 */
import { splitImageRef } from '../docker/image-ref';

export interface ImageRef {
  /** registry/path/name, without tag or digest. */
  repository: string;
  tag?: string;
  /** sha256:… */
  digest?: string;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** Tolerant: references come back from the engine as it stored them; a malformed digest is dropped. */
export function parseImageRef(ref: string): ImageRef {
  const { name, tag, digest } = splitImageRef(ref);
  return { repository: name, tag, digest: digest && DIGEST.test(digest) ? digest : undefined };
}

export function formatImageRef(ref: ImageRef): string {
  return `${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** The reference with this digest (the tag is kept for people to read; the engine uses the digest). */
export function pinDigest(ref: string, digest: string): string {
  return formatImageRef({ ...parseImageRef(ref), digest });
}

export function digestOf(ref: string): string | undefined {
  return parseImageRef(ref).digest;
}

/** A short form for tables: repository:tag@sha256:0123456789ab. */
export function shortImage(ref: string): string {
  const r = parseImageRef(ref);
  const name = `${r.repository}${r.tag ? `:${r.tag}` : ''}`;
  return r.digest ? `${name}@${r.digest.slice(0, 19)}` : name;
}
