// Entry of dist/extension-clusters.js: everything that talks to an engine or a cluster (dockerode,
// client-node). Loaded the first time a view or command needs a cluster, never during activation.
export { openSwarmCluster } from '../../core/swarm';
export { loadKubeconfig, openKubeCluster, redact } from '../../core/kube';
export type { KubeContextInfo, LoadedKubeconfig } from '../../core/kube';
export { openCluster, namespaceFor, confirmProtected } from '../../core/cluster/open';
export { tailLogs } from '../../core/logs';
export type { TailEvent, TailLine, TailNotice } from '../../core/logs';
export { kubeDiscovery } from '../../core/logs/kube-sources';
export { swarmDiscovery } from '../../core/logs/swarm-sources';
export { openEngine } from '../../core/docker/engine';
export { KubeCluster } from '../../core/kube/cluster';
