/**
 * Rules over Kubernetes objects and compose services: what production runs (image references,
 * probes, rollback history, volumes) compared with the container rules.
 */
import type { Hit, Rule } from '../model';
import { containersOf, getIn, isObj, volumesOf, type ComposeService, type KubeObject, type Manifests, type YamlPath } from '../manifests';

export const MANIFEST_RULES: Rule[] = [
  {
    id: 'yaml-invalid',
    severity: 'error',
    area: 'manifest',
    title: 'A manifest is not valid YAML',
    explanation: 'A manifest that does not parse cannot be applied; whatever production runs was deployed from something other than this file, so it no longer describes production.',
    fix: 'Correct the YAML at the reported position (`kubectl apply --dry-run=client -f FILE` reports the same).',
  },
  {
    id: 'image-latest',
    severity: 'error',
    area: 'manifest',
    title: 'Production runs an untagged or `latest` image',
    explanation: 'A `latest` (or missing) tag names whatever was pushed last: nodes pull different images, a restart silently upgrades, and a rollback restores the same mutable tag instead of the previous image.',
    fix: 'Reference the image by digest (`repo:tag@sha256:…`); `prodlike deploy` pins the digest it built and pushed.',
  },
  {
    id: 'image-mutable-tag',
    severity: 'warning',
    area: 'manifest',
    title: 'Production image is referenced by a tag, not a digest',
    explanation: 'A tag can be pushed again: two nodes, or a restarted pod, may run different images under one name, and the image you tested locally is not provably the one production runs.',
    fix: 'Append the digest (`repo:tag@sha256:…`), or let `prodlike deploy` pin it.',
  },
  {
    id: 'readiness-probe-missing',
    severity: 'warning',
    area: 'manifest',
    title: 'A container has no readiness probe',
    explanation: 'Without a readiness probe Kubernetes sends traffic to a pod as soon as its process starts, and a rollout of a broken image completes "successfully" — `rollout status` never sees the failure, so nothing rolls back.',
    fix: 'Add `readinessProbe: { httpGet: { path: /healthz, port: http } }` (or a tcpSocket/exec probe) to the container.',
  },
  {
    id: 'rollback-history-too-short',
    severity: 'error',
    area: 'manifest',
    title: '`revisionHistoryLimit` below 2 makes rollback impossible',
    explanation: 'Rollback restores an old ReplicaSet; with a history limit of 0 or 1 the previous revision is deleted as soon as a rollout finishes, so `rollout undo` has nothing to go back to.',
    fix: 'Remove `revisionHistoryLimit` (default 10) or set it to 2 or more.',
  },
  {
    id: 'config-mounted-as-files',
    severity: 'info',
    area: 'manifest',
    title: 'Plain settings are mounted as files',
    explanation: 'A ConfigMap of simple key/value settings mounted as files makes the app read configuration from disk: it needs a file path that differs between local and production, and changes are picked up at different times than a restart.',
    fix: 'Expose the ConfigMap as environment variables with `envFrom: [{ configMapRef: { name: … } }]` and read them from the environment.',
  },
  {
    id: 'log-volume',
    severity: 'warning',
    area: 'manifest',
    title: 'A log folder is mounted from the node or an emptyDir',
    explanation: 'Logs written to a hostPath or emptyDir folder bypass `kubectl logs` and the cluster log collector; hostPath also ties pods to one node and fills its disk.',
    fix: 'Write logs to stdout/stderr and remove the volume.',
  },
  {
    id: 'sticky-sessions',
    severity: 'warning',
    area: 'manifest',
    title: 'Session affinity pins users to one pod',
    explanation: '`sessionAffinity: ClientIP` is how apps that keep sessions in memory survive: a rolling update or a rescheduled pod still logs users out, and load is uneven. It hides state that belongs in a shared store.',
    fix: 'Keep sessions in a shared store (Redis, a database) or signed cookies, and remove `sessionAffinity`.',
  },
  {
    id: 'database-without-volume',
    severity: 'error',
    area: 'manifest',
    title: 'A database runs without a persistent volume',
    explanation: 'A database container without a persistent volume keeps its data in the container\'s writable layer (or an emptyDir): a restart, reschedule or image update deletes it.',
    fix: 'Mount a PersistentVolumeClaim (StatefulSet `volumeClaimTemplates`) at the data folder, or a named volume in compose — or use a managed database.',
  },
];

const DATABASE_IMAGE = /(^|\/)(postgres|postgresql|mysql|mariadb|mongo|mongodb|redis|valkey|elasticsearch|opensearch|cassandra|couchdb|rabbitmq|influxdb|neo4j|clickhouse)(:|@|$)/i;
const LOG_PATH = /(^|\/)(logs?)(\/|$)/i;

function at(o: { doc: { rangeOf(p: YamlPath, key?: boolean): { start: { line: number; column: number }; end: { line: number; column: number } } } }, path: YamlPath, key = false) {
  return o.doc.rangeOf(path, key);
}

export function imageProblem(image: string): { ruleId: 'image-latest' | 'image-mutable-tag'; message: string } | undefined {
  if (image.includes('@sha256:')) return undefined;
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  const tag = colon > slash ? image.slice(colon + 1) : undefined;
  if (!tag || tag === 'latest') return { ruleId: 'image-latest', message: `Image ${image} ${tag ? 'uses the `latest` tag' : 'has no tag (means `latest`)'}.` };
  return { ruleId: 'image-mutable-tag', message: `Image ${image} is referenced by tag only; pin its digest.` };
}

export function checkManifests(m: Manifests): Map<string, Hit[]> {
  const out = new Map<string, Hit[]>();
  const add = (file: string, hit: Hit) => {
    const list = out.get(file) ?? out.set(file, []).get(file)!;
    list.push(hit);
  };
  const configMaps = new Map<string, KubeObject>();
  for (const o of m.objects) if (o.kind === 'ConfigMap') configMaps.set(o.name, o);

  for (const o of m.objects) {
    if (o.kind === 'Deployment') {
      const limit = getIn(o.value, ['spec', 'revisionHistoryLimit']);
      if (typeof limit === 'number' && limit < 2) {
        add(o.file, { ruleId: 'rollback-history-too-short', message: `Deployment ${o.name} keeps ${limit} old revision${limit === 1 ? '' : 's'}; rollback needs at least 2.`, ...at(o, ['spec', 'revisionHistoryLimit']), data: { workload: o.name } });
      }
    }
    if (o.kind === 'Service' && getIn(o.value, ['spec', 'sessionAffinity']) === 'ClientIP') {
      add(o.file, { ruleId: 'sticky-sessions', message: `Service ${o.name} pins clients to one pod (sessionAffinity: ClientIP).`, ...at(o, ['spec', 'sessionAffinity']), data: { service: o.name } });
    }
    if (!o.podSpecPath) continue;
    const volumes = volumesOf(o);
    const volumeByName = new Map(volumes.map((v) => [String(v.name), v]));
    const hasClaims = volumes.some((v) => isObj(v.persistentVolumeClaim)) || Array.isArray(getIn(o.value, ['spec', 'volumeClaimTemplates']));
    const servesTraffic = o.kind !== 'Job' && o.kind !== 'CronJob' && o.kind !== 'Pod';
    for (const c of containersOf(o)) {
      const cname = typeof c.value.name === 'string' ? c.value.name : '(unnamed)';
      const image = typeof c.value.image === 'string' ? c.value.image : undefined;
      if (image) {
        const p = imageProblem(image);
        if (p) add(o.file, { ruleId: p.ruleId, message: `${o.kind} ${o.name}, container ${cname}: ${p.message}`, ...at(o, [...c.path, 'image']), data: { image, workload: o.name, container: cname } });
      }
      if (servesTraffic && !isObj(c.value.readinessProbe)) {
        add(o.file, { ruleId: 'readiness-probe-missing', message: `${o.kind} ${o.name}, container ${cname} has no readinessProbe.`, ...at(o, [...c.path, 'name']), data: { workload: o.name, container: cname } });
      }
      if (image && DATABASE_IMAGE.test(image) && !hasClaims) {
        add(o.file, { ruleId: 'database-without-volume', message: `${o.kind} ${o.name} runs ${image} without a PersistentVolumeClaim: its data is lost on restart.`, ...at(o, [...c.path, 'image']), data: { image, workload: o.name } });
      }
      const mounts = Array.isArray(c.value.volumeMounts) ? c.value.volumeMounts : [];
      mounts.forEach((mount, mi) => {
        if (!isObj(mount) || typeof mount.mountPath !== 'string') return;
        const vol = volumeByName.get(String(mount.name));
        if (!vol) return;
        const mountAt = at(o, [...c.path, 'volumeMounts', mi, 'mountPath']);
        if (LOG_PATH.test(mount.mountPath) && (isObj(vol.hostPath) || isObj(vol.emptyDir) || vol.emptyDir === null)) {
          add(o.file, { ruleId: 'log-volume', message: `${o.kind} ${o.name} mounts a ${isObj(vol.hostPath) ? 'hostPath' : 'emptyDir'} log folder at ${mount.mountPath}.`, ...mountAt, data: { path: mount.mountPath } });
        }
        const cmName = isObj(vol.configMap) && typeof vol.configMap.name === 'string' ? vol.configMap.name : undefined;
        const cm = cmName ? configMaps.get(cmName) : undefined;
        if (cm && isPlainSettings(cm)) {
          add(o.file, { ruleId: 'config-mounted-as-files', message: `${o.kind} ${o.name} mounts ConfigMap ${cmName} as files at ${mount.mountPath}; its entries are plain settings that envFrom would provide.`, ...mountAt, data: { configMap: cmName! } });
        }
      });
    }
  }

  for (const s of m.compose) checkComposeService(s, (hit) => add(s.file, hit));
  return out;
}

/** Every entry a single-line value under a variable-like key: settings, not files. */
function isPlainSettings(cm: KubeObject): boolean {
  const data = cm.value.data;
  if (!isObj(data) || Object.keys(data).length === 0) return false;
  return Object.entries(data).every(([k, v]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && (typeof v !== 'string' || !v.includes('\n')));
}

function checkComposeService(s: ComposeService, add: (h: Hit) => void): void {
  const image = typeof s.value.image === 'string' ? s.value.image : undefined;
  const volumes = Array.isArray(s.value.volumes) ? s.value.volumes : [];
  if (image && DATABASE_IMAGE.test(image)) {
    const persistent = volumes.some((v) => (typeof v === 'string' ? v.includes(':') : isObj(v) && (v.type === 'volume' || v.type === 'bind')));
    if (!persistent) add({ ruleId: 'database-without-volume', message: `Service ${s.name} runs ${image} without a volume: its data is lost when the container is recreated.`, ...s.doc.rangeOf([...s.path, 'image']), data: { image, service: s.name } });
  }
  // A swarm stack file (deploy: section) is production for the swarm backend: image rules apply.
  if (image && isObj(s.value.deploy)) {
    const p = imageProblem(image);
    if (p) add({ ruleId: p.ruleId, message: `Service ${s.name}: ${p.message}`, ...s.doc.rangeOf([...s.path, 'image']), data: { image, service: s.name } });
  }
  volumes.forEach((v, i) => {
    const target = typeof v === 'string' ? v.split(':')[1] : isObj(v) && typeof v.target === 'string' ? v.target : undefined;
    if (target && LOG_PATH.test(target)) {
      add({ ruleId: 'log-volume', message: `Service ${s.name} mounts a log folder at ${target}.`, ...s.doc.rangeOf([...s.path, 'volumes', i]), data: { path: target } });
    }
  });
}

/** True when any container has a readiness or liveness probe, or any compose service a healthcheck. */
export function hasOrchestratorProbes(m: Manifests): boolean {
  return (
    m.objects.some((o) => containersOf(o).some((c) => isObj(c.value.readinessProbe) || isObj(c.value.livenessProbe))) ||
    m.compose.some((s) => isObj(s.value.healthcheck) && s.value.healthcheck.disable !== true)
  );
}
