/**
 * Production manifests as prodlike reads them (for `prodlike run`, the parity diff, and the parity
 * checks): load YAML with positions, find a workload and its containers, resolve its environment.
 *
 *   const set = await loadManifests(config.manifests);
 *   const workload = findWorkload(set, 'shop-api');           // throws not-found with the workloads there
 *   const { container, index } = selectContainer(workload);
 *   const env = resolveEnv(set, workload, container, secrets);
 *   containerPosition(workload, index, ['image'])              // → { file, line, column }
 */
export { loadManifests, parseManifestText, nestingDepth, type ManifestDocument, type ManifestSet, type ManifestProblem, type Position, type LoadOptions } from './load';
export {
  findWorkload,
  listWorkloads,
  selectContainer,
  containerPosition,
  referencedConfig,
  findConfigMap,
  resolveEnv,
  WORKLOAD_KINDS,
  ContainerSpec,
  type Workload,
  type WorkloadKind,
  type PodSecurityContext,
  type ResolvedEnvVar,
} from './workloads';
export { readLiveWorkload, type LiveWorkload } from './live';
export { parseQuantity, parseCpu, parseMemory } from './quantity';
