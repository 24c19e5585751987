// `prodlike check` on a generated repository of 20,000 files (sources in six languages, 500
// manifests, 50 Dockerfiles, the rest docs and assets): wall time and files per second.
// Two ways: in this process (as the tests run it, manifests parsed on the main thread), and the
// bundled CLI as a user runs it (`node dist/cli.js check`, node start-up included, manifests parsed
// in dist/parity-worker.js), built here into a temporary folder so the bench needs no `npm run build`.
// Run: npx tsx bench/check.ts [files]   — prints figures; not part of npm test.
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { build, type BuildOptions } from 'esbuild';
import { runCli } from '../src/cli/program';

const TOTAL = Number(process.argv[2] ?? 20000);
const root = mkdtempSync(join(tmpdir(), 'prodlike-bench-'));

const SOURCES: [string, (i: number) => string][] = [
  ['ts', (i) => `import fs from 'node:fs';\nexport const port${i} = Number(process.env.PORT ?? 8080);\nexport function handler${i}(req: unknown) {\n  const url = process.env.DATABASE_URL;\n  return { url, req, n: ${i} };\n}\n`.repeat(4)],
  ['py', (i) => `import os\nimport logging\n\ndef handler_${i}(event):\n    url = os.environ.get("DATABASE_URL", "sqlite://")\n    logging.info("event %s", event)\n    return url\n`.repeat(4)],
  ['go', (i) => `package svc\n\nimport "os"\n\nfunc Handler${i}() string {\n\treturn os.Getenv("DATABASE_URL")\n}\n`.repeat(4)],
  ['java', (i) => `package svc;\npublic class H${i} {\n  String url() { return System.getenv("DATABASE_URL"); }\n}\n`.repeat(4)],
  ['rb', (i) => `class H${i}\n  def url = ENV.fetch("DATABASE_URL")\nend\n`.repeat(4)],
  ['php', (i) => `<?php\nfunction h${i}() { return getenv('DATABASE_URL'); }\n`.repeat(4)],
];

function write(path: string, text: string) {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
}

let n = 0;
for (let i = 0; i < 50; i++, n++) write(`services/s${i}/Dockerfile`, `FROM node:20.19@sha256:${'a'.repeat(64)}\nWORKDIR /app\nCOPY package.json ./\nRUN npm ci\nCOPY . .\nENV PORT=8080\nHEALTHCHECK CMD wget -q -O- http://127.0.0.1:8080/healthz\nCMD ["node", "server.js"]\n`);
for (let i = 0; i < 500; i++, n++) {
  write(`deploy/k8s/app-${i}.yaml`, `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-${i}\nspec:\n  replicas: 2\n  selector: { matchLabels: { app: a${i} } }\n  template:\n    metadata: { labels: { app: a${i} } }\n    spec:\n      containers:\n        - name: app\n          image: registry.example.com/app:${i}@sha256:${'b'.repeat(64)}\n          env: [{ name: PORT, value: "8080" }, { name: DATABASE_URL, value: "postgres://db/app" }]\n          readinessProbe: { httpGet: { path: /healthz, port: 8080 } }\n---\napiVersion: v1\nkind: Service\nmetadata: { name: app-${i} }\nspec: { selector: { app: a${i} }, ports: [{ port: 80 }] }\n`);
}
const sourceCount = Math.floor((TOTAL - n) * 0.7);
for (let i = 0; i < sourceCount; i++, n++) {
  const [ext, body] = SOURCES[i % SOURCES.length]!;
  write(`src/m${i % 97}/f${i}.${ext}`, body(i));
}
for (; n < TOTAL; n++) write(`docs/d${n % 53}/page${n}.md`, `# Page ${n}\n\nSome text.\n`);
// node_modules that must be skipped (not counted in the 20,000).
for (let i = 0; i < 200; i++) write(`node_modules/pkg${i}/index.js`, "require('fs').createWriteStream('x.log')\n");

const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

async function once(): Promise<{ ms: number; code: number; out: string; cpu?: number }> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  const t0 = performance.now();
  const c0 = cpuMs();
  const code = await runCli(['check', root, '--json'], { out, err: new PassThrough(), env: {}, cwd: root, json: false, color: false, interactive: false });
  return { ms: performance.now() - t0, code, out: text, cpu: cpuMs() - c0 };
}

const dist = mkdtempSync(join(tmpdir(), 'prodlike-bench-dist-'));

async function bundled(): Promise<{ ms: number; code: number; out: string }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [join(dist, 'cli.js'), 'check', root, '--json'], { cwd: root, maxBuffer: 64 << 20 }, (err, stdout) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      if (code !== 0 && code !== 1) reject(err);
      else resolve({ ms: performance.now() - t0, code, out: stdout });
    });
  });
}

function line(name: string, cold: { ms: number }, runs: { ms: number; cpu?: number }[]) {
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[1]!;
  const ms = median(runs.map((r) => r.ms));
  // CPU time (this process, all threads) says what the check costs when the machine is busy with other work.
  const cpu = runs[0]!.cpu === undefined ? '' : `, ${median(runs.map((r) => r.cpu!)).toFixed(0)} ms CPU`;
  console.log(`  ${name}: first run ${cold.ms.toFixed(0)} ms; median of 3 warm runs ${ms.toFixed(0)} ms${cpu} → ${Math.round(TOTAL / (ms / 1000))} files/s (goal: under 3000 ms)`);
  console.log(`    runs: ${[cold, ...runs].map((r) => r.ms.toFixed(0)).join(', ')} ms`);
}

(async () => {
  try {
    const common: BuildOptions = { bundle: true, platform: 'node', format: 'cjs', logLevel: 'silent', external: ['cpu-features', '*.node', 'vscode'], define: { PRODLIKE_VERSION: '"bench"' } };
    await build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: join(dist, 'cli.js') });
    await build({ ...common, entryPoints: ['src/core/parity/worker.ts'], outfile: join(dist, 'parity-worker.js') });

    const cold = await once();
    const runs = [await once(), await once(), await once()];
    const report = JSON.parse(cold.out);
    console.log(`prodlike check: ${TOTAL} files (${sourceCount} sources in 6 languages, 500 manifests, 50 Dockerfiles), ${report.findings.length} findings, exit ${cold.code}`);
    console.log(`  files read by the rules: ${report.summary.files.filesRead}; visited: ${report.summary.files.filesVisited}`);
    console.log(`  machine: ${availableParallelism()} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    line('in process (tsx, manifests parsed on the main thread)', cold, runs);
    const cliCold = await bundled();
    const cliRuns = [await bundled(), await bundled(), await bundled()];
    if (JSON.parse(cliCold.out).findings.length !== report.findings.length) throw new Error('the bundled CLI found something else');
    line('bundled CLI (node dist/cli.js, start-up included, manifests parsed in a worker)', cliCold, cliRuns);
  } finally {
    rmSync(dist, { recursive: true, force: true });
    if (!process.env.BENCH_KEEP) rmSync(root, { recursive: true, force: true });
    else console.log(root);
  }
})();
