/**
 * `prodlike deploy <image-ref> [environment]`: shows where the deploy goes (environment, cluster,
 * server, namespace, workload) and the plan, asks for the environment's name when it is
 * protected, applies, and watches the rollout to its end. Exit 1 when the rollout did not
 * complete (failed, rolled back, paused).
 *
 * The helpers shared by status, history and rollback live here too: how a command names its
 * target, the typed confirmation, and how a rollout is printed.
 */
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { confirmProtected, openTarget, requireWorkload, type Target, type TargetOverrides } from '../../core/cluster/open';
import type { Cluster, RolloutEvent, WorkloadRef } from '../../core/cluster/types';
import type { Environment } from '../../core/config/types';
import { ProdlikeError } from '../../core/errors';
import { shortImage } from '../../core/swarm/image-ref';
import { paint, printJson, println, table, type CliIO } from '../io';
import type { CommandContext, RegisterCommand } from '../program';

export interface TargetFlags {
  context?: string;
  namespace?: string;
  workload?: string;
  engine?: string;
}

export function addTargetOptions(cmd: Command): Command {
  return cmd
    .option('--context <name>', 'kubeconfig context (overrides the environment)')
    .option('--namespace <name>', 'namespace (overrides the environment; swarm: a stack)')
    .option('--workload <name>', 'Deployment or swarm service (overrides the environment)')
    .option('--engine <url>', 'Docker endpoint of the swarm manager (overrides the environment)');
}

export async function targetFor(ctx: CommandContext, environment: string | undefined, flags: TargetFlags): Promise<Target> {
  const overrides: TargetOverrides = { context: flags.context, namespace: flags.namespace, workload: flags.workload, engine: flags.engine, env: ctx.io.env };
  return openTarget(ctx.io.cwd, environment, overrides);
}

/** Where an action goes, printed before anything changes (wrong-cluster deploys happen). */
export function describeTarget(target: Target, ref?: WorkloadRef): string[][] {
  const c = target.cluster.identity;
  return [
    ['environment', `${target.environment.name}${target.environment.protected ? ' (protected)' : ''}`],
    ['cluster', `${c.name} (${c.orchestrator})`],
    ['server', c.server],
    ['namespace', target.namespace],
    ...(ref ? [['workload', ref.name]] : []),
  ];
}

export function targetJson(target: Target) {
  return { environment: target.environment.name, protected: target.environment.protected, cluster: target.cluster.identity, namespace: target.namespace, workload: target.workload?.name };
}

async function promptLine(io: CliIO, question: string): Promise<string | undefined> {
  if (!io.in) return undefined;
  io.err.write(question);
  const rl = createInterface({ input: io.in, terminal: false });
  try {
    for await (const line of rl) return line;
    return undefined;
  } finally {
    rl.close();
  }
}

/**
 * A protected environment needs its name: from `--yes=<name>`, else typed at a prompt when a person
 * is there. `--yes` alone is not enough for a protected environment.
 */
export async function confirmTarget(ctx: CommandContext, environment: Environment, yes: string | boolean | undefined, action: string): Promise<void> {
  if (!environment.protected) return;
  let typed = typeof yes === 'string' ? yes : undefined;
  if (typed === undefined && ctx.io.interactive && !ctx.io.json) {
    typed = await promptLine(ctx.io, `"${environment.name}" is protected. Type its name to ${action} it: `);
  }
  const result = confirmProtected(environment, typed, action);
  if (!result.ok) throw result.error;
}

export function renderEvent(io: CliIO, e: RolloutEvent): void {
  if (io.json) return;
  switch (e.type) {
    case 'progress':
      println(io, `  ${paint(io, 'dim', '…')} ${e.message}`);
      break;
    case 'warning':
      io.err.write(`  ${paint(io, 'yellow', '!')} ${e.message}\n`);
      break;
    case 'complete':
      println(io, `${paint(io, 'green', '✓')} rollout complete: ${e.message}`);
      break;
    case 'rolled-back':
      io.err.write(`${paint(io, 'red', '✗')} rolled back: ${e.message}\n`);
      break;
    case 'paused':
      io.err.write(`${paint(io, 'red', '✗')} paused: ${e.message}\n`);
      break;
    case 'failed':
      io.err.write(`${paint(io, 'red', '✗')} rollout failed (${e.reason}): ${e.message}\n`);
      break;
  }
}

/** Watches a rollout to its end, printing it; Ctrl-C stops watching (the orchestrator carries on). */
export async function watchRollout(ctx: CommandContext, cluster: Cluster, ref: WorkloadRef, timeoutMs?: number): Promise<RolloutEvent[]> {
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop);
  const events: RolloutEvent[] = [];
  try {
    for await (const e of cluster.rolloutStatus(ref, { signal: ac.signal, timeoutMs })) {
      events.push(e);
      renderEvent(ctx.io, e);
    }
  } catch (e) {
    if (ac.signal.aborted) {
      throw new ProdlikeError('aborted', 'Stopped watching. The rollout goes on in the cluster.', `Check it with \`prodlike status\`.`);
    }
    throw e;
  } finally {
    process.removeListener('SIGINT', stop);
  }
  return events;
}

interface DeployFlags extends TargetFlags {
  cause?: string;
  yes?: string | boolean;
  watch: boolean;
  timeout?: string;
}

export const registerDeploy: RegisterCommand = (program, ctx) => {
  addTargetOptions(
    program
      .command('deploy')
      .description('deploy an image (pinned by digest) to an environment and watch the rollout')
      .argument('<image-ref>', 'image reference, e.g. registry/app:tag or registry/app@sha256:…')
      .argument('[environment]', 'environment from prodlike.yaml (default: the default one)'),
  )
    .option('--cause <text>', 'why (recorded with the revision)')
    .option('--yes [name]', 'confirm without a prompt; a protected environment needs its name: --yes=<name>')
    .option('--no-watch', 'return once the deploy is accepted')
    .option('--timeout <seconds>', 'stop watching after this long (default 600)')
    .action(async (imageRef: string, envName: string | undefined, flags: DeployFlags) => {
      const io = ctx.io;
      const target = await targetFor(ctx, envName, flags);
      try {
        const ref = requireWorkload(target);
        const cause = flags.cause ?? `prodlike deploy ${imageRef}`;
        const plan = await target.cluster.planDeploy(ref, imageRef, cause);
        if (!io.json) {
          println(io, `Deploying to ${paint(io, 'bold', target.environment.name)}`);
          println(io, table([...describeTarget(target, ref), ['from', shortImage(plan.fromImage)], ['to', plan.toImage], ['cause', cause]]).replace(/^/gm, '  '));
        }
        await confirmTarget(ctx, target.environment, flags.yes, 'deploy to');
        const applied = await target.cluster.deploy(plan);
        if (!flags.watch) {
          if (io.json) printJson(io, { ...targetJson(target), plan: planJson(plan), workload: applied });
          else println(io, `deploy accepted: revision ${applied.revision ?? '?'}; follow it with \`prodlike status ${target.environment.name}\``);
          return;
        }
        const events = await watchRollout(ctx, target.cluster, plan.workload, flags.timeout ? Number(flags.timeout) * 1000 : undefined);
        let last = events.at(-1);
        let rolledBackTo: number | undefined;
        // Kubernetes never undoes a failed rollout by itself; the environment may ask prodlike to.
        if (last?.type === 'failed' && target.environment.autoRollback) {
          const rb = await target.cluster.planRollback(plan.workload).catch(() => undefined);
          if (rb && !rb.skipped) {
            if (!io.json) io.err.write(`rolling back to revision ${rb.toRevision} (autoRollback)\n`);
            await target.cluster.rollback(rb);
            rolledBackTo = rb.toRevision;
            const after = await watchRollout(ctx, target.cluster, plan.workload);
            events.push(...after);
            last = { type: 'rolled-back', message: `prodlike rolled back to revision ${rb.toRevision} after: ${last.message}` };
          }
        }
        const workload = await target.cluster.getWorkload(plan.workload);
        if (io.json) printJson(io, { ...targetJson(target), plan: planJson(plan), events, result: last?.type ?? 'unknown', rolledBackTo, workload });
        if (last?.type !== 'complete') ctx.setExitCode(1);
      } finally {
        target.cluster.dispose();
      }
    });
};

/** The plan as shown to people and scripts: never the raw request (a spec's environment may hold secrets). */
function planJson(plan: { workload: WorkloadRef; fromImage: string; toImage: string; cause: string; container: string }) {
  return { workload: plan.workload.name, container: plan.container, fromImage: plan.fromImage, toImage: plan.toImage, cause: plan.cause };
}
