/**
 * Environment-variable parity: the variables the code reads, against what production provides
 * (Kubernetes `env`/`envFrom`, swarm stack files, and ENV baked into the image) and what local runs
 * provide (compose `environment`/`env_file`, `.env`).
 *
 * Per workload where the repository says which code each workload runs: with two or more build
 * contexts (folders with a Dockerfile), a source file belongs to the deepest context holding it,
 * and a production container to the context its compose `build:` names or whose folder name is its
 * image's name (`registry/shop/api:1` → `…/api/`). Code is then compared with its own workloads
 * only: a variable the `api` reads but only `worker` is given is reported. Code outside every
 * context (shared libraries), containers matched to no context, and contexts no container runs
 * are compared repository-wide, as is everything in a one-app repository.
 */
import { posix } from 'node:path';
import type { Hit, Position, Rule } from '../model';
import { containersOf, envNamesOf, isObj, type Manifests } from '../manifests';
import type { RepoFile } from '../scanner';
import { TextIndex } from '../text';
import type { EnvRead } from './source';

export const ENVIRONMENT_RULES: Rule[] = [
  {
    id: 'env-not-provided',
    severity: 'warning',
    area: 'source',
    title: 'The code reads an environment variable production does not set',
    explanation: 'A variable the code reads but production does not provide makes the app behave differently there than where it was tested: it crashes on start, or silently falls back to a default meant for a laptop (a local database URL, debug logging). Works-on-my-machine bugs start here.',
    fix: 'Set the variable in the production manifest (`env:` or a ConfigMap/Secret via `envFrom`), or stop reading it.',
  },
  {
    id: 'env-not-read',
    severity: 'info',
    area: 'manifest',
    title: 'Production sets an environment variable the code never reads',
    explanation: 'A variable production sets but nothing reads is usually a renamed or removed setting: the manifest suggests a behaviour the app does not have, and the real setting may be missing.',
    fix: 'Remove it from the manifest, or correct its name to the one the code reads.',
  },
  {
    id: 'env-local-only',
    severity: 'warning',
    area: 'manifest',
    title: 'A variable is set locally but not in production',
    explanation: 'Local runs (compose, `.env`) set a variable production does not: the app is tested in a configuration production never has, so behaviour seen locally is not what ships.',
    fix: 'Set the same variable in the production manifest, or remove it from the local configuration.',
  },
];

/** Set by the platform or the container runtime, never by a manifest. */
const PLATFORM = new Set(['PATH', 'HOME', 'HOSTNAME', 'PWD', 'USER', 'SHELL', 'TERM', 'LANG', 'TMPDIR', 'KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT', 'CI']);

/** Read by runtimes and libraries rather than by the app's own code. */
const RUNTIME_READ = /^(NODE_ENV|NODE_OPTIONS|NODE_EXTRA_CA_CERTS|TZ|LANG|LC_\w+|JAVA_OPTS|JAVA_TOOL_OPTIONS|JDK_JAVA_OPTIONS|GOMAXPROCS|GOMEMLIMIT|GOGC|GODEBUG|PYTHON\w+|RAILS_\w+|RACK_ENV|BUNDLE_\w+|FLASK_\w+|DJANGO_SETTINGS_MODULE|GUNICORN_CMD_ARGS|WEB_CONCURRENCY|SPRING_\w+|SERVER_PORT|OTEL_\w+|DD_\w+|NEW_RELIC_\w+|SENTRY_\w+|HTTPS?_PROXY|NO_PROXY|PHP_\w+|UV_THREADPOOL_SIZE|MALLOC_\w+|SSL_CERT_\w+)$/;

interface Provided {
  name: string;
  file: string;
  start: Position;
  end: Position;
}

/** A build context: the folder of a Dockerfile and the ENV names its image bakes in. */
export interface BuildContext {
  /** Relative folder, '' for the root. */
  dir: string;
  envNames: Set<string>;
}

export interface EnvironmentInput {
  reads: EnvRead[];
  manifests: Manifests;
  /** ENV names baked into images (every Dockerfile's final stage). */
  imageEnv: Set<string>;
  /** Every Dockerfile's context; two or more make the comparison per workload. */
  contexts?: BuildContext[];
  files: RepoFile[];
  /** True when at least one source file in a known language was read. */
  sourcesScanned: boolean;
}

export function checkEnvironment(input: EnvironmentInput): Map<string, Hit[]> {
  const out = new Map<string, Hit[]>();
  const add = (file: string, hit: Hit) => (out.get(file) ?? out.set(file, []).get(file)!).push(hit);
  const m = input.manifests;

  // Production: Kubernetes containers and swarm stack services (compose files with `deploy:`).
  const runs: ProductionContainer[] = [];
  const sources = new Map<string, string[]>();
  for (const o of m.objects) {
    if ((o.kind === 'ConfigMap' || o.kind === 'Secret') && o.name) {
      const keys = [...Object.keys(isObj(o.value.data) ? o.value.data : {}), ...Object.keys(isObj(o.value.stringData) ? o.value.stringData : {})];
      sources.set(`${o.kind}/${o.name}`, keys);
    }
  }
  for (const o of m.objects) {
    for (const c of containersOf(o)) {
      // opaque: an envFrom whose ConfigMap/Secret is not in the repository could provide anything.
      const run: ProductionContainer = { workload: o.name, image: typeof c.value.image === 'string' ? c.value.image : undefined, provided: [], opaque: false };
      runs.push(run);
      for (const e of envNamesOf(c)) run.provided.push({ name: e.name, file: o.file, ...o.doc.rangeOf(e.path) });
      const envFrom = Array.isArray(c.value.envFrom) ? c.value.envFrom : [];
      envFrom.forEach((ef, i) => {
        if (!isObj(ef)) return;
        const ref = isObj(ef.configMapRef) ? `ConfigMap/${String(ef.configMapRef.name)}` : isObj(ef.secretRef) ? `Secret/${String(ef.secretRef.name)}` : undefined;
        const keys = ref ? sources.get(ref) : undefined;
        if (!keys) {
          run.opaque = true;
          return;
        }
        const prefix = typeof ef.prefix === 'string' ? ef.prefix : '';
        const at = o.doc.rangeOf([...c.path, 'envFrom', i]);
        for (const k of keys) run.provided.push({ name: prefix + k, file: o.file, ...at });
      });
    }
  }
  const local: Provided[] = [];
  for (const s of m.compose) {
    let target = local;
    if (isObj(s.value.deploy)) {
      const run: ProductionContainer = { workload: s.name, image: typeof s.value.image === 'string' ? s.value.image : undefined, buildDir: composeBuildDir(s.file, s.value.build), provided: [], opaque: false };
      runs.push(run);
      target = run.provided;
    }
    const env = s.value.environment;
    if (Array.isArray(env)) {
      env.forEach((e, i) => {
        if (typeof e === 'string') target.push({ name: e.split('=')[0]!, file: s.file, ...s.doc.rangeOf([...s.path, 'environment', i]) });
      });
    } else if (isObj(env)) {
      for (const k of Object.keys(env)) target.push({ name: k, file: s.file, ...s.doc.rangeOf([...s.path, 'environment', k], true) });
    }
    const envFiles = typeof s.value.env_file === 'string' ? [s.value.env_file] : Array.isArray(s.value.env_file) ? s.value.env_file : [];
    for (const ef of envFiles) {
      const p = typeof ef === 'string' ? ef : isObj(ef) && typeof ef.path === 'string' ? ef.path : undefined;
      if (!p) continue;
      const path = posix.normalize(posix.join(posix.dirname(s.file), p));
      const file = input.files.find((f) => f.path === path);
      if (file) target.push(...dotenvEntries(file));
    }
  }
  for (const f of input.files) {
    if (f.kind === 'dotenv' && /(^|\/)\.env(\.local|\.development|\.dev)?$/.test(f.path)) local.push(...dotenvEntries(f));
  }

  const hasProduction = m.objects.some((o) => o.podSpecPath) || m.compose.some((s) => isObj(s.value.deploy));
  const prod = runs.flatMap((r) => r.provided);
  const prodNames = new Set([...prod.map((p) => p.name), ...input.imageEnv]);
  const localNames = new Set(local.map((p) => p.name));
  const readNames = new Set(input.reads.map((r) => r.name));
  const anyOpaque = runs.some((x) => x.opaque);
  const workloads = groupByContext(input.contexts ?? [], runs);
  const byDir = new Map(workloads.map((w) => [w.dir, w]));
  const contextByFile = new Map<string, Workload | undefined>();
  /** The deepest context holding a file: a walk up its folders, remembered per file. */
  const contextOf = (file: string): Workload | undefined => {
    if (byDir.size === 0) return undefined;
    if (contextByFile.has(file)) return contextByFile.get(file);
    let dir = file;
    let found: Workload | undefined;
    while (!found && dir !== '') {
      const slash = dir.lastIndexOf('/');
      dir = slash < 0 ? '' : dir.slice(0, slash);
      found = byDir.get(dir);
    }
    contextByFile.set(file, found);
    return found;
  };
  // Reads outside every context (shared code) may be what any workload runs.
  const sharedReads = new Set<string>();
  for (const r of input.reads) (contextOf(r.file)?.reads ?? sharedReads).add(r.name);

  if (hasProduction) {
    const reported = new Set<string>();
    for (const r of input.reads) {
      if (PLATFORM.has(r.name)) continue;
      const w = contextOf(r.file);
      const own = w && w.runs.length > 0 ? w : undefined;
      if (own ? own.opaque : anyOpaque) continue;
      if (own ? own.names.has(r.name) : prodNames.has(r.name)) continue;
      const key = `${own?.dir ?? ''}\0${r.name}`;
      if (reported.has(key)) continue;
      reported.add(key);
      const count = input.reads.filter((x) => x.name === r.name && (!own || contextOf(x.file) === own)).length;
      let where: string;
      if (own && prodNames.has(r.name)) {
        const others = [...new Set(runs.filter((x) => !own.runs.includes(x) && x.provided.some((p) => p.name === r.name)).map((x) => x.workload))];
        const names = workloadNames(own);
        where = `${names.join(' and ')} ${names.length === 1 ? 'does' : 'do'} not get it in production${others.length ? ` (only ${others.join(', ')} ${others.length === 1 ? 'does' : 'do'})` : ' (only another image sets it)'}`;
      } else {
        where = localNames.has(r.name) ? 'is set locally but not in production' : 'is set neither in production nor in the image';
      }
      add(r.file, {
        ruleId: 'env-not-provided',
        message: `${r.name} is read by the code${count > 1 ? ` (${count} places)` : ''} but ${where}${r.hasDefault ? '; the code falls back to a default' : ''}.`,
        start: r.start,
        end: r.end,
        data: { variable: r.name, ...(own ? { workload: workloadNames(own).join(',') } : {}) },
      });
    }
  }
  if (input.sourcesScanned) {
    const workloadOf = new Map(workloads.flatMap((w) => w.runs.map((r) => [r, w] as const)));
    for (const run of runs) {
      const w = workloadOf.get(run);
      for (const p of run.provided) {
        if (RUNTIME_READ.test(p.name) || PLATFORM.has(p.name)) continue;
        if (w ? w.reads.has(p.name) || sharedReads.has(p.name) : readNames.has(p.name)) continue;
        const elsewhere = w && readNames.has(p.name) ? `, which the code of ${run.workload} (${w.dir || 'the root'}) never reads` : ', which the code never reads';
        add(p.file, { ruleId: 'env-not-read', message: `Production sets ${p.name}${elsewhere}.`, start: p.start, end: p.end, data: { variable: p.name } });
      }
    }
  }
  if (hasProduction && !anyOpaque) {
    for (const p of local) {
      // Variables the code reads are reported where they are read (env-not-provided).
      if (prodNames.has(p.name) || readNames.has(p.name) || PLATFORM.has(p.name)) continue;
      add(p.file, { ruleId: 'env-local-only', message: `${p.name} is set for local runs but not in production.`, start: p.start, end: p.end, data: { variable: p.name } });
    }
  }
  return out;
}

function workloadNames(w: Workload): string[] {
  return [...new Set(w.runs.map((x) => x.workload))];
}

/** A container production runs, with what it is given. */
interface ProductionContainer {
  /** The Deployment/StatefulSet/… or swarm service it belongs to. */
  workload: string;
  image?: string;
  /** The folder a compose service's `build:` names, relative to the repository. */
  buildDir?: string;
  provided: Provided[];
  opaque: boolean;
}

/** A build context with the containers that run its image, deepest folders first. */
interface Workload {
  dir: string;
  runs: ProductionContainer[];
  /** What its containers and its image provide. */
  names: Set<string>;
  opaque: boolean;
  /** What the code in its folder reads. */
  reads: Set<string>;
}

function groupByContext(contexts: BuildContext[], runs: ProductionContainer[]): Workload[] {
  const byDir = new Map<string, Set<string>>();
  for (const c of contexts) byDir.set(c.dir, new Set([...(byDir.get(c.dir) ?? []), ...c.envNames]));
  const dirs = [...byDir].map(([dir, envNames]) => ({ dir, envNames }));
  if (dirs.length < 2) return [];
  const workloads = dirs
    .sort((a, b) => b.dir.length - a.dir.length)
    .map((c) => ({ dir: c.dir, runs: [] as ProductionContainer[], names: new Set(c.envNames), opaque: false, reads: new Set<string>(), base: c.dir.slice(c.dir.lastIndexOf('/') + 1) }));
  for (const run of runs) {
    const repo = run.image ? imageName(run.image) : undefined;
    const byBuild = run.buildDir !== undefined ? workloads.find((w) => w.dir === run.buildDir) : undefined;
    const byName = repo ? workloads.filter((w) => w.base === repo) : [];
    const w = byBuild ?? (byName.length === 1 ? byName[0] : undefined);
    if (!w) continue;
    w.runs.push(run);
    w.opaque ||= run.opaque;
    for (const p of run.provided) w.names.add(p.name);
  }
  return workloads;
}

/** The last path segment of an image's repository: `registry:5000/shop/api:1@sha256:…` → `api`. */
function imageName(image: string): string {
  const noDigest = image.split('@')[0]!;
  const lastSlash = noDigest.lastIndexOf('/');
  const last = noDigest.slice(lastSlash + 1);
  return last.split(':')[0]!.toLowerCase();
}

function composeBuildDir(composeFile: string, build: unknown): string | undefined {
  const context = typeof build === 'string' ? build : isObj(build) && typeof build.context === 'string' ? build.context : undefined;
  if (context === undefined || /^[a-z]+:\/\//i.test(context)) return undefined;
  const dir = posix.normalize(posix.join(posix.dirname(composeFile), context)).replace(/\/$/, '');
  return dir === '.' ? '' : dir;
}

function dotenvEntries(f: RepoFile): Provided[] {
  const out: Provided[] = [];
  const idx = new TextIndex(f.text);
  for (const m of f.text.matchAll(/^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*=/gm)) {
    const off = m.index + m[0].indexOf(m[1]!);
    out.push({ name: m[1]!, file: f.path, start: idx.position(off), end: idx.position(off + m[1]!.length) });
  }
  return out;
}

