/**
 * Time from "image pushed" to "rollout complete": `prodlike deploy` (plan, deploy, watch) against
 * `docker service update --image` on twin services with the same update config, in the same run,
 * alternating so neither gets a warmer engine. Prints the table and the ratio (goal ≤ 1.1×).
 *
 *   npx tsx bench/deploy.ts [rounds]      (uses the test engine: run `npm run infra up` first)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine } from '../src/core/docker/engine';
import { SwarmCluster } from '../src/core/swarm';

function env(name: string): string {
  if (process.env[name]) return process.env[name]!;
  const file = join(process.env.PRODLIKE_TEST_DIR ?? '/tmp/prodlike-test', 'env');
  const m = new RegExp(`^export ${name}='(.*)'$`, 'm').exec(readFileSync(file, 'utf8'));
  if (!m) throw new Error(`${name} not set: start the test engine with \`npm run infra up\``);
  return m[1]!;
}
const host = env('PRODLIKE_TEST_DOCKER_HOST');
const registry = env('PRODLIKE_TEST_REGISTRY');
const base = env('PRODLIKE_TEST_IMAGE');

function docker(...args: string[]): string {
  const r = spawnSync('docker', ['--host', host, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

function push(tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'prodlike-bench-'));
  const ref = `${registry}/prodlike-bench/app:${tag}`;
  writeFileSync(join(dir, 'Dockerfile'), `FROM ${base}\nCMD ["sh", "-c", "trap 'exit 0' TERM; while true; do echo ${tag}; sleep 0.2; done"]\n`);
  docker('build', '-q', '-t', ref, dir);
  docker('push', '-q', ref);
  rmSync(dir, { recursive: true, force: true });
  return ref;
}

const UPDATE = ['--update-monitor', '1s', '--update-order', 'stop-first', '--update-failure-action', 'rollback', '--update-parallelism', '1', '--update-delay', '0s'];

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 5);
  // The app exits on SIGTERM (as a real one should), so stop-first does not wait out the grace period.
  const images = Array.from({ length: rounds + 1 }, (_, i) => push(`b${Date.now().toString(36)}-${i}`));
  const names = [`bench-prodlike-${process.pid}`, `bench-docker-${process.pid}`];
  for (const n of names) docker('service', 'create', '--detach', '--quiet', '--name', n, '--network', 'host', '--replicas', '2', ...UPDATE, images[0]!);
  const cluster = new SwarmCluster(openEngine({ url: host, from: 'argument' }), { update: { monitor: '1s', order: 'stop-first' } });
  const times: { prodlike: number[]; docker: number[] } = { prodlike: [], docker: [] };
  try {
    for (let i = 1; i <= rounds; i++) {
      const image = images[i]!;
      const runProdlike = async () => {
        const t0 = performance.now();
        const plan = await cluster.planDeploy({ namespace: 'default', name: names[0]! }, image, 'bench');
        await cluster.deploy(plan);
        let last = '';
        for await (const e of cluster.rolloutStatus(plan.workload)) last = e.type;
        if (last !== 'complete') throw new Error(`prodlike rollout ended ${last}`);
        times.prodlike.push(performance.now() - t0);
      };
      const runDocker = () => {
        const t0 = performance.now();
        docker('service', 'update', '--quiet', '--image', image, names[1]!);
        times.docker.push(performance.now() - t0);
      };
      if (i % 2) {
        await runProdlike();
        runDocker();
      } else {
        runDocker();
        await runProdlike();
      }
    }
  } finally {
    cluster.dispose();
    spawnSync('docker', ['--host', host, 'service', 'rm', ...names]);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const row = (name: string, xs: number[]) => `${name.padEnd(28)} ${median(xs).toFixed(0).padStart(8)} ms  ${xs.map((x) => x.toFixed(0)).join(' ')}`;
  console.log(`image pushed → rollout complete, 2 replicas, monitor 1s, ${rounds} rounds (median, then each)`);
  console.log(row('prodlike deploy', times.prodlike));
  console.log(row('docker service update', times.docker));
  console.log(`ratio prodlike / docker: ${(median(times.prodlike) / median(times.docker)).toFixed(2)}× (goal ≤ 1.10×)`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
