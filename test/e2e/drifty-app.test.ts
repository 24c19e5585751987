// A trusted copy of examples/drifty-app in a real VS Code (code-server + chromium) on the test
// engine: the mechanical parity fixes applied the way a user applies them (the light bulb in the
// editor, the Problems panel), and the Local view following the engine live. The copy is made
// worse on purpose (an unpinned base image, one kept revision); examples/ is never changed.
// Screenshots of each step go to test-results/e2e/.
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testInfra, uniqueName } from '../support/infra';
import { ROOT, startCodeServer, type CodeServer } from './support/codeServer';
import { docker, pushCleanApp, removeContainer } from './support/fixtures';
import { openWorkbench, type Workbench } from './support/workbench';

/** The file's text once `saved` says the editor's save reached the disk (a save is asynchronous), or after 10 s. */
async function fileOnceSaved(file: string, saved: (text: string) => boolean): Promise<string> {
  let text = readFileSync(file, 'utf8');
  for (let i = 0; i < 100 && !saved(text); i++) {
    await new Promise((r) => setTimeout(r, 100));
    text = readFileSync(file, 'utf8');
  }
  return text;
}

describe('trusted examples/drifty-app: quick fixes and the live Local view', () => {
  let server: CodeServer;
  let wb: Workbench;
  /** The base image the Dockerfile names by tag: pushed, so the engine knows its registry digest. */
  let base = '';
  const run = uniqueName('prodlike-e2e-live').slice(0, 60);

  before(async () => {
    base = pushCleanApp('e2e-base');
    server = await startCodeServer({
      from: join(ROOT, 'examples/drifty-app'),
      prepareWorkspace: (dir) => {
        const dockerfile = join(dir, 'Dockerfile');
        writeFileSync(dockerfile, readFileSync(dockerfile, 'utf8').replace(/^FROM scratch$/m, `FROM ${base}`));
        const manifest = join(dir, 'k8s/deployment.yaml');
        writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(/revisionHistoryLimit: 10/, 'revisionHistoryLimit: 1'));
      },
    });
    wb = await openWorkbench(server, { trust: true });
  });
  afterEach(async (t) => {
    // A failed step leaves a picture of what the user would have seen.
    if (wb && (t as unknown as { passed?: boolean }).passed === false) await wb.screenshot(`drifty-failed-${t.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
  });
  after(async () => {
    await wb?.close();
    await server?.stop();
    removeContainer(run);
  });

  it('pins the base image to its digest from the light bulb, and the finding leaves Problems', async () => {
    // The panel lists every finding of the workspace; its filter box narrows it to this one.
    let rows = await wb.problems('not pinned');
    // The findings come after the first check of the workspace; the filter is applied again until the row shows.
    for (let i = 0; i < 12 && !(await rows.filter({ hasText: 'is not pinned by digest' }).first().isVisible()); i++) {
      await rows.filter({ hasText: 'is not pinned by digest' }).first().waitFor({ timeout: 5_000 }).catch(() => undefined);
      rows = await wb.problems('not pinned');
    }
    const unpinned = rows.filter({ hasText: 'is not pinned by digest' }).first();
    await unpinned.waitFor({ timeout: 5_000 });
    assert.match(await unpinned.innerText(), new RegExp(`${base.replace(/[.]/g, '\\.')}`), 'the finding names the base image');
    // A double click opens the Dockerfile at the finding; Ctrl+. opens the light bulb's menu there.
    await unpinned.dblclick();
    const editor = wb.page.locator('.editor-instance .monaco-editor').first();
    await editor.waitFor();
    await wb.page.keyboard.press('Control+Period');
    // The fix names the digest the engine knows (it asks the engine when the menu opens).
    const fix = await wb.focusQuickFix(/^Pin .* to sha256:[0-9a-f]{12}/);
    await wb.screenshot('drifty-01-pin-quick-fix');
    assert.match(await fix.innerText(), new RegExp(base.replace(/[.]/g, '\\.')));
    await wb.page.keyboard.press('Enter');
    await editor.locator('.view-lines').filter({ hasText: '@sha256:' }).waitFor({ timeout: 10_000 });
    await wb.page.keyboard.press('Control+S');

    // On disk, pinned to the digest the registry gave the pushed image.
    const repoDigest = docker('image', 'inspect', '--format', '{{range .RepoDigests}}{{println .}}{{end}}', base)
      .split('\n')
      .find((d) => d.startsWith(base.split(':e2e-base')[0]!));
    assert.ok(repoDigest, `the engine knows ${base}'s registry digest`);
    const pinned = `FROM ${base}@${repoDigest.split('@')[1]}\n`;
    const text = await fileOnceSaved(join(server.workspace, 'Dockerfile'), (t) => t.includes(pinned));
    assert.ok(text.includes(pinned), `the Dockerfile pins the base image:\n${text}`);
    // Saving checks parity again: the finding is gone, the others stay.
    await rows.filter({ hasText: 'is not pinned by digest' }).first().waitFor({ state: 'detached', timeout: 30_000 });
    await wb.screenshot('drifty-02-pinned');
  });

  it('raises revisionHistoryLimit from the Problems panel', async () => {
    const rows = await wb.problems('revision');
    const short = rows.filter({ hasText: 'keeps 1 old revision' }).first();
    await short.waitFor({ timeout: 30_000 });
    // A problem's fixes are offered in the panel itself: a light bulb on the row lists them.
    // VS Code asks for a problem's fixes once its file is open: open it, then use the row's light bulb.
    await short.dblclick();
    await short.hover();
    await short.locator('.markers-panel-action-quickfix:not(.disabled)').click({ timeout: 20_000 });
    const fix = await wb.focusQuickFix(/^Keep 10 revisions/);
    await wb.screenshot('drifty-03-problems-quick-fix');
    assert.match(await fix.innerText(), /revisionHistoryLimit: 10/);
    await wb.page.keyboard.press('Enter');
    // The fix edits the manifest whether or not an editor shows it: save everything.
    await wb.runCommand('File: Save All');
    await rows.filter({ hasText: 'keeps 1 old revision' }).first().waitFor({ state: 'detached', timeout: 30_000 });
    const manifest = await fileOnceSaved(join(server.workspace, 'k8s/deployment.yaml'), (t) => !/revisionHistoryLimit: 1$/m.test(t));
    assert.match(manifest, /^ {2}revisionHistoryLimit: 10$/m);
  });

  it('Local view: a parity run started outside VS Code appears without a refresh, and goes when removed', async () => {
    await wb.openProdlikeViews();
    // Room for the Local view: fold Clusters and Parity away, open Local (it starts collapsed).
    await wb.page.locator('.pane-header').filter({ hasText: /^Clusters/ }).click();
    await wb.page.locator('.pane-header').filter({ hasText: /^Parity/ }).click();
    await wb.page.locator('.pane-header').filter({ hasText: /^Local/ }).click();
    await wb.treeItem('Local', /^Parity runs/).waitFor({ timeout: 30_000 });
    // Let the view settle (its first listing and the event stream) before the engine changes.
    await wb.page.waitForTimeout(2000);

    // What `prodlike run` labels its containers with, started by the docker CLI (another terminal, say).
    docker('run', '-d', '--name', run, '--network', 'none', '--label', 'dev.prodlike.parity-run=true', '--label', 'dev.prodlike.workload=Deployment/drifty-app', testInfra().image, '/bin/busybox', 'sleep', '300');
    // Well under the view's 60 s safety poll: only the engine's event stream can show it this soon.
    const row = wb.treeItem('Local', run);
    await row.filter({ hasText: 'running' }).waitFor({ timeout: 10_000 });
    assert.match(await row.innerText(), /Deployment\/drifty-app/, 'the row shows the workload the run stands for');
    await wb.screenshot('drifty-04-local-live');

    docker('rm', '--force', run);
    await row.waitFor({ state: 'detached', timeout: 10_000 });
  });
});
