/**
 * Running the production workload locally: the same image by digest, configured as the manifests
 * configure it. Planned as data first (a test or a UI can show the plan, with secret values
 * masked), then started on the engine.
 *
 * Kubernetes → Docker: `command` replaces ENTRYPOINT and `args` replaces CMD; runAsUser/runAsGroup
 * (container over pod) become `uid:gid`; readOnlyRootFilesystem, memory and CPU *limits* apply
 * (requests do not exist locally); container ports are published on 127.0.0.1 only.
 */
import { readFile } from 'node:fs/promises';
import type Dockerode from 'dockerode';
import { ProdlikeError, messageOf, throwIfAborted } from '../errors';
import { parseCpu, parseMemory, resolveEnv, selectContainer, type ManifestSet, type ResolvedEnvVar, type Workload } from '../manifests';
import { engineMessage, engineUnreachable, isConnectionError, type Engine } from './engine';
import { formatImageRef, parseImageRef, repositoryOf } from './image-ref';
import { readJsonLines } from './json-stream';
import type { RegistryAuth } from './credentials';

export const PARITY_LABEL = 'dev.prodlike.parity-run';

export interface ProductionRunPlan {
  /** Container name on the local engine. */
  name: string;
  /** The image as production names it (from the manifest, or the override). */
  image: string;
  workload: { kind: string; name: string; namespace?: string; container: string; file: string };
  env: ResolvedEnvVar[];
  /** k8s `command` → Docker Entrypoint; undefined keeps the image's. */
  entrypoint?: string[];
  /** k8s `args` → Docker Cmd; undefined keeps the image's (unless entrypoint is set: then none, as Kubernetes does). */
  cmd?: string[];
  workingDir?: string;
  user?: string;
  readOnlyRootFilesystem: boolean;
  memoryBytes?: number;
  nanoCpus?: number;
  /** The container's ports; published on 127.0.0.1 (same port number) when `publish`. */
  ports: { containerPort: number; hostPort: number; protocol: 'tcp' | 'udp' }[];
  /** False on the host network (ports are the host's already) and on none (nothing to publish to). */
  publish: boolean;
  network: string;
  labels: Record<string, string>;
  /** Production's probes, summarised ("readiness httpGet :8080/healthz"); the orchestrator runs them, not Docker. */
  probes: string[];
}

export interface PlanInput {
  manifests: ManifestSet;
  workload: Workload;
  container?: string;
  /** Run this image instead of the manifest's (e.g. the candidate just pushed). */
  image?: string;
  /** Values for Secret references (from the user's env file). */
  secrets?: Record<string, string>;
  /** Docker network: default (the engine's bridge), none, host, or a named network. */
  network?: string;
  name?: string;
  environment?: string;
}

/** Secret references that have no value yet (none in `input.secrets`, not optional): what to ask the user for. */
export function missingSecrets(input: PlanInput): { name: string; from?: string }[] {
  const { container } = selectContainer(input.workload, input.container);
  return resolveEnv(input.manifests, input.workload, container, input.secrets ?? {})
    .filter((v) => v.missing && v.secret)
    .map((v) => ({ name: v.name, from: v.from }));
}

export function planProductionRun(input: PlanInput): ProductionRunPlan {
  const { workload } = input;
  const { container } = selectContainer(workload, input.container);
  const image = input.image ?? container.image;
  if (!image) throw new ProdlikeError('config-invalid', `Container "${container.name}" of ${workload.kind} "${workload.name}" has no image.`, 'Set its image in the manifest, or pass --image.');
  const env = resolveEnv(input.manifests, workload, container, input.secrets ?? {});
  const missing = env.filter((v) => v.missing);
  if (missing.length) {
    const secrets = missing.filter((v) => v.secret).map((v) => v.name);
    const others = missing.filter((v) => !v.secret).map((v) => `${v.name} (${v.from})`);
    throw new ProdlikeError(
      'usage',
      `Cannot run ${workload.name} as in production: no value for ${[...secrets, ...others].join(', ')}.`,
      secrets.length
        ? `Put ${secrets.map((s) => `${s}=…`).join(', ')} in a local env file (never commit it) and pass --env-file FILE, or run in a terminal to be asked for ${secrets.length > 1 ? 'them' : 'it'}.`
        : 'Add the ConfigMap to the manifests, or mark the reference optional.',
    );
  }
  const sc = { ...workload.podSecurityContext, ...container.securityContext };
  const user = sc.runAsUser !== undefined ? `${sc.runAsUser}${sc.runAsGroup !== undefined ? `:${sc.runAsGroup}` : ''}` : workload.user;
  const limits = container.resources?.limits ?? {};
  const network = input.network ?? 'default';
  const publish = network !== 'host' && network !== 'none';
  const ports = (container.ports ?? []).map((p) => ({ containerPort: p.containerPort, hostPort: p.containerPort, protocol: (p.protocol ?? 'TCP').toLowerCase() === 'udp' ? ('udp' as const) : ('tcp' as const) }));
  return {
    name: input.name ?? `prodlike-${workload.name}-${container.name}`.toLowerCase().replace(/[^a-z0-9_.-]/g, '-'),
    image,
    workload: { kind: workload.kind, name: workload.name, namespace: workload.namespace, container: container.name, file: workload.position.file },
    env,
    entrypoint: container.command,
    cmd: container.args ?? (container.command ? [] : undefined),
    workingDir: container.workingDir,
    user,
    readOnlyRootFilesystem: sc.readOnlyRootFilesystem === true,
    memoryBytes: limits.memory !== undefined ? parseMemory(limits.memory) : undefined,
    nanoCpus: limits.cpu !== undefined ? Math.round(parseCpu(limits.cpu) * 1e9) : undefined,
    ports,
    publish,
    network,
    probes: (['readinessProbe', 'livenessProbe', 'startupProbe'] as const).filter((k) => container[k]).map((k) => `${k.replace('Probe', '')} ${describeProbe(container[k]!)}`),
    labels: {
      [PARITY_LABEL]: 'true',
      'dev.prodlike.workload': `${workload.kind}/${workload.name}`,
      'dev.prodlike.container': container.name,
      ...(workload.namespace ? { 'dev.prodlike.namespace': workload.namespace } : {}),
      ...(input.environment ? { 'dev.prodlike.environment': input.environment } : {}),
      'dev.prodlike.manifest': workload.position.file,
    },
  };
}

function describeProbe(probe: Record<string, unknown>): string {
  const http = probe.httpGet as { path?: string; port?: unknown } | undefined;
  if (http) return `httpGet :${String(http.port)}${http.path ?? '/'}`;
  const tcp = probe.tcpSocket as { port?: unknown } | undefined;
  if (tcp) return `tcpSocket :${String(tcp.port)}`;
  const exec = probe.exec as { command?: string[] } | undefined;
  if (exec) return `exec ${(exec.command ?? []).join(' ')}`;
  return 'grpc/other';
}

/**
 * The image by digest: `repo@sha256:…` present on the engine. A reference with a digest is pulled
 * by that digest when missing; a tag is resolved to the digest its registry serves (pulled), so the
 * local run and production read the same bytes. An image that exists only locally has no registry
 * digest, which is exactly what production cannot run: the error says to push it.
 */
export async function resolveImageByDigest(engine: Engine, image: string, options: { auth?: RegistryAuth; signal?: AbortSignal } = {}): Promise<{ byDigest: string; digest: string; imageId: string }> {
  const ref = parseImageRef(image);
  const repository = repositoryOf(ref);
  if (!ref.digest) {
    await pull(engine, `${repository}:${ref.tag ?? 'latest'}`, options);
    const info = await engine.docker.getImage(`${repository}:${ref.tag ?? 'latest'}`).inspect();
    const digestRef = info.RepoDigests.find((d) => d.startsWith(`${repository}@`));
    if (!digestRef) throw new ProdlikeError('not-found', `${image} has no registry digest.`, 'Push it (prodlike push) and run the pushed reference.');
    const digest = digestRef.slice(digestRef.indexOf('@') + 1);
    return { byDigest: digestRef, digest, imageId: info.Id };
  }
  const byDigest = formatImageRef({ ...ref, tag: undefined });
  let info = await engine.docker.getImage(byDigest).inspect().catch(() => undefined);
  if (!info) {
    try {
      await pull(engine, byDigest, options);
    } catch (e) {
      if (!(e instanceof ProdlikeError && e.code === 'not-found')) throw e;
      // The usual cause: a manifest pinned to a digest that was never pushed where it says.
      throw new ProdlikeError(
        'not-found',
        `The image production pins, ${image}, is neither on this engine nor in its registry ${ref.registry} (${e.message.startsWith(`Cannot pull ${byDigest}: `) ? e.message.slice(`Cannot pull ${byDigest}: `.length) : e.message}).`,
        'Build and push it first (`prodlike push --build` prints the pinned reference; `prodlike deploy` puts it in production), or run another image with --image <reference>.',
        { cause: e },
      );
    }
    info = await engine.docker.getImage(byDigest).inspect();
  }
  return { byDigest, digest: ref.digest, imageId: info.Id };
}

async function pull(engine: Engine, reference: string, options: { auth?: RegistryAuth; signal?: AbortSignal }): Promise<void> {
  throwIfAborted(options.signal);
  let stream;
  try {
    stream = await engine.docker.pull(reference, { authconfig: options.auth ?? {}, abortSignal: options.signal } as never);
  } catch (e) {
    if (isConnectionError(e)) throw engineUnreachable(engine.endpoint, e);
    throw pullFailure(reference, engineMessage(e));
  }
  for await (const raw of readJsonLines(stream as unknown as import('node:stream').Readable, { signal: options.signal, idleTimeoutMs: 10 * 60_000, what: `the pull of ${reference}`, code: 'internal' })) {
    const msg = raw as { error?: unknown; errorDetail?: { message?: unknown } };
    if (msg && typeof msg === 'object' && (msg.error !== undefined || msg.errorDetail !== undefined)) throw pullFailure(reference, String(msg.errorDetail?.message ?? msg.error));
  }
}

function pullFailure(reference: string, reason: string): ProdlikeError {
  if (/unauthorized|authentication required|denied/i.test(reason)) return new ProdlikeError('registry-auth', `The registry refused the pull of ${reference}: ${reason}`, `Run \`docker login ${parseImageRef(reference).registry}\`.`);
  return new ProdlikeError('not-found', `Cannot pull ${reference}: ${reason}`, 'Check that production\'s image exists in its registry (or pass --image with one that does).');
}

/** Reads a docker-style env file (KEY=VALUE per line, # comments). Values are secrets: never echoed. */
export async function readEnvFile(path: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ProdlikeError('usage', `Cannot read the env file ${path}: ${messageOf(e)}`, 'Pass --env-file with a file of NAME=value lines.');
  }
  const out: Record<string, string> = {};
  text.split(/\r?\n/).forEach((line, i) => {
    const t = line.trim();
    if (!t || t.startsWith('#')) return;
    const eq = t.indexOf('=');
    // The line number, never the line: it holds a secret.
    if (eq <= 0) throw new ProdlikeError('usage', `${path}:${i + 1}: not NAME=value.`, 'Each line of the env file is NAME=value.');
    out[t.slice(0, eq).replace(/^export\s+/, '').trim()] = t.slice(eq + 1);
  });
  return out;
}

export interface StartedRun {
  id: string;
  name: string;
  image: string;
  digest: string;
}

/** Creates and starts the container; replaces a previous parity run of the same name. */
export async function startProductionRun(engine: Engine, plan: ProductionRunPlan, options: { auth?: RegistryAuth; signal?: AbortSignal } = {}): Promise<StartedRun> {
  const { byDigest, digest } = await resolveImageByDigest(engine, plan.image, options);
  const old = engine.docker.getContainer(plan.name);
  const oldInfo = await old.inspect().catch(() => undefined);
  if (oldInfo) {
    if (oldInfo.Config.Labels?.[PARITY_LABEL] !== 'true') {
      throw new ProdlikeError('usage', `A container named ${plan.name} exists and was not started by prodlike.`, 'Remove or rename it, or pass --name.');
    }
    await old.remove({ force: true });
  }
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of plan.publish ? plan.ports : []) {
    exposed[`${p.containerPort}/${p.protocol}`] = {};
    bindings[`${p.containerPort}/${p.protocol}`] = [{ HostIp: '127.0.0.1', HostPort: String(p.hostPort) }];
  }
  const create: Dockerode.ContainerCreateOptions = {
    name: plan.name,
    Image: byDigest,
    Env: plan.env.filter((v) => v.value !== undefined).map((v) => `${v.name}=${v.value}`),
    Entrypoint: plan.entrypoint,
    Cmd: plan.cmd,
    WorkingDir: plan.workingDir,
    User: plan.user,
    Labels: { ...plan.labels, 'dev.prodlike.image': `${plan.image}`, 'dev.prodlike.digest': digest },
    ExposedPorts: Object.keys(exposed).length ? exposed : undefined,
    HostConfig: {
      ReadonlyRootfs: plan.readOnlyRootFilesystem,
      Memory: plan.memoryBytes,
      NanoCpus: plan.nanoCpus,
      PortBindings: Object.keys(bindings).length ? bindings : undefined,
      NetworkMode: plan.network === 'default' ? undefined : plan.network,
    },
  };
  try {
    const container = await engine.docker.createContainer(create);
    await container.start();
    return { id: container.id, name: plan.name, image: byDigest, digest };
  } catch (e) {
    if (isConnectionError(e)) throw engineUnreachable(engine.endpoint, e);
    await engine.docker.getContainer(plan.name).remove({ force: true }).catch(() => undefined);
    const reason = engineMessage(e);
    throw new ProdlikeError('internal', `The engine could not start ${plan.name}: ${reason}`, /network bridge not found/.test(reason) ? 'This engine has no bridge network: pass --network host or --network none.' : 'Read the engine\'s message above.', { cause: e });
  }
}
