// `npm run demo` end to end (the README's main job): the script as a user runs it, on the test
// engine, with what a user would read checked step by step, and nothing left behind.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { testInfra, uniqueName } from '../../support/infra';
import { docker } from '../swarm/fixtures';

const root = join(__dirname, '..', '..', '..');

function runDemo(env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(root, 'scripts', 'demo.sh')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('npm run demo', () => {
  it('builds, pushes, runs 2 replicas, ships a change, tails every replica, rolls back, shows history, and cleans up', async () => {
    const infra = testInfra();
    const service = uniqueName('demo');
    const { code, out } = await runDemo({ ...process.env, DOCKER_HOST: infra.dockerHost, PRODLIKE_DEMO_SERVICE: service, NO_COLOR: '1' });
    assert.equal(code, 0, out);
    const section = (n: string) => {
      const start = out.indexOf(`== ${n}`);
      assert.ok(start >= 0, `step "${n}" is shown:\n${out}`);
      const end = out.indexOf('\n== ', start + 3);
      return out.slice(start, end < 0 ? undefined : end);
    };
    assert.match(section('1. build'), /127\.0\.0\.1:5055\/examples\/clean-app:[0-9a-f]{12}@sha256:[0-9a-f]{64}/);
    assert.match(section('3. healthy'), /state\s+complete[\s\S]*tasks\s+2\/2 running/);
    const shipped = section('4. ship');
    assert.match(shipped, /✓ shipped: .* runs 127\.0\.0\.1:5055\/examples\/clean-app:[0-9a-f]{12}@sha256:[0-9a-f]{64} \(revision 2\)/);
    const logs = section('5. logs');
    for (const slot of [1, 2]) assert.match(logs, new RegExp(`alive \\d+ \\(replica ${service}\\.${slot}, version 2\\.0\\)`), `replica ${slot} is in the tail`);
    assert.match(section('6. roll back'), /rolled back to revision 1; now revision 3/);
    const history = section('7. history');
    assert.match(history, /^\s+1\s+.*before the first prodlike deploy$/m);
    assert.match(history, /^\s+2\s+.*prodlike ship /m);
    assert.match(history, /^\* 3\s+.*rollback to revision 1$/m);
    assert.match(history, /tasks\s+2\/2 running/);
    assert.match(section('cleaning up'), /removed service[\s\S]*removed 3 history record\(s\)[\s\S]*removed 2 image\(s\)[\s\S]*done in \d+ s/);
    assert.equal(docker('service', 'ls', '-q', '--filter', `name=${service}`), '', 'the service is gone');
    // Other test files may hold history records of their own services at this moment: look for this one's only.
    const records = docker('config', 'ls', '--filter', 'label=dev.prodlike.history', '--format', '{{.ID}}').split('\n').filter(Boolean);
    const ours = records.filter((id) => docker('config', 'inspect', '--format', '{{printf "%s" .Spec.Data}}', id).includes(service));
    assert.deepEqual(ours, [], 'its history records are gone');
  });
});
