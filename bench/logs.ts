// `prodlike logs -f` vs `kubectl logs -f -l … --max-log-requests 50 --prefix`, tailing the same 50
// pods of the Kubernetes API test server in the same run: lines per second delivered, p50/p99
// latency from write to delivery (each line carries its write time), and the resident memory of
// each tail at its start and end. Both run as child processes printing to a pipe this process reads.
//
// Run: npx tsx bench/logs.ts [--seconds 300] [--pods 50] [--rate 100]   (rate: lines per second per pod)
// Prints a table; not part of npm test.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { deployment, startKubeServer } from '../test/kube-server/index';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const SECONDS = flag('seconds', 300);
const PODS = flag('pods', 50);
const RATE = flag('rate', 100);
const now = () => performance.timeOrigin + performance.now();

interface Tail {
  name: string;
  child: ChildProcess;
  latencies: number[];
  lines: number;
  firstAt?: number;
  rssStart?: number;
  rssEnd?: number;
}

function rssMb(pid: number | undefined): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

function startTail(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): Tail {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: Tail = { name, child, latencies: [], lines: 0 };
  child.stderr!.on('data', () => undefined);
  const rl = createInterface({ input: child.stdout! });
  rl.on('line', (line) => {
    const m = /\bw (\d+\.\d+) /.exec(line);
    if (!m) return;
    const t = now();
    tail.lines++;
    tail.firstAt ??= t;
    if (tail.latencies.length < 5_000_000) tail.latencies.push(t - Number(m[1]));
  });
  return tail;
}

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

async function main(): Promise<void> {
  const server = await startKubeServer({ readyDelayMs: 10, logOnStart: false });
  server.apply(deployment({ name: 'bench', image: 'registry/bench:1', replicas: PODS }));
  await server.settle(60_000);
  const pods = server.list('pods', 'default').map((p) => p.metadata.name);
  const env = { ...process.env, KUBECONFIG: server.kubeconfigPath, NO_COLOR: '1' };
  const root = join(__dirname, '..');
  const tails = [
    // The bundle users run (npm run build); tsx would add its compiler to the figures.
    startTail('prodlike logs', process.execPath, [join(root, 'dist/cli.js'), 'logs', 'bench', '--context', 'test', '-f', '--tail', '0', '--max-log-requests', String(PODS)], env),
    startTail('kubectl logs', '/usr/bin/kubectl', ['--kubeconfig', server.kubeconfigPath, 'logs', '-f', '-l', 'app=bench', `--max-log-requests=${PODS}`, '--prefix', '--tail=0'], env),
  ];
  // Wait until both tails have every stream open: a probe line per pod reaches both.
  const deadline = Date.now() + 60_000;
  let written = 0;
  while (Date.now() < deadline && tails.some((t) => t.lines < PODS)) {
    for (const t of tails) t.lines = 0;
    for (const p of pods) server.writeLog('default', p, `w ${now().toFixed(3)} probe`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  for (const t of tails) {
    t.lines = 0;
    t.latencies = [];
    t.rssStart = rssMb(t.child.pid);
  }
  // Steady writing: every tick, each pod writes its share.
  const tickMs = 20;
  const perTick = (RATE * tickMs) / 1000;
  let owed = 0;
  const start = now();
  const writer = setInterval(() => {
    owed += perTick;
    const n = Math.floor(owed);
    owed -= n;
    for (let k = 0; k < n; k++) for (const p of pods) {
      server.writeLog('default', p, `w ${now().toFixed(3)} ${p} ${written++}`);
    }
  }, tickMs);
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  clearInterval(writer);
  const writeSeconds = (now() - start) / 1000;
  await new Promise((r) => setTimeout(r, 2000)); // let the tails catch up
  for (const t of tails) t.rssEnd = rssMb(t.child.pid);
  for (const t of tails) t.child.kill('SIGTERM');
  await server.close();

  const rows = [['tail', 'lines', 'delivered', 'lines/s', 'p50 ms', 'p99 ms', 'RSS start MB', 'RSS end MB']];
  for (const t of tails) {
    rows.push([
      t.name,
      String(t.lines),
      `${((100 * t.lines) / Math.max(1, written)).toFixed(1)}%`,
      (t.lines / writeSeconds).toFixed(0),
      pct(t.latencies, 50).toFixed(1),
      pct(t.latencies, 99).toFixed(1),
      t.rssStart?.toFixed(1) ?? '?',
      t.rssEnd?.toFixed(1) ?? '?',
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log(`${PODS} pods × ${RATE} lines/s for ${writeSeconds.toFixed(0)} s: ${written} lines written (${(written / writeSeconds).toFixed(0)}/s)`);
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
