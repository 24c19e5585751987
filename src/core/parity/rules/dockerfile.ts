/**
 * Dockerfile rules. Parsing is dockerfile-ast's (the parser behind Docker's own Dockerfile
 * language server); syntax errors come from dockerfile-utils' validator on the same parser, so a
 * malformed Dockerfile becomes a finding at the broken instruction.
 */
import { DockerfileParser, type Dockerfile, type Instruction, type Copy, type Arg, type Env, type From } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import ignore from '@balena/dockerignore';
import { posix } from 'node:path';
import type { Hit, Position, Rule } from '../model';
import { maskSecret } from '../text';

export const DOCKERFILE_RULES: Rule[] = [
  {
    id: 'dockerfile-invalid',
    severity: 'error',
    area: 'dockerfile',
    title: 'The Dockerfile cannot be built as written',
    explanation: 'The Dockerfile has a syntax error (an unknown instruction, a missing argument, a FROM-less build), so the image production runs cannot be rebuilt from this commit, and no other Dockerfile rule can be trusted until it parses.',
    fix: 'Correct the instruction at the reported position; `docker build` reports the same problem.',
  },
  {
    id: 'base-image-latest',
    severity: 'error',
    area: 'dockerfile',
    title: 'Base image is untagged or `latest`',
    explanation: 'An untagged or `latest` base image resolves to whatever the registry serves on the day of the build: two builds of the same commit differ, and a rebuild for a rollback can bring in a new operating system. Local and production images stop being the same artifact.',
    fix: 'Name an exact version, and preferably pin the digest too: `FROM node:20.19-alpine@sha256:…`.',
  },
  {
    id: 'base-image-not-pinned',
    severity: 'info',
    area: 'dockerfile',
    title: 'Base image is pinned by tag but not by digest',
    explanation: 'Tags are mutable: a publisher may push a new image under the same tag (security rebuilds do), so a rebuild of an old commit gives a different image. A digest names exactly one image.',
    fix: 'Append the digest you build with today: `FROM image:tag@sha256:…` (`docker buildx imagetools inspect image:tag` shows it); let a bot such as Renovate update it.',
  },
  {
    id: 'secret-in-image',
    severity: 'error',
    area: 'dockerfile',
    title: 'A secret is set with ENV or ARG',
    explanation: 'ENV values are stored in the image configuration and ARG defaults in its history: anyone who can pull the image reads them with `docker inspect` or `docker history`, and the same secret ends up in every environment the image runs in.',
    fix: 'Remove the value from the Dockerfile; give it to the container at run time (a Kubernetes Secret via `secretKeyRef`, a swarm secret) or use `RUN --mount=type=secret` for build-time credentials.',
  },
  {
    id: 'config-file-in-image',
    severity: 'warning',
    area: 'dockerfile',
    title: 'A configuration file is copied into the image',
    explanation: 'Configuration baked into the image (`*.conf`, `*.ini`, `config*.json|yaml|toml`, `.env`) is the same in every environment, so the image production runs is either configured for production everywhere or needs rebuilding per environment, which breaks "build once, promote the same digest".',
    fix: 'Read these settings from environment variables, or mount the file from a ConfigMap in each environment; exclude it from the build context in .dockerignore.',
  },
  {
    id: 'log-file-in-image',
    severity: 'warning',
    area: 'dockerfile',
    title: 'The image prepares log files or a log volume',
    explanation: 'Creating log files or folders, or declaring a VOLUME for logs, means the app writes logs to its filesystem: they are lost with the container, never reach `docker logs`/`kubectl logs` or the central log collector, and fill the disk.',
    fix: 'Write logs to stdout/stderr. For software that insists on a file, link it: `RUN ln -sf /dev/stdout /var/log/app/access.log`.',
  },
  {
    id: 'output-to-file',
    severity: 'error',
    area: 'dockerfile',
    title: 'CMD or ENTRYPOINT redirects output to a file',
    explanation: 'Redirecting the main process output to a file (or to /dev/null) hides it from `docker logs`, `kubectl logs` and the log collector: in production nobody sees what the app says, and the file grows inside the container.',
    fix: 'Drop the redirection and let the process write to stdout/stderr; `exec` the process so it also receives signals.',
  },
  {
    id: 'dependency-layer-order',
    severity: 'warning',
    area: 'dockerfile',
    title: 'Dependencies are installed after the source is copied',
    explanation: 'When the whole source tree is copied before dependencies are installed, every source change (a one-line CSS fix) invalidates the install layer: each build re-downloads every dependency and each push and pull moves them again.',
    fix: 'Copy only the dependency manifests first (package.json and lock file, requirements.txt, go.mod/go.sum, Gemfile.lock, composer.lock, pom.xml), install, and copy the rest of the source afterwards.',
  },
  {
    id: 'package-upgrade-unpinned',
    severity: 'warning',
    area: 'dockerfile',
    title: 'Packages are upgraded or installed without versions',
    explanation: 'An `upgrade` or an unversioned install pulls whatever the mirror has on build day: two builds of one commit contain different packages, and a security rebuild can change behaviour. Rarely-changing OS packages belong in a pinned base image.',
    fix: 'Pin versions (`apt-get install -y curl=7.88.1-10+deb12u5`, `apk add curl=8.5.0-r0`), drop `upgrade`, and take OS updates by moving to a newer pinned base image.',
  },
  {
    id: 'healthcheck-missing',
    severity: 'warning',
    area: 'dockerfile',
    title: 'No HEALTHCHECK and no orchestrator probe',
    explanation: 'Without a HEALTHCHECK and without a readiness or liveness probe in the manifests, the orchestrator counts a container as healthy as soon as it starts: a rollout of a broken image completes and traffic goes to it, and nothing triggers a rollback.',
    fix: 'Add a readinessProbe (Kubernetes) or a `healthcheck:` (compose/swarm) that calls the app, or a `HEALTHCHECK CMD wget -q -O- http://127.0.0.1:8080/healthz || exit 1` in the Dockerfile.',
  },
];

export interface DockerfileInfo {
  path: string;
  parsed: Dockerfile;
  /** ENV names set in the final stage (baked into the image: provided in every environment). */
  envNames: Set<string>;
  /** VOLUME paths of the final stage. */
  volumes: string[];
  /** Paths linked to /dev/stdout or /dev/stderr by RUN ln -s. */
  linkedToStdio: Set<string>;
  hasHealthcheck: boolean;
  /** Position of CMD/ENTRYPOINT of the final stage (where runtime findings point), else the last FROM. */
  entryPosition: Position;
}

/** The command an instruction runs, with the exec (JSON) form joined into one line. */
function commandText(ins: Instruction): string {
  const raw = ins.getRawArgumentsContent() ?? '';
  if (raw.trimStart().startsWith('[')) {
    try {
      const v = JSON.parse(raw.replace(/\\\r?\n/g, ' ')) as unknown;
      if (Array.isArray(v)) return v.map(String).join(' ');
    } catch {
      // not valid JSON: Docker runs it in a shell as written
    }
  }
  return raw;
}

function pos(p: { line: number; character: number }): Position {
  return { line: p.line + 1, column: p.character + 1 };
}

function stageInstructions(df: Dockerfile): Instruction[][] {
  const stages: Instruction[][] = [];
  for (const ins of df.getInstructions()) {
    if (ins.getKeyword() === 'FROM' || stages.length === 0) stages.push([]);
    stages[stages.length - 1]!.push(ins);
  }
  return stages;
}

export function readDockerfile(path: string, text: string): DockerfileInfo {
  const parsed = DockerfileParser.parse(text);
  const stages = stageInstructions(parsed);
  const last = stages[stages.length - 1] ?? [];
  const envNames = new Set<string>();
  const volumes: string[] = [];
  const linkedToStdio = new Set<string>();
  let hasHealthcheck = false;
  let entry: Instruction | undefined;
  for (const ins of parsed.getInstructions()) {
    if (ins.getKeyword() === 'RUN') {
      const raw = commandText(ins);
      for (const m of raw.matchAll(/\bln\s+-\w*s\w*\s+\/(?:dev\/(?:stdout|stderr)|proc\/self\/fd\/[12])\s+(\S+)/g)) linkedToStdio.add(m[1]!);
    }
  }
  for (const ins of last) {
    const kw = ins.getKeyword();
    if (kw === 'ENV') for (const p of (ins as Env).getProperties()) envNames.add(p.getName());
    if (kw === 'VOLUME') volumes.push(...volumeArgs(ins));
    if (kw === 'HEALTHCHECK' && !/^\s*NONE\b/i.test(ins.getArgumentsContent() ?? '')) hasHealthcheck = true;
    if (kw === 'CMD' || kw === 'ENTRYPOINT') entry = ins;
  }
  const anchor = entry ?? last[0];
  const entryPosition = anchor ? pos(anchor.getRange().start) : { line: 1, column: 1 };
  return { path, parsed, envNames, volumes, linkedToStdio, hasHealthcheck, entryPosition };
}

function volumeArgs(ins: Instruction): string[] {
  const raw = (ins.getArgumentsContent() ?? '').trim();
  if (raw.startsWith('[')) {
    try {
      const v = JSON.parse(raw) as unknown;
      return Array.isArray(v) ? v.map(String) : [];
    } catch {
      return [];
    }
  }
  return raw.split(/\s+/).filter(Boolean);
}

export interface DockerfileRuleInput {
  info: DockerfileInfo;
  text: string;
  /** Every file path in the repository (relative), for what a `COPY .` brings in. */
  allPaths: readonly string[];
  /** Text of the build context's .dockerignore, when there is one. */
  dockerignore?: string;
  /** The build context folder, relative to the root ('' for the root). */
  contextDir: string;
  /** True when some manifest declares a readiness/liveness probe or a compose healthcheck. */
  orchestratorProbes: boolean;
}

const SECRET_NAME = /(^|_)(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|SECRET_?KEY|CREDENTIALS?|CLIENT_SECRET)(_|$)/i;
const NOT_A_SECRET_VALUE = /(_FILE|_PATH|_NAME|_ID|_URL_ENV)$/i;

/** Config file names that the config-file-in-image rule refuses (per issue 7). */
export function isConfigFileName(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
  return /\.(conf|ini)$/.test(name) || /^config[\w.-]*\.(json|ya?ml|toml)$/.test(name) || /^\.env(\..+)?$/.test(name);
}

const INSTALL = /\b(npm\s+(ci|install|i)\b|yarn(\s+install)?\s*($|&&|;)|pnpm\s+(install|i)\b|pip3?\s+install\s+(-\S+\s+)*(-r|\.)|poetry\s+install|pipenv\s+install|bundle\s+install|composer\s+install|go\s+mod\s+download|mvn\b[^&;]*dependency:|gradle\b[^&;]*dependencies)/;

export function checkDockerfile(input: DockerfileRuleInput): Hit[] {
  const { info, text } = input;
  const hits: Hit[] = [];
  for (const d of validate(text)) {
    if (d.severity !== 1) continue;
    hits.push({ ruleId: 'dockerfile-invalid', message: `Dockerfile syntax: ${d.message}`, start: pos(d.range.start), end: pos(d.range.end) });
  }
  const df = info.parsed;
  const stageNames = new Set<string>();
  const argDefaults = new Map<string, string>();
  for (const a of df.getInitialARGs()) {
    const p = (a as Arg).getProperty();
    const v = p?.getValue();
    if (p && v) argDefaults.set(p.getName(), v);
  }

  const stages = stageInstructions(df);
  stages.forEach((stage, si) => {
    const isLast = si === stages.length - 1;
    let broadCopy: Instruction | undefined;
    let installedBeforeCopy = false;
    let reportedOrder = false;
    for (const ins of stage) {
      const kw = ins.getKeyword();
      const range = ins.getRange();
      const at = { start: pos(range.start), end: pos(range.end) };
      if (kw === 'FROM') {
        const from = ins as From;
        checkBaseImage(from, stageNames, argDefaults, hits);
        const stage = from.getBuildStage();
        if (stage) stageNames.add(stage.toLowerCase());
      } else if (kw === 'ENV' || kw === 'ARG') {
        const props = kw === 'ENV' ? (ins as Env).getProperties() : [(ins as Arg).getProperty()].filter((p) => p !== null);
        for (const p of props) {
          const name = p.getName();
          const value = p.getValue();
          if (!value || !SECRET_NAME.test(name) || NOT_A_SECRET_VALUE.test(name)) continue;
          hits.push({
            ruleId: 'secret-in-image',
            message: `${kw} ${name} puts a secret into the image (value ${maskSecret(value)}).`,
            start: pos(p.getNameRange().start),
            end: pos(p.getNameRange().end),
            data: { key: name },
          });
        }
      } else if (kw === 'COPY' || kw === 'ADD') {
        const copy = ins as Copy;
        if (kw === 'COPY' && copy.getFromFlag()) continue;
        const args = copy.getArguments().map((a) => a.getValue()).filter((v) => !v.startsWith('--'));
        const sources = args.slice(0, -1);
        const configs = configFilesCopied(sources, input);
        if (configs.length > 0) {
          const shown = configs.slice(0, 3).join(', ') + (configs.length > 3 ? ` and ${configs.length - 3} more` : '');
          hits.push({ ruleId: 'config-file-in-image', message: `${kw} puts configuration into the image: ${shown}.`, ...at, data: { files: configs.join(',') } });
        }
        if (!broadCopy && sources.some((s) => /^\.\/?\*?$/.test(s))) broadCopy = ins;
      } else if (kw === 'RUN') {
        const raw = commandText(ins);
        if (INSTALL.test(raw)) {
          if (!broadCopy) installedBeforeCopy = true;
          else if (!installedBeforeCopy && !reportedOrder) {
            reportedOrder = true;
            const r = broadCopy.getRange();
            hits.push({
              ruleId: 'dependency-layer-order',
              message: `The whole source is copied (line ${r.start.line + 1}) before dependencies are installed (line ${range.start.line + 1}): every source change re-installs them.`,
              start: pos(r.start),
              end: pos(r.end),
            });
          }
        }
        const pkg = unpinnedPackages(raw);
        if (pkg) hits.push({ ruleId: 'package-upgrade-unpinned', message: pkg, ...at });
        const log = /\b(?:mkdir|touch)\s+(?:-\S+\s+)*((?:[^\s;&|]*\/logs?(?:\/[^\s;&|]*)?)|[^\s;&|]+\.log)(?=$|[\s;&|])/m.exec(raw);
        if (log && ![...info.linkedToStdio].some((l) => l === log[1] || l.startsWith(log[1]!.replace(/\/$/, '') + '/'))) {
          hits.push({ ruleId: 'log-file-in-image', message: `RUN creates ${log[1]} for logs; logs belong on stdout/stderr.`, ...at, data: { path: log[1]! } });
        }
      } else if (kw === 'VOLUME') {
        for (const v of volumeArgs(ins)) {
          if (/(^|\/)logs?(\/|$)/i.test(v)) hits.push({ ruleId: 'log-file-in-image', message: `VOLUME ${v} keeps logs in a volume; logs belong on stdout/stderr.`, ...at, data: { path: v } });
        }
      } else if ((kw === 'CMD' || kw === 'ENTRYPOINT') && isLast) {
        const raw = commandText(ins);
        const target = redirectTarget(raw);
        if (target) {
          hits.push({
            ruleId: 'output-to-file',
            message: target === '/dev/null' ? `${kw} discards the process output (> /dev/null).` : `${kw} sends the process output to ${target} instead of stdout/stderr.`,
            ...at,
            data: { target },
          });
        }
      }
    }
  });

  if (!info.hasHealthcheck && !input.orchestratorProbes) {
    const froms = df.getFROMs();
    const lastFrom = froms[froms.length - 1];
    if (lastFrom) {
      const r = lastFrom.getRange();
      hits.push({ ruleId: 'healthcheck-missing', message: 'The image has no HEALTHCHECK and no manifest defines a readiness or liveness probe.', start: pos(r.start), end: pos(r.end) });
    }
  }
  return hits;
}

function checkBaseImage(from: From, stageNames: Set<string>, args: Map<string, string>, hits: Hit[]): void {
  let image = from.getImage();
  const range = from.getImageRange() ?? from.getRange();
  if (!image) return;
  image = image.replace(/\$\{?(\w+)(?::?-([^}]*))?\}?/g, (_m, name: string, dflt?: string) => args.get(name) ?? dflt ?? '$');
  if (image.includes('$')) return; // decided by a build argument with no default: nothing to judge
  const lower = image.toLowerCase();
  if (lower === 'scratch' || stageNames.has(lower)) return;
  const at = { start: pos(range.start), end: pos(range.end) };
  if (image.includes('@sha256:')) return;
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  const tag = colon > slash ? image.slice(colon + 1) : undefined;
  if (!tag || tag === 'latest') {
    hits.push({ ruleId: 'base-image-latest', message: `Base image ${image} ${tag ? 'uses the `latest` tag' : 'has no tag (means `latest`)'}.`, ...at, data: { image } });
  } else {
    hits.push({ ruleId: 'base-image-not-pinned', message: `Base image ${image} is not pinned by digest.`, ...at, data: { image } });
  }
}

/** The configuration files among a repository's paths, once per repository rather than per COPY. */
const configPathsCache = new WeakMap<readonly string[], string[]>();

function configPathsOf(allPaths: readonly string[]): string[] {
  let paths = configPathsCache.get(allPaths);
  if (!paths) configPathsCache.set(allPaths, (paths = allPaths.filter(isConfigFileName)));
  return paths;
}

function configFilesCopied(sources: string[], input: DockerfileRuleInput): string[] {
  const ig = input.dockerignore ? ignore({}).add(input.dockerignore) : undefined;
  const found = new Set<string>();
  for (const raw of sources) {
    if (/^(https?|git):/.test(raw) || raw.includes('$')) continue;
    const src = posix.normalize(raw.replace(/^\.\/?/, '') || '.').replace(/\/$/, '');
    const glob = /[*?[]/.test(src) ? globToRegExp(src) : undefined;
    for (const path of configPathsOf(input.allPaths)) {
      const inContext = input.contextDir ? (path.startsWith(input.contextDir + '/') ? path.slice(input.contextDir.length + 1) : undefined) : path;
      if (inContext === undefined) continue;
      const hit = glob ? glob.test(inContext) : src === '.' || inContext === src || inContext.startsWith(src + '/');
      if (!hit) continue;
      if (ig?.ignores(inContext)) continue;
      found.add(inContext);
    }
  }
  return [...found].sort();
}

function globToRegExp(glob: string): RegExp {
  const re = glob.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${re}(/.*)?$`);
}

/** A redirection of stdout or stderr to something other than the standard streams. */
export function redirectTarget(command: string): string | undefined {
  for (const m of command.matchAll(/(?:^|[^\w>&-])(?:[12]|&)?>>?\s*(?!&)("?)([^\s"'&;|)\]]+)\1/g)) {
    const target = m[2]!;
    if (/^\/dev\/(stdout|stderr|fd\/[12])$/.test(target) || /^\/proc\/(self|1)\/fd\/[12]$/.test(target)) continue;
    return target;
  }
  return undefined;
}

function unpinnedPackages(run: string): string | undefined {
  const upgrade = /\b(apt-get\s+(?:-\S+\s+)*(?:dist-)?upgrade|apt\s+(?:-\S+\s+)*(?:full-)?upgrade|apk\s+(?:-\S+\s+)*upgrade|yum\s+(?:-\S+\s+)*update|dnf\s+(?:-\S+\s+)*upgrade)\b/.exec(run);
  if (upgrade) return `\`${upgrade[1]!.replace(/\s+/g, ' ')}\` upgrades packages to whatever the mirror has on build day.`;
  for (const m of run.matchAll(/\b(apt-get\s+(?:-\S+\s+)*install|apk\s+(?:-\S+\s+)*add)\s+([^;&|]*)/g)) {
    const pkgs = m[2]!.split(/\s+/).filter((t) => t && !t.startsWith('-') && !t.startsWith('$') && t !== '\\');
    const loose = pkgs.filter((p) => !p.includes('=') && !p.endsWith('.deb'));
    if (loose.length > 0) return `Installs ${loose.slice(0, 4).join(', ')}${loose.length > 4 ? '…' : ''} without a version.`;
  }
  return undefined;
}
