import { resolve } from 'node:path';
import { loadProjectConfig, resolveEnvironment } from '../../core/config';
import { parityDiff, type ParityDiff } from '../../core/docker/parity-diff';
import { planProductionRun, readEnvFile, startProductionRun } from '../../core/docker/run-as-production';
import { ProdlikeError } from '../../core/errors';
import { findWorkload, loadManifests } from '../../core/manifests';
import { paint, printJson, println, table, type CliIO } from '../io';
import type { RegisterCommand } from '../program';
import { engineFor, withInterrupt } from './build';

interface RunOptions {
  engine?: string;
  image?: string;
  envFile?: string;
  network?: string;
  name?: string;
  workload?: string;
  container?: string;
}

export const registerRun: RegisterCommand = (program, ctx) => {
  program
    .command('run')
    .description('run the production workload locally: same image by digest, same env, command, user, limits; then show the parity diff')
    .argument('[environment]', 'environment in prodlike.yaml whose workload to run (default: the default environment)')
    .option('--engine <endpoint>', 'Docker endpoint (default: DOCKER_HOST or the local socket)')
    .option('--image <reference>', "run this image instead of the manifest's (e.g. the reference `prodlike push` printed)")
    .option('--env-file <file>', 'NAME=value lines for the Secret references (never printed)')
    .option('--network <mode>', 'default (bridge), none, host or a network name', 'default')
    .option('--name <container>', 'container name (default: prodlike-<workload>-<container>)')
    .option('--workload <name>', "workload in the manifests (default: the environment's)")
    .option('--container <name>', 'container of the workload (default: the first)')
    .action(async (environment: string | undefined, opts: RunOptions) => {
      const io = ctx.io;
      const config = await loadProjectConfig(io.cwd);
      const env = resolveEnvironment(config, environment);
      const workloadName = opts.workload ?? env.workload;
      if (!workloadName) throw new ProdlikeError('usage', `Environment "${env.name}" names no workload.`, 'Set `workload:` for it in prodlike.yaml, or pass --workload.');
      if (config.manifests.length === 0) throw new ProdlikeError('usage', 'No manifests found (k8s/ or deploy/).', 'Set `manifests:` in prodlike.yaml to the folder of your Kubernetes YAML.');
      const manifests = await loadManifests(config.manifests);
      const workload = findWorkload(manifests, workloadName, { namespace: env.namespace });
      const secrets = opts.envFile ? await readEnvFile(resolve(io.cwd, opts.envFile)) : {};
      const plan = planProductionRun({ manifests, workload, container: opts.container ?? env.container, image: opts.image, secrets, network: opts.network, name: opts.name, environment: env.name });
      const engine = engineFor(io, opts.engine);
      if (!io.json) io.err.write(`${paint(io, 'bold', 'running')} ${plan.workload.kind}/${plan.workload.name} (${plan.workload.container}) from ${plan.workload.file} as ${plan.name}\n`);
      const started = await withInterrupt((signal) => startProductionRun(engine, plan, { signal }));
      const [local, image] = await Promise.all([engine.docker.getContainer(started.id).inspect(), engine.docker.getImage(started.image).inspect()]);
      const diff = parityDiff(plan, started.digest, local, image);
      if (io.json) return printJson(io, { container: { id: started.id, name: started.name, image: started.image }, diff });
      println(io, `${paint(io, 'green', 'started')} ${started.name} ${started.image}`);
      for (const p of plan.publish ? plan.ports : []) println(io, `  http://127.0.0.1:${p.hostPort} -> ${p.containerPort}/${p.protocol}`);
      println(io);
      renderParityDiff(io, diff);
    });
};

/** The side-by-side table; secret values are already masked by the core. */
export function renderParityDiff(io: CliIO, diff: ParityDiff): void {
  const mark = { same: ' ', differs: '≠', 'not-local': '~' } as const;
  const rows = [['', 'field', 'production', 'local'], ...diff.rows.map((r) => [mark[r.status], r.field, r.production, r.local])];
  const lines = table(rows).split('\n');
  lines.forEach((line, i) => println(io, i === 0 ? paint(io, 'bold', line) : diff.rows[i - 1]!.status === 'differs' ? paint(io, 'yellow', line) : line));
  println(io);
  println(io, diff.differences === 0 ? paint(io, 'green', 'No differences from production that Docker can reproduce.') : paint(io, 'yellow', `${diff.differences} difference(s) from production.`));
  println(io, paint(io, 'gray', '~ = applied by the orchestrator, not by a local run'));
}
