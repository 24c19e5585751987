// `prodlike logs -f` vs `kubectl logs -f -l … --max-log-requests N --prefix`, tailing the same pods of
// the Kubernetes API test server in the same run, at rising write rates until a tail cannot keep up.
//
// Three kinds of process, so no figure is bounded by another's work:
// - the server (this file with --serve, a child): the API test server and the writer, which stamps
//   every line with the monotonic clock when it writes it ("w <µs> <step> <pod> <n>");
// - the two tails (children), the bundle users run (dist/cli.js: `npm run build` first) and kubectl;
// - this process, which only reads both tails' stdout and stamps every chunk on arrival with the
//   same clock (CLOCK_MONOTONIC is system-wide on Linux): latency is write → delivered to a reader,
//   measured the same way for both tails.
//
// Each step writes at one rate for --seconds, then waits for both tails to deliver what was written.
// A tail that delivers less than 95% of a step's lines within that step, or cannot drain its backlog
// within 5 s after it, is saturated. The sweep ends when a tail saturates (--until both: when both
// have; the saturated tail is stopped and the other continues alone, which is noted), or when the
// writer itself is at its limit (a higher offer no longer raises the rate written).
//
// Run: npm run build && npx tsx bench/logs.ts [--pods 50] [--rates 100,200,400,800] [--seconds 10] [--until one|both] [--cpu-prof DIR] [--cli other/dist/cli.js]
//        [--only prodlike|kubectl] [--node-flags --flag,--flag]
//      npx tsx bench/logs.ts --rates 100 --seconds 300        (one long step: memory over a 5-minute tail)
// Rates are lines per second per pod. Prints a table; not part of npm test.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { deployment, startKubeServer } from '../test/kube-server/index';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}
const PODS = Number(flag('pods', '50'));
const RATES = flag('rates', flag('rate', '100,200,400,800,1600')).split(',').map(Number);
const SECONDS = Number(flag('seconds', '10'));
const UNTIL = flag('until', 'one');
/** Run one tail only (prodlike or kubectl): its CPU per line and memory without the other competing for the cores. */
const ONLY = flag('only', '');
/** Write a CPU profile of prodlike's tail into this folder (node --cpu-prof; written when it exits on SIGINT). */
const PROFILE_DIR = flag('cpu-prof', '');
/** Extra node options for prodlike's process, comma-separated (--node-flags --max-semi-space-size=32,--trace-gc). */
const NODE_FLAGS = flag('node-flags', '').split(',').filter(Boolean);
/** The prodlike bundle to run (default dist/cli.js of this checkout; another build to compare). */
const CLI = flag('cli', join(__dirname, '..', 'dist/cli.js'));
const RSS_EVERY_MS = 30_000;
const micros = () => Number(process.hrtime.bigint() / 1000n);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- server process

type ToServer = { type: 'write'; step: number; perPod: number } | { type: 'stop' } | { type: 'probe' } | { type: 'close' };
type FromServer = { type: 'ready'; kubeconfigPath: string; pods: string[] } | { type: 'stopped'; step: number; written: number; seconds: number; cpuMs: number };

async function serve(): Promise<void> {
  const send = (m: FromServer) => process.send!(m);
  // A kubelet rotates its log files: keep a bounded history so a long run measures the tails, not the server's heap.
  const server = await startKubeServer({ readyDelayMs: 10, logOnStart: false, logLinesKept: 2000 });
  server.apply(deployment({ name: 'bench', image: 'registry/bench:1', replicas: PODS }));
  await server.settle(60_000);
  const pods = server.list('pods', 'default').map((p) => p.metadata.name as string);
  let writer: NodeJS.Timeout | undefined;
  let step = 0;
  let written = 0;
  let startedAt = 0;
  let cpuAt = 0;
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  process.on('message', (m: ToServer) => {
    if (m.type === 'probe') for (const p of pods) server.writeLog('default', p, `w ${micros()} 0 ${p} probe`);
    if (m.type === 'write') {
      step = m.step;
      written = 0;
      startedAt = micros();
      cpuAt = cpuMs();
      // Writes what the rate owes since the start at every tick: timer jitter does not lower the rate.
      // A pod's lines of one tick are one write (as a container's output since the kubelet last read it),
      // which the server sends on as one chunk per stream: the server can offer far more than the tails take.
      writer = setInterval(() => {
        const owed = Math.floor(((micros() - startedAt) / 1e6) * m.perPod) - written / pods.length;
        if (owed <= 0) return;
        for (const p of pods) {
          const at = micros();
          const lines: string[] = [];
          for (let k = 0; k < owed; k++) lines.push(`w ${at} ${step} ${p} ${written++}`);
          server.writeLog('default', p, lines.join('\n'));
        }
      }, 10);
    }
    if (m.type === 'stop') {
      clearInterval(writer);
      send({ type: 'stopped', step, written, seconds: (micros() - startedAt) / 1e6, cpuMs: cpuMs() - cpuAt });
    }
    if (m.type === 'close') void server.close().then(() => process.exit(0));
  });
  send({ type: 'ready', kubeconfigPath: server.kubeconfigPath, pods });
}

// ---------------------------------------------------------------- measuring process

interface StepFigures {
  /** Lines of the step delivered before the writer stopped, and in all. */
  inWindow: number;
  total: number;
  /** Latencies as a histogram of 0.1 ms bins (the last bin: 60 s and more): constant memory and cost at any rate. */
  latencies: Uint32Array;
  maxMs: number;
}

interface Tail {
  name: string;
  child: ChildProcess;
  steps: Map<number, StepFigures>;
  probes: number;
  /** Chunks read from its stdout, and the lines in them: how much a tail batches its writes. */
  reads: number;
  lines: number;
  /** RSS (MB) every RSS_EVERY_MS while lines are written. */
  rssAlong: number[];
  saturatedAt?: number;
  stopped?: boolean;
  rssStart?: number;
  rssEnd?: number;
}

function procStatus(pid: number | undefined): { rssMb?: number; cpuMs?: number } {
  try {
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    // utime and stime, fields 14 and 15 of /proc/PID/stat (after the parenthesised command), in ticks of 10 ms.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { rssMb: rss ? Number(rss[1]) / 1024 : undefined, cpuMs: (Number(f[11]) + Number(f[12])) * 10 };
  } catch {
    return {};
  }
}

let windowOpen = false;

function startTail(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): Tail {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: Tail = { name, child, steps: new Map(), probes: 0, reads: 0, lines: 0, rssAlong: [] };
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-2000)));
  child.on('exit', (code) => {
    if (!tail.stopped) console.error(`${name} exited (${code}):\n${stderr}`);
  });
  let rest = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const at = micros(); // one arrival time per chunk, for both tails alike
    tail.reads++;
    const text = rest + chunk;
    let from = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; from = nl + 1, nl = text.indexOf('\n', from)) {
      // Both prefixes end in "] " before the text: "[pod/container] w …" and "[pod/NAME/container] w …".
      const w = text.indexOf('] w ', from);
      if (w < 0 || w > nl) continue;
      const a = w + 4;
      const b = text.indexOf(' ', a);
      const c = text.indexOf(' ', b + 1);
      const step = Number(text.slice(b + 1, c));
      if (step === 0) {
        tail.probes++;
        continue;
      }
      tail.lines++;
      let s = tail.steps.get(step);
      if (!s) tail.steps.set(step, (s = newStep()));
      s.total++;
      if (windowOpen) s.inWindow++;
      const ms = (at - Number(text.slice(a, b))) / 1000;
      s.latencies[Math.min(BINS - 1, Math.max(0, Math.floor(ms * 10)))]!++;
      if (ms > s.maxMs) s.maxMs = ms;
    }
    rest = text.slice(from);
  });
  return tail;
}

const BINS = 600_000;
const newStep = (): StepFigures => ({ inWindow: 0, total: 0, latencies: new Uint32Array(BINS), maxMs: 0 });

/** The p-th percentile in ms (upper edge of its 0.1 ms bin). */
function pct(s: StepFigures, p: number): number {
  if (s.total === 0) return NaN;
  const rank = Math.min(s.total, Math.floor((p / 100) * s.total) + 1);
  let seen = 0;
  for (let i = 0; i < BINS; i++) {
    seen += s.latencies[i]!;
    if (seen >= rank) return (i + 1) / 10;
  }
  return NaN;
}

function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
}

async function measure(): Promise<void> {
  const server = spawn(process.execPath, ['--import', 'tsx', __filename, '--serve', '--pods', String(PODS)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const inbox: FromServer[] = [];
  const waiters: (() => void)[] = [];
  server.on('message', (m: FromServer) => {
    inbox.push(m);
    waiters.splice(0).forEach((w) => w());
  });
  const next = async <T extends FromServer['type']>(type: T): Promise<Extract<FromServer, { type: T }>> => {
    for (;;) {
      const i = inbox.findIndex((m) => m.type === type);
      if (i >= 0) return inbox.splice(i, 1)[0] as Extract<FromServer, { type: T }>;
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  const tell = (m: ToServer) => server.send(m);
  const ready = await next('ready');
  const env = { ...process.env, KUBECONFIG: ready.kubeconfigPath, NO_COLOR: '1' };
  const tails = [
    // The bundle users run; tsx would add its compiler to the figures.
    ...(ONLY === 'kubectl' ? [] : [startTail('prodlike logs', process.execPath, [...NODE_FLAGS, ...(PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : []), CLI, 'logs', 'bench', '--context', 'test', '-f', '--tail', '0', '--max-log-requests', String(PODS)], env)]),
    ...(ONLY === 'prodlike' ? [] : [startTail('kubectl logs', '/usr/bin/kubectl', ['--kubeconfig', ready.kubeconfigPath, 'logs', '-f', '-l', 'app=bench', `--max-log-requests=${PODS}`, '--prefix', '--tail=0'], env)]),
  ];
  // Both tails are ready when a probe line written to every pod reaches them.
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && tails.some((t) => t.probes < PODS)) {
    for (const t of tails) t.probes = 0;
    tell({ type: 'probe' });
    await sleep(1000);
  }
  if (tails.some((t) => t.probes < PODS)) throw new Error(`the tails did not open every stream within 60 s: ${tails.map((t) => `${t.name} ${t.probes}/${PODS}`).join(', ')}`);
  for (const t of tails) t.rssStart = procStatus(t.child.pid).rssMb;

  console.log(`${PODS} pods; ${SECONDS} s per step; latency = write (server process) → chunk read from the tail's stdout (this process), same monotonic clock`);
  const rows = [['offered/s', 'tail', 'written/s', 'delivered/s', 'in step', 'in all', 'p50 ms', 'p99 ms', 'max ms', 'CPU %', 'CPU µs/line', 'RSS MB', 'note']];
  let step = 0;
  let lastWrittenRate = 0;
  for (const perPod of RATES) {
    const live = tails.filter((t) => !t.stopped);
    if (live.length === 0) break;
    step++;
    const cpuBefore = live.map((t) => procStatus(t.child.pid).cpuMs ?? 0);
    const ownCpuBefore = process.cpuUsage();
    windowOpen = true;
    tell({ type: 'write', step, perPod });
    // RSS along the way (a long step shows whether memory levels off or keeps growing).
    for (let left = SECONDS * 1000; left > 0; left -= RSS_EVERY_MS) {
      await sleep(Math.min(left, RSS_EVERY_MS));
      for (const t of live) t.rssAlong.push(procStatus(t.child.pid).rssMb ?? NaN);
    }
    tell({ type: 'stop' });
    const stopped = await next('stopped');
    windowOpen = false;
    const cpuAfter = live.map((t) => procStatus(t.child.pid).cpuMs ?? 0);
    const ownCpu = process.cpuUsage(ownCpuBefore);
    // Drain: wait until every live tail has all of the step's lines, or has made no progress for 5 s.
    let lastTotals = live.map(() => -1);
    let still = Date.now();
    while (live.some((t) => (t.steps.get(step)?.total ?? 0) < stopped.written) && Date.now() - still < 5000) {
      await sleep(250);
      const totals = live.map((t) => t.steps.get(step)?.total ?? 0);
      if (totals.some((n, i) => n !== lastTotals[i])) still = Date.now();
      lastTotals = totals;
    }
    const writtenRate = stopped.written / stopped.seconds;
    const writerShort = writtenRate < 0.95 * perPod * PODS;
    // The server process is at its limit when a higher offer no longer raises what it writes.
    const writerMaxed = writtenRate < 1.1 * lastWrittenRate;
    lastWrittenRate = writtenRate;
    live.forEach((t, i) => {
      const s = t.steps.get(step) ?? newStep();
      const rss = procStatus(t.child.pid).rssMb;
      const cpu = cpuAfter[i]! - cpuBefore[i]!;
      const saturated = s.inWindow < 0.95 * stopped.written || s.total < stopped.written;
      if (saturated) t.saturatedAt = step;
      rows.push([
        String(perPod * PODS),
        t.name,
        writtenRate.toFixed(0),
        (s.inWindow / stopped.seconds).toFixed(0),
        `${((100 * s.inWindow) / Math.max(1, stopped.written)).toFixed(1)}%`,
        `${((100 * s.total) / Math.max(1, stopped.written)).toFixed(1)}%`,
        pct(s, 50).toFixed(1),
        pct(s, 99).toFixed(1),
        s.maxMs.toFixed(0),
        ((100 * cpu) / (stopped.seconds * 1000)).toFixed(0),
        s.inWindow ? ((1000 * cpu) / s.inWindow).toFixed(1) : '-',
        rss?.toFixed(1) ?? '?',
        [saturated ? 'SATURATED' : '', live.length < tails.length ? 'alone' : '', writerShort ? 'writer short of offered rate' : ''].filter(Boolean).join(', '),
      ]);
    });
    // Every process of the run shares the machine's cores: the server's and this reader's CPU tell whether a tail's figure is its own limit.
    const ownPct = (100 * (ownCpu.user + ownCpu.system)) / 1000 / (stopped.seconds * 1000);
    console.log(
      `step ${step}: ${perPod}/s per pod offered, ${writtenRate.toFixed(0)} lines/s written (server CPU ${((100 * stopped.cpuMs) / (stopped.seconds * 1000)).toFixed(0)}%, reader CPU ${ownPct.toFixed(0)}%, load ${loadavg()[0]!.toFixed(2)})`,
    );
    const saturated = live.filter((t) => t.saturatedAt === step);
    if (writerMaxed) break;
    if (saturated.length > 0 && (UNTIL === 'one' || saturated.length === live.length)) break;
    for (const t of saturated) {
      t.rssEnd = procStatus(t.child.pid).rssMb;
      t.stopped = true;
      t.child.kill('SIGINT');
    }
  }
  for (const t of tails) {
    if (!t.stopped) t.rssEnd = procStatus(t.child.pid).rssMb;
    t.stopped = true;
    t.child.kill('SIGINT');
  }
  tell({ type: 'close' });
  console.log();
  printTable(rows);
  console.log();
  for (const t of tails) {
    console.log(`${t.name}: RSS ${t.rssStart?.toFixed(1)} MB after the streams opened, ${t.rssEnd?.toFixed(1)} MB at the end; ${(t.lines / Math.max(1, t.reads)).toFixed(1)} lines per read of its stdout`);
    if (t.rssAlong.length > 1) console.log(`  RSS every ${RSS_EVERY_MS / 1000} s of writing: ${t.rssAlong.map((r) => r.toFixed(0)).join(' ')} MB`);
  }
}

(process.argv.includes('--serve') ? serve() : measure()).catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
