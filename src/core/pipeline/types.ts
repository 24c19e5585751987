/**
 * What the deploy pipeline tells its renderers (the CLI's `prodlike ship`, the demo, the
 * extension's status-bar button): one ordered stream of typed events and one final report.
 * Plain data only — no printing, no UI — so both renderers show the same facts.
 */
import type { ClusterIdentity, RolloutEvent } from '../cluster/types';
import type { BuildEvent } from '../docker/build';
import type { PushEvent } from '../docker/push';

/** The stages, in the order they run. `rollback` runs only after a failed rollout with `autoRollback`. */
export const STAGES = ['build', 'push', 'plan', 'confirm', 'deploy', 'rollout', 'rollback'] as const;
export type Stage = (typeof STAGES)[number];

/** Where a deploy goes, shown before anything changes (wrong-cluster deploys happen). */
export interface ShipTarget {
  environment: string;
  protected: boolean;
  autoRollback: boolean;
  cluster: ClusterIdentity;
  namespace: string;
  workload: string;
}

export interface ShipImage {
  /** `repo:tag` as built (tag from git: `<sha>` or `<sha>-dirty-<hash>`). */
  reference: string;
  repository: string;
  tag: string;
  /** True when the work tree had uncommitted changes. */
  dirty: boolean;
  imageId?: string;
  /** sha256:… of the manifest in the registry, once pushed. */
  digest?: string;
  /** `repo:tag@sha256:…`, what the cluster is given. */
  pinned?: string;
}

/** The deploy as data, never the raw request (a service spec's environment may hold secrets). */
export interface ShipPlan {
  workload: string;
  container: string;
  fromImage: string;
  toImage: string;
  cause: string;
}

export interface ShipRollbackPlan {
  fromRevision?: number;
  toRevision: number;
  fromImage: string;
  toImage: string;
  /** Why prodlike rolls back: the failure it saw. */
  reason: string;
}

export type StageState = 'started' | 'finished' | 'skipped' | 'failed';

export type PipelineEvent =
  /** Once, first: where this goes. */
  | { type: 'target'; target: ShipTarget }
  /** A stage either runs (started, then finished or failed) or is skipped (one event, e.g. confirm when not protected). */
  | { type: 'stage'; stage: Stage; state: StageState; message: string }
  /** The engine's build progress, as `prodlike build` shows it. */
  | { type: 'build'; event: BuildEvent }
  | { type: 'push'; event: PushEvent }
  /** After the build (no digest yet) and after the push (with digest and pinned reference). */
  | { type: 'image'; image: ShipImage }
  | { type: 'plan'; plan: ShipPlan }
  /** The orchestrator's rollout events; `progress` carries updated/desired for an n/m display. */
  | { type: 'rollout'; event: RolloutEvent; phase: 'deploy' | 'rollback' }
  | { type: 'rollback-plan'; plan: ShipRollbackPlan }
  /** Once, last (also after a cancel); not sent when the pipeline throws. */
  | { type: 'report'; report: ShipReport };

/**
 * How a ship ended.
 * - `complete`: the new image runs everywhere.
 * - `rolled-back`: the rollout failed and the previous revision runs again (see `rolledBack.by`).
 * - `failed`: the rollout failed and nothing was rolled back (autoRollback off, nothing to go
 *   back to, or the rollback itself did not complete) — the workload may be degraded.
 * - `paused`: the orchestrator paused the rollout; a person decides.
 * - `cancelled`: the signal fired; `cancelled.state` says what the cluster was left with.
 */
export type ShipOutcome = 'complete' | 'rolled-back' | 'failed' | 'paused' | 'cancelled';

/**
 * Where a cancelled ship left things. The pipeline never sends half a request: a deploy or
 * rollback request that was sent is allowed to finish, so one of these is always true.
 * - `nothing-changed`: cancelled before the deploy was sent; the cluster is untouched (an image
 *   may have been built or pushed — that changes no running workload).
 * - `deploy-applied`: the deploy was applied and the rollout goes on in the cluster without
 *   prodlike watching; the orchestrator finishes it (swarm rolls back by itself on failure when
 *   its failure action says so). prodlike does not roll back after a cancel.
 * - `rollback-applied`: the same, for the automatic rollback prodlike had started.
 */
export type CancelState = 'nothing-changed' | 'deploy-applied' | 'rollback-applied';

export interface ShipReport {
  outcome: ShipOutcome;
  /** One line a person reads. */
  message: string;
  target: ShipTarget;
  image?: ShipImage;
  plan?: ShipPlan;
  /** The revision the deploy created, when the orchestrator numbers them. */
  revision?: number;
  /** The rollout's last event (of the deploy; of the rollback, when one ran). */
  rollout?: RolloutEvent;
  /** Set when the failed deploy was undone: by the orchestrator itself (swarm) or by prodlike (autoRollback). */
  rolledBack?: { by: 'orchestrator' | 'prodlike'; toRevision?: number; toImage?: string; message: string };
  cancelled?: { stage: Stage; state: CancelState };
}
