/**
 * How cluster objects read in the tree: plain functions of core's data (no `vscode`), unit-tested.
 * Ages as kubectl prints them; digests shortened to 12 hex digits as docker does.
 */
import type { Pod, Revision, Workload } from '../../core/cluster/types';

export function age(createdAt: string | undefined, now = Date.now()): string | undefined {
  if (!createdAt) return undefined;
  const t = Date.parse(createdAt);
  if (Number.isNaN(t)) return undefined;
  const s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

export function shortDigest(digest: string | undefined): string | undefined {
  if (!digest) return undefined;
  const hex = digest.replace(/^sha256:/, '');
  return hex.slice(0, 12);
}

/** The tag of an image reference (`repo:tag@sha256:…` → tag), or the last path part when it has none. */
export function imageTag(image: string): string {
  const noDigest = image.split('@')[0] ?? image;
  const slash = noDigest.lastIndexOf('/');
  const last = noDigest.slice(slash + 1);
  const colon = last.lastIndexOf(':');
  return colon >= 0 ? last.slice(colon + 1) : last;
}

export function digestOfImage(image: string): string | undefined {
  const at = image.indexOf('@');
  return at >= 0 ? image.slice(at + 1) : undefined;
}

export function workloadDescription(w: Workload, now = Date.now()): string {
  const digest = shortDigest(w.digest ?? digestOfImage(w.image));
  const parts = [`${w.ready}/${w.desired}`, imageTag(w.image) + (digest ? ` @${digest}` : '')];
  if (w.state === 'failed') parts.push('rollout failed');
  else if (w.state === 'progressing') parts.push('rolling out');
  else if (w.state === 'paused') parts.push('paused');
  else if (w.state === 'rolled-back') parts.push('rolled back');
  void now;
  return parts.join(' · ');
}

export function revisionLabel(r: Revision): string {
  return `#${r.number} ${imageTag(r.image)}`;
}

export function revisionDescription(r: Revision, now = Date.now()): string {
  const digest = shortDigest(r.digest ?? digestOfImage(r.image));
  return [r.current ? 'current' : undefined, digest ? `@${digest}` : undefined, r.cause, age(r.createdAt, now)].filter(Boolean).join(' · ');
}

export function podDescription(p: Pod, now = Date.now()): string {
  const restarts = p.restarts === 1 ? '1 restart' : `${p.restarts} restarts`;
  return [p.phase + (p.ready ? '' : ' (not ready)'), restarts, p.node, age(p.createdAt, now)].filter(Boolean).join(' · ');
}
