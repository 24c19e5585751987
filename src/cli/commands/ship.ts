/**
 * `prodlike ship [environment]`: the whole deploy pipeline of core/pipeline from a terminal —
 * build with the git tag, push, deploy the pinned digest, watch the rollout, roll back by itself
 * when the environment says `autoRollback`. Each stage is printed as `build`, `push` and `deploy`
 * print theirs; `--json` prints the pipeline's events as JSON lines, the report last.
 *
 * Exit 0 when the new image runs everywhere; 1 when the rollout failed, was rolled back, paused or
 * was cancelled (Ctrl-C: the report says what the cluster was left with); 2 for usage errors.
 */
import { ship, type PipelineEvent, type ShipReport, type Stage } from '../../core/pipeline';
import { shortImage } from '../../core/swarm/image-ref';
import { paint, println, table, type CliIO } from '../io';
import type { RegisterCommand } from '../program';
import { buildRenderer, engineFor, parseBuildArgs } from './build';
import { addTargetOptions, confirmTarget, renderEvent, targetFor, type TargetFlags } from './deploy';
import { pushRenderer } from './push';

interface ShipFlags extends TargetFlags {
  yes?: string | boolean;
  cause?: string;
  buildArg: string[];
  network?: string;
  builder?: 'auto' | 'classic' | 'buildkit';
  timeout?: string;
}

export const registerShip: RegisterCommand = (program, ctx) => {
  addTargetOptions(
    program
      .command('ship')
      .description('build, push, deploy the pinned digest and watch the rollout; roll back by itself on failure when the environment says autoRollback')
      .argument('[environment]', 'environment from prodlike.yaml (default: the default one)'),
  )
    .option('--yes [name]', 'confirm without a prompt; a protected environment needs its name: --yes=<name>')
    .option('--cause <text>', 'why (recorded with the revision)')
    .option('--build-arg <KEY=VALUE>', 'build argument (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--builder <auto|classic|buildkit>', 'builder (default: what the engine offers)')
    .option('--network <mode>', 'network for RUN steps (host on engines without a bridge)')
    .option('--timeout <seconds>', 'stop watching a rollout after this long (default 600)')
    .action(async (envName: string | undefined, flags: ShipFlags) => {
      const io = ctx.io;
      const target = await targetFor(ctx, envName, flags);
      const controller = new AbortController();
      const onInt = () => controller.abort();
      process.once('SIGINT', onInt);
      try {
        const report = await ship({
          target,
          // The swarm cluster builds on its own engine; for Kubernetes the build engine is the local one.
          engine: engineFor(io, target.environment.orchestrator === 'swarm' ? (flags.engine ?? target.environment.engine) : undefined),
          cause: flags.cause,
          signal: controller.signal,
          credentials: { env: io.env },
          build: { args: parseBuildArgs(flags.buildArg), builder: flags.builder, networkMode: flags.network },
          rolloutTimeoutMs: flags.timeout ? Number(flags.timeout) * 1000 : undefined,
          onEvent: renderer(io),
          confirm: async () => {
            // Throws the shared "type its name" error when the answer is not the environment's name.
            await confirmTarget(ctx, target.environment, flags.yes, 'deploy to');
            return target.environment.name;
          },
        });
        if (report.outcome !== 'complete') ctx.setExitCode(1);
      } finally {
        process.removeListener('SIGINT', onInt);
        target.cluster.dispose();
      }
    });
};

const STAGE_WIDTH = 8;

/** Prints the pipeline's events: stage lines and the plan on stdout, engine progress on stderr (as build/push do). */
export function renderer(io: CliIO): (e: PipelineEvent) => void {
  if (io.json) return (e) => io.out.write(JSON.stringify(e) + '\n');
  const build = buildRenderer(io);
  const push = pushRenderer(io);
  const stageLine = (stage: Stage, colour: Parameters<typeof paint>[1], text: string) => println(io, `${paint(io, colour, stage.padEnd(STAGE_WIDTH))}${text}`);
  return (e) => {
    switch (e.type) {
      case 'target': {
        const t = e.target;
        println(io, `Shipping to ${paint(io, 'bold', t.environment)}`);
        // The rows of describeTarget (deploy, rollback), from the pipeline's own data.
        const rows = [
          ['environment', `${t.environment}${t.protected ? ' (protected)' : ''}`],
          ['cluster', `${t.cluster.name} (${t.cluster.orchestrator})`],
          ['server', t.cluster.server],
          ['namespace', t.namespace],
          ['workload', t.workload],
          ['autoRollback', t.autoRollback ? 'yes' : 'no'],
        ];
        println(io, table(rows).replace(/^/gm, '  '));
        return;
      }
      case 'stage':
        if (e.state === 'started') return stageLine(e.stage, 'bold', e.message);
        if (e.state === 'finished') return stageLine(e.stage, 'green', `✓ ${e.message}`);
        if (e.state === 'skipped') return stageLine(e.stage, 'gray', `- ${e.message}`);
        return stageLine(e.stage, 'red', `✗ ${e.message}`);
      case 'build':
        return build(e.event);
      case 'push':
        return push(e.event);
      case 'image':
        return;
      case 'plan':
        println(io, table([['from', shortImage(e.plan.fromImage)], ['to', e.plan.toImage], ['cause', e.plan.cause]]).replace(/^/gm, '  '));
        return;
      case 'rollout':
        return renderEvent(io, e.event);
      case 'rollback-plan':
        println(io, table([['from', `revision ${e.plan.fromRevision ?? '?'} (${shortImage(e.plan.fromImage)})`], ['to', `revision ${e.plan.toRevision} (${shortImage(e.plan.toImage)})`]]).replace(/^/gm, '  '));
        return;
      case 'report':
        return printReport(io, e.report);
    }
  };
}

function printReport(io: CliIO, r: ShipReport): void {
  const mark = r.outcome === 'complete' ? paint(io, 'green', '✓ shipped:') : r.outcome === 'cancelled' ? paint(io, 'yellow', '! cancelled:') : paint(io, 'red', `✗ ${r.outcome}:`);
  println(io, `${mark} ${r.message}`);
}
