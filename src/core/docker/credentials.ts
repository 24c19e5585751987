/**
 * Registry credentials from the user's Docker config, found the way the docker CLI finds them:
 * `credHelpers[registry]`, then `credsStore`, then the base64 `auths[registry].auth` (or
 * username/password, or identitytoken). Helpers (`docker-credential-<name> get`) are spawned with
 * an argument array and the server URL on stdin. Credentials are returned to the caller, which
 * hands them to the engine; they never appear in messages, events or errors.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ProdlikeError, messageOf } from '../errors';

/** What the engine's X-Registry-Auth header carries. */
export interface RegistryAuth {
  serveraddress: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

export interface CredentialsSource {
  /** Where the credentials came from, for messages ("from credHelpers: pass"); never the secret. */
  from: 'credHelpers' | 'credsStore' | 'auths' | 'none';
  helper?: string;
  configFile: string;
}

export interface CredentialsOptions {
  /** Folder of config.json; default $DOCKER_CONFIG or ~/.docker. */
  configDir?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

const DockerConfig = z
  .object({
    auths: z.record(z.string(), z.object({ auth: z.string().optional(), username: z.string().optional(), password: z.string().optional(), identitytoken: z.string().optional() }).passthrough()).optional(),
    credsStore: z.string().optional(),
    credHelpers: z.record(z.string(), z.string()).optional(),
  })
  .passthrough();

const HelperAnswer = z.object({ Username: z.string(), Secret: z.string() }).passthrough();

const DOCKER_HUB = 'https://index.docker.io/v1/';

/** The config key the docker CLI uses for a registry host. */
export function registryKey(registry: string): string {
  return registry === 'docker.io' || registry === 'index.docker.io' || registry === 'registry-1.docker.io' ? DOCKER_HUB : registry;
}

/** `https://host:port/v1/` → `host:port`, as the CLI's file store matches keys. */
function hostOf(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
}

export function dockerConfigFile(options: CredentialsOptions = {}): string {
  const env = options.env ?? process.env;
  return join(options.configDir ?? env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
}

/** Credentials for `registry` (host[:port] or docker.io), or undefined when the config has none. */
export async function registryCredentials(registry: string, options: CredentialsOptions = {}): Promise<{ auth?: RegistryAuth; source: CredentialsSource }> {
  const configFile = dockerConfigFile(options);
  let text: string;
  try {
    text = await readFile(configFile, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { source: { from: 'none', configFile } };
    throw new ProdlikeError('registry-auth', `Cannot read ${configFile}: ${messageOf(e)}`, 'Fix its permissions, or set DOCKER_CONFIG to the folder of the config.json you use.');
  }
  let config: z.infer<typeof DockerConfig>;
  try {
    config = DockerConfig.parse(JSON.parse(text));
  } catch {
    throw new ProdlikeError('registry-auth', `${configFile} is not a valid Docker config file.`, 'Fix the JSON (or run `docker login` to rewrite it).');
  }
  const key = registryKey(registry);
  const host = hostOf(key);

  const helperFor = Object.entries(config.credHelpers ?? {}).find(([k]) => hostOf(registryKey(k)) === host || registryKey(k) === key)?.[1];
  if (helperFor) {
    return { auth: await fromHelper(helperFor, key, options), source: { from: 'credHelpers', helper: helperFor, configFile } };
  }
  if (config.credsStore) {
    const auth = await fromHelper(config.credsStore, key, options);
    if (auth) return { auth, source: { from: 'credsStore', helper: config.credsStore, configFile } };
  }
  const entry = Object.entries(config.auths ?? {}).find(([k]) => k === key || hostOf(k) === host)?.[1];
  if (entry) {
    if (entry.identitytoken) return { auth: { serveraddress: key, identitytoken: entry.identitytoken }, source: { from: 'auths', configFile } };
    let username = entry.username;
    let password = entry.password;
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw new ProdlikeError('registry-auth', `The saved login for ${registry} in ${configFile} is damaged.`, `Run \`docker login ${registry}\` again.`);
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
    if (username !== undefined && password !== undefined) return { auth: { serveraddress: key, username, password }, source: { from: 'auths', configFile } };
  }
  return { source: { from: 'none', configFile } };
}

/** Asks `docker-credential-<helper>`; undefined when it has nothing for this server. */
function fromHelper(helper: string, serverUrl: string, options: CredentialsOptions): Promise<RegistryAuth | undefined> {
  if (!/^[\w.-]+$/.test(helper)) {
    return Promise.reject(new ProdlikeError('registry-auth', `The credential helper name "${helper}" is not valid.`, 'Fix credsStore/credHelpers in your Docker config.'));
  }
  const program = `docker-credential-${helper}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, ['get'], { env: options.env ?? process.env, signal: options.signal, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', (e) => {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new ProdlikeError('registry-auth', `Your Docker config uses the credential helper "${helper}", but ${program} is not on PATH.`, `Install ${program}, or remove "${helper}" from credsStore/credHelpers and run \`docker login\`.`));
      } else reject(new ProdlikeError('registry-auth', `${program} failed: ${messageOf(e)}`));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(serverUrl);
    child.on('close', (code) => {
      // Helpers print both "not found" answers and their real errors on stdout; we never echo stdout (it may hold a secret).
      if (code !== 0) {
        if (/credentials not found/i.test(out + err)) return resolve(undefined);
        return reject(new ProdlikeError('registry-auth', `${program} could not give credentials for ${serverUrl} (exit ${code}).`, `Run \`docker login ${hostOf(serverUrl)}\`, or check ${program}.`));
      }
      let answer: z.infer<typeof HelperAnswer>;
      try {
        answer = HelperAnswer.parse(JSON.parse(out));
      } catch {
        return reject(new ProdlikeError('registry-auth', `${program} answered with something that is not credentials.`, `Check ${program} (\`${program} list\`).`));
      }
      // The CLI's convention: the username "<token>" means the secret is an identity token.
      if (answer.Username === '<token>') resolve({ serveraddress: serverUrl, identitytoken: answer.Secret });
      else resolve({ serveraddress: serverUrl, username: answer.Username, password: answer.Secret });
    });
  });
}
