/**
 * A real VS Code for the end-to-end tests: code-server 4.100.3 (VS Code 1.100.3 and its real
 * extension host) on 127.0.0.1, with its own user-data, home and extensions folders, and the
 * prodlike .vsix installed into them by scripts/e2e/prepare.mjs. Every process started here is in
 * its own process group and is killed in stop(), on test failure too (the caller's after hook) and
 * when the test process exits.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const ROOT = join(__dirname, '../../..');

interface Prepared {
  codeServer: string;
  extensionsDir: string;
  vsix: string;
}

let prepared: Prepared | undefined;

/** setup.sh + package + install, once per test process; serialised across processes with flock. */
export function prepare(): Prepared {
  if (prepared) return prepared;
  const lock = join(ROOT, '.cache', 'e2e.lock');
  mkdirSync(join(ROOT, '.cache'), { recursive: true });
  const r = spawnSync('flock', [lock, process.execPath, join(ROOT, 'scripts/e2e/prepare.mjs')], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`scripts/e2e/prepare.mjs failed (${r.status ?? r.signal})`);
  prepared = JSON.parse(r.stdout.trim().split('\n').pop()!) as Prepared;
  return prepared;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) killGroup(p, 'SIGKILL');
});

function killGroup(p: ChildProcess, signal: NodeJS.Signals): void {
  if (p.pid === undefined || p.exitCode !== null || p.signalCode !== null) return;
  try {
    process.kill(-p.pid, signal);
  } catch {
    // already gone
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface CodeServer {
  url: string;
  /** The workspace folder VS Code opens (a copy the test may change). */
  workspace: string;
  userDataDir: string;
  /** Everything code-server printed (for failure messages). */
  output(): string;
  /** The lines of the prodlike output channel's log file so far. */
  extensionLog(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** A folder to copy as the workspace (default examples/clean-app). */
  from?: string;
  /** Extra environment of the server and hence the extension host (DOCKER_HOST, KUBECONFIG…). */
  env?: Record<string, string>;
  /** User settings on top of the defaults below. */
  settings?: Record<string, unknown>;
  /** Changes the copied workspace before VS Code opens it. */
  prepareWorkspace?: (dir: string) => void;
}

export async function startCodeServer(options: StartOptions = {}): Promise<CodeServer> {
  const { codeServer, extensionsDir } = prepare();
  const base = mkdtempSync(join(tmpdir(), 'prodlike-e2e-'));
  const workspace = join(base, 'workspace');
  cpSync(options.from ?? join(ROOT, 'examples/clean-app'), workspace, { recursive: true });
  options.prepareWorkspace?.(workspace);
  const userDataDir = join(base, 'user-data');
  // No welcome page or tips over the views under test.
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  writeFileSync(
    join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ 'workbench.startupEditor': 'none', 'workbench.tips.enabled': false, 'telemetry.telemetryLevel': 'off', 'extensions.ignoreRecommendations': true,
      // The DOM renderer, so a test can read what a terminal shows.
      'terminal.integrated.gpuAcceleration': 'off', ...options.settings }),
  );
  const home = join(base, 'home');
  mkdirSync(home, { recursive: true });
  const port = await freePort();

  // Only what the extension host needs: never the machine's own KUBECONFIG or ~/.kube.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local/share'),
    LANG: 'C.UTF-8',
    ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
    ...options.env,
  };
  const child = spawn(
    process.execPath,
    [
      codeServer,
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--extensions-dir', extensionsDir,
      '--user-data-dir', userDataDir,
      '--disable-telemetry',
      '--disable-update-check',
      // Debug: the extension's log then holds every listing of its trees, kept when a test fails.
      '--log', process.env.PRODLIKE_E2E_LOG_LEVEL ?? 'debug',
      '--ignore-last-opened',
      workspace,
    ],
    { cwd: base, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  live.add(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      killGroup(child, 'SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      killGroup(child, 'SIGKILL');
    }
    live.delete(child);
    if (!process.env.PRODLIKE_E2E_KEEP_DIRS) rmSync(base, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`code-server exited (${child.exitCode}):\n${out}`);
      try {
        const res = await fetch(`${url}/healthz`);
        if (res.ok) break;
      } catch {
        // not listening yet
      }
      if (i > 600) throw new Error(`code-server did not answer on ${url} within 60 s:\n${out}`);
      await sleep(100);
    }
  } catch (e) {
    await stop();
    throw e;
  }

  return {
    url,
    workspace,
    userDataDir,
    output: () => out,
    extensionLog: () => readExtensionLog(join(userDataDir, 'logs')),
    stop,
  };
}

/** The prodlike LogOutputChannel's file: logs/<session>/exthost<N>/prodlike.prodlike/prodlike.log. */
function readExtensionLog(logs: string): string {
  const found: string[] = [];
  const walk = (d: string, depth: number) => {
    let entries: string[];
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e);
      if (e === 'prodlike.log' && d.endsWith('prodlike.prodlike')) found.push(p);
      else if (depth < 5 && !e.includes('.log')) walk(p, depth + 1);
    }
  };
  walk(logs, 0);
  return found.map((f) => readFileSync(f, 'utf8')).join('\n');
}
