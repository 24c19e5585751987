// `prodlike check` on a generated repository of 20,000 files (sources in six languages, 500
// manifests, 50 Dockerfiles, the rest docs and assets): wall time and files per second.
// Run: npx tsx bench/check.ts [files]   — prints figures; not part of npm test.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
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

async function once(): Promise<{ ms: number; code: number; out: string }> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  const t0 = performance.now();
  const code = await runCli(['check', root, '--json'], { out, err: new PassThrough(), env: {}, cwd: root, json: false, color: false, interactive: false });
  return { ms: performance.now() - t0, code, out: text };
}

(async () => {
  try {
    const cold = await once();
    const runs = [await once(), await once(), await once()];
    const ms = runs.map((r) => r.ms).sort((a, b) => a - b)[1]!;
    const report = JSON.parse(cold.out);
    console.log(`prodlike check: ${TOTAL} files (${sourceCount} sources in 6 languages, 500 manifests, 50 Dockerfiles), ${report.findings.length} findings, exit ${cold.code}`);
    console.log(`  files read by the rules: ${report.summary.files.filesRead}; visited: ${report.summary.files.filesVisited}`);
    console.log(`  first run ${cold.ms.toFixed(0)} ms; median of 3 warm runs ${ms.toFixed(0)} ms → ${Math.round(TOTAL / (ms / 1000))} files/s (goal: under 3000 ms)`);
  } finally {
    if (!process.env.BENCH_KEEP) rmSync(root, { recursive: true, force: true });
    else console.log(root);
  }
})();
