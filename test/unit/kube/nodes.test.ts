import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeRoles, sortKubeNodes, toClusterNode, type KubeNode } from '../../../src/core/kube/nodes';
import { nodeRows } from '../../../src/cli/nodes';

function node(name: string, o: { labels?: Record<string, string>; unschedulable?: boolean; ready?: { status: string; reason?: string; message?: string } | null; addresses?: { type: string; address: string }[]; version?: string } = {}): KubeNode {
  return {
    metadata: { name, uid: `uid-${name}`, labels: o.labels ?? {} },
    spec: o.unschedulable ? { unschedulable: true } : {},
    status: {
      conditions: [{ type: 'MemoryPressure', status: 'False' }, ...(o.ready === null ? [] : [{ type: 'Ready', ...(o.ready ?? { status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }) }])],
      addresses: o.addresses ?? [
        { type: 'Hostname', address: name },
        { type: 'InternalIP', address: '10.0.0.7' },
      ],
      ...(o.version ? { nodeInfo: { kubeletVersion: o.version } } : {}),
    },
  };
}

test('a ready control-plane node reads as a manager, active and ready, with its InternalIP and kubelet version', () => {
  const n = toClusterNode(node('cp-1', { labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/hostname': 'cp-1' }, version: 'v1.30.2' }));
  assert.deepEqual(n, { name: 'cp-1', id: 'uid-cp-1', role: 'control-plane', availability: 'active', health: 'ready', address: '10.0.0.7', version: 'v1.30.2' });
});

test('the old master label is a control plane too; a node without role labels is a worker', () => {
  assert.equal(toClusterNode(node('m', { labels: { 'node-role.kubernetes.io/master': '' } })).role, 'control-plane');
  assert.equal(toClusterNode(node('w', { labels: { 'node-role.kubernetes.io/ingress': '' } })).role, 'worker');
  assert.equal(toClusterNode(node('w')).role, 'worker');
  assert.deepEqual(nodeRoles(node('x', { labels: { 'node-role.kubernetes.io/worker': '', 'node-role.kubernetes.io/': '', 'node-role.kubernetes.io/infra': 'true' } })), ['infra', 'worker']);
});

test('a cordoned node is paused: it keeps its pods and takes no new ones', () => {
  assert.equal(toClusterNode(node('w', { unschedulable: true })).availability, 'pause');
});

test('NotReady (False) and a kubelet that stopped posting (Unknown) are down, with the condition message; no Ready condition is unknown', () => {
  const lost = toClusterNode(node('w', { ready: { status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' } }));
  assert.equal(lost.health, 'down');
  assert.equal(lost.message, 'Kubelet stopped posting node status.');
  const notReady = toClusterNode(node('w', { ready: { status: 'False', reason: 'KubeletNotReady' } }));
  assert.deepEqual([notReady.health, notReady.message], ['down', 'KubeletNotReady']);
  const none = toClusterNode(node('w', { ready: null }));
  assert.deepEqual([none.health, none.message], ['unknown', undefined]);
  assert.equal(toClusterNode(node('w')).message, undefined, "a ready node's message is noise");
});

test('the address is the InternalIP, else the ExternalIP, else the hostname; none is left out', () => {
  assert.equal(toClusterNode(node('w', { addresses: [{ type: 'ExternalIP', address: '203.0.113.4' }, { type: 'Hostname', address: 'w' }] })).address, '203.0.113.4');
  assert.equal(toClusterNode(node('w', { addresses: [{ type: 'Hostname', address: 'w.local' }] })).address, 'w.local');
  assert.equal('address' in toClusterNode(node('w', { addresses: [] })), false);
});

test('nodes are listed control plane first, then by name in numeric order, and read as the status table shows them', () => {
  const nodes = sortKubeNodes([node('node-10'), node('node-2', { ready: { status: 'Unknown', message: 'Kubelet stopped posting node status.' } }), node('cp', { labels: { 'node-role.kubernetes.io/control-plane': '' } })].map(toClusterNode));
  assert.deepEqual(nodeRows(nodes), [
    ['NODE', 'ROLE', 'AVAILABILITY', 'HEALTH', 'MANAGER', 'ADDRESS'],
    ['cp', 'control-plane', 'active', 'ready', '-', '10.0.0.7'],
    ['node-2', 'worker', 'active', 'down (Kubelet stopped posting node status.)', '-', '10.0.0.7'],
    ['node-10', 'worker', 'active', 'ready', '-', '10.0.0.7'],
  ]);
});
