// Environment parity per workload in a repository of several apps: each folder with a Dockerfile
// is compared with the workloads that run its image, not with everything production sets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check } from './fixture';

const DIGEST = `sha256:${'c'.repeat(64)}`;
const deployment = (name: string, env: string[]) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 2
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      containers:
        - name: app
          image: registry.example.com/shop/${name}:1@${DIGEST}
          readinessProbe: { httpGet: { path: /healthz, port: 8080 } }
          env:
${env.map((e) => `            - { name: ${e}, value: "x" }`).join('\n')}
`;
const DOCKERFILE = `FROM node:20.19@${DIGEST}\nCOPY . .\nHEALTHCHECK CMD true\nCMD ["node", "index.js"]\n`;

const MONOREPO = {
  'services/api/Dockerfile': DOCKERFILE,
  'services/api/index.js': 'const db = process.env.DATABASE_URL;\nconst key = process.env.API_KEY;\n',
  'services/worker/Dockerfile': DOCKERFILE,
  'services/worker/worker.py': 'import os\nqueue = os.environ["QUEUE_URL"]\n',
  'lib/format.js': 'export const format = process.env.LOG_FORMAT;\n',
  'k8s/api.yaml': deployment('api', ['DATABASE_URL', 'QUEUE_URL']),
  'k8s/worker.yaml': deployment('worker', ['QUEUE_URL', 'API_KEY']),
};

const envFindings = (findings: { ruleId: string; file: string; line: number; message: string }[]) =>
  findings.filter((f) => f.ruleId.startsWith('env-')).map((f) => `${f.file}:${f.line} ${f.ruleId} ${f.message}`);

test('a variable one app reads but only another workload gets is reported, and so is one set for the wrong workload', async () => {
  const report = await check(MONOREPO);
  assert.deepEqual(envFindings(report.findings), [
    'k8s/api.yaml:17 env-not-read Production sets QUEUE_URL, which the code of api (services/api) never reads.',
    'k8s/worker.yaml:17 env-not-read Production sets API_KEY, which the code of worker (services/worker) never reads.',
    'lib/format.js:1 env-not-provided LOG_FORMAT is read by the code but is set neither in production nor in the image.',
    'services/api/index.js:2 env-not-provided API_KEY is read by the code but api does not get it in production (only worker does).',
  ]);
  const apiKey = report.findings.find((f) => f.ruleId === 'env-not-provided' && f.data?.variable === 'API_KEY');
  assert.deepEqual(apiKey?.data, { variable: 'API_KEY', workload: 'api' });
});

test('shared code outside every app counts as read by each; an app no workload runs is compared repository-wide', async () => {
  const report = await check({
    ...MONOREPO,
    'lib/queue.js': 'export const q = process.env.QUEUE_URL;\n',
    'tools/migrate/Dockerfile': DOCKERFILE,
    'tools/migrate/run.js': 'const db = process.env.DATABASE_URL;\n',
  });
  assert.deepEqual(envFindings(report.findings), [
    'k8s/worker.yaml:17 env-not-read Production sets API_KEY, which the code of worker (services/worker) never reads.',
    'lib/format.js:1 env-not-provided LOG_FORMAT is read by the code but is set neither in production nor in the image.',
    'services/api/index.js:2 env-not-provided API_KEY is read by the code but api does not get it in production (only worker does).',
  ]);
});

test('with one app (one Dockerfile), the comparison stays repository-wide', async () => {
  const report = await check({
    Dockerfile: DOCKERFILE,
    'index.js': 'const key = process.env.API_KEY;\n',
    'k8s/api.yaml': deployment('api', ['DATABASE_URL']),
    'k8s/worker.yaml': deployment('worker', ['API_KEY']),
  });
  assert.deepEqual(envFindings(report.findings), [
    'k8s/api.yaml:16 env-not-read Production sets DATABASE_URL, which the code never reads.',
  ]);
});
