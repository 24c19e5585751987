/**
 * The runtime pass of `prodlike check --runtime`: run the built image with production's
 * environment and judge what it wrote. Uses the static pass's model to know production's env (from
 * the manifest container that runs this image) and which folders production mounts.
 */
import type Dockerode from 'dockerode';
import type { Hit } from './model';
import { containersOf, envNamesOf, isObj, type Container } from './manifests';
import type { RepoModel } from './check';
import { judgeObservation, observeContainer } from './rules/runtime';

/** Stands in for values production takes from Secrets or ConfigMaps; never a real secret. */
export const PLACEHOLDER_VALUE = 'prodlike-check-placeholder';

export interface RuntimeCheckOptions {
  docker: Dockerode;
  image: string;
  durationMs?: number;
  name?: string;
  signal?: AbortSignal;
}

function repository(ref: string): string {
  const noDigest = ref.split('@')[0]!;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

/** The manifest container that runs `image` (same repository), else the only one there is. */
export function productionContainer(model: RepoModel, image: string): Container | undefined {
  const all = model.manifests.objects.flatMap(containersOf);
  const repo = repository(image);
  return all.find((c) => typeof c.value.image === 'string' && repository(c.value.image) === repo) ?? (all.length === 1 ? all[0] : undefined);
}

export function productionEnv(c: Container | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  if (!c) return env;
  for (const e of envNamesOf(c)) env[e.name] = e.literal ?? PLACEHOLDER_VALUE;
  return env;
}

export function productionMounts(c: Container | undefined): string[] {
  if (!c || !Array.isArray(c.value.volumeMounts)) return [];
  return c.value.volumeMounts.flatMap((m) => (isObj(m) && typeof m.mountPath === 'string' ? [m.mountPath] : []));
}

/** Hits keyed by file (the Dockerfile that builds the image, else the manifest). */
export async function runtimeCheck(model: RepoModel, o: RuntimeCheckOptions): Promise<Map<string, Hit[]>> {
  const container = productionContainer(model, o.image);
  const dockerfile = model.dockerfiles[0];
  const declared = dockerfile?.volumes ?? [];
  const mounts = productionMounts(container).filter((m) => !declared.includes(m));
  const observation = await observeContainer({ docker: o.docker, image: o.image, env: productionEnv(container), mounts, durationMs: o.durationMs, name: o.name, signal: o.signal });
  const file = dockerfile?.path ?? container?.owner.file ?? '';
  const anchor = dockerfile ? { start: dockerfile.entryPosition } : container ? container.owner.doc.rangeOf([...container.path, 'image']) : { start: { line: 1, column: 1 } };
  const hits = judgeObservation({ observation, volumes: [...declared, ...mounts], anchor });
  return new Map(hits.length ? [[file, hits]] : []);
}
