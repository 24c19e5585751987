/**
 * Image identity: is the image you run locally the one production runs? The running digest comes
 * from a lookup the caller injects (the Kubernetes or swarm backend reads it from pod status /
 * service tasks), so this rule needs no cluster and is tested with a plain function.
 */
import type { Hit, Position, Rule } from '../model';

export const IMAGE_RULES: Rule[] = [
  {
    id: 'image-drift',
    severity: 'error',
    area: 'image',
    title: 'The local image is not the image production runs',
    explanation: 'Parity means the image you run and test locally is byte-for-byte the image in production: the same digest. A different digest means different code, dependencies or base layers, so what you saw locally says little about production.',
    fix: 'Run the production digest locally (`prodlike run --env ENV`), or build, push and deploy the local image so production runs it (`prodlike deploy`).',
  },
];

/** Digest of the image a workload in an environment runs, or undefined when it cannot be told (not deployed, unreachable). */
export type RunningDigestLookup = (environment: string, signal?: AbortSignal) => Promise<string | undefined>;

export interface ImageIdentityInput {
  /** The local image as the user names it (e.g. registry/app:dev). */
  localRef: string;
  /** Every digest that names the local image: its image ID and its repo digests (`repo@sha256:…`). */
  localDigests: string[];
  environments: string[];
  lookup: RunningDigestLookup;
  /** Where findings point (prodlike.yaml, at each environment when known). */
  anchorOf: (environment: string) => { start: Position; end?: Position };
  signal?: AbortSignal;
}

/** `sha256:…` out of an image ID, `repo@sha256:…`, or `docker-pullable://repo@sha256:…`. */
export function digestOf(ref: string): string | undefined {
  const m = /sha256:[0-9a-f]{64}/.exec(ref);
  return m?.[0];
}

export async function checkImageIdentity(input: ImageIdentityInput): Promise<Hit[]> {
  const local = new Set(input.localDigests.map(digestOf).filter((d): d is string => d !== undefined));
  const localShown = digestOf(input.localDigests.find((d) => d.includes('@')) ?? input.localDigests[0] ?? '') ?? 'unknown';
  const hits: Hit[] = [];
  for (const env of input.environments) {
    const running = await input.lookup(env, input.signal);
    const runningDigest = running ? digestOf(running) : undefined;
    if (!runningDigest || local.has(runningDigest)) continue;
    hits.push({
      ruleId: 'image-drift',
      message: `${input.localRef} (${localShown}) is not the image running in ${env} (${runningDigest}).`,
      ...input.anchorOf(env),
      data: { environment: env, localDigest: localShown, runningDigest },
    });
  }
  return hits;
}
