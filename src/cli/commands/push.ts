import { loadProjectConfig } from '../../core/config';
import { pushImage, type PushEvent } from '../../core/docker/push';
import { paint, printJson, println, type CliIO } from '../io';
import type { RegisterCommand } from '../program';
import { addImageOptions, engineFor, formatBytes, repositoryFor, runBuild, tagFor, withInterrupt } from './build';

export const registerPush: RegisterCommand = (program, ctx) => {
  addImageOptions(program.command('push'))
    .description('push the image tagged from git and print the pinned reference (repo:tag@sha256:…) a deploy uses')
    .option('--build', 'build it first')
    .option('--builder <auto|classic|buildkit>', 'builder, with --build')
    .option('--network <mode>', 'network for RUN steps, with --build')
    .action(async (opts: { engine?: string; image?: string; tag?: string; build?: boolean; builder?: 'auto' | 'classic' | 'buildkit'; network?: string }) => {
      const io = ctx.io;
      const config = await loadProjectConfig(io.cwd);
      let reference: string;
      let imageId: string | undefined;
      if (opts.build) {
        const built = await runBuild(io, { ...opts, buildArg: [] });
        reference = built.reference;
        imageId = built.imageId;
      } else {
        reference = `${repositoryFor(config, opts.image)}:${(await tagFor(config, opts.tag)).tag}`;
      }
      if (!io.json) io.err.write(`${paint(io, 'bold', 'pushing')} ${reference}\n`);
      const engine = engineFor(io, opts.engine);
      const pushed = await withInterrupt((signal) => pushImage(engine, reference, { signal, credentials: { env: io.env }, onEvent: io.json ? undefined : pushRenderer(io) }));
      imageId ??= (await engine.docker.getImage(reference).inspect()).Id;
      if (io.json) return printJson(io, { ...pushed, imageId });
      println(io, pushed.pinned);
    });
};

/** One line per layer state, and a bar while a layer uploads (redrawn at each 10 %). */
export function pushRenderer(io: CliIO): (e: PushEvent) => void {
  const lastTenth = new Map<string, number>();
  const w = (s: string) => io.err.write(s + '\n');
  return (e) => {
    switch (e.type) {
      case 'auth':
        return w(`${paint(io, 'gray', 'credentials')} ${e.from === 'none' ? `none for ${e.registry} (anonymous)` : `for ${e.registry} from ${e.from}${e.helper ? ` (${e.helper})` : ''}`}`);
      case 'layer': {
        if (e.status === 'Pushing' && e.total) {
          const tenth = Math.min(10, Math.floor(((e.current ?? 0) / e.total) * 10));
          if (lastTenth.get(e.id) === tenth) return;
          lastTenth.set(e.id, tenth);
          return w(`  ${e.id} [${'#'.repeat(tenth)}${'.'.repeat(10 - tenth)}] ${formatBytes(e.current ?? 0)}/${formatBytes(e.total)}`);
        }
        if (e.status === 'Waiting' || e.status === 'Preparing' || e.status === 'Pushing') return;
        return w(`  ${e.id} ${e.status.toLowerCase()}`);
      }
      case 'retry':
        return w(`${paint(io, 'yellow', 'retry')} ${e.attempt}/${e.of} in ${Math.round(e.delayMs / 1000)} s: ${e.reason}`);
      case 'pushed':
        return w(`${paint(io, 'green', 'pushed')} ${e.digest}${e.size ? ` (manifest ${e.size} B)` : ''}`);
    }
  };
}
