/** prodlike.yaml after the loader filled in every default: what the rest of prodlike reads. */

export interface SwarmUpdateConfig {
  parallelism?: number;
  delay?: string;
  order?: 'start-first' | 'stop-first';
  failureAction?: 'rollback' | 'pause' | 'continue';
  monitor?: string;
}

export interface Environment {
  name: string;
  orchestrator: 'swarm' | 'kubernetes';
  /** kubeconfig context (Kubernetes); undefined means the current context. */
  context?: string;
  /** Docker endpoint (swarm); undefined means DOCKER_HOST or the local socket. */
  engine?: string;
  /** Kubernetes namespace; undefined means the context's own, else "default". Swarm has none. */
  namespace?: string;
  workload?: string;
  container?: string;
  protected: boolean;
  autoRollback: boolean;
  update?: SwarmUpdateConfig;
}

export interface BuildConfig {
  /** Absolute path of the build context. */
  context: string;
  /** Dockerfile path relative to the context. */
  dockerfile: string;
  target?: string;
  platform?: string;
  args: Record<string, string>;
}

export interface ProjectConfig {
  /** Folder of prodlike.yaml (or the workspace folder when there is none). */
  root: string;
  /** Absolute path of prodlike.yaml; undefined when the defaults are used. */
  file?: string;
  image?: string;
  build: BuildConfig;
  /** Absolute paths of manifest files or folders that exist. */
  manifests: string[];
  environments: Record<string, Environment>;
  defaultEnvironment: string;
  rules: { disable: string[] };
}
