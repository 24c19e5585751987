// Bench: time from start to "image built" for prodlike versus `docker build`, on the same engine,
// in the same run, on a generated context of 20,000 files of which .dockerignore excludes half.
// Prints a table (per run and the median ratio) and the context bytes each client sent.
// Not part of `npm test`.  Run:  npm run bench:build-context  [-- --runs 5 --files 20000]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage } from '../src/core/docker/build';
import { openEngine } from '../src/core/docker/engine';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const runs = arg('runs', 5);
const fileCount = arg('files', 20_000);
const envFile = join(process.env.PRODLIKE_TEST_DIR ?? '/tmp/prodlike-test', 'env');
for (const line of readFileSync(envFile, 'utf8').split('\n')) {
  const m = /^export (\w+)='(.*)'$/.exec(line);
  if (m && !process.env[m[1]!]) process.env[m[1]!] = m[2];
}
const host = process.env.PRODLIKE_TEST_DOCKER_HOST ?? process.env.DOCKER_HOST;
const base = process.env.PRODLIKE_TEST_IMAGE ?? 'prodlike-test/busybox:1';
if (!host) throw new Error('no engine: start it with `bash scripts/test-infra.sh up`');

const root = mkdtempSync(join(tmpdir(), 'prodlike-bench-'));
writeFileSync(join(root, 'Dockerfile'), `FROM ${base}\nCOPY . /ctx/\n`);
writeFileSync(join(root, '.dockerignore'), 'ignored\n**/*.tmp\n');
const payload = 'x'.repeat(512);
for (let i = 0; i < fileCount; i++) {
  // Half kept (src/), half excluded (a quarter under ignored/, a quarter *.tmp next to kept files).
  const dir = i % 2 === 0 ? `src/d${i % 100}` : i % 4 === 1 ? `ignored/d${i % 100}` : `src/d${i % 100}`;
  const name = i % 4 === 3 ? `f${i}.tmp` : `f${i}.txt`;
  mkdirSync(join(root, dir), { recursive: true });
  writeFileSync(join(root, dir, name), payload);
}

const engine = openEngine({ url: host, from: 'argument' });
const tag = (who: string, n: number) => `prodlike-bench/${who}:${process.pid}-${n}`;
const rows: { run: number; prodlike: number; docker: number; ratio: number }[] = [];
let prodlikeBytes = 0;
let dockerBytes = '';

async function main() {
  for (let n = 1; n <= runs; n++) {
    // Alternate who goes first, so neither always benefits from a warm page cache.
    const order = n % 2 ? ['prodlike', 'docker'] : ['docker', 'prodlike'];
    const t: Record<string, number> = {};
    for (const who of order) {
      const start = process.hrtime.bigint();
      if (who === 'prodlike') {
        const built = await buildImage(engine, { context: root, tags: [tag('prodlike', n)], builder: 'classic', noCache: true });
        prodlikeBytes = built.contextBytes;
      } else {
        const r = spawnSync('docker', ['--host', host!, 'build', '--no-cache', '-t', tag('docker', n), root], { encoding: 'utf8', env: { ...process.env, DOCKER_BUILDKIT: '0' }, maxBuffer: 1 << 26 });
        if (r.status !== 0) throw new Error(r.stderr);
        dockerBytes = /Sending build context to Docker daemon\s+([\d.]+\s*\w+)/.exec(r.stdout + r.stderr)?.[1] ?? '?';
      }
      t[who] = Number(process.hrtime.bigint() - start) / 1e6;
    }
    rows.push({ run: n, prodlike: t.prodlike!, docker: t.docker!, ratio: t.prodlike! / t.docker! });
  }
  const ratios = rows.map((r) => r.ratio).sort((a, b) => a - b);
  const median = ratios[Math.floor(ratios.length / 2)]!;
  console.log(`context: ${fileCount} files, .dockerignore excludes ${fileCount / 2}; engine ${host}; no cache`);
  console.log('run  prodlike ms  docker build ms  ratio');
  for (const r of rows) console.log(`${String(r.run).padEnd(4)} ${r.prodlike.toFixed(0).padStart(11)}  ${r.docker.toFixed(0).padStart(15)}  ${r.ratio.toFixed(3)}`);
  console.log(`median ratio prodlike/docker: ${median.toFixed(3)} (goal <= 1.05)`);
  console.log(`context bytes sent: prodlike ${(prodlikeBytes / 1024 / 1024).toFixed(2)} MiB (tar), docker build ${dockerBytes} (as the CLI reports it)`);
}

main()
  .finally(async () => {
    for (let n = 1; n <= runs; n++) for (const who of ['prodlike', 'docker']) await engine.docker.getImage(tag(who, n)).remove({ force: true }).catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  })
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
