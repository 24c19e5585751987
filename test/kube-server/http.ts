// HTTP side of the test server: discovery, CRUD + patch + watch for the modelled resources,
// server-side Table printing (what `kubectl get` asks for), pods/log, and the injected faults.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import {
  ApiError,
  type KubeObject,
  type ResourceType,
  type Store,
  RESOURCES,
  apiVersionOf,
  matchesFields,
  matchesLabels,
  parseLabelSelector,
  qualifiedName,
  resourceByPlural,
} from './store';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, PatchError } from './patch';
import type { PodLogs, StoredLine } from './logs';
import type { RolloutController } from './controller';
import { nodeRolesText, nodeStatusText } from './nodes';

export type StreamKind = 'watch' | 'log';

export interface FaultRule {
  /** Which requests: a path pattern (tested against the path without query), and/or a stream kind. */
  path?: RegExp;
  kind?: StreamKind | 'request';
  action: { type: 'status'; code: number; message?: string } | { type: 'drop'; afterItems: number } | { type: 'stall'; afterItems: number };
  /** How many matching requests it applies to (default 1). */
  times: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
}

interface OpenStream {
  kind: StreamKind;
  path: string;
  socket: Socket;
  res: ServerResponse;
}

export class Router {
  readonly requests: RecordedRequest[] = [];
  readonly faults: FaultRule[] = [];
  readonly open = new Set<OpenStream>();
  token: string | undefined;

  constructor(
    private readonly store: Store,
    private readonly controller: RolloutController,
    private readonly logs: PodLogs,
    private readonly version: { major: string; minor: string },
  ) {}

  handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers });
    if (this.requests.length > 5000) this.requests.splice(0, 2500);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        this.route(req, res, url, Buffer.concat(chunks).toString('utf8'));
      } catch (e) {
        const err = e instanceof ApiError ? e : e instanceof PatchError ? new ApiError(422, 'Invalid', e.message) : new ApiError(500, 'InternalError', e instanceof Error ? e.message : String(e));
        if (!res.headersSent) sendJson(res, err.code, err.toStatus());
        else res.end();
      }
    });
  };

  private takeFault(path: string, kind: StreamKind | 'request'): FaultRule['action'] | undefined {
    const i = this.faults.findIndex((f) => f.action.type !== 'status' && (!f.path || f.path.test(path)) && (!f.kind || f.kind === kind));
    if (i < 0) return undefined;
    const rule = this.faults[i]!;
    if (--rule.times <= 0) this.faults.splice(i, 1);
    return rule.action;
  }

  private route(req: IncomingMessage, res: ServerResponse, url: URL, body: string): void {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const q = url.searchParams;
    const isWatch = q.get('watch') === 'true' || q.get('watch') === '1';
    const isFollow = /\/log$/.test(path) && (q.get('follow') === 'true' || q.get('follow') === '1');
    const kind: StreamKind | 'request' = isWatch ? 'watch' : isFollow || /\/log$/.test(path) ? 'log' : 'request';

    if (this.token !== undefined && req.headers.authorization !== `Bearer ${this.token}`) {
      throw new ApiError(401, 'Unauthorized', 'Unauthorized');
    }
    // Status faults apply to any request; stream faults (drop/stall) are taken when the stream starts.
    const fi = this.faults.findIndex((f) => f.action.type === 'status' && (!f.path || f.path.test(path)) && (!f.kind || f.kind === kind));
    if (fi >= 0) {
      const rule = this.faults[fi]!;
      if (--rule.times <= 0) this.faults.splice(fi, 1);
      if (rule.action.type === 'status') {
        const code = rule.action.code;
        const reason = code === 401 ? 'Unauthorized' : code === 410 ? 'Expired' : code === 403 ? 'Forbidden' : 'InternalError';
        throw new ApiError(code, reason, rule.action.message ?? (code === 410 ? 'too old resource version' : reason));
      }
    }

    if (path === '/version') return sendJson(res, 200, { major: this.version.major, minor: this.version.minor, gitVersion: `v${this.version.major}.${this.version.minor}.0`, gitCommit: 'prodlike-test-server', gitTreeState: 'clean', buildDate: '2025-01-01T00:00:00Z', goVersion: 'go1.22.0', compiler: 'gc', platform: 'linux/amd64' });
    if (path === '/api') return sendJson(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: req.headers.host ?? '' }] });
    if (path === '/apis') {
      return sendJson(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [{ name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }], preferredVersion: { groupVersion: 'apps/v1', version: 'v1' } }] });
    }
    if (path === '/api/v1' || path === '/apis/apps/v1') return sendJson(res, 200, resourceList(path === '/api/v1' ? '' : 'apps'));
    if (path === '/apis/apps') return sendJson(res, 200, { kind: 'APIGroup', apiVersion: 'v1', name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }], preferredVersion: { groupVersion: 'apps/v1', version: 'v1' } });
    if (path.startsWith('/openapi/') || path === '/healthz' || path === '/livez' || path === '/readyz') {
      if (path.startsWith('/openapi/v3') && path === '/openapi/v3') return sendJson(res, 200, { paths: {} });
      if (path.startsWith('/openapi/')) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
      res.writeHead(200, { 'content-type': 'text/plain' });
      return void res.end('ok');
    }

    const m = /^\/(?:api\/v1|apis\/(apps)\/v1)\/(.*)$/.exec(path);
    if (!m) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    const group = m[1] ?? '';
    const seg = m[2]!.split('/').map(decodeURIComponent);
    let ns: string | undefined;
    let plural: string;
    let name: string | undefined;
    let sub: string | undefined;
    if (seg[0] === 'namespaces' && seg.length >= 3) {
      ns = seg[1];
      plural = seg[2]!;
      name = seg[3];
      sub = seg[4];
    } else {
      plural = seg[0]!;
      name = seg[1];
      sub = seg[2];
    }
    const r = resourceByPlural(plural);
    if (!r || r.group !== group || (!r.namespaced && ns !== undefined)) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    const method = req.method ?? 'GET';

    if (sub === 'log' && r.plural === 'pods' && method === 'GET') return this.serveLog(res, ns!, name!, q, path);
    if (sub && sub !== 'status') throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');

    if (!name) {
      if (method === 'GET' && isWatch) return this.serveWatch(res, r, ns, q, path);
      if (method === 'GET') return this.serveList(req, res, r, ns, q);
      if (method === 'POST') {
        const obj = parseBody(body);
        if (r.namespaced) obj.metadata = { ...(obj.metadata ?? {}), namespace: obj.metadata?.namespace ?? ns };
        const prepared = prepare(r, obj);
        const created = q.get('dryRun') ? prepared : this.store.create(r, prepared);
        return sendJson(res, 201, created);
      }
      throw new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    }

    switch (method) {
      case 'GET':
        return sendJson(res, 200, maybeTable(req, r, [this.store.mustGet(r, ns, name)], this.store.resourceVersion, true));
      case 'PUT': {
        const obj = parseBody(body);
        if (obj.metadata?.name !== name) throw new ApiError(400, 'BadRequest', 'the name of the object does not match the name on the URL');
        if (r.namespaced) obj.metadata.namespace = ns;
        return sendJson(res, 200, this.store.update(r, prepare(r, obj), { status: sub === 'status' }));
      }
      case 'PATCH': {
        const cur = this.store.mustGet(r, ns, name);
        const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
        const patch = parseBody(body) as unknown;
        let next: KubeObject;
        if (type === 'application/json-patch+json') next = applyJsonPatch(cur, patch) as KubeObject;
        else if (type === 'application/merge-patch+json') next = applyMergePatch(cur, patch) as KubeObject;
        else if (type === 'application/strategic-merge-patch+json') next = applyStrategicMergePatch(cur, patch) as KubeObject;
        else throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`);
        next.metadata = { ...next.metadata, name, resourceVersion: cur.metadata.resourceVersion };
        if (r.namespaced) next.metadata.namespace = ns;
        const prepared = prepare(r, next);
        if (q.get('dryRun')) return sendJson(res, 200, prepared);
        return sendJson(res, 200, this.store.update(r, prepared, { status: sub === 'status' }));
      }
      case 'DELETE': {
        const deleted = this.store.delete(r, ns, name);
        this.cascade(r, deleted);
        return sendJson(res, 200, deleted);
      }
      default:
        throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    }
  }

  /** Background garbage collection, done at once: owned objects and a namespace's contents go with their owner. */
  private cascade(r: ResourceType, owner: KubeObject): void {
    for (const dependent of RESOURCES) {
      for (const o of this.store.list(dependent)) {
        const owned = o.metadata.ownerReferences?.some((ref) => ref.uid === owner.metadata.uid);
        const inNamespace = r.plural === 'namespaces' && o.metadata.namespace === owner.metadata.name;
        if (owned || inNamespace) {
          const gone = this.store.delete(dependent, o.metadata.namespace, o.metadata.name);
          if (dependent.plural === 'pods') this.logs.podDeleted(gone.metadata.namespace!, gone.metadata.name);
          this.cascade(dependent, gone);
        }
      }
    }
  }

  private serveList(req: IncomingMessage, res: ServerResponse, r: ResourceType, ns: string | undefined, q: URLSearchParams): void {
    const labels = parseLabelSelector(q.get('labelSelector'));
    const items = this.store.list(r, ns).filter((o) => matchesLabels(o.metadata.labels, labels) && matchesFields(o, q.get('fieldSelector')));
    sendJson(res, 200, maybeTable(req, r, items, this.store.resourceVersion, false));
  }

  private startStream(
    res: ServerResponse,
    kind: StreamKind,
    path: string,
    contentType: string,
  ): { send(chunk: string): boolean; sendAll(items: string[]): boolean; end(): void; closed(): boolean; onClose(fn: () => void): void } {
    const taken = this.takeFault(path, kind);
    const fault = taken && taken.type !== 'status' ? taken : undefined;
    res.writeHead(200, { 'content-type': contentType, 'transfer-encoding': 'chunked', 'cache-control': 'no-cache' });
    res.flushHeaders();
    const stream: OpenStream = { kind, path, socket: res.socket!, res };
    this.open.add(stream);
    let sent = 0;
    let corked = false;
    let closed = false;
    const closers: (() => void)[] = [];
    const close = () => {
      if (closed) return;
      closed = true;
      this.open.delete(stream);
      for (const fn of closers) fn();
    };
    res.on('close', close);
    const send = (chunk: string): boolean => {
      if (closed) return false;
      if (fault && sent >= fault.afterItems && fault.type === 'drop') {
        // Lose the connection mid-stream: what was sent arrives, then the connection closes
        // without the terminating chunk (no clean end), as when a proxy or node goes away.
        const socket = res.socket;
        close();
        socket?.end();
        setTimeout(() => socket?.destroy(), 50).unref();
        return false;
      }
      if (fault && sent >= fault.afterItems && fault.type === 'stall') return true; // silence, connection kept open
      sent++;
      // Everything sent in one turn of the event loop leaves in one TLS record, as a kubelet
      // flushes what a container wrote since its last read, not one write per line.
      if (!corked) {
        corked = true;
        res.cork();
        process.nextTick(() => {
          corked = false;
          res.uncork();
        });
      }
      res.write(chunk);
      return true;
    };
    return {
      send,
      // Several items in one write (one chunk on the wire): a busy log costs one write per batch, not per line.
      // A fault counts items, so a stream with one sends them one by one.
      sendAll: (items) => {
        if (fault) return items.every(send);
        if (closed) return false;
        sent += items.length;
        res.write(items.length === 1 ? items[0]! : items.join(''));
        return true;
      },
      end: () => {
        if (closed) return;
        if (fault?.type === 'stall') return; // a stalled stream never ends on its own
        res.end();
        close();
      },
      closed: () => closed,
      onClose: (fn) => closers.push(fn),
    };
  }

  private serveWatch(res: ServerResponse, r: ResourceType, ns: string | undefined, q: URLSearchParams, path: string): void {
    const labels = parseLabelSelector(q.get('labelSelector'));
    const fields = q.get('fieldSelector');
    const matches = (o: KubeObject) => (!r.namespaced || ns === undefined || o.metadata.namespace === ns) && matchesLabels(o.metadata.labels, labels) && matchesFields(o, fields);
    const rvParam = q.get('resourceVersion');
    const stream = this.startStream(res, 'watch', path, 'application/json');
    const send = (type: string, object: KubeObject) => stream.send(`${JSON.stringify({ type, object })}\n`);
    const buffered: { type: string; object: KubeObject }[] = [];
    let live = false;
    const unsubscribe = this.store.subscribe((c) => {
      if (c.resource !== r || !matches(c.object)) return;
      if (live) send(c.type, c.object);
      else buffered.push({ type: c.type, object: c.object });
    });
    stream.onClose(unsubscribe);
    if (!rvParam || rvParam === '0') {
      for (const o of this.store.list(r, ns)) if (matches(o)) send('ADDED', o);
    } else {
      const changes = this.store.changesSince(Number(rvParam));
      if (!changes) {
        send('ERROR', new ApiError(410, 'Expired', `too old resource version: ${rvParam} (${this.store.compactedBelow})`).toStatus());
        unsubscribe();
        stream.end();
        return;
      }
      for (const c of changes) if (c.resource === r && matches(c.object)) send(c.type, c.object);
    }
    for (const b of buffered) send(b.type, b.object);
    live = true;
    const timeout = Number(q.get('timeoutSeconds') ?? 0);
    if (timeout > 0) {
      const t = setTimeout(() => stream.end(), timeout * 1000);
      t.unref();
      stream.onClose(() => clearTimeout(t));
    }
  }

  private serveLog(res: ServerResponse, ns: string, podName: string, q: URLSearchParams, path: string): void {
    const pods = resourceByPlural('pods')!;
    const pod = this.store.mustGet(pods, ns, podName);
    const names: string[] = (pod.spec?.containers ?? []).map((c: KubeObject) => c.name);
    let container = q.get('container') ?? undefined;
    if (!container) {
      if (names.length !== 1) throw new ApiError(400, 'BadRequest', `a container name must be specified for pod ${podName}, choose one of: [${names.join(' ')}]`);
      container = names[0]!;
    }
    if (!names.includes(container)) throw new ApiError(400, 'BadRequest', `container ${container} is not valid for pod ${podName}`);
    const status = (pod.status?.containerStatuses ?? []).find((s: KubeObject) => s.name === container);
    const previous = q.get('previous') === 'true' || q.get('previous') === '1';
    const stored = this.logs.get(ns, podName, container);
    if (previous && !stored?.previous) throw new ApiError(400, 'BadRequest', `previous terminated container "${container}" in pod "${podName}" not found`);
    const waiting = status?.state?.waiting;
    if (!previous && (!status || (waiting && waiting.reason !== 'CrashLoopBackOff'))) {
      const why = waiting?.reason === 'ImagePullBackOff' || waiting?.reason === 'ErrImagePull' ? 'trying and failing to pull image' : 'ContainerCreating';
      throw new ApiError(400, 'BadRequest', `container "${container}" in pod "${podName}" is waiting to start: ${why}`);
    }
    let lines = [...((previous ? stored?.previous : stored?.current) ?? [])];
    const sinceTime = q.get('sinceTime');
    const sinceSeconds = q.get('sinceSeconds');
    const since = sinceTime ? Date.parse(sinceTime) : sinceSeconds ? Date.now() - Number(sinceSeconds) * 1000 : undefined;
    // sinceTime has second precision in the API; a line at or after that instant is included.
    if (since !== undefined && !Number.isNaN(since)) lines = lines.filter((l) => l.ms >= since);
    const tail = q.get('tailLines');
    if (tail !== null && Number(tail) >= 0) lines = Number(tail) === 0 ? [] : lines.slice(-Number(tail));
    const stamps = q.get('timestamps') === 'true' || q.get('timestamps') === '1';
    const format = (l: StoredLine) => `${stamps ? `${l.time} ` : ''}${l.text}\n`;
    const follow = (q.get('follow') === 'true' || q.get('follow') === '1') && !previous;
    const stream = this.startStream(res, 'log', path, 'text/plain');
    for (const l of lines) stream.send(format(l));
    if (!follow) return stream.end();
    const unfollow = this.logs.follow(ns, podName, container, { lines: (ls) => stream.sendAll(ls.map(format)), end: () => stream.end() });
    stream.onClose(unfollow);
  }

  /** Cuts every open stream (of one kind) now, as a lost connection would. */
  dropOpen(kind?: StreamKind): number {
    let n = 0;
    for (const s of [...this.open]) {
      if (kind && s.kind !== kind) continue;
      s.socket.destroy();
      this.open.delete(s);
      n++;
    }
    return n;
  }
}

/** Server-side defaults and validation for what the controller relies on. */
function prepare(r: ResourceType, obj: KubeObject): KubeObject {
  const o = structuredClone(obj);
  o.metadata = o.metadata ?? {};
  // A real API server decodes every write into Go types and encodes it again, so `null` and empty
  // structs that a client sent (kubectl's rollback sends `creationTimestamp: null`, `resources: {}`)
  // read back the same as when omitted. Dropping both keeps templates (and their hashes) comparable.
  if (o.spec && (r.plural === 'deployments' || r.plural === 'replicasets' || r.plural === 'pods')) o.spec = normalize(o.spec);
  if (r.plural === 'deployments') {
    const spec = (o.spec = o.spec ?? {});
    if (!spec.template) throw new ApiError(422, 'Invalid', `Deployment.apps "${o.metadata.name}" is invalid: spec.template: Required value`);
    spec.replicas = spec.replicas ?? 1;
    spec.revisionHistoryLimit = spec.revisionHistoryLimit ?? 10;
    spec.progressDeadlineSeconds = spec.progressDeadlineSeconds ?? 600;
    spec.strategy = spec.strategy ?? { type: 'RollingUpdate' };
    if ((spec.strategy.type ?? 'RollingUpdate') === 'RollingUpdate') {
      spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%', ...(spec.strategy.rollingUpdate ?? {}) } };
    }
    spec.selector = spec.selector ?? { matchLabels: { ...(spec.template.metadata?.labels ?? {}) } };
    const labels = spec.template.metadata?.labels ?? {};
    for (const [k, v] of Object.entries(spec.selector.matchLabels ?? {})) {
      if (labels[k] !== v) throw new ApiError(422, 'Invalid', `Deployment.apps "${o.metadata.name}" is invalid: spec.template.metadata.labels: Invalid value: selector does not match template labels`);
    }
    const containers = spec.template.spec?.containers;
    if (!Array.isArray(containers) || containers.length === 0) throw new ApiError(422, 'Invalid', `Deployment.apps "${o.metadata.name}" is invalid: spec.template.spec.containers: Required value`);
    for (const c of containers) {
      if (!c.image) throw new ApiError(422, 'Invalid', `Deployment.apps "${o.metadata.name}" is invalid: spec.template.spec.containers[0].image: Required value`);
    }
  }
  if (r.plural === 'namespaces') o.status = o.status ?? { phase: 'Active' };
  if (r.plural === 'secrets') {
    o.type = o.type ?? 'Opaque';
    if (o.stringData) {
      o.data = { ...(o.data ?? {}) };
      for (const [k, v] of Object.entries(o.stringData)) o.data[k] = Buffer.from(String(v)).toString('base64');
      delete o.stringData;
    }
  }
  return o;
}

function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const n = normalize(x);
      if (n === null || n === undefined) continue;
      if (typeof n === 'object' && !Array.isArray(n) && Object.keys(n).length === 0) continue;
      out[k] = n;
    }
    return out;
  }
  return v;
}

function parseBody(body: string): KubeObject {
  try {
    return JSON.parse(body) as KubeObject;
  } catch {
    throw new ApiError(400, 'BadRequest', 'the request body is not valid JSON');
  }
}

function sendJson(res: ServerResponse, code: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function resourceList(group: '' | 'apps'): KubeObject {
  const resources = RESOURCES.filter((r) => r.group === group).flatMap((r) => {
    const verbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
    const main = { name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs, ...(r.shortNames ? { shortNames: r.shortNames } : {}) };
    const subs = (r.subresources ?? []).map((s) => ({ name: `${r.plural}/${s}`, singularName: '', namespaced: r.namespaced, kind: s === 'scale' ? 'Scale' : s === 'log' ? 'Pod' : r.kind, verbs: s === 'log' ? ['get'] : ['get', 'patch', 'update'] }));
    return [main, ...subs];
  });
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/v1` : 'v1', resources } as unknown as KubeObject;
}

// ---- Tables: `kubectl get` asks for server-side printing ----

function wantsTable(req: IncomingMessage): boolean {
  return /as=Table/.test(String(req.headers.accept ?? ''));
}

function age(o: KubeObject): string {
  const created = Date.parse(o.metadata.creationTimestamp ?? '');
  if (Number.isNaN(created)) return '<unknown>';
  const s = Math.max(0, Math.floor((Date.now() - created) / 1000));
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.floor(s / 60)}m` : `${Math.floor(s / 3600)}h`;
}

function columns(r: ResourceType): { names: string[]; cells: (o: KubeObject) => unknown[] } {
  switch (r.plural) {
    case 'deployments':
      return {
        names: ['Name', 'Ready', 'Up-to-date', 'Available', 'Age'],
        cells: (o) => [o.metadata.name, `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`, o.status?.updatedReplicas ?? 0, o.status?.availableReplicas ?? 0, age(o)],
      };
    case 'replicasets':
      return { names: ['Name', 'Desired', 'Current', 'Ready', 'Age'], cells: (o) => [o.metadata.name, o.spec?.replicas ?? 0, o.status?.replicas ?? 0, o.status?.readyReplicas ?? 0, age(o)] };
    case 'pods':
      return {
        names: ['Name', 'Ready', 'Status', 'Restarts', 'Age'],
        cells: (o) => {
          const cs: KubeObject[] = o.status?.containerStatuses ?? [];
          const waiting = cs.find((c) => c.state?.waiting)?.state?.waiting?.reason;
          return [o.metadata.name, `${cs.filter((c) => c.ready).length}/${o.spec?.containers?.length ?? 0}`, waiting ?? o.status?.phase ?? 'Pending', cs.reduce((n, c) => n + (c.restartCount ?? 0), 0), age(o)];
        },
      };
    case 'namespaces':
      return { names: ['Name', 'Status', 'Age'], cells: (o) => [o.metadata.name, o.status?.phase ?? 'Active', age(o)] };
    case 'nodes':
      return { names: ['Name', 'Status', 'Roles', 'Age', 'Version'], cells: (o) => [o.metadata.name, nodeStatusText(o), nodeRolesText(o), age(o), o.status?.nodeInfo?.kubeletVersion ?? ''] };
    case 'secrets':
      // Like kubectl: how many keys, never their values.
      return { names: ['Name', 'Type', 'Data', 'Age'], cells: (o) => [o.metadata.name, o.type ?? 'Opaque', Object.keys(o.data ?? {}).length, age(o)] };
    case 'configmaps':
      return { names: ['Name', 'Data', 'Age'], cells: (o) => [o.metadata.name, Object.keys(o.data ?? {}).length, age(o)] };
    default:
      return { names: ['Name', 'Age'], cells: (o) => [o.metadata.name, age(o)] };
  }
}

function maybeTable(req: IncomingMessage, r: ResourceType, items: KubeObject[], rv: string, single: boolean): unknown {
  if (!wantsTable(req)) {
    if (single) return items[0];
    return { kind: `${r.kind}List`, apiVersion: apiVersionOf(r), metadata: { resourceVersion: rv }, items };
  }
  const c = columns(r);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: rv },
    columnDefinitions: c.names.map((name, i) => ({ name, type: i === 0 ? 'string' : 'string', format: i === 0 ? 'name' : '', description: '', priority: 0 })),
    rows: items.map((o) => ({ cells: c.cells(o), object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata } })),
  };
}

export { qualifiedName };
