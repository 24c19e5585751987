/**
 * The Cluster interface of DESIGN.md: every orchestrator (Kubernetes, Docker Swarm) implements it,
 * so the tree, the status bar, the CLI and the pipeline never branch on the orchestrator.
 *
 * Long operations are async iterables of typed events and take an AbortSignal; data is plain
 * objects a UI can render. Nothing here shows UI or prints.
 */

export type Orchestrator = 'kubernetes' | 'swarm';

/** Which cluster an object belongs to, as a user names it. */
export interface ClusterIdentity {
  orchestrator: Orchestrator;
  /** kube context name, or "swarm" / the engine endpoint for swarm. */
  name: string;
  /** API server URL or Docker endpoint: shown wherever a deploy starts, so nobody deploys to the wrong cluster. */
  server: string;
}

export interface WorkloadRef {
  namespace: string;
  name: string;
  /** The container whose image prodlike deploys; defaults to the first one. */
  container?: string;
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface Workload {
  kind: 'Deployment' | 'Service';
  namespace: string;
  name: string;
  /** Replicas wanted (for global swarm services: the number of eligible nodes). */
  desired: number;
  ready: number;
  updated: number;
  available: number;
  /** Image reference as written in the spec (tag and/or digest). */
  image: string;
  /** sha256:… when the spec pins a digest, else undefined. */
  digest?: string;
  /** Current revision number, when the orchestrator numbers them. */
  revision?: number;
  paused: boolean;
  conditions: Condition[];
  /** 'progressing' | 'complete' | 'failed' | 'paused' | 'rolled-back' … as a user reads it. */
  state: WorkloadState;
  labels: Record<string, string>;
  createdAt?: string;
}

export type WorkloadState = 'complete' | 'progressing' | 'failed' | 'paused' | 'rolled-back' | 'unknown';

export interface Revision {
  number: number;
  image: string;
  digest?: string;
  cause?: string;
  createdAt?: string;
  current: boolean;
}

export interface Pod {
  namespace: string;
  name: string;
  /** Pod phase or swarm task state. */
  phase: string;
  ready: boolean;
  restarts: number;
  node?: string;
  createdAt?: string;
  containers: { name: string; image: string; imageID?: string; containerID?: string; state?: string; reason?: string }[];
  labels: Record<string, string>;
}

/** A deploy described as data before it is done (STYLE.md habit 2): the UI shows it for confirmation. */
export interface DeployPlan {
  workload: WorkloadRef;
  cluster: ClusterIdentity;
  container: string;
  fromImage: string;
  toImage: string;
  cause: string;
  /** The exact request body the orchestrator will receive (a patch, a service spec diff). */
  patch: unknown;
}

export interface RollbackPlan {
  workload: WorkloadRef;
  cluster: ClusterIdentity;
  fromRevision?: number;
  toRevision: number;
  fromImage: string;
  toImage: string;
  /** True when the target already matches what runs: nothing will change ("skipped rollback"). */
  skipped: boolean;
  warnings: string[];
  patch: unknown;
}

export type RolloutEvent =
  | { type: 'progress'; desired: number; updated: number; ready: number; available: number; message: string }
  | { type: 'warning'; message: string; pod?: string }
  | { type: 'complete'; message: string }
  | { type: 'failed'; reason: string; message: string; pods?: string[] }
  | { type: 'rolled-back'; message: string }
  | { type: 'paused'; message: string };

export type WatchEvent<T> =
  | { type: 'added' | 'modified' | 'deleted'; object: T }
  /** The watch lost its connection and is re-establishing it; objects may be re-sent. */
  | { type: 'reconnecting'; reason: string; attempt: number }
  /** A full list replaced the known state (after 410 Gone or a reconnect). */
  | { type: 'synced'; objects: T[] };

export interface LogOptions {
  follow?: boolean;
  /** RFC 3339 time or a duration like "5m". */
  since?: string;
  tail?: number;
  timestamps?: boolean;
  container?: string;
}

export interface LogLine {
  /** Monotonic per stream as emitted by the merger. */
  seq?: number;
  source: { cluster: string; namespace: string; pod: string; container: string; node?: string };
  time?: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** A machine of the cluster as `docker node ls` / `kubectl get nodes` show it. */
export interface ClusterNode {
  /** Hostname (swarm) or node name (Kubernetes). */
  name: string;
  id: string;
  /** Each orchestrator's own word: swarm managers, Kubernetes control-plane nodes, and workers. */
  role: 'manager' | 'control-plane' | 'worker';
  /** active: takes new work; pause: keeps its work, takes none (cordoned); drain: its work moves away. */
  availability: 'active' | 'pause' | 'drain';
  /** ready, down (lost: no heartbeat, NotReady), or unknown/disconnected as the orchestrator says. */
  health: 'ready' | 'down' | 'unknown' | 'disconnected';
  /** Why it is not ready, when the orchestrator says. */
  message?: string;
  address?: string;
  /** Swarm managers: leader, reachable or unreachable. Kubernetes control-plane nodes: undefined. */
  manager?: 'leader' | 'reachable' | 'unreachable' | 'unknown';
  version?: string;
}

export interface RolloutOptions {
  signal?: AbortSignal;
  /** Give up after this long (ms); default the orchestrator's own deadline. */
  timeoutMs?: number;
}

export interface Cluster {
  readonly identity: ClusterIdentity;
  listNamespaces(signal?: AbortSignal): Promise<string[]>;
  listWorkloads(namespace: string, signal?: AbortSignal): Promise<Workload[]>;
  getWorkload(ref: WorkloadRef, signal?: AbortSignal): Promise<Workload>;
  /** Reconnecting: ends only when the signal aborts. */
  watchWorkloads(namespace: string, signal: AbortSignal): AsyncIterable<WatchEvent<Workload>>;
  planDeploy(ref: WorkloadRef, imageRef: string, cause: string, signal?: AbortSignal): Promise<DeployPlan>;
  deploy(plan: DeployPlan, signal?: AbortSignal): Promise<Workload>;
  rolloutStatus(ref: WorkloadRef, options?: RolloutOptions): AsyncIterable<RolloutEvent>;
  history(ref: WorkloadRef, signal?: AbortSignal): Promise<Revision[]>;
  /** toRevision 0 or undefined: the previous one (kubectl rollout undo semantics). */
  planRollback(ref: WorkloadRef, toRevision?: number, signal?: AbortSignal): Promise<RollbackPlan>;
  rollback(plan: RollbackPlan, signal?: AbortSignal): Promise<Workload>;
  pods(ref: WorkloadRef, signal?: AbortSignal): Promise<Pod[]>;
  watchPods(ref: WorkloadRef, signal: AbortSignal): AsyncIterable<WatchEvent<Pod>>;
  logs(ref: WorkloadRef, options: LogOptions, signal: AbortSignal): AsyncIterable<LogLine>;
  /** The cluster's machines, when the orchestrator lets the caller see them. */
  nodes?(signal?: AbortSignal): Promise<ClusterNode[]>;
  dispose(): void;
}
