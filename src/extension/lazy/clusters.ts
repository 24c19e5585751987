// Entry of dist/extension-clusters.js: everything that talks to an engine or a cluster (dockerode,
// client-node). Loaded the first time a view or command needs a cluster, never during activation.
export { openSwarmCluster } from '../../core/swarm';
export { loadKubeconfig } from '../../core/kube/kubeconfig';
export type { KubeContextInfo, LoadedKubeconfig } from '../../core/kube/kubeconfig';
