// The multi-node swarm of scripts/swarm-cluster.sh for one test file: started in `before` (under a
// lock, so test files in parallel processes take turns), always torn down in `after` — namespaces,
// veths, bridge, engines — also when a test failed. Faults are injected through the script's verbs.
//
// The docker CLI is an oracle and a fixture builder here, never part of prodlike; it is spawned with
// argument arrays against the test nodes only.
import { after, before, type TestContext } from 'node:test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine } from '../../../src/core/docker/engine';
import { SwarmCluster } from '../../../src/core/swarm';
import { HISTORY_SERVICE_LABEL } from '../../../src/core/swarm/history';
import type { ClusterNode } from '../../../src/core/cluster/types';
import type { Line } from '../logs/support';

const root = join(__dirname, '../../..');
const script = join(root, 'scripts/swarm-cluster.sh');
const LOCK = '/tmp/prodlike-swarm-tests.lock';

export interface MultiNodeSwarm {
  nodes: number;
  managers: number;
  /** unix:///… of node N's engine (1-based). */
  host(n: number): string;
  /** The busybox image in the bridge registry. */
  image: string;
  registry: string;
  /** prodlike's view of the swarm, through node `via` (default 1, the first manager). */
  cluster(via?: number): SwarmCluster;
  docker(...args: string[]): string;
  dockerOn(n: number, ...args: string[]): string;
  /** Runs a verb of scripts/swarm-cluster.sh (stop-node N, start-node N, restart-node N, cut N, heal N). */
  fault(verb: string, n: number): void;
}

function run(args: string[], what: string): string {
  const r = spawnSync('bash', [script, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${what} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** Holds an exclusive flock for as long as the returned process lives (it ends with this process). */
async function lock(): Promise<ChildProcess> {
  const child = spawn('flock', [LOCK, 'sh', '-c', 'echo locked; exec cat'], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`flock ended (${code})`)));
  });
  return child;
}

/** Starts an N-node swarm before this file's tests and tears it down after them. */
export function useMultiNodeSwarm(nodes = 3, managers = 1): MultiNodeSwarm {
  let env: Record<string, string> = {};
  let held: ChildProcess | undefined;
  const clusters: SwarmCluster[] = [];
  before(async () => {
    held = await lock();
    run(['down'], 'swarm-cluster down (leftovers)');
    const t0 = Date.now();
    run(['up', String(nodes), String(managers)], `swarm-cluster up ${nodes} ${managers}`);
    console.log(`# multinode: ${nodes} nodes (${managers} manager${managers > 1 ? 's' : ''}) up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    env = {};
    for (const line of run(['env'], 'swarm-cluster env').split('\n')) {
      const m = /^export (\w+)='(.*)'$/.exec(line);
      if (m) env[m[1]!] = m[2]!;
    }
  });
  after(() => {
    for (const c of clusters) c.dispose();
    try {
      if (!process.env.PRODLIKE_SWARM_KEEP) run(['down'], 'swarm-cluster down');
    } finally {
      held?.stdin?.end();
      held?.kill();
    }
  });
  const host = (n: number) => {
    const h = env[`PRODLIKE_SWARM_NODE${n}_HOST`];
    if (!h) throw new Error(`no node ${n} (is the swarm up?)`);
    return h;
  };
  const dockerOn = (n: number, ...args: string[]) => {
    const r = spawnSync('docker', ['--host', host(n), ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`docker ${args.join(' ')} on node${n} failed: ${r.stderr}`);
    return r.stdout.trim();
  };
  return {
    nodes,
    managers,
    host,
    get image() {
      return env.PRODLIKE_SWARM_IMAGE!;
    },
    get registry() {
      return env.PRODLIKE_SWARM_REGISTRY!;
    },
    cluster(via = 1) {
      // Short monitor and a fast poll, so rollouts finish in seconds; otherwise prodlike's defaults.
      const c = new SwarmCluster(openEngine({ url: host(via), from: 'argument' }), { name: 'swarm', update: { monitor: '1s' }, pollIntervalMs: 250 });
      clusters.push(c);
      return c;
    },
    docker: (...args) => dockerOn(1, ...args),
    dockerOn,
    fault(verb, n) {
      run([verb, String(n)], `swarm-cluster ${verb} ${n}`);
    },
  };
}

/** An image FROM the test busybox whose command is `script`, pushed to the bridge registry (tag, not pinned). */
export function pushApp(swarm: MultiNodeSwarm, tag: string, script: string): string {
  const ref = `${swarm.registry}/prodlike-multinode/app:${tag}`;
  const dir = mkdtempSync(join(tmpdir(), 'prodlike-multinode-'));
  try {
    writeFileSync(join(dir, 'Dockerfile'), `FROM ${swarm.image}\nCMD ["sh", "-c", ${JSON.stringify(script)}]\n`);
    const r = spawnSync('docker', ['--host', swarm.host(1), 'build', '-q', '-t', ref, dir], { encoding: 'utf8', env: { ...process.env, DOCKER_BUILDKIT: '0' } });
    if (r.status !== 0) throw new Error(`build ${ref}: ${r.stderr}`);
    swarm.docker('push', '-q', ref);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return ref;
}

/** Each task numbers its lines: "<version> <task id> <n>", ten a second. */
export const countingScript = (version: string) => `i=0; while true; do i=$((i+1)); echo "${version} $TASK $i"; sleep 0.1; done`;

let serial = 0;
/** A replicated service on the host network (the nodes have no bridge network) with fast restarts. */
export function createService(swarm: MultiNodeSwarm, image: string, replicas: number, extra: string[] = []): { name: string; remove(): void } {
  const name = `mn${process.pid % 1000}x${++serial}`;
  swarm.docker(
    'service', 'create', '--detach', '--quiet', '--name', name, '--network', 'host', '--replicas', String(replicas),
    '--restart-delay', '200ms', '--stop-grace-period', '1s', '--update-monitor', '1s', '--env', 'TASK={{.Task.Slot}}.{{.Task.ID}}',
    ...extra, image,
  );
  const id = swarm.docker('service', 'inspect', '--format', '{{.ID}}', name);
  return {
    name,
    remove() {
      spawnSync('docker', ['--host', swarm.host(1), 'service', 'rm', name], { encoding: 'utf8' });
      const configs = spawnSync('docker', ['--host', swarm.host(1), 'config', 'ls', '-q', '--filter', `label=${HISTORY_SERVICE_LABEL}=${id}`], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
      if (configs.length) spawnSync('docker', ['--host', swarm.host(1), 'config', 'rm', ...configs], { encoding: 'utf8' });
    },
  };
}

/** Waits (bounded, never asserted on time) until `check` gives a value. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, what: string, limitMs = 90_000): Promise<T> {
  const end = Date.now() + limitMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Every node ready again (after a fault was healed), as prodlike sees them. */
export async function allReady(cluster: SwarmCluster, count: number): Promise<ClusterNode[]> {
  return eventually(async () => {
    const nodes = await cluster.nodes();
    return nodes.length === count && nodes.every((n) => n.health === 'ready') ? nodes : undefined;
  }, `all ${count} nodes ready`);
}

/** One row of the fault table of the report, printed by the test that measured it. */
export function reportFault(t: TestContext, row: { fault: string; detectedAfterS?: number; lostLines?: number; outcome: string }): void {
  const text = `FAULT | ${row.fault} | detection ${row.detectedAfterS === undefined ? '-' : `${row.detectedAfterS.toFixed(1)} s`} | lines lost ${row.lostLines ?? '-'} | ${row.outcome}`;
  t.diagnostic(text);
  console.log(`# ${text}`);
  const file = process.env.PRODLIKE_FAULT_TABLE;
  if (file) writeFileSync(file, `${text}\n`, { flag: 'a' });
}


/** "<version> <slot>.<task> <n>" → the task's numbers in the order the tail gave them. */
export function countsByTask(lines: Line[]): Map<string, { node?: string; ns: number[] }> {
  const byTask = new Map<string, { node?: string; ns: number[] }>();
  for (const l of lines) {
    const m = /^v\d \d+\.(\w+) (\d+)$/.exec(l.text);
    if (!m) continue;
    const entry = byTask.get(m[1]!) ?? { node: l.source.node, ns: [] };
    entry.ns.push(Number(m[2]));
    byTask.set(m[1]!, entry);
  }
  return byTask;
}

/** Lines missing or repeated inside what the tail saw of one task (its numbers must count up by one). */
export function gaps(ns: number[]): { lost: number; repeated: number } {
  let lost = 0;
  let repeated = 0;
  for (let i = 1; i < ns.length; i++) {
    const step = ns[i]! - ns[i - 1]!;
    if (step > 1) lost += step - 1;
    if (step < 1) repeated++;
  }
  return { lost, repeated };
}

