// Entry of dist/extension-clusters.js: everything that talks to an engine or a cluster (dockerode,
// client-node). Loaded the first time a view or command needs a cluster, never during activation.
export { openSwarmCluster } from '../../core/swarm';
export { loadKubeconfig, openKubeCluster, redact } from '../../core/kube';
export type { KubeContextInfo, LoadedKubeconfig } from '../../core/kube';
export { openCluster, namespaceFor, confirmProtected } from '../../core/cluster/open';
