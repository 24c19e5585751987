/**
 * Deploy and rollback as data (STYLE habit 2): the exact patches, computed from the objects as
 * read, so the UI can show them and tests can check them before anything is sent.
 *
 * Rollback follows `kubectl rollout undo` (k8s.io/kubectl/pkg/polymorphichelpers/rollback.go):
 * refuse a paused Deployment; revision 0 = the previous one (the highest revision below the
 * current); restore the ReplicaSet's template without its pod-template-hash label and its
 * annotations, keeping the Deployment's own bookkeeping annotations; "skipped" when the template
 * already matches. The patch is the same JSON patch kubectl sends, so both leave the same object;
 * prodlike adds one `test` of the resourceVersion so a plan confirmed by a user is not applied to
 * a Deployment that changed meanwhile.
 */
import type { RollbackPlan } from '../cluster/types';
import { ProdlikeError } from '../errors';
import {
  CHANGE_CAUSE_ANNOTATION,
  REVISION_ANNOTATION,
  containerOf,
  ownedBy,
  revisionOf,
  sameTemplate,
  templateWithoutHash,
  type Deployment,
  type ReplicaSet,
} from './objects';

/** Annotations kubectl keeps from the Deployment instead of taking them from the ReplicaSet. */
const ANNOTATIONS_TO_SKIP = [
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
];

export type JsonPatchOp = { op: 'replace' | 'add' | 'test' | 'remove'; path: string; value?: unknown };

/** A RollbackPlan before it is tied to a workload and cluster: what `kubectl rollout undo` would send. */
export type RollbackPatchPlan = Omit<RollbackPlan, 'workload' | 'cluster' | 'patch'> & { patch: JsonPatchOp[] };

export function planRollbackPatch(d: Deployment, replicaSets: ReplicaSet[], toRevision = 0, containerName?: string): RollbackPatchPlan {
  const name = d.metadata.name;
  if (d.spec.paused) {
    throw new ProdlikeError('rollback-refused', `Deployment "${name}" is paused; a paused Deployment cannot be rolled back.`, `Resume it first (kubectl rollout resume deployment/${name}), then roll back.`);
  }
  const owned = ownedBy(d, replicaSets).filter((rs) => revisionOf(rs) > 0);
  const current = Number(d.metadata.annotations?.[REVISION_ANNOTATION]) || Math.max(0, ...owned.map(revisionOf));
  const limit = d.spec.revisionHistoryLimit ?? 10;
  let target: ReplicaSet | undefined;
  if (toRevision === 0) {
    // kubectl's LastRevision: the second-highest revision among the ReplicaSets.
    const sorted = [...owned].sort((a, b) => revisionOf(b) - revisionOf(a));
    target = sorted[1];
    if (!target) {
      const why = limit === 0 ? ` Its revisionHistoryLimit is 0, so Kubernetes keeps no earlier revision.` : ' There is no earlier revision.';
      throw new ProdlikeError('rollback-refused', `Deployment "${name}" has no previous revision to roll back to.${why}`, limit === 0 ? 'Set spec.revisionHistoryLimit above 0 to be able to roll back, and deploy the wanted image instead.' : 'Deploy the image you want instead.');
    }
  } else {
    target = owned.find((rs) => revisionOf(rs) === toRevision);
    if (!target) {
      const known = owned.map(revisionOf).sort((a, b) => a - b).join(', ') || 'none';
      throw new ProdlikeError('not-found', `unable to find specified revision ${toRevision} in history of deployment "${name}" (revisions kept: ${known}).`, 'Pick one of the kept revisions (prodlike history).');
    }
  }
  const from = containerOf(d.spec.template, containerName);
  const to = containerOf(target.spec.template, target.spec.template.spec.containers.some((c) => c.name === from.name) ? from.name : undefined);
  const warnings: string[] = [];
  const skipped = sameTemplate(target.spec.template, d.spec.template);
  if (!skipped && limit <= 1) {
    warnings.push(`revisionHistoryLimit is ${limit}: after this rollback ${limit === 0 ? 'no earlier revision is kept' : 'only one earlier revision is kept'}, so there may be nothing to roll back to next time.`);
  }
  const annotations: Record<string, string> = {};
  for (const k of ANNOTATIONS_TO_SKIP) {
    const v = d.metadata.annotations?.[k];
    if (v !== undefined) annotations[k] = v;
  }
  for (const [k, v] of Object.entries(target.metadata.annotations ?? {})) if (!ANNOTATIONS_TO_SKIP.includes(k)) annotations[k] = v;
  const patch: JsonPatchOp[] = [
    { op: 'test', path: '/metadata/resourceVersion', value: d.metadata.resourceVersion },
    { op: 'replace', path: '/spec/template', value: templateWithoutHash(target.spec.template) },
    { op: 'replace', path: '/metadata/annotations', value: annotations },
  ];
  const plan: RollbackPatchPlan = { toRevision: revisionOf(target), fromImage: from.image, toImage: to.image, skipped, warnings, patch: skipped ? [] : patch };
  if (current) plan.fromRevision = current;
  return plan;
}

const PINNED = /^[^@\s]+@sha256:[a-f0-9]{64}$/;

/**
 * The patch that deploys `imageRef` to one container and records why. The `test` operations make
 * it apply only to the Deployment the user saw (same container at the same index, same image).
 */
export function deployPatch(d: Deployment, imageRef: string, cause: string, containerName?: string): { container: string; fromImage: string; patch: JsonPatchOp[] } {
  if (!PINNED.test(imageRef)) {
    throw new ProdlikeError('usage', `"${imageRef}" is not pinned by digest.`, 'Deploy what was pushed, as repository[:tag]@sha256:<digest>, so the cluster runs exactly the image you tested.');
  }
  const c = containerOf(d.spec.template, containerName);
  const base = `/spec/template/spec/containers/${c.index}`;
  const patch: JsonPatchOp[] = [
    { op: 'test', path: `${base}/name`, value: c.name },
    { op: 'test', path: `${base}/image`, value: c.image },
    { op: 'replace', path: `${base}/image`, value: imageRef },
    d.metadata.annotations
      ? { op: 'add', path: `/metadata/annotations/${CHANGE_CAUSE_ANNOTATION.replace(/~/g, '~0').replace(/\//g, '~1')}`, value: cause }
      : { op: 'add', path: '/metadata/annotations', value: { [CHANGE_CAUSE_ANNOTATION]: cause } },
  ];
  return { container: c.name, fromImage: c.image, patch };
}
