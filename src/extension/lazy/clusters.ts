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
export { resolveEngineEndpoint } from '../../core/docker/engine';
export type { Engine } from '../../core/docker/engine';
export { ship } from '../../core/pipeline';
export type { PipelineEvent, ShipReport, ConfirmRequest } from '../../core/pipeline';
export { buildImage } from '../../core/docker/build';
export { pushImage } from '../../core/docker/push';
export { immutableTag } from '../../core/docker/image-tag';
export { parseImageRef, repositoryOf } from '../../core/docker/image-ref';
export { planProductionRun, startProductionRun, readEnvFile } from '../../core/docker/run-as-production';
export type { ProductionRunPlan } from '../../core/docker/run-as-production';
export { parityDiff } from '../../core/docker/parity-diff';
export type { ParityDiff } from '../../core/docker/parity-diff';
export { listParityRuns, containerLogs, stopContainer, containerChanges } from '../../core/docker/containers';
export type { ParityRun } from '../../core/docker/containers';
export { loadManifests, findWorkload, listWorkloads } from '../../core/manifests';
export { listBuiltImages, type BuiltImageInfo } from './localImages';
export { Redactor } from '../../core/logs/redact';
