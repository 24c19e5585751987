// Swarm nodes as prodlike shows them, and the node-loss warnings of a rollout watch.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NodeLossReport, SwarmNodeSchema, sortNodes, stuckOnLostNode, toClusterNode } from '../../../src/core/swarm/nodes';
import { ServiceSchema, TaskSchema, type SwarmTask } from '../../../src/core/swarm/schema';

const node = (id: string, host: string, o: { role?: string; state?: string; message?: string; leader?: boolean; reach?: string; availability?: string } = {}) =>
  toClusterNode(
    SwarmNodeSchema.parse({
      ID: id,
      Description: { Hostname: host, Engine: { EngineVersion: '20.10.24' } },
      Spec: { Role: o.role ?? 'worker', Availability: o.availability ?? 'active' },
      Status: { State: o.state ?? 'ready', Addr: `10.0.0.${id.length}`, ...(o.message ? { Message: o.message } : {}) },
      ...(o.role === 'manager' ? { ManagerStatus: { Leader: o.leader, Reachability: o.reach ?? 'reachable' } } : {}),
    }),
  );

const task = (id: string, nodeId: string, desired = 'running', state = 'running'): SwarmTask =>
  TaskSchema.parse({ ID: id, ServiceID: 's', NodeID: nodeId, Slot: 1, Spec: { ContainerSpec: { Image: 'app:1' } }, DesiredState: desired, Status: { State: state } });

describe('swarm nodes', () => {
  it('maps role, availability, health, manager status and keeps the reason only when not ready', () => {
    assert.deepEqual(node('aaa', 'node1', { role: 'manager', leader: true, message: 'ignored when ready' }), {
      name: 'node1', id: 'aaa', role: 'manager', availability: 'active', health: 'ready', address: '10.0.0.3', manager: 'leader', version: '20.10.24',
    });
    const down = node('bb', 'node2', { state: 'down', message: 'heartbeat failure', availability: 'drain' });
    assert.equal(down.health, 'down');
    assert.equal(down.message, 'heartbeat failure');
    assert.equal(down.availability, 'drain');
    assert.equal(down.manager, undefined);
    assert.equal(node('c', 'node3', { role: 'manager', reach: 'unreachable' }).manager, 'unreachable');
    // Unknown values are not guessed into something else.
    assert.equal(node('d', 'n', { state: 'weird' }).health, 'unknown');
  });

  it('sorts the leader first, then managers, then workers by name (node2 before node10)', () => {
    const sorted = sortNodes([node('1', 'node10'), node('2', 'node2'), node('3', 'm2', { role: 'manager' }), node('4', 'm1', { role: 'manager', leader: true })]);
    assert.deepEqual(sorted.map((n) => n.name), ['m1', 'm2', 'node2', 'node10']);
  });

  it('reports a lost node once, only when it ran tasks of the service, and again when it is back', () => {
    const report = new NodeLossReport();
    const tasks = [task('t1', 'n1'), task('t2', 'n2'), task('t3', 'n2')];
    assert.deepEqual(report.update([node('n1', 'node1'), node('n2', 'node2'), node('n3', 'node3', { state: 'down' })], tasks, 'web'), []);
    const lost = report.update([node('n1', 'node1'), node('n2', 'node2', { state: 'down', message: 'heartbeat failure' })], tasks, 'web');
    assert.equal(lost.length, 1);
    assert.equal(lost[0]!.type, 'warning');
    assert.match(lost[0]!.message, /^node node2 is down \(heartbeat failure\): 2 task\(s\) of web ran there/);
    // Swarm has marked the tasks for shutdown by now: still the same loss, not reported twice.
    assert.deepEqual(report.update([node('n2', 'node2', { state: 'down' })], [task('t2', 'n2', 'shutdown'), task('t3', 'n2', 'shutdown')], 'web'), []);
    assert.equal(report.lost, 1);
    const back = report.update([node('n2', 'node2')], tasks, 'web');
    assert.deepEqual(back.map((e) => e.message), ['node node2 is ready again.']);
  });

  it('says a rollout is stuck when the task swarm waits for was placed on a node lost before it started', () => {
    const service = ServiceSchema.parse({
      ID: 's', Version: { Index: 3 },
      Spec: { Name: 'web', TaskTemplate: { ContainerSpec: { Image: 'app:2' } }, UpdateConfig: { FailureAction: 'rollback' } },
      UpdateStatus: { State: 'updating', StartedAt: '2026-01-01T00:00:00Z' },
    });
    const t = (id: string, nodeId: string, o: { image?: string; desired?: string; state?: string; created?: string } = {}) =>
      TaskSchema.parse({ ID: id, ServiceID: 's', NodeID: nodeId, Slot: 2, CreatedAt: o.created ?? '2026-01-01T00:00:05Z', Spec: { ContainerSpec: { Image: o.image ?? 'app:2' } }, DesiredState: o.desired ?? 'shutdown', Status: { State: o.state ?? 'ready' } });
    const nodes = [node('n1', 'node1'), node('n3', 'node3', { state: 'down', message: 'heartbeat failure' })];
    const stuck = stuckOnLostNode(service, [t('new-on-3', 'n3'), t('old', 'n1', { image: 'app:1', desired: 'running', state: 'running' })], nodes);
    assert.equal(stuck?.type, 'failed');
    assert.ok(stuck?.type === 'failed' && stuck.reason === 'NodeLost');
    assert.match(stuck!.type === 'failed' ? stuck!.message : '', /web\.2\.new-on-3 was placed on node node3, which is down \(heartbeat failure\).*failure action: rollback/);
    // Not stuck: the new task had started (swarm moved it on), it is an old task, it predates the update, or the node is fine.
    assert.equal(stuckOnLostNode(service, [t('a', 'n3', { state: 'running' })], nodes), undefined);
    assert.equal(stuckOnLostNode(service, [t('a', 'n3', { image: 'app:1' })], nodes), undefined);
    assert.equal(stuckOnLostNode(service, [t('a', 'n3', { created: '2025-12-31T23:59:00Z' })], nodes), undefined);
    assert.equal(stuckOnLostNode(service, [t('a', 'n3')], [node('n3', 'node3')]), undefined);
    assert.equal(stuckOnLostNode({ ...service, UpdateStatus: { State: 'completed' } }, [t('a', 'n3')], nodes), undefined);
  });
});
