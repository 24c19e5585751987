/**
 * The deploy pipeline: build (immutable tag) → push (digest) → plan the deploy of the pinned
 * reference → confirm (protected environments) → deploy → watch the rollout → on failure, roll
 * back to the previous revision when the environment says `autoRollback` → report.
 *
 * One implementation for every caller: `prodlike ship`, `npm run demo` and the extension's
 * status-bar button. It never branches on the orchestrator; what differs (swarm rolls a failed
 * update back by itself, Kubernetes never does) is read from the cluster's own state, so a
 * rollback that already happened is reported, not done twice.
 *
 * Contract
 * - Events arrive in stage order through `onEvent`; the returned report is also sent as the last
 *   event. Errors (build failed, registry unreachable, confirmation refused…) are thrown as
 *   ProdlikeError after a `stage … failed` event; an outcome of the rollout is a report, not an error.
 * - The signal is honoured at every stage: build and push stop, the rollout watch stops. A deploy
 *   or rollback request that was sent is allowed to finish (it is one short request), so a cancel
 *   always leaves one of the states of `CancelState`, which the report names.
 * - A protected environment is deployed only when `confirm` returns its name (the same rule as
 *   `prodlike deploy --yes=<name>`); without a `confirm` callback it is refused. The automatic
 *   rollback that follows a failed rollout needs no second confirmation: it is the environment's
 *   own stated policy, and it restores what ran before the confirmed deploy.
 */
import { confirmProtected, requireWorkload, type Target } from '../cluster/open';
import type { Cluster, DeployPlan, RolloutEvent, Workload, WorkloadRef } from '../cluster/types';
import { buildImage } from '../docker/build';
import type { CredentialsOptions } from '../docker/credentials';
import type { Engine } from '../docker/engine';
import { parseImageRef, repositoryOf } from '../docker/image-ref';
import { assertImmutableTag, immutableTag } from '../docker/image-tag';
import { pushImage } from '../docker/push';
import { isProdlikeError, ProdlikeError } from '../errors';
import { shortImage } from '../swarm/image-ref';
import type { CancelState, PipelineEvent, ShipImage, ShipPlan, ShipReport, ShipRollbackPlan, ShipTarget, Stage } from './types';

export interface ConfirmRequest {
  /** The name the user must type. */
  environment: string;
  action: 'deploy to';
  target: ShipTarget;
  image: ShipImage;
  plan: ShipPlan;
}

export interface ShipBuildOptions {
  /** Merged over `build.args` of prodlike.yaml. */
  args?: Record<string, string>;
  /** An explicit tag instead of the one from git (never `latest`). */
  tag?: string;
  builder?: 'auto' | 'classic' | 'buildkit';
  /** Network for RUN steps (`host` on engines without a bridge network). */
  networkMode?: string;
  noCache?: boolean;
}

/** The engine-facing steps, replaceable so the stage logic is tested without an engine. */
export interface ShipTools {
  build: typeof buildImage;
  push: typeof pushImage;
  tag: (dir: string, signal?: AbortSignal) => Promise<{ tag: string; dirty: boolean }>;
}

export interface ShipOptions {
  /** From `openTarget`; the caller owns the cluster (and disposes it). */
  target: Target;
  /** The engine that builds and pushes (for swarm usually the cluster's own). */
  engine: Engine;
  /** Recorded with the revision; default `prodlike ship <reference>`. */
  cause?: string;
  signal?: AbortSignal;
  onEvent?: (event: PipelineEvent) => void;
  /** Asked for protected environments only; returns what the user typed (undefined: declined). */
  confirm?: (request: ConfirmRequest) => Promise<string | undefined>;
  build?: ShipBuildOptions;
  /** Where registry credentials come from (default: the user's Docker config). Never echoed. */
  credentials?: CredentialsOptions;
  /** Stop watching a rollout after this long (default: the orchestrator's deadline). */
  rolloutTimeoutMs?: number;
  tools?: Partial<ShipTools>;
}

const defaultTools: ShipTools = { build: buildImage, push: pushImage, tag: immutableTag };

export function shipTargetOf(target: Target, ref: WorkloadRef): ShipTarget {
  return {
    environment: target.environment.name,
    protected: target.environment.protected,
    autoRollback: target.environment.autoRollback,
    cluster: target.cluster.identity,
    namespace: target.namespace,
    workload: ref.name,
  };
}

function planOf(plan: DeployPlan): ShipPlan {
  return { workload: plan.workload.name, container: plan.container, fromImage: plan.fromImage, toImage: plan.toImage, cause: plan.cause };
}

/** Runs the whole pipeline; resolves with the report (also for a cancel), throws a ProdlikeError on errors. */
export async function ship(options: ShipOptions): Promise<ShipReport> {
  const { target, signal } = options;
  const tools = { ...defaultTools, ...options.tools };
  const emit = options.onEvent ?? (() => undefined);
  const cluster = target.cluster;
  const ref = requireWorkload(target);
  const shipTarget = shipTargetOf(target, ref);
  emit({ type: 'target', target: shipTarget });

  const report: Partial<ShipReport> & { target: ShipTarget } = { target: shipTarget };
  let stage: Stage = 'build';
  /** What a cancel now would leave behind. */
  let applied: CancelState = 'nothing-changed';
  const started = (s: Stage, message: string) => {
    stage = s;
    emit({ type: 'stage', stage: s, state: 'started', message });
  };
  const finished = (s: Stage, message: string, state: 'finished' | 'skipped' = 'finished') => emit({ type: 'stage', stage: s, state, message });
  const done = (r: ShipReport): ShipReport => {
    emit({ type: 'report', report: r });
    return r;
  };

  try {
    // ---- build ---------------------------------------------------------------------------
    started('build', 'building the image');
    const image = await buildStage(options, tools);
    report.image = image;
    emit({ type: 'image', image: { ...image } });
    finished('build', `built ${image.reference}`);

    // ---- push ----------------------------------------------------------------------------
    started('push', `pushing ${image.reference}`);
    const pushed = await tools.push(options.engine, image.reference, {
      signal,
      credentials: options.credentials,
      onEvent: (event) => emit({ type: 'push', event }),
    });
    image.digest = pushed.digest;
    image.pinned = pushed.pinned;
    emit({ type: 'image', image: { ...image } });
    finished('push', `pushed ${pushed.pinned}`);

    // ---- plan ----------------------------------------------------------------------------
    started('plan', `planning the deploy of ${ref.name}`);
    const cause = options.cause ?? `prodlike ship ${image.reference}`;
    const deployPlan = await cluster.planDeploy(ref, pushed.pinned, cause, signal);
    const plan = planOf(deployPlan);
    report.plan = plan;
    emit({ type: 'plan', plan });
    finished('plan', plan.fromImage === plan.toImage ? `${ref.name} already runs ${shortImage(plan.toImage)}; deploying records it again` : `${ref.name}: ${shortImage(plan.fromImage)} → ${shortImage(plan.toImage)}`);

    // ---- confirm -------------------------------------------------------------------------
    stage = 'confirm';
    if (target.environment.protected) {
      started('confirm', `"${target.environment.name}" is protected: waiting for its name`);
      const typed = options.confirm ? await options.confirm({ environment: target.environment.name, action: 'deploy to', target: shipTarget, image: { ...image }, plan }) : undefined;
      const answer = confirmProtected(target.environment, typed, 'deploy to');
      if (!answer.ok) throw answer.error;
      finished('confirm', `confirmed "${target.environment.name}"`);
    } else {
      finished('confirm', 'not a protected environment', 'skipped');
    }

    // ---- deploy --------------------------------------------------------------------------
    started('deploy', `deploying ${plan.toImage} to ${ref.name}`);
    throwIfCancelled(signal);
    // No signal: once sent, the request finishes, so the state after a cancel is known.
    const deployed = await cluster.deploy(deployPlan);
    applied = 'deploy-applied';
    report.revision = deployed.revision;
    finished('deploy', `deploy applied${deployed.revision !== undefined ? `: revision ${deployed.revision}` : ''}`);

    // ---- rollout -------------------------------------------------------------------------
    started('rollout', `watching the rollout of ${ref.name}`);
    const last = await watch(cluster, ref, 'deploy', options, emit);
    report.rollout = last;
    const next = judgeRollout(last, target.environment.autoRollback);
    if (next.action === 'report') {
      emit({ type: 'stage', stage: 'rollout', state: next.outcome === 'complete' ? 'finished' : 'failed', message: next.outcome === 'complete' ? 'every task runs the new image' : next.outcome });
      if (next.outcome === 'rolled-back') report.rolledBack = { by: 'orchestrator', toImage: (await cluster.getWorkload(ref, signal).catch(() => undefined))?.image, message: last.type === 'rolled-back' ? last.message : '' };
      return done(finalReport(report, next.outcome));
    }
    emit({ type: 'stage', stage: 'rollout', state: 'failed', message: 'failed' });

    // ---- rollback ------------------------------------------------------------------------
    const failure = last.type === 'failed' ? last.message : rolloutMessage(last);
    started('rollback', `the rollout failed; autoRollback: ${ref.name} goes back to the previous revision`);
    const now = await cluster.getWorkload(ref, signal);
    const already = undoneByOrchestrator(now, plan.toImage);
    if (already) {
      // The orchestrator restored another image itself (swarm's failure action): watch it, do not roll back twice.
      applied = 'rollback-applied';
      const end = already === 'in-progress' ? await watch(cluster, ref, 'rollback', options, emit) : undefined;
      const w = await cluster.getWorkload(ref, signal);
      report.rolledBack = { by: 'orchestrator', toImage: w.image, message: `${cluster.identity.orchestrator} rolled ${ref.name} back to ${w.image} by itself after: ${failure}` };
      if (end) report.rollout = end;
      finished('rollback', report.rolledBack.message, 'skipped');
      return done(finalReport(report, end && end.type !== 'complete' && end.type !== 'rolled-back' ? 'failed' : 'rolled-back'));
    }
    let rb;
    try {
      rb = await cluster.planRollback(ref, undefined, signal);
    } catch (e) {
      if (!isProdlikeError(e) || e.code !== 'rollback-refused') throw e;
      emit({ type: 'stage', stage: 'rollback', state: 'failed', message: e.message });
      return done(finalReport(report, 'failed', `${failure} Nothing was rolled back: ${e.message}`));
    }
    const rbPlan: ShipRollbackPlan = { fromRevision: rb.fromRevision, toRevision: rb.toRevision, fromImage: rb.fromImage, toImage: rb.toImage, reason: failure };
    emit({ type: 'rollback-plan', plan: rbPlan });
    if (rb.skipped) {
      finished('rollback', `revision ${rb.toRevision} already runs`, 'skipped');
      report.rolledBack = { by: 'orchestrator', toRevision: rb.toRevision, toImage: rb.toImage, message: `revision ${rb.toRevision} already runs` };
      return done(finalReport(report, 'rolled-back'));
    }
    throwIfCancelled(signal);
    await cluster.rollback(rb);
    applied = 'rollback-applied';
    const end = await watch(cluster, ref, 'rollback', options, emit);
    report.rollout = end;
    if (end.type !== 'complete') {
      emit({ type: 'stage', stage: 'rollback', state: 'failed', message: rolloutMessage(end) });
      return done(finalReport(report, 'failed', `${failure} The rollback to revision ${rb.toRevision} did not complete either: ${rolloutMessage(end)}`));
    }
    report.rolledBack = { by: 'prodlike', toRevision: rb.toRevision, toImage: rb.toImage, message: `prodlike rolled ${ref.name} back to revision ${rb.toRevision} (autoRollback) after: ${failure}` };
    finished('rollback', report.rolledBack.message);
    return done(finalReport(report, 'rolled-back'));
  } catch (e) {
    if (signal?.aborted) {
      emit({ type: 'stage', stage, state: 'failed', message: 'cancelled' });
      report.cancelled = { stage, state: applied };
      return done(finalReport(report, 'cancelled'));
    }
    emit({ type: 'stage', stage, state: 'failed', message: isProdlikeError(e) ? e.message : String(e) });
    throw e;
  }
}

async function buildStage(options: ShipOptions, tools: ShipTools): Promise<ShipImage> {
  const { config } = options.target;
  if (!config.image) {
    throw new ProdlikeError('usage', 'prodlike does not know which image repository to build.', 'Set `image: registry.example.com/team/app` in prodlike.yaml.');
  }
  const parsed = parseImageRef(config.image);
  if (parsed.tag || parsed.digest) {
    throw new ProdlikeError('usage', `The image "${config.image}" in prodlike.yaml carries a tag or digest; prodlike chooses the tag itself.`, `Use the repository only: ${repositoryOf(parsed)}.`);
  }
  const repository = repositoryOf(parsed);
  const b = options.build ?? {};
  let tag: { tag: string; dirty: boolean };
  if (b.tag !== undefined) {
    assertImmutableTag(b.tag);
    tag = { tag: b.tag, dirty: false };
  } else {
    tag = await tools.tag(config.root, options.signal);
  }
  const reference = `${repository}:${tag.tag}`;
  const built = await tools.build(
    options.engine,
    {
      context: config.build.context,
      dockerfile: config.build.dockerfile,
      tags: [reference],
      buildArgs: { ...config.build.args, ...b.args },
      target: config.build.target,
      platform: config.build.platform,
      builder: b.builder,
      networkMode: b.networkMode,
      noCache: b.noCache,
      labels: { 'dev.prodlike.source-tag': tag.tag },
    },
    { signal: options.signal, onEvent: (event) => options.onEvent?.({ type: 'build', event }) },
  );
  return { reference, repository, tag: tag.tag, dirty: tag.dirty, imageId: built.imageId };
}

/** Watches a rollout to its last event; throws when the signal fires (the caller reports the cancel). */
async function watch(cluster: Cluster, ref: WorkloadRef, phase: 'deploy' | 'rollback', options: ShipOptions, emit: (e: PipelineEvent) => void): Promise<RolloutEvent> {
  let last: RolloutEvent | undefined;
  for await (const event of cluster.rolloutStatus(ref, { signal: options.signal, timeoutMs: options.rolloutTimeoutMs })) {
    last = event;
    emit({ type: 'rollout', event, phase });
  }
  throwIfCancelled(options.signal);
  return last ?? { type: 'failed', reason: 'NoStatus', message: `${ref.name}: the orchestrator reported no rollout status.` };
}

function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ProdlikeError('aborted', 'Cancelled.');
}

/**
 * What follows the rollout's last event. Pure: the rules the tests pin down.
 * - complete → done; rolled-back → the orchestrator undid it (swarm); paused → a person decides;
 * - failed → roll back when the environment says autoRollback, else report the failure.
 */
export function judgeRollout(last: RolloutEvent, autoRollback: boolean): { action: 'report'; outcome: 'complete' | 'rolled-back' | 'paused' | 'failed' } | { action: 'rollback' } {
  switch (last.type) {
    case 'complete':
      return { action: 'report', outcome: 'complete' };
    case 'rolled-back':
      return { action: 'report', outcome: 'rolled-back' };
    case 'paused':
      return { action: 'report', outcome: 'paused' };
    default:
      return autoRollback ? { action: 'rollback' } : { action: 'report', outcome: 'failed' };
  }
}

/**
 * Whether the orchestrator already undid the deploy: the workload no longer names the image that
 * was deployed (swarm swaps the spec back as soon as its rollback starts). 'in-progress' while it
 * has not converged yet.
 */
export function undoneByOrchestrator(now: Pick<Workload, 'image' | 'state'>, deployedImage: string): false | 'done' | 'in-progress' {
  if (now.image === deployedImage) return false;
  return now.state === 'progressing' ? 'in-progress' : 'done';
}

function rolloutMessage(e: RolloutEvent): string {
  switch (e.type) {
    case 'failed':
      return `rollout failed (${e.reason}): ${e.message}`;
    case 'progress':
      return e.message;
    case 'warning':
      return e.message;
    default:
      return `${e.type === 'complete' ? 'rollout complete' : e.type}: ${e.message}`;
  }
}

function finalReport(r: Partial<ShipReport> & { target: ShipTarget }, outcome: ShipReport['outcome'], message?: string): ShipReport {
  return { ...r, outcome, message: message ?? summary(r, outcome) } as ShipReport;
}

function summary(r: Partial<ShipReport> & { target: ShipTarget }, outcome: ShipReport['outcome']): string {
  const where = `${r.target.workload} in ${r.target.environment}`;
  const what = r.image?.pinned ?? r.image?.reference ?? 'the image';
  switch (outcome) {
    case 'complete':
      return `${where} runs ${what}${r.revision !== undefined ? ` (revision ${r.revision})` : ''}.`;
    case 'rolled-back':
      return r.rolledBack?.by === 'prodlike'
        ? `${r.rolledBack.message}.`
        : `The rollout of ${what} failed and ${r.target.cluster.orchestrator} rolled ${where} back by itself${r.rolledBack?.toImage ? ` to ${r.rolledBack.toImage}` : ''}; prodlike did not roll back again.`;
    case 'paused':
      return `The rollout of ${what} to ${where} is paused; resume or roll back with \`prodlike rollback ${r.target.environment}\`.`;
    case 'failed':
      return `The rollout of ${what} to ${where} failed${r.target.autoRollback ? '' : ' (autoRollback is off: nothing was rolled back)'}${r.rollout ? `: ${rolloutMessage(r.rollout)}` : ''}.`;
    case 'cancelled': {
      const c = r.cancelled;
      if (!c || c.state === 'nothing-changed') return `Cancelled during ${c?.stage ?? 'the pipeline'}: nothing changed on ${r.target.environment}.`;
      if (c.state === 'deploy-applied') return `Cancelled while watching: the deploy of ${what} was applied and its rollout goes on in the cluster without prodlike watching; check it with \`prodlike status ${r.target.environment}\`.`;
      return `Cancelled while watching the rollback: it was applied and goes on in the cluster; check it with \`prodlike status ${r.target.environment}\`.`;
    }
  }
}
