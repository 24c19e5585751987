// Entry of dist/extension-workspace.js: the parts of core that read only the workspace's files
// (prodlike.yaml, parity rules over Dockerfiles and manifests). Never dockerode or client-node —
// bench/activation checks the bundle's inputs.
export { loadProjectConfig, resolveEnvironment, findConfigFile, CONFIG_FILE_NAMES } from '../../core/config';
export type { ProjectConfig, Environment } from '../../core/config';
// engine.ts requires dockerode only inside openEngine(); resolving the endpoint is plain logic.
export { resolveEngineEndpoint } from '../../core/docker/engine';
export { checkParity } from '../../core/parity/check';
export type { ReportedFinding, ParityReport } from '../../core/parity/check';
