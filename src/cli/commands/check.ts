/**
 * `prodlike check [path]`: the parity rules over a repository (and, with --runtime, over the
 * running image), as text, --json or --sarif. Exit 0 when nothing at or above --fail-on was
 * found, 1 when something was, 2 on usage or environment errors.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Option } from 'commander';
import type { RegisterCommand } from '../program';
import { printJson } from '../io';
import { ProdlikeError, messageOf } from '../../core/errors';
import { loadProjectConfig } from '../../core/config';
import { openEngine } from '../../core/docker/engine';
import {
  checkParity, compareFindings, failsAt, finish, parseBaseline, renderText, runtimeCheck, toBaseline, toJsonReport, toSarif,
  type Baseline, type Severity,
} from '../../core/parity';

interface CheckFlags {
  sarif?: boolean;
  json?: boolean;
  failOn: Severity;
  runtime?: boolean;
  image?: string;
  runtimeSeconds: string;
  baseline?: string;
  writeBaseline?: string;
}

export const registerCheck: RegisterCommand = (program, ctx) => {
  program
    .command('check')
    .description('check dev-to-prod parity: Dockerfiles, manifests and source against the twelve-factor container rules')
    .argument('[path]', 'folder to check', '.')
    .option('--sarif', 'SARIF 2.1.0 on stdout (for code-scanning services)')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding at or above this severity remains').choices(['error', 'warning', 'info']).default('error'))
    .option('--runtime', 'also run the image with production\'s environment and check what it writes')
    .option('--image <ref>', 'image for --runtime (default: the newest local image of prodlike.yaml `image`)')
    .option('--runtime-seconds <n>', 'how long --runtime lets the app run', '5')
    .option('--baseline <file>', 'do not report findings recorded in this baseline file')
    .option('--write-baseline <file>', 'record every current finding in this file (and exit 0)')
    .action(async (path: string, _opts: CheckFlags, cmd) => {
      const opts = cmd.optsWithGlobals() as CheckFlags;
      const io = ctx.io;
      if (opts.sarif && opts.json) throw new ProdlikeError('usage', '--json and --sarif cannot be used together.', 'Pick one output format.');
      const root = resolve(io.cwd, path);
      const config = await loadProjectConfig(root);
      let baseline: Baseline | undefined;
      if (opts.baseline) {
        try {
          baseline = parseBaseline(await readFile(resolve(io.cwd, opts.baseline), 'utf8'));
        } catch (e) {
          throw new ProdlikeError('usage', `Cannot read the baseline ${opts.baseline}: ${messageOf(e)}`, 'Create one with `prodlike check --write-baseline FILE`.');
        }
      }
      const options = { disable: config.rules.disable, baseline };
      const report = await checkParity(root, options);

      if (opts.runtime) {
        const seconds = Number(opts.runtimeSeconds);
        if (!Number.isFinite(seconds) || seconds <= 0) throw new ProdlikeError('usage', `--runtime-seconds must be a positive number, not "${opts.runtimeSeconds}".`);
        const engine = openEngine();
        const image = opts.image ?? (await newestLocalImage(engine.docker, config.image));
        let hits;
        try {
          hits = await runtimeCheck(report.model, { docker: engine.docker, image, durationMs: seconds * 1000 });
        } catch (e) {
          if (e instanceof ProdlikeError) throw e;
          throw new ProdlikeError('engine-unreachable', `The runtime check could not run ${image}: ${messageOf(e)}`, 'Check the engine with `prodlike doctor`.');
        }
        const texts = new Map(report.model.repo.files.map((f) => [f.path, f.text]));
        const extra = finish(root, hits, texts, options);
        report.findings.push(...extra.findings);
        report.findings.sort(compareFindings);
        report.suppressed.inline += extra.suppressed.inline;
        report.suppressed.disabled += extra.suppressed.disabled;
        report.suppressed.baseline += extra.suppressed.baseline;
      }

      if (opts.writeBaseline) {
        await writeFile(resolve(io.cwd, opts.writeBaseline), JSON.stringify(toBaseline(report.findings), null, 2) + '\n');
        io.err.write(`Recorded ${report.findings.length} finding${report.findings.length === 1 ? '' : 's'} in ${opts.writeBaseline}.\n`);
        return;
      }
      if (opts.sarif) printJson(io, toSarif(report, program.version() ?? '0.0.0'));
      else if (opts.json) printJson(io, toJsonReport(report));
      else io.out.write(renderText(report, { color: io.color }));
      if (failsAt(report.findings, opts.failOn)) ctx.setExitCode(1);
    });
};

async function newestLocalImage(docker: import('dockerode'), repository: string | undefined): Promise<string> {
  if (!repository) throw new ProdlikeError('usage', 'No image to run: prodlike.yaml has no `image` and --image was not given.', 'Pass --image REF with a local image, for example the tag `prodlike build` printed.');
  let images: import('dockerode').ImageInfo[];
  try {
    images = await docker.listImages({ filters: { reference: [repository] } });
  } catch (e) {
    throw new ProdlikeError('engine-unreachable', `Cannot list images: ${messageOf(e)}`, 'Start Docker or set DOCKER_HOST; `prodlike doctor` shows what is wrong.');
  }
  const newest = images.sort((a, b) => b.Created - a.Created)[0];
  const tag = newest?.RepoTags?.find((t) => t.startsWith(repository + ':'));
  if (!tag) throw new ProdlikeError('usage', `No local image of ${repository}.`, 'Build it first (`prodlike build`), or pass --image REF.');
  return tag;
}
