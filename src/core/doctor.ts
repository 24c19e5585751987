/**
 * `prodlike doctor`: is this machine and this workspace ready to build, push and deploy?
 *
 * Each check is data (status, what was found, how to fix it) so the CLI prints it and the
 * extension can show it; nothing here prints. Checks run concurrently and each has a deadline, so
 * an unreachable engine or registry costs seconds, never a hang.
 */
import { access, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { loadProjectConfig, resolveEnvironment, type ProjectConfig } from './config';
import { describeEngine, openEngine, resolveEngineEndpoint } from './docker/engine';
import { parseImageRef } from './docker/image-ref';
import { isProdlikeError, messageOf } from './errors';
import { loadKubeconfig } from './kube/kubeconfig';

export type CheckStatus = 'ok' | 'warning' | 'error' | 'skipped';

export interface Check {
  id: 'engine' | 'registry' | 'kubeconfig' | 'config' | 'environment' | 'workspace';
  title: string;
  status: CheckStatus;
  /** What was found, one line per fact. */
  details: string[];
  /** What to do, when status is warning or error. */
  fix?: string;
}

export interface DoctorReport {
  workspace: string;
  checks: Check[];
  /** True when nothing is in error: the workspace can build and deploy. */
  ready: boolean;
}

export interface DoctorOptions {
  workspace: string;
  env?: NodeJS.ProcessEnv;
  /** Docker endpoint to check instead of DOCKER_HOST / the default socket. */
  engine?: string;
  timeoutMs?: number;
}

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const env = options.env ?? process.env;
  const timeoutMs = options.timeoutMs ?? 5000;
  let config: ProjectConfig | undefined;
  let configCheck: Check;
  try {
    config = await loadProjectConfig(options.workspace);
    configCheck = config.file
      ? { id: 'config', title: 'prodlike.yaml', status: 'ok', details: [`${relative(options.workspace, config.file) || config.file} is valid`] }
      : {
          id: 'config',
          title: 'prodlike.yaml',
          status: 'warning',
          details: ['no prodlike.yaml: using the defaults (Dockerfile at the root, manifests in k8s/ or deploy/, environment local = swarm)'],
          fix: 'Add a prodlike.yaml naming the image repository and your environments (see examples/clean-app/prodlike.yaml).',
        };
  } catch (e) {
    configCheck = { id: 'config', title: 'prodlike.yaml', status: 'error', details: messageOf(e).split('\n'), fix: isProdlikeError(e) ? e.fix : undefined };
  }

  const [engine, registry, kubeconfig, workspace] = await Promise.all([
    checkEngine(options.engine, env, timeoutMs),
    checkRegistry(config, timeoutMs),
    checkKubeconfig(env),
    checkWorkspace(options.workspace, config),
  ]);
  const checks = [engine, registry, kubeconfig, configCheck, checkEnvironment(config, engine, kubeconfig), workspace];
  return { workspace: options.workspace, checks, ready: checks.every((c) => c.status !== 'error') };
}

async function checkEngine(explicit: string | undefined, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Check> {
  const endpoint = resolveEngineEndpoint(explicit, env);
  const from = endpoint.from === 'DOCKER_HOST' ? ' (from DOCKER_HOST)' : endpoint.from === 'default' ? ' (default)' : '';
  try {
    const info = await describeEngine(openEngine(endpoint), timeoutMs);
    const details = [`endpoint ${endpoint.url}${from}`, `Docker Engine ${info.version} (API ${info.apiVersion}, ${info.os}/${info.arch})`];
    if (info.swarm === 'active') {
      details.push(`swarm: active${info.swarmManager ? ', this engine is a manager' : ', this engine is a worker'}`);
      return {
        id: 'engine',
        title: 'Docker engine',
        status: info.swarmManager ? 'ok' : 'warning',
        details,
        fix: info.swarmManager ? undefined : 'Deploys go through a swarm manager: point DOCKER_HOST (or the environment\'s `engine`) at one.',
      };
    }
    details.push(`swarm: ${info.swarm}`);
    return {
      id: 'engine',
      title: 'Docker engine',
      status: 'warning',
      details,
      fix: 'The local environment deploys to a swarm on this engine: create one with `prodlike local init`.',
    };
  } catch (e) {
    return {
      id: 'engine',
      title: 'Docker engine',
      status: 'error',
      details: [`endpoint ${endpoint.url}${from}`, messageOf(e)],
      fix: isProdlikeError(e) && e.fix ? e.fix : 'Start Docker, or set DOCKER_HOST to your engine.',
    };
  }
}

async function checkRegistry(config: ProjectConfig | undefined, timeoutMs: number): Promise<Check> {
  if (!config?.image) {
    return { id: 'registry', title: 'Registry', status: 'skipped', details: ['no `image` in prodlike.yaml, so no registry to check'], fix: 'Set `image:` to the repository builds are pushed to.' };
  }
  const host = parseImageRef(config.image).registry;
  if (host === 'docker.io') {
    return { id: 'registry', title: 'Registry', status: 'skipped', details: [`${config.image} is on Docker Hub; not contacted`] };
  }
  // Docker talks plain HTTP only to loopback registries unless told otherwise; do the same.
  const loopback = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(host);
  const url = `${loopback ? 'http' : 'https'}://${host}/v2/`;
  try {
    const status = await httpStatus(url, timeoutMs);
    if (status === 200) return { id: 'registry', title: 'Registry', status: 'ok', details: [`${url} answers (registry API v2)`] };
    if (status === 401) {
      return { id: 'registry', title: 'Registry', status: 'ok', details: [`${url} answers and asks for credentials (pushes use your Docker credentials)`] };
    }
    return { id: 'registry', title: 'Registry', status: 'warning', details: [`${url} answered HTTP ${status}`], fix: `Check that ${host} is a Docker registry (it should answer /v2/ with 200 or 401).` };
  } catch (e) {
    return {
      id: 'registry',
      title: 'Registry',
      status: 'error',
      details: [`${url}: ${messageOf(e)}`],
      fix: loopback ? `Start the registry on ${host} (for example \`docker-registry serve config.yml\`), or change \`image:\` in prodlike.yaml.` : `Check your network and that ${host} is right in prodlike.yaml's \`image:\`.`,
    };
  }
}

function httpStatus(url: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = (url.startsWith('https:') ? httpsRequest : httpRequest)(url, { method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

async function checkKubeconfig(env: NodeJS.ProcessEnv): Promise<Check> {
  try {
    const kc = loadKubeconfig({ env });
    if (kc.files.length === 0) {
      return {
        id: 'kubeconfig',
        title: 'Kubernetes contexts',
        status: 'skipped',
        details: [env.KUBECONFIG ? `none of the KUBECONFIG files exist (${env.KUBECONFIG})` : 'no ~/.kube/config and no KUBECONFIG: the local swarm is the only cluster'],
      };
    }
    const details = [`read ${kc.files.join(', ')}`];
    for (const c of kc.contexts) {
      const mark = c.name === kc.currentContext ? '* ' : '  ';
      details.push(`${mark}${c.name} → ${c.server ?? `cluster "${c.cluster}" is not defined`}${c.namespace ? ` (namespace ${c.namespace})` : ''}${c.usesExecPlugin ? ` [runs ${c.execCommand ?? 'a credential plugin'}]` : ''}`);
    }
    const broken = kc.contexts.filter((c) => !c.server);
    if (broken.length > 0) {
      return { id: 'kubeconfig', title: 'Kubernetes contexts', status: 'warning', details, fix: `Define the clusters of ${broken.map((c) => c.name).join(', ')} or remove those contexts.` };
    }
    return { id: 'kubeconfig', title: 'Kubernetes contexts', status: 'ok', details };
  } catch (e) {
    return { id: 'kubeconfig', title: 'Kubernetes contexts', status: 'error', details: [messageOf(e)], fix: isProdlikeError(e) ? e.fix : undefined };
  }
}

function checkEnvironment(config: ProjectConfig | undefined, engine: Check, kubeconfig: Check): Check {
  if (!config) return { id: 'environment', title: 'Environment', status: 'skipped', details: ['prodlike.yaml could not be read'] };
  const env = resolveEnvironment(config);
  const details = [
    `${env.name} (default of ${Object.keys(config.environments).length}: ${Object.keys(config.environments).join(', ')})`,
    env.orchestrator === 'kubernetes'
      ? `Kubernetes context ${env.context ?? '(current)'}, namespace ${env.namespace ?? '(the context\'s)'}`
      : `swarm on ${env.engine ?? 'the local engine'}`,
  ];
  if (env.workload) details.push(`workload ${env.workload}${env.container ? `, container ${env.container}` : ''}`);
  if (env.protected) details.push('protected: deploys and rollbacks need its name typed');
  if (!env.workload) {
    return { id: 'environment', title: 'Environment', status: 'warning', details, fix: `Name the workload that deploys replace: \`environments.${env.name}.workload\` in prodlike.yaml.` };
  }
  if (env.orchestrator === 'kubernetes' && env.context && kubeconfig.status !== 'error' && !kubeconfig.details.some((d) => d.slice(2).startsWith(env.context + ' →'))) {
    return { id: 'environment', title: 'Environment', status: 'warning', details, fix: `No kubeconfig context "${env.context}": add it, or change \`environments.${env.name}.context\`.` };
  }
  if (env.orchestrator === 'swarm' && !env.engine && engine.status === 'error') {
    return { id: 'environment', title: 'Environment', status: 'warning', details, fix: 'It needs the Docker engine above.' };
  }
  return { id: 'environment', title: 'Environment', status: 'ok', details };
}

async function checkWorkspace(root: string, config: ProjectConfig | undefined): Promise<Check> {
  const details: string[] = [];
  const missing: string[] = [];
  if (config) {
    const dockerfile = join(config.build.context, config.build.dockerfile);
    if (await isFile(dockerfile)) details.push(`Dockerfile: ${relative(root, dockerfile)}`);
    else missing.push(`no Dockerfile at ${relative(root, dockerfile) || dockerfile}`);
    if (config.manifests.length > 0) details.push(`manifests: ${config.manifests.map((m) => relative(root, m) || m).join(', ')}`);
    else missing.push('no production manifests (k8s/ or deploy/, or `manifests:` in prodlike.yaml)');
    for (const m of config.manifests) {
      try {
        await access(m);
      } catch {
        missing.push(`manifests path ${relative(root, m)} does not exist`);
      }
    }
  }
  if (await isDir(join(root, '.git'))) details.push('git repository: builds are tagged with the commit');
  else missing.push('not a git repository: image tags cannot name a commit');
  if (missing.length === 0) return { id: 'workspace', title: 'Workspace', status: 'ok', details };
  return {
    id: 'workspace',
    title: 'Workspace',
    status: 'warning',
    details: [...details, ...missing],
    fix: 'prodlike builds from the Dockerfile, tags with the git commit and compares with the manifests: add what is missing above.',
  };
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}
