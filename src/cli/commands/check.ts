/**
 * `prodlike check [path]`: the parity rules over a repository (with --runtime, over the running
 * image; with --environment, the local image against what each environment runs), as text, --json
 * or --sarif. Exit 0 when nothing at or above --fail-on was found, 1 when something was, 2 on usage
 * or environment errors.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { Option } from 'commander';
import type { RegisterCommand } from '../program';
import { printJson } from '../io';
import { ProdlikeError, messageOf } from '../../core/errors';
import { loadProjectConfig, resolveEnvironment } from '../../core/config';
import type { Environment, ProjectConfig } from '../../core/config/types';
import { openCluster } from '../../core/cluster/open';
import { openEngine, resolveEngineEndpoint, type Engine } from '../../core/docker/engine';
import {
  checkParity, compareFindings, failsAt, finish, imageIdentityCheck, parseBaseline, renderText, runtimeCheck, toBaseline, toJsonReport, toSarif,
  type Baseline, type Hit, type ParityReport, type Severity,
} from '../../core/parity';
import { readYaml } from '../../core/parity/yamlFile';

interface CheckFlags {
  sarif?: boolean;
  json?: boolean;
  failOn: Severity;
  runtime?: boolean;
  image?: string;
  environment?: string[];
  engine?: string;
  context?: string;
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
    .option('--image <ref>', 'the local image: what --runtime runs and what is compared with the environments (default: the newest local image of prodlike.yaml `image`)')
    .option('--environment <name>', 'report when the local image is not the one this environment runs, with both digests; repeat for several (default with --image and without --runtime: every environment that names a workload)', (v: string, all: string[] = []) => [...all, v])
    .option('--engine <url>', 'Docker endpoint of the local engine (default: DOCKER_HOST or the local socket)')
    .option('--context <name>', 'kubeconfig context for Kubernetes environments (overrides prodlike.yaml)')
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
      const environments = identityEnvironments(config, opts); // an unknown name fails before the long part
      const report = await checkParity(root, options);

      let engine: Engine | undefined;
      const localEngine = (): Engine => (engine ??= openEngine(resolveEngineEndpoint(opts.engine, io.env)));
      if (opts.runtime) {
        const seconds = Number(opts.runtimeSeconds);
        if (!Number.isFinite(seconds) || seconds <= 0) throw new ProdlikeError('usage', `--runtime-seconds must be a positive number, not "${opts.runtimeSeconds}".`);
        const engine = localEngine();
        const image = opts.image ?? (await newestLocalImage(engine.docker, config.image));
        let hits;
        try {
          hits = await runtimeCheck(report.model, { docker: engine.docker, image, durationMs: seconds * 1000 });
        } catch (e) {
          if (e instanceof ProdlikeError) throw e;
          throw new ProdlikeError('engine-unreachable', `The runtime check could not run ${image}: ${messageOf(e)}`, 'Check the engine with `prodlike doctor`.');
        }
        addFindings(report, hits, new Map(report.model.repo.files.map((f) => [f.path, f.text])), options);
      }

      if (environments.length > 0) {
        const engine = localEngine();
        const image = opts.image ?? (await newestLocalImage(engine.docker, config.image));
        const anchor = await environmentAnchors(config, root);
        const identity = await imageIdentityCheck({
          docker: engine.docker,
          image,
          environments,
          openCluster: (environment) => openCluster(environment, { context: opts.context, env: io.env }),
          anchorOf: anchor.of,
        });
        for (const c of identity.compared) {
          if (c.note) io.err.write(`${c.note}\n`);
        }
        addFindings(report, new Map([[anchor.file, identity.hits]]), new Map([[anchor.file, anchor.text]]), options);
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

/** Hits of a second pass (runtime, image identity) into the report, through the same suppressions. */
function addFindings(report: ParityReport, hits: Map<string, Hit[]>, texts: Map<string, string>, options: { disable: string[]; baseline?: Baseline }): void {
  const extra = finish(report.root, hits, texts, options);
  report.findings.push(...extra.findings);
  report.findings.sort(compareFindings);
  report.suppressed.inline += extra.suppressed.inline;
  report.suppressed.disabled += extra.suppressed.disabled;
  report.suppressed.baseline += extra.suppressed.baseline;
}

/** The environments named with --environment; with only --image, every one that names a workload. */
function identityEnvironments(config: ProjectConfig, opts: CheckFlags): Environment[] {
  if (opts.environment) return opts.environment.map((name) => resolveEnvironment(config, name));
  if (opts.image && !opts.runtime) return Object.values(config.environments).filter((e) => e.workload);
  return [];
}

/** Findings about an environment point at its entry in prodlike.yaml (line 1 when there is no file). */
async function environmentAnchors(config: ProjectConfig, root: string) {
  const file = config.file ? relative(root, config.file).split('\\').join('/') : 'prodlike.yaml';
  const text = config.file ? await readFile(config.file, 'utf8').catch(() => '') : '';
  const doc = readYaml(text).documents[0];
  const at = { start: { line: 1, column: 1 } };
  return { file, text, of: (name: string) => doc?.rangeOf(['environments', name], true) ?? at };
}

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
