/**
 * Image identity against real environments: the local image's digests (from the engine) versus
 * the digest each environment's workload runs (from its Cluster), through the `image-drift` rule of
 * rules/imageIdentity.ts. The caller opens clusters (cluster/open.ts), so this module branches on
 * no orchestrator and is tested with the swarm and the Kubernetes test server alike.
 *
 * What runs: the digest the workload's spec pins (both backends pin on deploy); for a spec that
 * names only a tag, the digest its running pods or tasks report, when they all agree. An
 * environment whose workload is not deployed, or whose digest cannot be told, is a note, not a
 * finding; an unreachable cluster is an error (the check cannot say what it was asked).
 */
import type Dockerode from 'dockerode';
import type { Environment } from '../config/types';
import type { Cluster, WorkloadRef } from '../cluster/types';
import { ProdlikeError, messageOf, throwIfAborted } from '../errors';
import type { Hit, Position } from './model';
import { checkImageIdentity, digestOf } from './rules/imageIdentity';

export interface ImageIdentityCheckOptions {
  docker: Dockerode;
  /** The local image as the user names it (tag or ID). */
  image: string;
  /** Environments to compare with; each must name a workload. */
  environments: Environment[];
  openCluster: (environment: Environment) => Promise<Cluster>;
  /** Where a finding for an environment points (its entry in prodlike.yaml). */
  anchorOf: (environment: string) => { start: Position; end?: Position };
  signal?: AbortSignal;
}

/** What was compared, for the report: one entry per environment. */
export interface ComparedImage {
  environment: string;
  workload: string;
  /** The image reference the workload runs, as its spec writes it. */
  runningImage?: string;
  runningDigest?: string;
  /** Why nothing could be compared (not deployed, no digest known). */
  note?: string;
}

export interface ImageIdentityResult {
  hits: Hit[];
  localDigest: string | undefined;
  compared: ComparedImage[];
}

export async function imageIdentityCheck(options: ImageIdentityCheckOptions): Promise<ImageIdentityResult> {
  const local = await localDigests(options.docker, options.image);
  const compared = new Map<string, ComparedImage>();
  const clusters: Cluster[] = [];
  try {
    const byName = new Map(options.environments.map((e) => [e.name, e]));
    const hits = await checkImageIdentity({
      localRef: options.image,
      localDigests: local,
      environments: options.environments.map((e) => e.name),
      anchorOf: options.anchorOf,
      signal: options.signal,
      lookup: async (name, signal) => {
        throwIfAborted(signal);
        const environment = byName.get(name)!;
        const ref = workloadOf(environment);
        const entry: ComparedImage = { environment: name, workload: ref.name };
        compared.set(name, entry);
        const cluster = await options.openCluster(environment);
        clusters.push(cluster);
        const running = await runningImage(cluster, ref, signal);
        if (!running) {
          entry.note = `${ref.name} is not deployed in ${name}; nothing to compare.`;
          return undefined;
        }
        entry.runningImage = running.image;
        entry.runningDigest = running.digest;
        if (!running.digest) entry.note = `${ref.name} in ${name} runs ${running.image}, whose digest neither its spec nor its running ${cluster.identity.orchestrator === 'swarm' ? 'tasks' : 'pods'} tell.`;
        return running.digest;
      },
    });
    const shown = digestOf(local.find((d) => d.includes('@')) ?? local[0] ?? '');
    return { hits, localDigest: shown, compared: options.environments.map((e) => compared.get(e.name)!) };
  } finally {
    for (const c of clusters) c.dispose();
  }
}

function workloadOf(environment: Environment): WorkloadRef {
  if (!environment.workload) {
    throw new ProdlikeError(
      'usage',
      `Environment "${environment.name}" names no workload, so there is no running image to compare with.`,
      `Add \`workload: <name>\` to environments.${environment.name} in prodlike.yaml.`,
    );
  }
  return { namespace: environment.namespace ?? 'default', name: environment.workload, ...(environment.container ? { container: environment.container } : {}) };
}

/** The local image's ID and repo digests (`repo@sha256:…`, present once it was pushed or pulled). */
async function localDigests(docker: Dockerode, image: string): Promise<string[]> {
  let info: Dockerode.ImageInspectInfo;
  try {
    info = await docker.getImage(image).inspect();
  } catch (e) {
    const status = (e as { statusCode?: number }).statusCode;
    if (status === 404) throw new ProdlikeError('usage', `No local image ${image}.`, 'Build it (`prodlike build`) or pull it, or pass --image with an image the engine has.');
    throw new ProdlikeError('engine-unreachable', `Cannot inspect the local image ${image}: ${messageOf(e)}`, 'Check the engine with `prodlike doctor`.');
  }
  return [info.Id, ...(info.RepoDigests ?? [])];
}

/** The image a workload runs and its digest; undefined when the workload does not exist. */
export async function runningImage(cluster: Cluster, ref: WorkloadRef, signal?: AbortSignal): Promise<{ image: string; digest?: string } | undefined> {
  let workload;
  try {
    workload = await cluster.getWorkload(ref, signal);
  } catch (e) {
    if (e instanceof ProdlikeError && e.code === 'not-found') return undefined;
    throw e;
  }
  const pinned = workload.digest ?? digestOf(workload.image);
  if (pinned) return { image: workload.image, digest: pinned };
  // A tag only: ask what the pods or tasks pulled, and trust it only when they agree.
  const seen = new Set<string>();
  for (const pod of await cluster.pods(ref, signal)) {
    const containers = ref.container ? pod.containers.filter((c) => c.name === ref.container) : pod.containers.slice(0, 1);
    for (const c of containers) {
      const d = digestOf(c.imageID ?? '') ?? digestOf(c.image);
      if (d) seen.add(d);
    }
  }
  return { image: workload.image, digest: seen.size === 1 ? [...seen][0] : undefined };
}
