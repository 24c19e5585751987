/**
 * The Kubernetes backend. What other parts of prodlike call:
 *
 * - `loadKubeconfig({ env?, allowExecPlugins?, kubeconfigPath? })` → files, current context, contexts
 *   (cluster, server, user, namespace, usesExecPlugin). Never runs anything. (`prodlike doctor`.)
 * - `openKubeCluster({ context?, namespace?, allowExecPlugins?, kubeconfig? })` → a `KubeCluster`
 *   implementing `Cluster`; does not contact the server until a method is called.
 */
export { loadKubeconfig, kubeconfigFiles, clientConfigFor, redact, type LoadedKubeconfig, type KubeContextInfo, type LoadKubeconfigOptions } from './kubeconfig';
export { openKubeCluster, KubeCluster, type OpenKubeClusterOptions } from './cluster';
export { KubeApiError } from './api';
export { rolloutProgress } from './objects';
