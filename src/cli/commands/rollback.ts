/**
 * `prodlike rollback [environment] [--to N]`: `kubectl rollout undo` for both orchestrators —
 * to the previous revision, or to revision N; "skipped" when it already runs; refused when there
 * is nothing to go back to. Shows the plan first; a protected environment needs its name.
 */
import { requireWorkload } from '../../core/cluster/open';
import { ProdlikeError } from '../../core/errors';
import { shortImage } from '../../core/swarm/image-ref';
import { paint, printJson, println, table } from '../io';
import type { RegisterCommand } from '../program';
import { addTargetOptions, confirmTarget, describeTarget, targetFor, targetJson, watchRollout, type TargetFlags } from './deploy';

interface RollbackFlags extends TargetFlags {
  to?: string;
  yes?: string | boolean;
  watch: boolean;
}

export const registerRollback: RegisterCommand = (program, ctx) => {
  addTargetOptions(
    program
      .command('rollback')
      .description('roll the workload back to the previous revision, or to the one given with --to')
      .argument('[environment]', 'environment from prodlike.yaml (default: the default one)'),
  )
    .option('--to <revision>', 'revision number from `prodlike history` (default: the previous one)')
    .option('--yes [name]', 'confirm without a prompt; a protected environment needs its name: --yes=<name>')
    .option('--no-watch', 'return once the rollback is accepted')
    .action(async (envName: string | undefined, flags: RollbackFlags) => {
      const io = ctx.io;
      const to = flags.to === undefined ? undefined : Number(flags.to);
      if (to !== undefined && (!Number.isInteger(to) || to < 0)) throw new ProdlikeError('usage', `--to ${flags.to} is not a revision number.`, 'Pick one from `prodlike history`.');
      const target = await targetFor(ctx, envName, flags);
      try {
        const ref = requireWorkload(target);
        const plan = await target.cluster.planRollback(ref, to);
        const planJson = { fromRevision: plan.fromRevision, toRevision: plan.toRevision, fromImage: plan.fromImage, toImage: plan.toImage, skipped: plan.skipped, warnings: plan.warnings };
        if (!io.json) {
          println(io, `Rolling back ${paint(io, 'bold', ref.name)} in ${paint(io, 'bold', target.environment.name)}`);
          println(io, table([...describeTarget(target, ref), ['from', `revision ${plan.fromRevision ?? '?'} (${shortImage(plan.fromImage)})`], ['to', `revision ${plan.toRevision} (${shortImage(plan.toImage)})`]]).replace(/^/gm, '  '));
          for (const w of plan.warnings) io.err.write(`${paint(io, 'yellow', 'warning:')} ${w}\n`);
        }
        if (plan.skipped) {
          if (io.json) printJson(io, { ...targetJson(target), plan: planJson, result: 'skipped' });
          else println(io, `skipped rollback (revision ${plan.toRevision} already runs)`);
          return;
        }
        await confirmTarget(ctx, target.environment, flags.yes, 'roll back');
        await target.cluster.rollback(plan);
        const events = flags.watch ? await watchRollout(ctx, target.cluster, ref) : [];
        const last = events.at(-1);
        const workload = await target.cluster.getWorkload(ref);
        if (io.json) printJson(io, { ...targetJson(target), plan: planJson, events, result: flags.watch ? (last?.type ?? 'unknown') : 'accepted', workload });
        else if (flags.watch && last?.type === 'complete') println(io, `rolled back to revision ${plan.toRevision}; now revision ${workload.revision ?? '?'}`);
        if (flags.watch && last?.type !== 'complete') ctx.setExitCode(1);
      } finally {
        target.cluster.dispose();
      }
    });
};
