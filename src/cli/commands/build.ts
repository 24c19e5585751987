import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadProjectConfig, type ProjectConfig } from '../../core/config';
import { buildImage, type BuildEvent } from '../../core/docker/build';
import { openEngine, resolveEngineEndpoint, type Engine } from '../../core/docker/engine';
import { parseImageRef, repositoryOf } from '../../core/docker/image-ref';
import { assertImmutableTag, immutableTag } from '../../core/docker/image-tag';
import { ProdlikeError } from '../../core/errors';
import { paint, printJson, println, type CliIO } from '../io';
import type { RegisterCommand } from '../program';

export interface BuildCliOptions {
  engine?: string;
  image?: string;
  tag?: string;
  context?: string;
  file?: string;
  target?: string;
  platform?: string;
  buildArg: string[];
  builder?: 'auto' | 'classic' | 'buildkit';
  network?: string;
  noCache?: boolean;
}

/** Options shared by build and push: which image, which tag, which engine. */
export function addImageOptions(cmd: Command): Command {
  return cmd
    .option('--engine <endpoint>', 'Docker endpoint (default: DOCKER_HOST or the local socket)')
    .option('--image <repository>', 'image repository (default: image in prodlike.yaml)')
    .option('--tag <tag>', 'tag (default: the git short sha, plus -dirty-<hash> for uncommitted changes)');
}

export const registerBuild: RegisterCommand = (program, ctx) => {
  addImageOptions(program.command('build'))
    .description('build the image with an immutable tag from git (never latest)')
    .option('--context <dir>', 'build context (default: build.context in prodlike.yaml)')
    .option('-f, --file <dockerfile>', 'Dockerfile, relative to the context')
    .option('--target <stage>', 'build stage to stop at')
    .option('--platform <os/arch>', 'target platform, e.g. linux/amd64')
    .option('--build-arg <KEY=VALUE>', 'build argument (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--builder <auto|classic|buildkit>', 'builder (default: what the engine offers)')
    .option('--network <mode>', 'network for RUN steps (host on engines without a bridge)')
    .option('--no-cache', 'do not use the build cache')
    .action(async (opts: BuildCliOptions & { cache?: boolean }) => {
      const io = ctx.io;
      const result = await runBuild(io, { ...opts, noCache: opts.cache === false });
      if (io.json) return printJson(io, result);
      println(io, result.reference);
    });
};

export interface BuildResult {
  reference: string;
  repository: string;
  tag: string;
  dirty: boolean;
  imageId: string;
  builder: string;
  contextBytes: number;
}

/** Builds as `prodlike build` does; push reuses it (`--build`) and its tag rules. */
export async function runBuild(io: CliIO, opts: BuildCliOptions): Promise<BuildResult> {
  const config = await loadProjectConfig(io.cwd);
  const repository = repositoryFor(config, opts.image);
  const { tag, dirty } = await tagFor(config, opts.tag);
  const engine = engineFor(io, opts.engine);
  const buildArgs = { ...config.build.args, ...parseBuildArgs(opts.buildArg ?? []) };
  const reference = `${repository}:${tag}`;
  if (!io.json) io.err.write(`${paint(io, 'bold', 'building')} ${reference}${dirty ? paint(io, 'yellow', ' (uncommitted changes)') : ''}\n`);
  const built = await withInterrupt((signal) =>
    buildImage(
      engine,
      {
        context: opts.context ? resolve(io.cwd, opts.context) : config.build.context,
        dockerfile: opts.file ?? config.build.dockerfile,
        tags: [reference],
        buildArgs,
        target: opts.target ?? config.build.target,
        platform: opts.platform ?? config.build.platform,
        builder: opts.builder,
        networkMode: opts.network,
        noCache: opts.noCache,
        labels: { 'dev.prodlike.source-tag': tag },
      },
      { signal, onEvent: io.json ? undefined : buildRenderer(io) },
    ),
  );
  return { reference, repository, tag, dirty, imageId: built.imageId, builder: built.builder, contextBytes: built.contextBytes };
}

export function repositoryFor(config: ProjectConfig, explicit?: string): string {
  const image = explicit ?? config.image;
  if (!image) {
    throw new ProdlikeError('usage', 'prodlike does not know which image repository to build.', 'Set `image: registry.example.com/team/app` in prodlike.yaml, or pass --image.');
  }
  const ref = parseImageRef(image);
  if (ref.tag || ref.digest) {
    throw new ProdlikeError('usage', `The image "${image}" carries a tag or digest; prodlike chooses the tag itself.`, `Use the repository only: ${repositoryOf(ref)}.`);
  }
  return repositoryOf(ref);
}

export async function tagFor(config: ProjectConfig, explicit?: string): Promise<{ tag: string; dirty: boolean }> {
  if (explicit !== undefined) {
    assertImmutableTag(explicit);
    return { tag: explicit, dirty: false };
  }
  const t = await immutableTag(config.root);
  return { tag: t.tag, dirty: t.dirty };
}

export function engineFor(io: CliIO, explicit?: string): Engine {
  return openEngine(resolveEngineEndpoint(explicit, io.env));
}

/** `--build-arg NAME=value` flags as a map (shared by build, push --build and ship). */
export function parseBuildArgs(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ProdlikeError('usage', `--build-arg "${pair}" is not KEY=VALUE.`, 'Write --build-arg NAME=value.');
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/** Runs `fn` with a signal that Ctrl-C fires, so a build or push stops cleanly. */
export async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onInt = () => controller.abort();
  process.once('SIGINT', onInt);
  try {
    return await fn(controller.signal);
  } finally {
    process.removeListener('SIGINT', onInt);
  }
}

/** Progress lines on stderr (stdout is kept for the result, so scripts can capture it). */
export function buildRenderer(io: CliIO): (e: BuildEvent) => void {
  const w = (s: string) => io.err.write(s + '\n');
  return (e) => {
    switch (e.type) {
      case 'context':
        return w(`${paint(io, 'gray', 'context')} ${e.files} files, ${formatBytes(e.bytes)} (Dockerfile: ${e.dockerfile})`);
      case 'builder':
        return w(`${paint(io, 'gray', 'builder')} ${e.builder}`);
      case 'step':
        return w(`${paint(io, 'cyan', e.total ? `step ${e.index}/${e.total}` : `step ${e.index}`)} ${e.text}`);
      case 'cached':
        return w(`  ${paint(io, 'gray', 'cached')}`);
      case 'output':
        for (const line of e.text.replace(/\n$/, '').split('\n')) w(`  ${paint(io, 'gray', '|')} ${line}`);
        return;
      case 'warning':
        return w(`${paint(io, 'yellow', 'warning')} ${e.text}`);
      case 'layer':
        if (e.status === 'Pull complete' || e.status === 'Already exists') w(`  ${paint(io, 'gray', 'base layer')} ${e.id} ${e.status.toLowerCase()}`);
        return;
      case 'context-sent':
        return w(`${paint(io, 'gray', 'sent')} ${formatBytes(e.bytes)} of context`);
      case 'built':
        return w(`${paint(io, 'green', 'built')} ${e.imageId}`);
    }
  };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
