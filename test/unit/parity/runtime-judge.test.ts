// Judging what a container wrote (the engine part is in test/integration/parity).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeObservation, checkImageIdentity, digestOf, type RunningDigestLookup } from '../../../src/core/parity';
import { demuxedSizes } from '../../../src/core/parity/rules/runtime';

const anchor = { start: { line: 9, column: 1 } };

test('log files written while stdout stays quiet → runtime-logs-to-file; other writes → state; volumes, /tmp and runtime files ignored', () => {
  const hits = judgeObservation({
    observation: {
      image: 'app:1',
      stdoutBytes: 0,
      stderrBytes: 0,
      changes: [
        { path: '/var', kind: 'modified' },
        { path: '/var/log', kind: 'modified' },
        { path: '/var/log/app', kind: 'added' },
        { path: '/var/log/app/app.log', kind: 'added' },
        { path: '/srv/uploads', kind: 'added' },
        { path: '/srv/uploads/a.png', kind: 'added' },
        { path: '/data/db.sqlite', kind: 'added' },
        { path: '/tmp/scratch', kind: 'added' },
        { path: '/etc/hosts', kind: 'modified' },
        { path: '/app/old.txt', kind: 'deleted' },
      ],
    },
    volumes: ['/data'],
    anchor,
  });
  assert.deepEqual(hits.map((h) => [h.ruleId, h.message]), [
    ['runtime-logs-to-file', 'Running app:1 wrote logs to /var/log/app/app.log while stdout/stderr stayed quiet.'],
    ['runtime-state-in-container', 'Running app:1 wrote outside its declared volumes: /srv/uploads/a.png.'],
  ]);
  assert.deepEqual(hits[0]!.start, anchor.start);
});

test('a container that writes nothing gets no finding', () => {
  assert.deepEqual(judgeObservation({ observation: { image: 'a', stdoutBytes: 10, stderrBytes: 0, changes: [] }, volumes: [], anchor }), []);
});

test('stdout and stderr sizes come from the multiplexed log frames', () => {
  const frame = (type: number, s: string) => Buffer.concat([Buffer.from([type, 0, 0, 0, 0, 0, 0, s.length]), Buffer.from(s)]);
  assert.deepEqual(demuxedSizes(Buffer.concat([frame(1, 'hello\n'), frame(2, 'oops\n'), frame(1, 'x')])), { stdout: 7, stderr: 5 });
});

test('image identity: a different running digest is reported with both digests; the same one, or none, is not', async () => {
  const local = 'sha256:' + 'a'.repeat(64);
  const other = 'sha256:' + 'b'.repeat(64);
  const asked: string[] = [];
  const lookup: RunningDigestLookup = async (env) => {
    asked.push(env);
    return { prod: `docker-pullable://registry/app@${other}`, staging: `registry/app@${local}` }[env];
  };
  const hits = await checkImageIdentity({
    localRef: 'registry/app:dev',
    localDigests: [`registry/app@${local}`, 'sha256:' + 'c'.repeat(64)],
    environments: ['prod', 'staging', 'local'],
    lookup,
    anchorOf: () => ({ start: { line: 3, column: 3 } }),
  });
  assert.deepEqual(asked, ['prod', 'staging', 'local']);
  assert.equal(hits.length, 1);
  assert.equal(hits[0]!.message, `registry/app:dev (${local}) is not the image running in prod (${other}).`);
  assert.equal(digestOf('nginx:1'), undefined);
});
