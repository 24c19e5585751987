// Building on the real engine: the files in the image, the events a user sees, and the errors
// a user gets for bad input.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { buildImage, type BuildEvent } from '../../../src/core/docker/build';
import { openEngine } from '../../../src/core/docker/engine';
import { ProdlikeError } from '../../../src/core/errors';
import { testInfra, uniqueName } from '../../support/infra';
import { dockerCli, removeImages, testEngine, writeTree } from './helpers';

const engine = testEngine();
const images: string[] = [];
const dirs: string[] = [];
after(async () => {
  await removeImages(engine, images);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tag(): string {
  const t = `prodlike-it/${uniqueName('build')}:1`;
  images.push(t);
  return t;
}

// Lists what an image holds under /ctx: type, path, mode, and content hash or link target.
const LIST = `cd /ctx && find . | sort | while read -r p; do
  if [ -L "$p" ]; then echo "L $p -> $(readlink "$p")";
  elif [ -d "$p" ]; then echo "D $p $(stat -c %a "$p")";
  else echo "F $p $(stat -c %a "$p") $(md5sum < "$p" | cut -c1-32)"; fi; done`;

function filesIn(image: string): string[] {
  return dockerCli(['run', '--rm', '--network', 'none', image, 'sh', '-c', LIST]).trim().split('\n');
}

test('golden: the image built by prodlike holds exactly the files `docker build` puts in it', async () => {
  const files: Record<string, string> = {
    Dockerfile: `FROM ${testInfra().image}\nCOPY . /ctx/\n`,
    '.dockerignore': [
      '# comments and blank lines are ignored',
      '',
      '*.log',
      '!keep.log',
      'docs',
      '!docs/keep.md',
      'node_modules',
      'build/',
      '!build/keep/**',
      '**/*.tmp',
      'secret?.txt',
      '/rooted',
      'vendor/*/test',
      '!vendor/a/test/important',
      '  spaced.txt  ',
      'gen/*/',
      '!gen/b',
      'ignored-tree',
      'cache',
      // The CLI walks an ignored folder only for exceptions that start with its path: this one does not.
      '!*/wanted.txt',
      'Dockerfile',
    ].join('\n'),
    'app.js': 'console.log(1)\n',
    'a.log': 'x', 'keep.log': 'k', 'sub/b.log': 'b',
    'docs/x.md': 'x', 'docs/keep.md': 'keep', 'docs/deeper/y.md': 'y',
    'node_modules/pkg/index.js': 'm',
    'build/out.js': 'o', 'build/keep/k.txt': 'k', 'build/keep/more/k2.txt': 'k2',
    'src/x.tmp': 't', 'src/deep/er/y.tmp': 't', 'src/main.ts': 'main',
    'secret1.txt': 's', 'secret12.txt': 's12',
    rooted: 'r', 'sub/rooted': 'r2',
    'vendor/a/test/t1': '1', 'vendor/a/test/important': 'i', 'vendor/b/test/t2': '2', 'vendor/b/src/s': 's',
    'spaced.txt': 'sp',
    'gen/a/1': '1', 'gen/b/2': '2', 'gen/top': 't',
    'weird name with spaces.txt': 'w',
    'cache/wanted.txt': 'c', 'cache/other.txt': 'o', 'other/wanted.txt': 'w',
  };
  // A large-ish tree: 1,000 files kept and 1,000 ignored.
  for (let d = 0; d < 20; d++) {
    for (let f = 0; f < 50; f++) {
      files[`tree/d${d}/f${f}.txt`] = `${d}-${f}\n`;
      files[`ignored-tree/d${d}/f${f}.txt`] = `${d}-${f}\n`;
    }
  }
  const root = writeTree(files);
  dirs.push(root);
  mkdirSync(join(root, 'empty-dir'));
  chmodSync(join(root, 'app.js'), 0o755);
  chmodSync(join(root, 'keep.log'), 0o600);
  symlinkSync('app.js', join(root, 'link-inside'));
  symlinkSync('/etc/passwd', join(root, 'link-outside-absolute'));
  symlinkSync('../../../../etc/hostname', join(root, 'sub/link-outside-relative'));
  symlinkSync('../docs', join(root, 'src/link-to-dir'));

  const ours = tag();
  const theirs = tag();
  await buildImage(engine, { context: root, tags: [ours], builder: 'classic' });
  dockerCli(['build', '-q', '-t', theirs, root]);

  const expected = filesIn(theirs);
  const actual = filesIn(ours);
  assert.ok(expected.length > 1000, `the oracle image should hold the large tree (got ${expected.length} entries)`);
  assert.ok(expected.some((l) => l.startsWith('F ./docs/keep.md ')), 'a negated file inside an ignored folder is kept');
  assert.deepEqual(actual, expected);
});

test('a build reports steps and cache hits, and applies build args, target and labels', async () => {
  const root = writeTree({
    Dockerfile: [
      `FROM ${testInfra().image} AS base`,
      'ARG GREETING=unset',
      'LABEL greeting=$GREETING',
      'RUN echo "building for $GREETING"',
      `FROM base AS extra`,
      'LABEL stage=extra',
    ].join('\n'),
  });
  dirs.push(root);
  const t = tag();
  const events: BuildEvent[] = [];
  const built = await buildImage(engine, { context: root, tags: [t], buildArgs: { GREETING: 'hello' }, target: 'base', labels: { 'dev.prodlike.test': 'yes' } }, { onEvent: (e) => events.push(e) });
  assert.match(built.imageId, /^sha256:[0-9a-f]{64}$/);
  const info = await engine.docker.getImage(t).inspect();
  assert.equal(info.Id, built.imageId);
  assert.equal(info.Config.Labels?.greeting, 'hello');
  assert.equal(info.Config.Labels?.['dev.prodlike.test'], 'yes');
  assert.equal(info.Config.Labels?.stage, undefined, 'the target stops at the base stage');
  const steps = events.filter((e) => e.type === 'step');
  assert.deepEqual(steps.map((s) => s.text)[0], `FROM ${testInfra().image} AS base`);
  assert.ok(events.some((e) => e.type === 'output' && /building for hello/.test(e.text)));
  assert.ok(events.some((e) => e.type === 'context-sent' && e.bytes > 0));

  // The same build again is served from the cache, and says so.
  const again: BuildEvent[] = [];
  await buildImage(engine, { context: root, tags: [t], buildArgs: { GREETING: 'hello' }, target: 'base', labels: { 'dev.prodlike.test': 'yes' } }, { onEvent: (e) => again.push(e) });
  assert.ok(again.filter((e) => e.type === 'cached').length >= 2);
});

test('BuildKit builds when asked for (the engine accepts it without a session)', async () => {
  // Unique content, so BuildKit's cache from an earlier run cannot skip the RUN (and its output).
  const root = writeTree({ Dockerfile: `FROM ${testInfra().image}\nCOPY hello.txt /hello.txt\nRUN cat /hello.txt\n`, 'hello.txt': `hi from buildkit ${uniqueName('bk')}\n` });
  dirs.push(root);
  const t = tag();
  const events: BuildEvent[] = [];
  const built = await buildImage(engine, { context: root, tags: [t], builder: 'buildkit', networkMode: 'host' }, { onEvent: (e) => events.push(e) });
  assert.equal(built.builder, 'buildkit');
  assert.equal((await engine.docker.getImage(t).inspect()).Id, built.imageId);
  assert.ok(events.some((e) => e.type === 'step' && /RUN cat \/hello.txt/.test(e.text)));
  assert.ok(events.some((e) => e.type === 'output' && /hi from buildkit/.test(e.text)));
});

test('a failing RUN step fails the build with its output', async () => {
  const root = writeTree({ Dockerfile: `FROM ${testInfra().image}\nRUN echo "about to fail" && exit 3\n` });
  dirs.push(root);
  await assert.rejects(
    buildImage(engine, { context: root, tags: [tag()] }),
    (e: unknown) => e instanceof ProdlikeError && e.code === 'build-failed' && /non-zero code: 3/.test(e.message) && /about to fail/.test(e.message) && e.exitCode === 1,
  );
});

test('a missing Dockerfile, a syntax error and an unreachable engine each get a clear error', async () => {
  const empty = writeTree({ 'app.js': '' });
  const bad = writeTree({ Dockerfile: `FROM ${testInfra().image}\nRUN true\nCOPPY . /app\n` });
  dirs.push(empty, bad);
  await assert.rejects(buildImage(engine, { context: empty, tags: [tag()] }), (e: unknown) => e instanceof ProdlikeError && e.code === 'usage' && /No Dockerfile at/.test(e.message) && !!e.fix);
  await assert.rejects(buildImage(engine, { context: bad, tags: [tag()] }), (e: unknown) => e instanceof ProdlikeError && e.code === 'build-failed' && /Dockerfile:3: unknown instruction COPPY/.test(e.message));
  const nowhere = openEngine({ url: 'unix:///nonexistent/docker.sock', from: 'argument' });
  const ok = writeTree({ Dockerfile: `FROM ${testInfra().image}\n` });
  dirs.push(ok);
  await assert.rejects(buildImage(nowhere, { context: ok, tags: [tag()] }), (e: unknown) => e instanceof ProdlikeError && e.code === 'engine-unreachable' && e.exitCode === 2);
});

test('context files the CLI cannot leave out are sent even when .dockerignore names them', async () => {
  const root = writeTree({ 'build.Dockerfile': `FROM ${testInfra().image}\nCOPY . /ctx/\n`, '.dockerignore': '*\n', 'x.txt': 'x' });
  dirs.push(root);
  const built = await buildImage(engine, { context: root, dockerfile: 'build.Dockerfile', tags: [tag()] });
  assert.deepEqual(built.plan.entries, ['.dockerignore', 'build.Dockerfile']);
});
