// `prodlike rollback` and protected environments, on the real swarm.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProdlike } from '../../support/cli';
import { testInfra } from '../../support/infra';
import { createService, docker, pushVariant, versionScript, type TestService } from '../swarm/fixtures';

const image = (name: string) => docker('service', 'inspect', '--format', '{{.Spec.TaskTemplate.ContainerSpec.Image}}', name);

describe('prodlike rollback and protected environments', () => {
  let dir: string;
  let svc: TestService;
  let v1: string, v2: string, v3: string;

  before(async () => {
    const infra = testInfra();
    v1 = pushVariant('v1', versionScript('v1'));
    v2 = pushVariant('v2', versionScript('v2'));
    v3 = pushVariant('v3', versionScript('v3'));
    svc = createService(v1, { prefix: 'cli-rollback' });
    dir = mkdtempSync(join(tmpdir(), 'prodlike-cli-rollback-'));
    writeFileSync(
      join(dir, 'prodlike.yaml'),
      [
        'environments:',
        '  prod:',
        '    orchestrator: swarm',
        `    engine: ${infra.dockerHost}`,
        `    workload: ${svc.name}`,
        '    protected: true',
        '    update: { monitor: 1s }',
        '',
      ].join('\n'),
    );
  });
  after(() => {
    svc?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a protected environment refuses a deploy without its typed name, and changes nothing', async () => {
    const before = image(svc.name);
    const none = await runProdlike(['deploy', v2, 'prod'], { cwd: dir });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /"prod" is a protected environment/);
    assert.match(none.stderr, /--yes=prod/);
    const yesOnly = await runProdlike(['deploy', v2, 'prod', '--yes'], { cwd: dir });
    assert.equal(yesOnly.code, 2, 'a bare --yes is not the name');
    const wrong = await runProdlike(['deploy', v2, 'prod'], { cwd: dir, stdin: 'staging\n' });
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /"staging" is not "prod": nothing was done/);
    assert.equal(image(svc.name), before);
  });

  it('deploys to a protected environment when its name is typed, or given with --yes=<name>', async () => {
    const typed = await runProdlike(['deploy', v2, 'prod'], { cwd: dir, stdin: 'prod\n' });
    assert.equal(typed.code, 0, typed.stderr);
    assert.match(image(svc.name), /:v2@sha256:/);
    const ci = await runProdlike(['deploy', v3, 'prod', '--yes=prod'], { cwd: dir });
    assert.equal(ci.code, 0, ci.stderr);
    assert.match(image(svc.name), /:v3@sha256:/);
  });

  it('rolls back to a chosen older revision, and the protected rule applies to rollbacks too', async () => {
    const refused = await runProdlike(['rollback', 'prod', '--to', '1'], { cwd: dir });
    assert.equal(refused.code, 2);
    assert.match(image(svc.name), /:v3@sha256:/);
    const r = await runProdlike(['rollback', 'prod', '--to', '1', '--yes=prod'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /to\s+revision 1 \(.*:v1@sha256:/);
    assert.match(r.stdout, /rolled back to revision 1; now revision 4/);
    assert.match(image(svc.name), /:v1@sha256:/);
  });

  it('skips a rollback to what already runs and refuses an unknown revision (JSON)', async () => {
    const skipped = await runProdlike(['--json', 'rollback', 'prod', '--to', '1', '--yes=prod'], { cwd: dir });
    assert.equal(skipped.code, 0, skipped.stderr);
    assert.equal((JSON.parse(skipped.stdout) as { result: string }).result, 'skipped');
    const unknown = await runProdlike(['--json', 'rollback', 'prod', '--to', '42', '--yes=prod'], { cwd: dir });
    assert.equal(unknown.code, 1);
    const err = (JSON.parse(unknown.stdout) as { error: { code: string; message: string } }).error;
    assert.equal(err.code, 'rollback-refused');
    assert.match(err.message, /revision 42/);
  });

  it('rolls back to the previous revision by default', async () => {
    const r = await runProdlike(['rollback', 'prod', '--yes=prod'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(image(svc.name), /:v3@sha256:/);
  });
});
