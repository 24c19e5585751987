import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { namespaceFor, openCluster } from '../../core/cluster/open';
import { loadProjectConfig, resolveEnvironment } from '../../core/config';
import type { Environment, ProjectConfig } from '../../core/config/types';
import { parityDiff, type ParityDiff } from '../../core/docker/parity-diff';
import { missingSecrets, planProductionRun, readEnvFile, startProductionRun } from '../../core/docker/run-as-production';
import { ProdlikeError, isProdlikeError } from '../../core/errors';
import { findWorkload, loadManifests, readLiveWorkload, type ManifestSet, type Workload } from '../../core/manifests';
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
  from?: string;
}

type Source = 'cluster' | 'manifests';

export const registerRun: RegisterCommand = (program, ctx) => {
  program
    .command('run')
    .description('run the production workload locally: same image by digest, same env, command, user, limits; then show the parity diff')
    .argument('[environment]', 'environment in prodlike.yaml whose workload to run (default: the default environment)')
    .option('--engine <endpoint>', 'Docker endpoint (default: DOCKER_HOST or the local socket)')
    .option('--image <reference>', "run this image instead of production's (e.g. the reference `prodlike push` printed)")
    .option('--env-file <file>', 'NAME=value lines for the Secret references (never printed); missing ones are asked for in a terminal')
    .option('--network <mode>', 'default (bridge), none, host or a network name', 'default')
    .option('--name <container>', 'container name (default: prodlike-<workload>-<container>)')
    .option('--workload <name>', "workload to run (default: the environment's)")
    .option('--container <name>', 'container of the workload (default: the first)')
    .option(
      '--from <source>',
      "where production's workload is read: manifests (the repository's YAML, as reviewed) or cluster (what the environment's cluster runs now); default: the manifests when they declare the workload, else the cluster",
    )
    .action(async (environment: string | undefined, opts: RunOptions) => {
      const io = ctx.io;
      if (opts.from !== undefined && opts.from !== 'cluster' && opts.from !== 'manifests') {
        throw new ProdlikeError('usage', `--from ${opts.from}: expected cluster or manifests.`, 'Pass --from manifests (the YAML in the repository) or --from cluster (what runs now).');
      }
      const config = await loadProjectConfig(io.cwd);
      const env = resolveEnvironment(config, environment);
      const workloadName = opts.workload ?? env.workload;
      if (!workloadName) throw new ProdlikeError('usage', `Environment "${env.name}" names no workload.`, 'Set `workload:` for it in prodlike.yaml, or pass --workload.');
      const { manifests, workload, source } = await withInterrupt((signal) => productionWorkload(io, config, env, workloadName, opts.from as Source | undefined, opts.container ?? env.container, signal));
      const secrets = opts.envFile ? await readEnvFile(resolve(io.cwd, opts.envFile)) : {};
      const input = { manifests, workload, container: opts.container ?? env.container, image: opts.image, secrets, network: opts.network, name: opts.name, environment: env.name };
      const missing = missingSecrets(input);
      if (missing.length && io.interactive && io.in) Object.assign(secrets, await askForSecrets(io, io.in, missing));
      // Without a person to ask, the plan fails naming every missing key and the fix.
      const plan = planProductionRun(input);
      const engine = engineFor(io, opts.engine);
      if (!io.json) io.err.write(`${paint(io, 'bold', 'running')} ${plan.workload.kind}/${plan.workload.name} (${plan.workload.container}) from ${source} as ${plan.name}\n`);
      const started = await withInterrupt((signal) => startProductionRun(engine, plan, { signal }));
      const [local, image] = await Promise.all([engine.docker.getContainer(started.id).inspect(), engine.docker.getImage(started.image).inspect()]);
      const diff = parityDiff(plan, started.digest, local, image);
      if (io.json) return printJson(io, { container: { id: started.id, name: started.name, image: started.image }, source, diff });
      println(io, `${paint(io, 'green', 'started')} ${started.name} ${started.image}`);
      for (const p of plan.publish ? plan.ports : []) println(io, `  http://127.0.0.1:${p.hostPort} -> ${p.containerPort}/${p.protocol}`);
      println(io);
      renderParityDiff(io, diff);
    });
};

/**
 * Production's workload. The manifests in the repository are the default when they declare it:
 * they are what was reviewed and what the next deploy applies, and reading them needs no cluster
 * credentials. When they do not (no manifests, or the workload lives in another repository or a
 * Helm chart), the environment's cluster is asked for what it runs now. An explicit --from is
 * never second-guessed.
 */
async function productionWorkload(
  io: CliIO,
  config: ProjectConfig,
  env: Environment,
  name: string,
  from: Source | undefined,
  container: string | undefined,
  signal: AbortSignal,
): Promise<{ manifests: ManifestSet; workload: Workload; source: string }> {
  let notInManifests: ProdlikeError | undefined;
  if (from !== 'cluster') {
    if (config.manifests.length === 0) {
      if (from === 'manifests') throw new ProdlikeError('usage', 'No manifests found (k8s/ or deploy/).', 'Set `manifests:` in prodlike.yaml to the folder of your Kubernetes YAML, or pass --from cluster.');
    } else {
      const manifests = await loadManifests(config.manifests);
      try {
        const workload = findWorkload(manifests, name, { namespace: env.namespace });
        return { manifests, workload, source: workload.position.file };
      } catch (e) {
        if (from === 'manifests' || !(isProdlikeError(e) && e.code === 'not-found')) throw e;
        notInManifests = e;
      }
    }
  }
  try {
    const cluster = await openCluster(env, { env: io.env });
    try {
      return await readLiveWorkload(cluster, { namespace: namespaceFor(env), name, ...(container ? { container } : {}) }, signal);
    } finally {
      cluster.dispose();
    }
  } catch (e) {
    // Not declared in the manifests and not readable from the cluster: say both, lead with the manifests.
    if (!notInManifests || !isProdlikeError(e)) throw e;
    throw new ProdlikeError(notInManifests.code, `${notInManifests.message} Nor could it be read from the cluster of "${env.name}": ${e.message}`, notInManifests.fix, { cause: e });
  }
}

/**
 * Asks for each missing secret value, one line each. On a terminal the typed characters are not
 * echoed (raw mode, as `sudo` and `docker login` do); the values are never written anywhere.
 */
async function askForSecrets(io: CliIO, input: Readable, missing: { name: string; from?: string }[]): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  const tty = input as NodeJS.ReadStream;
  const lines = tty.isTTY && typeof tty.setRawMode === 'function' ? undefined : createInterface({ input, terminal: false })[Symbol.asyncIterator]();
  try {
    io.err.write(`${missing.length} Secret value(s) are not in an env file; type them (not shown, not stored):\n`);
    for (const m of missing) {
      io.err.write(`  ${m.name}${m.from ? ` (${m.from})` : ''}: `);
      const value = lines ? ((await lines.next()).value as string | undefined) : await readHidden(tty);
      if (!lines) io.err.write('\n');
      if (!value) {
        throw new ProdlikeError('usage', `No value typed for ${m.name}.`, `Type its value when asked, or put ${m.name}=… in a local env file (never commit it) and pass --env-file FILE.`);
      }
      values[m.name] = value;
    }
  } finally {
    await lines?.return?.();
  }
  return values;
}

/** One line from a terminal in raw mode: nothing echoed; backspace edits; Ctrl-C cancels. */
function readHidden(tty: NodeJS.ReadStream): Promise<string> {
  return new Promise((ok, fail) => {
    let value = '';
    const done = (err?: Error) => {
      tty.off('data', onData);
      tty.setRawMode(false);
      tty.pause();
      if (err) fail(err);
      else ok(value);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString()) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new ProdlikeError('aborted', 'Cancelled.'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    tty.setRawMode(true);
    tty.resume();
    tty.on('data', onData);
  });
}

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
