/**
 * The Kubernetes API test server: an HTTP server on 127.0.0.1 that speaks the real Kubernetes API
 * for the subset prodlike uses, so the kube backend, the log tail and the extension can be tested
 * here, where no real API server can run. Its fidelity is checked by running the real kubectl
 * against it (test/integration/kube/kubectl-oracle.test.ts).
 *
 * What it speaks
 * - discovery: /version, /api, /api/v1, /apis, /apis/apps/v1 (legacy discovery; kubectl falls back
 *   to it when the aggregated form is not offered); /openapi/v2 and /openapi/v3/… answer 404, which
 *   kubectl tolerates for the commands we use.
 * - namespaces, pods, events, configmaps, secrets (v1) and deployments, replicasets (apps/v1):
 *   get, list (labelSelector, fieldSelector), create, update, delete (owned objects are deleted too),
 *   patch (JSON patch, merge patch, strategic merge patch), watch (resourceVersion, timeoutSeconds;
 *   `410 Gone` as an ERROR event when the resourceVersion was compacted), server-side Tables for
 *   `kubectl get`.
 * - pods/log: container, follow, previous, sinceTime, sinceSeconds, tailLines, timestamps.
 * - a rollout controller (controller.ts): ReplicaSets per pod-template hash with revision numbers,
 *   rolling updates, readiness after a delay, broken images, ProgressDeadlineExceeded, history limit.
 * - nodes (nodes.ts): roles from `node-role.kubernetes.io/<role>` labels, `spec.unschedulable`, the
 *   Ready condition, addresses, kubelet version; pods are bound to ready nodes (`spec.nodeName`), and
 *   a node marked NotReady loses its pods after the eviction delay (they come back on other nodes).
 *
 * Programmatic API
 *
 *   const server = await startKubeServer({ readyDelayMs: 20, timeScale: 0.001 });
 *   server.url                 // https://127.0.0.1:PORT (self-signed fixture cert; the kubeconfig names it as CA)
 *   server.kubeconfigPath      // a kubeconfig file (context "test", namespace "default", bearer token)
 *   server.kubeconfig          // the same as YAML text
 *   server.apply(deployment({ name: 'web', image: 'registry/web:1', replicas: 3 }))  // create or replace
 *   await server.waitFor(() => server.get('deployments', 'default', 'web')?.status?.availableReplicas === 3)
 *   await server.settle()     // waits until no rollout is in progress (every Deployment complete or failed)
 *   server.markImageBroken('registry/web:2', 'pull' | 'crash')  // never ready: deadline expires
 *   server.restartContainer('default', podName)   // log → previous, restartCount + 1
 *   startKubeServer({ nodes: 3 })                 // node-1 (control-plane, NoSchedule), node-2, node-3 (workers); default 1
 *   server.markNodeNotReady('node-2', { evictAfterMs: 0 })  // Ready=Unknown; its pods unready, then evicted and recreated elsewhere
 *                                                 // (default delay: podEvictionDelayMs; marking again restarts it)
 *   server.markNodeReady('node-2')                // Ready=True again; takes new pods
 *   server.writeLog('default', podName, 'text', { container })  // lines get nanosecond timestamps
 *   server.faults.failNext(401 | 410 | 500, { path: /deployments/, kind: 'watch' | 'log' | 'request', times })
 *   server.faults.dropNext({ kind: 'watch', afterItems: 2 })    // the next stream is cut after 2 items
 *   server.faults.stallNext({ kind: 'log', afterItems: 1 })     // the next stream goes silent, stays open
 *   server.faults.dropOpen('watch')                              // cut every open watch now
 *   server.faults.compact()                                      // older resourceVersions → 410 Gone
 *   server.setToken('other')                                     // requests with the old token get 401
 *   server.requests                                              // every request (method, path, query)
 *   server.openStreams('watch')                                  // how many watches are open now
 *   await server.close()                                         // ends streams, frees the port, removes temp files
 *
 * Time: readiness delays are real milliseconds (readyDelayMs); progress deadlines are
 * `progressDeadlineSeconds * 1000 * timeScale` ms, so tests never wait for real minutes.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_SERVER_CERT, TEST_SERVER_KEY } from './tls';
import { Store, resourceByPlural, type KubeObject } from './store';
import { PodLogs } from './logs';
import { RolloutController, type BrokenMode } from './controller';
import { Router, type StreamKind, type RecordedRequest } from './http';
import { nodeObject, nodeSpecs, type NodeSpec } from './nodes';

export type { KubeObject } from './store';
export type { BrokenMode } from './controller';
export type { NodeSpec } from './nodes';

export interface KubeServerOptions {
  /** ms after a container starts until it is ready (default 20). */
  readyDelayMs?: number;
  /** Real ms per API-second for progress deadlines (default 0.002: 600 s → 1.2 s). */
  timeScale?: number;
  /** Bearer token the server demands (default "prodlike-test-token"); null for none. */
  token?: string | null;
  /** Namespaces to create at start (default ["default", "kube-system"]). */
  namespaces?: string[];
  /** Write a "started POD (IMAGE)" line when each container starts (default true). */
  logOnStart?: boolean;
  /** Keep about this many log lines per container, as a kubelet's log rotation does (default all; benches set it). */
  logLinesKept?: number;
  /** The server version /version reports (default 1.30). */
  version?: { major: string; minor: string };
  /** Nodes at start: a count (node-1 is the control plane) or specs (default 1: node-1, which runs pods). */
  nodes?: number | NodeSpec[];
  /** ms from a node going NotReady until its pods are evicted (default the 300 s toleration × timeScale). */
  podEvictionDelayMs?: number;
}

export interface KubeServer {
  url: string;
  kubeconfigPath: string;
  kubeconfig: string;
  context: string;
  token: string | undefined;
  /** Create or replace an object (kind and namespace from the object). */
  apply(obj: KubeObject): KubeObject;
  get(plural: string, namespace: string | undefined, name: string): KubeObject | undefined;
  list(plural: string, namespace?: string): KubeObject[];
  /** Resolves when `check` is true, checked after every change; rejects after `timeoutMs` (default 10 s). */
  waitFor(check: () => boolean, timeoutMs?: number): Promise<void>;
  /** Resolves when every Deployment is complete or has exceeded its progress deadline. */
  settle(timeoutMs?: number): Promise<void>;
  markImageBroken(image: string, mode?: BrokenMode): void;
  markImageFixed(image: string): void;
  restartContainer(namespace: string, pod: string, container?: string): void;
  /** The node stops being Ready (default Unknown: the kubelet stopped posting); its pods are evicted after `evictAfterMs` (default the server's delay; 0 = now). */
  markNodeNotReady(name: string, options?: { status?: 'False' | 'Unknown'; reason?: string; message?: string; evictAfterMs?: number }): void;
  markNodeReady(name: string): void;
  writeLog(namespace: string, pod: string, text: string, options?: { container?: string; at?: Date }): void;
  setToken(token: string | undefined): void;
  readonly faults: {
    failNext(code: number, options?: { path?: RegExp; kind?: StreamKind | 'request'; times?: number; message?: string }): void;
    dropNext(options?: { path?: RegExp; kind?: StreamKind; afterItems?: number; times?: number }): void;
    stallNext(options?: { path?: RegExp; kind?: StreamKind; afterItems?: number; times?: number }): void;
    dropOpen(kind?: StreamKind): number;
    compact(): void;
    clear(): void;
  };
  readonly requests: RecordedRequest[];
  openStreams(kind?: StreamKind): number;
  close(): Promise<void>;
}

export async function startKubeServer(options: KubeServerOptions = {}): Promise<KubeServer> {
  const store = new Store();
  const logs = new PodLogs();
  logs.logOnStart = options.logOnStart ?? true;
  logs.keepLines = options.logLinesKept ?? Infinity;
  const timeScale = options.timeScale ?? 0.002;
  const controller = new RolloutController(store, logs, { readyDelayMs: options.readyDelayMs ?? 20, timeScale, evictionDelayMs: options.podEvictionDelayMs ?? 300 * 1000 * timeScale });
  const version = options.version ?? { major: '1', minor: '30' };
  const router = new Router(store, controller, logs, version);
  const token = options.token === null ? undefined : (options.token ?? 'prodlike-test-token');
  router.token = token;
  const nsResource = resourceByPlural('namespaces')!;
  for (const ns of options.namespaces ?? ['default', 'kube-system']) store.create(nsResource, { metadata: { name: ns }, status: { phase: 'Active' } });
  const specs = nodeSpecs(options.nodes);
  // kubeadm taints the control plane; a cluster of control-plane nodes only keeps them schedulable.
  const tainted = specs.some((n) => !(n.roles ?? []).includes('control-plane'));
  specs.forEach((n, i) => store.create(resourceByPlural('nodes')!, nodeObject(n, i, tainted, `v${version.major}.${version.minor}.0`)));

  // TLS, because kubectl sends a bearer token only over https. The key pair is a test fixture made
  // for 127.0.0.1 only (self-signed, CA:TRUE so the kubeconfig can name it as its own CA).
  const cert = TEST_SERVER_CERT;
  const key = TEST_SERVER_KEY;
  const server: Server = createServer({ cert, key }, router.handle);
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `https://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'prodlike-kube-server-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  const kubeconfig = kubeconfigFor(url, token, Buffer.from(cert).toString('base64'));
  writeFileSync(kubeconfigPath, kubeconfig, { mode: 0o600 });

  const resource = (plural: string) => {
    const r = resourceByPlural(plural);
    if (!r) throw new Error(`test server does not model ${plural}`);
    return r;
  };

  // `afterBurst`: checked once after a burst of writes rather than after each one — for a condition on
  // an end state (settle): no state between two writes of a burst is one, and checking lists every
  // Deployment, which after each of thousands of writes cost a large server most of its set-up time.
  const waitFor = (check: () => boolean, timeoutMs = 10_000, afterBurst = false) =>
    new Promise<void>((resolve, reject) => {
      if (check()) return resolve();
      let done = false;
      let pending = false;
      const stop = () => {
        done = true;
        unsubscribe();
        clearTimeout(timer);
        clearInterval(poll);
      };
      const test = () => {
        if (!done && check()) {
          stop();
          resolve();
        }
      };
      const onChange = () => {
        if (!afterBurst) return test();
        if (pending) return;
        pending = true;
        setImmediate(() => {
          pending = false;
          test();
        });
      };
      const unsubscribe = store.subscribe(onChange);
      const poll = setInterval(test, 20); // time-based transitions (deadlines) need no write to happen
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`test server: condition not met within ${timeoutMs} ms`));
      }, timeoutMs);
    });

  let closed: Promise<void> | undefined;
  const api: KubeServer = {
    url,
    kubeconfigPath,
    kubeconfig,
    context: 'test',
    token,
    apply(obj) {
      const plural = `${String(obj.kind).toLowerCase()}s`;
      const r = resource(plural === 'deploymentss' ? 'deployments' : plural);
      const withNs = r.namespaced ? { ...obj, metadata: { ...obj.metadata, namespace: obj.metadata.namespace ?? 'default' } } : obj;
      const existing = store.get(r, withNs.metadata.namespace, withNs.metadata.name);
      const prepared = prepareForApply(r.plural, withNs);
      if (!existing) return store.create(r, prepared);
      return store.update(r, { ...prepared, metadata: { ...prepared.metadata, resourceVersion: existing.metadata.resourceVersion } });
    },
    get: (plural, ns, name) => store.get(resource(plural), ns, name),
    list: (plural, ns) => store.list(resource(plural), ns),
    waitFor,
    settle: (timeoutMs) =>
      waitFor(
        () =>
          store.list(resource('deployments')).every((d) => {
            const p = d.status?.conditions?.find((c: KubeObject) => c.type === 'Progressing');
            return d.spec.paused || (d.status?.observedGeneration === d.metadata.generation && (p?.reason === 'NewReplicaSetAvailable' || p?.reason === 'ProgressDeadlineExceeded'));
          }),
        timeoutMs,
        true,
      ),
    markImageBroken: (image, mode = 'pull') => {
      controller.broken.set(image, mode);
      controller.schedule();
    },
    markImageFixed: (image) => {
      controller.broken.delete(image);
      controller.schedule();
    },
    restartContainer: (ns, pod, container) => controller.restartContainer(ns, pod, container),
    markNodeNotReady: (name, o) => controller.markNodeNotReady(name, o),
    markNodeReady: (name) => controller.markNodeReady(name),
    writeLog: (ns, pod, text, o = {}) => {
      const p = store.mustGet(resource('pods'), ns, pod);
      const container = o.container ?? p.spec?.containers?.[0]?.name;
      logs.write(ns, pod, container, text, o.at);
    },
    setToken: (t) => {
      router.token = t;
    },
    faults: {
      failNext: (code, o = {}) => router.faults.push({ path: o.path, kind: o.kind, times: o.times ?? 1, action: { type: 'status', code, message: o.message } }),
      dropNext: (o = {}) => router.faults.push({ path: o.path, kind: o.kind, times: o.times ?? 1, action: { type: 'drop', afterItems: o.afterItems ?? 0 } }),
      stallNext: (o = {}) => router.faults.push({ path: o.path, kind: o.kind, times: o.times ?? 1, action: { type: 'stall', afterItems: o.afterItems ?? 0 } }),
      dropOpen: (kind) => router.dropOpen(kind),
      compact: () => store.compact(),
      clear: () => {
        router.faults.length = 0;
      },
    },
    requests: router.requests,
    openStreams: (kind) => [...router.open].filter((s) => !kind || s.kind === kind).length,
    async close() {
      if (closed) return closed;
      controller.stop();
      logs.endAll();
      router.dropOpen();
      server.closeAllConnections();
      closed = new Promise<void>((resolve) => server.close(() => resolve())).then(() => rmSync(dir, { recursive: true, force: true }));
      return closed;
    },
  };
  return api;
}

function prepareForApply(plural: string, obj: KubeObject): KubeObject {
  const o = structuredClone(obj);
  if (plural === 'deployments') {
    const spec = o.spec;
    spec.replicas = spec.replicas ?? 1;
    spec.revisionHistoryLimit = spec.revisionHistoryLimit ?? 10;
    spec.progressDeadlineSeconds = spec.progressDeadlineSeconds ?? 600;
    spec.strategy = spec.strategy ?? { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
    spec.selector = spec.selector ?? { matchLabels: { ...(spec.template.metadata?.labels ?? {}) } };
  }
  return o;
}

function kubeconfigFor(url: string, token: string | undefined, caData: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'current-context: test',
    'clusters:',
    '- name: test',
    '  cluster:',
    `    server: ${url}`,
    `    certificate-authority-data: ${caData}`,
    'contexts:',
    '- name: test',
    '  context:',
    '    cluster: test',
    '    user: test',
    '    namespace: default',
    'users:',
    '- name: test',
    '  user:',
    ...(token ? [`    token: ${token}`] : ['    {}']),
    '',
  ].join('\n');
}

/** A Deployment manifest for tests: one container named "app". */
export function deployment(o: {
  name: string;
  image: string;
  namespace?: string;
  replicas?: number;
  revisionHistoryLimit?: number;
  progressDeadlineSeconds?: number;
  paused?: boolean;
  maxSurge?: number | string;
  maxUnavailable?: number | string;
  annotations?: Record<string, string>;
}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: o.name, namespace: o.namespace ?? 'default', labels: { app: o.name }, ...(o.annotations ? { annotations: o.annotations } : {}) },
    spec: {
      replicas: o.replicas ?? 2,
      selector: { matchLabels: { app: o.name } },
      ...(o.revisionHistoryLimit !== undefined ? { revisionHistoryLimit: o.revisionHistoryLimit } : {}),
      ...(o.progressDeadlineSeconds !== undefined ? { progressDeadlineSeconds: o.progressDeadlineSeconds } : {}),
      ...(o.paused ? { paused: true } : {}),
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: o.maxSurge ?? '25%', maxUnavailable: o.maxUnavailable ?? '25%' } },
      template: {
        metadata: { labels: { app: o.name } },
        spec: { containers: [{ name: 'app', image: o.image, ports: [{ containerPort: 8080, protocol: 'TCP' }] }] },
      },
    },
  };
}
