// Manifests parsed in worker threads give the same documents, positions and refusals as parsing on
// the main thread; a worker that dies costs only the file that killed it; a worker bundle that
// cannot start means parsing on the main thread.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { parseYamlFiles } from '../../../src/core/parity/yamlWorkers';
import { yamlFileOf } from '../../../src/core/parity/yamlFile';
import { DEPLOYMENT } from './fixture';

let dir: string;
let workerFile: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'prodlike-parity-worker-'));
  workerFile = join(dir, 'parity-worker.js');
  // The same entry esbuild.config.mjs bundles into dist/parity-worker.js.
  await build({ entryPoints: ['src/core/parity/worker.ts'], outfile: workerFile, bundle: true, platform: 'node', format: 'cjs', logLevel: 'silent' });
});
after(() => rmSync(dir, { recursive: true, force: true }));

const FILES = [
  { path: 'k8s/app.yaml', text: DEPLOYMENT('        - name: web\n          image: web:1\n          env:\n            - name: PORT\n              value: "8080"') + '---\napiVersion: v1\nkind: Service\nmetadata: { name: s }\nspec: { sessionAffinity: ClientIP }\n' },
  { path: 'k8s/broken.yaml', text: 'apiVersion: v1\nkind: ConfigMap\ndata: [unclosed\n' },
  { path: 'k8s/bomb.yaml', text: 'apiVersion: v1\nkind: ConfigMap\na: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n' },
  { path: 'k8s/deep.yaml', text: 'apiVersion: v1\nkind: ConfigMap\ndata: ' + '['.repeat(100) + ']'.repeat(100) + '\n' },
  { path: 'k8s/mode.yaml', text: 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: m\nmode: 0755\n"80": string key\n80: number key\n' },
];

/** What rules see: values, hits, and the positions rangeOf gives for some paths. */
function seen(parsed: Map<string, Parameters<typeof yamlFileOf>[0]>) {
  const paths: (string | number)[][] = [[], ['kind'], ['spec', 'template', 'spec', 'containers', 0, 'env', 0, 'name'], ['spec', 'missing', 'x'], ['spec', 'sessionAffinity'], ['mode'], ['80'], [80]];
  return FILES.map((f) => {
    const file = yamlFileOf(parsed.get(f.path)!);
    return {
      path: f.path,
      hits: file.hits,
      documents: file.documents.map((d) => ({ value: d.value, ranges: paths.map((p) => [d.rangeOf(p), d.rangeOf(p, true)]) })),
    };
  });
}

test('a worker parses manifests exactly as the main thread does, positions and refusals included', async () => {
  const here = await parseYamlFiles(FILES, { workerFile: null });
  const there = await parseYamlFiles(FILES, { workerFile, minWorkerBytes: 0, workers: 2 });
  assert.deepEqual(seen(there), seen(here));
  const mode = yamlFileOf(there.get('k8s/mode.yaml')!);
  assert.equal((mode.documents[0]!.value as Record<string, unknown>).mode, 0o755);
  assert.deepEqual(mode.documents[0]!.rangeOf([80], true).start, { line: 7, column: 1 });
  assert.deepEqual(mode.documents[0]!.rangeOf(['80'], true).start, { line: 6, column: 1 });
  assert.deepEqual(there.get('k8s/bomb.yaml')!.hits.map((h) => h.ruleId), ['input-refused']);
  assert.deepEqual(there.get('k8s/deep.yaml')!.hits.map((h) => h.ruleId), ['input-refused']);
  assert.deepEqual(there.get('k8s/broken.yaml')!.hits.map((h) => h.ruleId).slice(0, 1), ['yaml-invalid']);
});

test('a file that kills the parser is refused with a finding; the other files are still parsed', async () => {
  const crashing = join(dir, 'crashing-worker.js');
  writeFileSync(
    crashing,
    `const { parentPort } = require('node:worker_threads');
     parentPort.on('message', (m) => {
       if (m.files.some((f) => f.text.includes('CRASH'))) process.exit(7);
       parentPort.postMessage({ job: m.job, results: m.files.map(() => ({ documents: [], hits: [] })) });
     });
     parentPort.postMessage({ ready: true });`,
  );
  const files = [...FILES, { path: 'k8s/crash.yaml', text: 'CRASH: 1\n' }];
  const parsed = await parseYamlFiles(files, { workerFile: crashing, minWorkerBytes: 0, workers: 1 });
  assert.equal(parsed.size, files.length);
  const crash = parsed.get('k8s/crash.yaml')!;
  assert.deepEqual(crash.hits.map((h) => [h.ruleId, h.message]), [['input-refused', 'YAML could not be parsed (the parser exited (7)); not read.']]);
  for (const f of FILES) assert.deepEqual(parsed.get(f.path), { documents: [], hits: [] });
});

test('a worker bundle that cannot start means parsing on this thread, with the same result', async () => {
  const broken = join(dir, 'broken-worker.js');
  writeFileSync(broken, "require('./no-such-module');\n");
  const parsed = await parseYamlFiles(FILES, { workerFile: broken, minWorkerBytes: 0 });
  assert.deepEqual(seen(parsed), seen(await parseYamlFiles(FILES, { workerFile: null })));
});

test('cancelling stops the workers and rejects with a cancel', async () => {
  const abort = new AbortController();
  const many = Array.from({ length: 400 }, (_, i) => ({ path: `k8s/${i}.yaml`, text: FILES[0]!.text }));
  const parsing = parseYamlFiles(many, { workerFile, minWorkerBytes: 0, signal: abort.signal });
  abort.abort();
  await assert.rejects(parsing, /Cancelled/);
});
