// One test per rule: the smallest repository that breaks it, and where the finding points.
// The last test fails when a rule is added without a case here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RULES } from '../../../src/core/parity';
import { check, DEPLOYMENT, GOOD_CONTAINER } from './fixture';

const K8S_OK = { 'k8s/app.yaml': DEPLOYMENT(GOOD_CONTAINER) };

interface Case {
  files: Record<string, string>;
  /** `file:line` where the finding must be. */
  at: string;
  /** Words the message must contain. */
  says: RegExp;
}

const CASES: Record<string, Case> = {
  'input-refused': { files: { 'k8s/big.yaml': 'apiVersion: v1\nkind: ConfigMap\ndata:\n  a: "' + 'x'.repeat(2_000_000) + '"\n' }, at: 'k8s/big.yaml:1', says: /over the \d+-byte bound/ },
  'dockerfile-invalid': { files: { Dockerfile: 'FROM alpine:3.20@sha256:' + 'b'.repeat(64) + '\nHEALTHCHECK CMD true\nCOPPY . /app\n', ...K8S_OK }, at: 'Dockerfile:3', says: /Unknown instruction: COPPY/ },
  'base-image-latest': { files: { Dockerfile: 'FROM node\nHEALTHCHECK CMD true\n' }, at: 'Dockerfile:1', says: /node has no tag/ },
  'base-image-not-pinned': { files: { Dockerfile: 'ARG BASE=node:20.19\nFROM ${BASE}\nHEALTHCHECK CMD true\n' }, at: 'Dockerfile:2', says: /node:20.19 is not pinned by digest/ },
  'secret-in-image': { files: { Dockerfile: 'FROM scratch\nENV API_TOKEN=s3cr3t-value LOG_LEVEL=info\nHEALTHCHECK CMD true\n' }, at: 'Dockerfile:2', says: /ENV API_TOKEN puts a secret into the image \(value <12 characters, hidden>\)/ },
  'config-file-in-image': { files: { Dockerfile: 'FROM scratch\nCOPY . /app\nHEALTHCHECK CMD true\n', 'settings/app.ini': 'a=1\n', 'config.prod.yaml': 'a: 1\n', '.dockerignore': 'config.prod.yaml\n' }, at: 'Dockerfile:2', says: /configuration into the image: settings\/app\.ini\.$/ },
  'log-file-in-image': { files: { Dockerfile: 'FROM scratch\nVOLUME /srv/logs\nHEALTHCHECK CMD true\n' }, at: 'Dockerfile:2', says: /VOLUME \/srv\/logs keeps logs in a volume/ },
  'output-to-file': { files: { Dockerfile: 'FROM scratch\nHEALTHCHECK CMD true\nCMD ["sh", "-c", "exec app >> /var/app/out.txt 2>&1"]\n' }, at: 'Dockerfile:3', says: /CMD sends the process output to \/var\/app\/out\.txt/ },
  'dependency-layer-order': { files: { Dockerfile: 'FROM scratch\nWORKDIR /app\nCOPY . .\nRUN npm ci\nHEALTHCHECK CMD true\n' }, at: 'Dockerfile:3', says: /copied \(line 3\) before dependencies are installed \(line 4\)/ },
  'package-upgrade-unpinned': { files: { Dockerfile: 'FROM scratch\nRUN apt-get update && apt-get upgrade -y\nHEALTHCHECK CMD true\n' }, at: 'Dockerfile:2', says: /apt-get upgrade/ },
  'healthcheck-missing': { files: { Dockerfile: 'FROM scratch AS build\nFROM scratch\nCMD ["/app"]\n' }, at: 'Dockerfile:2', says: /no HEALTHCHECK and no manifest defines/ },
  'yaml-invalid': { files: { 'k8s/bad.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web: api\n' }, at: 'k8s/bad.yaml:4', says: /Invalid YAML/ },
  'image-latest': { files: { 'k8s/app.yaml': DEPLOYMENT(GOOD_CONTAINER.replace(/registry\.example\.com\/web:\S+/, 'nginx:latest')) }, at: 'k8s/app.yaml:13', says: /nginx:latest uses the `latest` tag/ },
  'image-mutable-tag': { files: { 'k8s/app.yaml': DEPLOYMENT(GOOD_CONTAINER.replace(/@sha256:\w+/, '')) }, at: 'k8s/app.yaml:13', says: /web:1\.2\.3 is referenced by tag only/ },
  'readiness-probe-missing': { files: { 'k8s/app.yaml': DEPLOYMENT(GOOD_CONTAINER.split('\n').slice(0, 2).join('\n')) }, at: 'k8s/app.yaml:12', says: /container web has no readinessProbe/ },
  'rollback-history-too-short': { files: { 'k8s/app.yaml': DEPLOYMENT(GOOD_CONTAINER).replace('replicas: 2', 'replicas: 2\n  revisionHistoryLimit: 0') }, at: 'k8s/app.yaml:7', says: /keeps 0 old revisions/ },
  'config-mounted-as-files': {
    files: {
      'k8s/app.yaml':
        DEPLOYMENT(GOOD_CONTAINER + '\n          volumeMounts: [{ name: cfg, mountPath: /etc/app }]', '      volumes: [{ name: cfg, configMap: { name: settings } }]') +
        '\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: settings }\ndata:\n  LOG_LEVEL: info\n',
    },
    at: 'k8s/app.yaml:15',
    says: /ConfigMap settings as files at \/etc\/app/,
  },
  'log-volume': {
    files: { 'k8s/app.yaml': DEPLOYMENT(GOOD_CONTAINER + '\n          volumeMounts: [{ name: logs, mountPath: /var/log/app }]', '      volumes: [{ name: logs, hostPath: { path: /var/log/web } }]') },
    at: 'k8s/app.yaml:15',
    says: /hostPath log folder at \/var\/log\/app/,
  },
  'sticky-sessions': { files: { 'k8s/svc.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  sessionAffinity: ClientIP\n' }, at: 'k8s/svc.yaml:6', says: /Service web pins clients to one pod/ },
  'database-without-volume': { files: { 'docker-compose.yml': 'services:\n  db:\n    image: postgres:16\n' }, at: 'docker-compose.yml:3', says: /db runs postgres:16 without a volume/ },
  'log-to-file': { files: { 'app.py': 'import logging\nh = logging.FileHandler("/var/log/app.log")\n' }, at: 'app.py:2', says: /logging\.FileHandler/ },
  'config-file-read': { files: { 'main.go': 'package main\nfunc main() { os.ReadFile("config/settings.yaml") }\n' }, at: 'main.go:2', says: /reads config\/settings\.yaml at run time/ },
  'session-in-memory': { files: { 'server.js': "const session = require('express-session');\napp.use(session({ secret: process.env.S }));\n" }, at: 'server.js:2', says: /express-session is used without a `store`/ },
  'env-not-provided': { files: { ...K8S_OK, 'app.rb': "url = ENV.fetch('DATABASE_URL')\n" }, at: 'app.rb:1', says: /DATABASE_URL is read by the code but is set neither in production nor in the image\.$/ },
  'env-not-read': { files: { 'k8s/app.yaml': DEPLOYMENT(GOOD_CONTAINER + '\n          env: [{ name: OLD_FLAG, value: "1" }]'), 'index.php': '<?php echo "hi";\n' }, at: 'k8s/app.yaml:15', says: /Production sets OLD_FLAG, which the code never reads/ },
  'env-local-only': { files: { ...K8S_OK, '.env': 'DEBUG_SQL=1\n', 'Main.java': 'class Main {}\n' }, at: '.env:1', says: /DEBUG_SQL is set for local runs but not in production/ },
};

for (const [id, c] of Object.entries(CASES)) {
  test(`rule ${id}: ${c.says.source.slice(0, 50)}`, async () => {
    const report = await check(c.files);
    const hit = report.findings.filter((f) => f.ruleId === id);
    assert.ok(hit.length > 0, `${id} not reported; got ${JSON.stringify(report.findings.map((f) => [f.ruleId, f.message]))}`);
    assert.equal(`${hit[0]!.file}:${hit[0]!.line}`, c.at);
    assert.match(hit[0]!.message, c.says);
  });
}

// Rules that need an engine or a cluster are tested in runtime.test.ts, imageIdentity.test.ts and the integration tests.
const TESTED_ELSEWHERE = new Set(['runtime-logs-to-file', 'runtime-state-in-container', 'image-drift']);

test('every rule has a case, a title, an explanation and a fix', () => {
  for (const r of RULES) {
    assert.ok(CASES[r.id] || TESTED_ELSEWHERE.has(r.id), `rule ${r.id} has no test case`);
    assert.match(r.id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
    assert.ok(r.title.length > 10 && r.explanation.length > 80 && r.fix.length > 20, `rule ${r.id} is under-documented`);
  }
  assert.equal(new Set(RULES.map((r) => r.id)).size, RULES.length, 'rule ids are unique');
});

test('secret values never appear in any report field', async () => {
  const report = await check({ Dockerfile: 'FROM scratch\nARG DB_PASSWORD=hunter2-very-secret\nENV STRIPE_API_KEY="sk_live_abcdef"\nHEALTHCHECK CMD true\n' });
  const json = JSON.stringify(report.findings);
  assert.equal(report.findings.filter((f) => f.ruleId === 'secret-in-image').length, 2);
  assert.doesNotMatch(json, /hunter2|sk_live/);
});

test('near misses stay quiet: pinned images, stdout links, probes, env provided by ConfigMap and image', async () => {
  const report = await check({
    Dockerfile: [
      'FROM node:20.19@sha256:' + 'c'.repeat(64) + ' AS build',
      'COPY package.json package-lock.json ./',
      'RUN npm ci',
      'COPY . .',
      'RUN mkdir -p /var/log/nginx && ln -sf /dev/stdout /var/log/nginx/access.log',
      'FROM build',
      'ENV PORT=8080 PASSWORD_FILE=/run/secrets/db',
      'CMD ["sh", "-c", "exec node server.js 2>&1"]',
    ].join('\n'),
    '.dockerignore': 'nginx.conf\n',
    'nginx.conf': 'http {\n  access_log /var/log/nginx/access.log;\n  error_log /dev/stderr;\n}\n',
    'server.js': "const port = process.env.PORT ?? 8080;\nconst url = process.env.DATABASE_URL;\nconst { LOG_LEVEL } = process.env;\n",
    'k8s/app.yaml':
      DEPLOYMENT(GOOD_CONTAINER + '\n          envFrom: [{ configMapRef: { name: web } }]\n          env: [{ name: NODE_ENV, value: production }]') +
      '\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: web }\ndata:\n  DATABASE_URL: postgres://db/web\n  LOG_LEVEL: info\n',
  });
  assert.deepEqual(report.findings.map((f) => `${f.ruleId}: ${f.message}`), []);
});
