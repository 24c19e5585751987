// The example apps are the product's demo: drifty-app must show exactly the drift it was made
// with (README.md lists it), and clean-app must show none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { checkParity } from '../../../src/core/parity';
import { loadProjectConfig } from '../../../src/core/config';
import { brief } from './fixture';

const examples = join(__dirname, '..', '..', '..', 'examples');

async function checkExample(name: string) {
  const root = join(examples, name);
  const config = await loadProjectConfig(root);
  return checkParity(root, { disable: config.rules.disable });
}

test('drifty-app reports each violation it was made with, and nothing else', async () => {
  const report = await checkExample('drifty-app');
  assert.deepEqual(brief(report.findings), [
    'Dockerfile:7 config-file-in-image', // COPY config/app.conf
    'Dockerfile:9 log-file-in-image', // RUN mkdir -p /var/log/drifty
    'app/start.sh:7 env-not-provided', // FEATURE_FLAGS
    'app/start.sh:8 config-file-read', // reads the baked-in /app/app.conf
    'app/start.sh:11 log-to-file', // >> /var/log/drifty/app.log
    'app/www/cgi-bin/greeting:4 config-file-read', // reads the baked-in /app/app.conf
    'k8s/deployment.yaml:20 readiness-probe-missing',
    'k8s/deployment.yaml:22 image-latest',
  ]);
  assert.match(report.findings[2]!.message, /FEATURE_FLAGS is read by the code but is set neither in production nor in the image/);
});

test('clean-app reports no finding at all', async () => {
  const report = await checkExample('clean-app');
  assert.deepEqual(report.findings, []);
  assert.equal(report.suppressed.disabled + report.suppressed.inline, 0, 'clean-app is clean without silencing anything');
});
