/** `prodlike status [environment]`: the environment's workload and its tasks/pods, or every workload of its namespace. */
import { shortImage } from '../../core/swarm/image-ref';
import type { Cluster, ClusterNode, Pod, Workload } from '../../core/cluster/types';
import { nodeRows } from '../nodes';
import { paint, printJson, println, table, type CliIO } from '../io';
import type { RegisterCommand } from '../program';
import { addTargetOptions, describeTarget, targetFor, targetJson, type TargetFlags } from './deploy';

function stateText(io: CliIO, w: Workload): string {
  const colour = w.state === 'complete' ? 'green' : w.state === 'progressing' ? 'yellow' : 'red';
  return paint(io, colour, w.state);
}

export const registerStatus: RegisterCommand = (program, ctx) => {
  addTargetOptions(
    program
      .command('status')
      .description("show the environment's workload (revision, image, tasks) or all workloads of its namespace")
      .argument('[environment]', 'environment from prodlike.yaml (default: the default one)'),
  ).action(async (envName: string | undefined, flags: TargetFlags) => {
    const io = ctx.io;
    const target = await targetFor(ctx, envName, flags);
    try {
      if (target.workload) {
        const workload = await target.cluster.getWorkload(target.workload);
        const pods = await target.cluster.pods(target.workload);
        const nodes = await readNodes(io, target.cluster);
        if (io.json) return printJson(io, { ...targetJson(target), workload, pods, ...(nodes ? { nodes } : {}) });
        println(io, table(describeTarget(target)));
        println(io);
        println(
          io,
          table([
            ['workload', workload.name],
            ['state', stateText(io, workload)],
            ['revision', String(workload.revision ?? '-')],
            ['image', workload.image],
            ['tasks', `${workload.ready}/${workload.desired} running, ${workload.updated} on this image`],
            ...workload.conditions.filter((c) => c.message).map((c) => [c.type, `${c.status}: ${c.message}`]),
          ]),
        );
        if (pods.length) {
          println(io);
          println(io, table([['TASK', 'STATE', 'NODE', 'RESTARTS', 'IMAGE', 'ERROR'], ...pods.map(podRow)]));
        }
        if (nodes?.length) println(io, '\n' + table(nodeRows(nodes)));
        return;
      }
      const workloads = await target.cluster.listWorkloads(target.namespace);
      const nodes = await readNodes(io, target.cluster);
      if (io.json) return printJson(io, { ...targetJson(target), workloads, ...(nodes ? { nodes } : {}) });
      println(io, table(describeTarget(target)));
      println(io);
      if (workloads.length === 0) println(io, `no workloads in ${target.namespace}`);
      else println(io, table([['WORKLOAD', 'STATE', 'READY', 'REVISION', 'IMAGE'], ...workloads.map((w) => [w.name, w.state, `${w.ready}/${w.desired}`, String(w.revision ?? '-'), shortImage(w.image)])]));
      if (nodes?.length) println(io, '\n' + table(nodeRows(nodes)));
    } finally {
      target.cluster.dispose();
    }
  });
};

/**
 * The nodes, or undefined with a note on stderr when they cannot be read: listing nodes is a
 * cluster-wide permission that a namespace's Kubernetes user often lacks, and the workload's status
 * must not fail for it.
 */
async function readNodes(io: CliIO, cluster: Cluster): Promise<ClusterNode[] | undefined> {
  try {
    return await cluster.nodes?.();
  } catch (e) {
    io.err.write(`nodes not shown: ${e instanceof Error ? e.message : String(e)}\n`);
    return undefined;
  }
}

function podRow(p: Pod): string[] {
  const c = p.containers[0];
  return [p.name, p.phase, p.node ?? '-', String(p.restarts), c ? shortImage(c.image) : '-', c?.reason ?? ''];
}
