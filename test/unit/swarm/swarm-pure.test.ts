// The pure parts of the swarm backend: image references, update config, log lines, rollout judgement, typed confirmation.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { parseImageRef, pinDigest, shortImage } from '../../../src/core/swarm/image-ref';
import { parseDuration, updateConfigFor } from '../../../src/core/swarm/update-config';
import { parseServiceLogLine, readServiceLogs, rfc3339ToUnix } from '../../../src/core/swarm/logs';
import { judgeRollout, toWorkload } from '../../../src/core/swarm/workload';
import { ServiceSchema, TaskSchema, type SwarmService, type SwarmTask } from '../../../src/core/swarm/schema';
import { confirmProtected } from '../../../src/core/cluster/open';

const D = `sha256:${'a'.repeat(64)}`;

describe('image references', () => {
  it('tells a registry port from a tag and pins a digest', () => {
    assert.deepEqual(parseImageRef('127.0.0.1:5055/team/app'), { repository: '127.0.0.1:5055/team/app', tag: undefined, digest: undefined });
    assert.deepEqual(parseImageRef(`127.0.0.1:5055/app:v2@${D}`), { repository: '127.0.0.1:5055/app', tag: 'v2', digest: D });
    assert.equal(pinDigest('reg:5000/app:v2', D), `reg:5000/app:v2@${D}`);
    assert.equal(pinDigest(`reg/app:v2@sha256:${'b'.repeat(64)}`, D), `reg/app:v2@${D}`);
    assert.equal(shortImage(`reg/app:v2@${D}`), `reg/app:v2@sha256:aaaaaaaaaaaa`);
  });
});

describe('update config', () => {
  const spec = (networks: string[] = [], hostPorts = false) =>
    ServiceSchema.parse({
      ID: 'x',
      Version: { Index: 1 },
      Spec: {
        Name: 'web',
        TaskTemplate: { ContainerSpec: { Image: 'a' }, Networks: networks.map((Target) => ({ Target })) },
        EndpointSpec: hostPorts ? { Ports: [{ PublishedPort: 80, PublishMode: 'host' }] } : undefined,
      },
    }).Spec;

  it('defaults to rollback on failure, start-first unless ports would clash', () => {
    const c = updateConfigFor(undefined, spec(), new Set());
    assert.equal(c.UpdateConfig.FailureAction, 'rollback');
    assert.equal(c.UpdateConfig.Order, 'start-first');
    assert.equal(c.UpdateConfig.Monitor, 5e9);
    assert.equal(c.RollbackConfig.FailureAction, 'pause');
    assert.equal(updateConfigFor(undefined, spec(['h1']), new Set(['h1'])).UpdateConfig.Order, 'stop-first');
    assert.equal(updateConfigFor(undefined, spec([], true), new Set()).UpdateConfig.Order, 'stop-first');
  });

  it('takes the environment\'s settings', () => {
    const c = updateConfigFor({ order: 'start-first', monitor: '1m30s', parallelism: 2, delay: '500ms', failureAction: 'pause' }, spec(['h1']), new Set(['h1']));
    assert.deepEqual([c.UpdateConfig.Order, c.UpdateConfig.Monitor, c.UpdateConfig.Parallelism, c.UpdateConfig.Delay, c.UpdateConfig.FailureAction], ['start-first', 90e9, 2, 5e8, 'pause']);
    assert.throws(() => parseDuration('5 minutes'), /not a duration/);
  });
});

describe('service log lines', () => {
  it('splits time, task, node and text', () => {
    const l = parseServiceLogLine('2026-12-04T16:14:03.121608627Z com.docker.swarm.node.id=n1,com.docker.swarm.service.id=s1,com.docker.swarm.task.id=t1 hello world', 'stderr');
    assert.deepEqual(l, { stream: 'stderr', time: '2026-12-04T16:14:03.121608627Z', taskId: 't1', nodeId: 'n1', text: 'hello world' });
    assert.equal(parseServiceLogLine('plain text', 'stdout').text, 'plain text');
    assert.equal(rfc3339ToUnix('1970-01-01T00:00:01.5Z'), '1.500000000');
  });

  it('demultiplexes frames, joins a UTF-8 character split across chunks, keeps a last line without newline', async () => {
    const frame = (type: number, text: Buffer) => {
      const header = Buffer.alloc(8);
      header.writeUInt8(type, 0);
      header.writeUInt32BE(text.length, 4);
      return Buffer.concat([header, text]);
    };
    const body = Buffer.from('T1 ünïcode\n', 'utf8');
    const all = Buffer.concat([frame(1, body), frame(2, Buffer.from('err line\nlast'))]);
    const s = new PassThrough();
    const lines = (async () => {
      const out = [];
      for await (const l of readServiceLogs(s, true)) out.push(l);
      return out;
    })();
    // Cut in the middle of "ü" and of a header.
    s.write(all.subarray(0, 11));
    s.write(all.subarray(11, 22));
    s.end(all.subarray(22));
    assert.deepEqual((await lines).map((l) => [l.stream, l.text]), [['stdout', 'T1 ünïcode'], ['stderr', 'err line'], ['stderr', 'last']]);
  });
});

describe('rollout judgement', () => {
  const service = (state?: string, message?: string, startedAt = '2026-01-01T00:00:00Z'): SwarmService =>
    ServiceSchema.parse({
      ID: 's',
      Version: { Index: 3 },
      Spec: { Name: 'web', Mode: { Replicated: { Replicas: 2 } }, TaskTemplate: { ContainerSpec: { Image: 'app:v1' } } },
      UpdateStatus: state ? { State: state, Message: message, StartedAt: startedAt } : undefined,
    });
  const task = (id: string, image: string, state: string, desired = 'running', err?: string, at = '2026-01-01T00:00:05Z'): SwarmTask =>
    TaskSchema.parse({ ID: id, ServiceID: 's', Slot: 1, Spec: { ContainerSpec: { Image: image } }, DesiredState: desired, Status: { State: state, Err: err, Timestamp: at } });

  it('is complete only when every task runs the spec\'s image and no old one is left', () => {
    assert.equal(judgeRollout(service(), [task('a', 'app:v1', 'running'), task('b', 'app:v0', 'running')]).type, 'progress');
    assert.equal(judgeRollout(service('completed'), [task('a', 'app:v1', 'running'), task('b', 'app:v1', 'running')]).type, 'complete');
    assert.equal(judgeRollout(service('updating'), [task('a', 'app:v1', 'running'), task('b', 'app:v1', 'running')]).type, 'progress');
  });

  it('reports a rollback swarm did by itself with the failing task\'s error, and a requested one as complete', () => {
    const running = [task('a', 'app:v1', 'running'), task('b', 'app:v1', 'running')];
    const failed = task('f', 'app:broken', 'failed', 'shutdown', 'task: non-zero exit (1)');
    const auto = judgeRollout(service('rollback_completed', 'rollback completed'), [...running, failed]);
    assert.equal(auto.type, 'rolled-back');
    assert.match(auto.message, /non-zero exit \(1\)/);
    assert.equal(judgeRollout(service('rollback_completed', 'rollback completed'), running).type, 'complete');
    assert.equal(judgeRollout(service('rollback_started', 'manually requested rollback'), running).type, 'progress');
    assert.equal(toWorkload(service('rollback_completed', 'rollback completed'), [...running, failed]).state, 'rolled-back');
  });

  it('paused and failed rollbacks end the watch', () => {
    assert.equal(judgeRollout(service('paused', 'update paused due to failure'), []).type, 'paused');
    assert.equal(judgeRollout(service('rollback_paused', 'x'), []).type, 'failed');
  });
});

describe('protected environments', () => {
  const prod = { name: 'prod', protected: true };
  it('need their exact name; other environments need nothing', () => {
    assert.equal(confirmProtected({ name: 'local', protected: false }, undefined).ok, true);
    assert.equal(confirmProtected(prod, 'prod').ok, true);
    assert.equal(confirmProtected(prod, ' prod \n').ok, true);
    for (const typed of [undefined, '', 'y', 'Prod', 'staging']) {
      const r = confirmProtected(prod, typed);
      assert.equal(r.ok, false);
      if (!r.ok) assert.equal(r.error.code, 'confirmation-required');
    }
  });
});
