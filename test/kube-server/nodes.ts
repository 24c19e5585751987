// Nodes of the test server: what kubelets post and what the node lifecycle controller writes when a
// kubelet stops posting (Ready → Unknown, NoExecute taint, and after the toleration its pods go).
//
// - Roles are the `node-role.kubernetes.io/<role>` labels, as kubeadm sets them. A control-plane
//   node carries kubeadm's NoSchedule taint when the cluster has workers, so workload pods go to
//   workers; a single node takes everything (as kind and minikube clusters do).
// - Availability is `spec.unschedulable` (what `kubectl cordon` sets).
// - Health is the Ready condition. The scheduler binds a pod to a ready, schedulable, untainted
//   node with the fewest pods; with none, the pod stays Pending (PodScheduled=False, Unschedulable).
import type { KubeObject, Part } from './store';

/** A node to create at start: its name, roles (default worker, i.e. none), and whether it is cordoned. */
export interface NodeSpec {
  name: string;
  /** `node-role.kubernetes.io/<role>` labels; [] for a plain worker (kubectl shows `<none>`). */
  roles?: string[];
  unschedulable?: boolean;
  /** InternalIP (default 10.0.0.<n>). */
  address?: string;
}

export const ROLE_LABEL = 'node-role.kubernetes.io/';
export const CONTROL_PLANE_TAINT = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };
export const NOT_READY_TAINTS = (status: string) => {
  const key = status === 'False' ? 'node.kubernetes.io/not-ready' : 'node.kubernetes.io/unreachable';
  return [
    { key, effect: 'NoSchedule' },
    { key, effect: 'NoExecute' },
  ];
};

/** `nodes: 3` → node-1 (control-plane), node-2, node-3 (workers); `nodes: 1` → node-1, control-plane that runs pods. */
export function nodeSpecs(option: number | NodeSpec[] | undefined): NodeSpec[] {
  if (Array.isArray(option)) return option;
  const n = Math.max(1, option ?? 1);
  return Array.from({ length: n }, (_, i) => ({ name: `node-${i + 1}`, roles: i === 0 ? ['control-plane'] : [] }));
}

export function nodeObject(spec: NodeSpec, index: number, tainted: boolean, kubeletVersion: string): KubeObject {
  const roles = spec.roles ?? [];
  const address = spec.address ?? `10.0.0.${index + 1}`;
  const now = iso(Date.now());
  return {
    metadata: {
      name: spec.name,
      labels: {
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/os': 'linux',
        'kubernetes.io/hostname': spec.name,
        ...Object.fromEntries(roles.map((r) => [`${ROLE_LABEL}${r}`, ''])),
      },
    },
    spec: {
      podCIDR: `10.244.${index}.0/24`,
      ...(spec.unschedulable ? { unschedulable: true } : {}),
      ...(tainted && roles.includes('control-plane') ? { taints: [CONTROL_PLANE_TAINT] } : {}),
    },
    status: {
      addresses: [
        { type: 'InternalIP', address },
        { type: 'Hostname', address: spec.name },
      ],
      capacity: { cpu: '4', memory: '8048000Ki', pods: '110' },
      allocatable: { cpu: '4', memory: '7945600Ki', pods: '110' },
      conditions: [
        { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available', lastHeartbeatTime: now, lastTransitionTime: now },
        { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure', lastHeartbeatTime: now, lastTransitionTime: now },
        { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available', lastHeartbeatTime: now, lastTransitionTime: now },
        { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now },
      ],
      nodeInfo: {
        kubeletVersion,
        kubeProxyVersion: kubeletVersion,
        containerRuntimeVersion: 'containerd://1.7.13',
        operatingSystem: 'linux',
        architecture: 'amd64',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        kernelVersion: '6.1.0',
      },
    },
  };
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/** The Ready condition's status: True, False, Unknown, or undefined when the node has none. */
export function readyStatus(node: KubeObject): string | undefined {
  return node.status?.conditions?.find((c: Part) => c.type === 'Ready')?.status;
}

export function nodeAddress(node: KubeObject): string | undefined {
  return node.status?.addresses?.find((a: Part) => a.type === 'InternalIP')?.address;
}

/** Whether the scheduler may bind a new pod here. */
export function schedulable(node: KubeObject): boolean {
  return readyStatus(node) === 'True' && !node.spec?.unschedulable && !(node.spec?.taints ?? []).some((t: Part) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
}

/** The node with the Ready condition set (and the not-ready taints added or removed), as the node lifecycle controller writes it. */
export function withReady(node: KubeObject, status: 'True' | 'False' | 'Unknown', reason: string, message: string): KubeObject {
  const n = structuredClone(node);
  const now = iso(Date.now());
  n.status = n.status ?? {};
  n.status.conditions = (n.status.conditions ?? []).map((c: Part) => {
    if (c.type === 'Ready') return { ...c, status, reason, message, lastHeartbeatTime: status === 'True' ? now : c.lastHeartbeatTime, lastTransitionTime: c.status === status ? c.lastTransitionTime : now };
    // A kubelet that stopped posting says nothing about pressure either.
    if (status === 'Unknown') return { ...c, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: c.status === 'Unknown' ? c.lastTransitionTime : now };
    if (status === 'True' && c.status === 'Unknown') return { ...c, status: 'False', reason: `Kubelet${c.type === 'MemoryPressure' ? 'HasSufficientMemory' : c.type === 'DiskPressure' ? 'HasNoDiskPressure' : 'HasSufficientPID'}`, lastTransitionTime: now };
    return c;
  });
  const others = (n.spec?.taints ?? []).filter((t: Part) => !String(t.key).startsWith('node.kubernetes.io/not-ready') && !String(t.key).startsWith('node.kubernetes.io/unreachable'));
  const taints = status === 'True' ? others : [...others, ...NOT_READY_TAINTS(status).map((t) => ({ ...t, ...(t.effect === 'NoExecute' ? { timeAdded: now } : {}) }))];
  n.spec = { ...(n.spec ?? {}) };
  if (taints.length > 0) n.spec.taints = taints;
  else delete n.spec.taints;
  return n;
}

/** `kubectl get nodes` STATUS as the API server prints it: Ready, NotReady (False or Unknown), Unknown (no condition); then SchedulingDisabled when cordoned. */
export function nodeStatusText(node: KubeObject): string {
  const s = readyStatus(node);
  const parts = [s === 'True' ? 'Ready' : s === undefined ? 'Unknown' : 'NotReady'];
  if (node.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

export function nodeRolesText(node: KubeObject): string {
  const roles = Object.keys(node.metadata.labels ?? {})
    .filter((k) => k.startsWith(ROLE_LABEL))
    .map((k) => k.slice(ROLE_LABEL.length))
    .filter(Boolean)
    .sort();
  return roles.length > 0 ? roles.join(',') : '<none>';
}
