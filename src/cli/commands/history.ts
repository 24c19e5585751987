/** `prodlike history [environment]`: the revisions a rollback can go to, newest last, the current one marked. */
import { shortImage } from '../../core/swarm/image-ref';
import { paint, printJson, println, table } from '../io';
import type { RegisterCommand } from '../program';
import { addTargetOptions, describeTarget, targetFor, targetJson, type TargetFlags } from './deploy';
import { requireWorkload } from '../../core/cluster/open';

export const registerHistory: RegisterCommand = (program, ctx) => {
  addTargetOptions(
    program
      .command('history')
      .description('list the revisions of the workload (image digest, cause, time) that a rollback can go to')
      .argument('[environment]', 'environment from prodlike.yaml (default: the default one)'),
  ).action(async (envName: string | undefined, flags: TargetFlags) => {
    const io = ctx.io;
    const target = await targetFor(ctx, envName, flags);
    try {
      const ref = requireWorkload(target);
      const revisions = await target.cluster.history(ref);
      if (io.json) return printJson(io, { ...targetJson(target), revisions });
      println(io, table(describeTarget(target, ref)));
      println(io);
      const rows = revisions.map((r) => [`${r.current ? '*' : ' '} ${r.number}`, shortImage(r.image), r.createdAt ? new Date(r.createdAt).toISOString().replace(/\.\d+Z$/, 'Z') : '-', r.cause ?? '']);
      println(io, table([['  REVISION', 'IMAGE', 'DEPLOYED', 'CAUSE'], ...rows]).replace(/^\* .*$/m, (line) => paint(io, 'bold', line)));
    } finally {
      target.cluster.dispose();
    }
  });
};
