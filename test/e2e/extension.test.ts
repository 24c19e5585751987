// The extension in a real VS Code (code-server + chromium), trusted, against the real test swarm and
// the Kubernetes API test server: what a user sees in the status bar and the Clusters view, and what
// happens when they act on it. Screenshots of each step go to test-results/e2e/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startKubeServer, deployment, type KubeServer } from '../kube-server';
import { startCodeServer, type CodeServer } from './support/codeServer';
import { commitWorkspace, createSwarmService, removeContainer, pointWorkspaceAt, pushCleanApp, serviceImage, type SwarmService } from './support/fixtures';
import { SCREENSHOTS, openWorkbench, type Workbench } from './support/workbench';
import type { Locator } from 'playwright-core';

/**
 * Expands a row of a live tree until `child` shows. The Clusters tree re-renders rows when their
 * workloads change (a task starting, a rolling update): a click that lands while its row is being
 * replaced is lost, and a user would simply click again — so does the test, reading the row's state
 * each time so that an expanded row is never clicked shut. If the child never shows, the screenshot
 * and the extension's log (debug level: every listing of the tree and its time) are kept.
 */
async function expand(wb: Workbench, row: Locator, child: Locator, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!(await child.isVisible())) {
    if (Date.now() - started > timeoutMs) break;
    if ((await row.getAttribute('aria-expanded', { timeout: 5_000 }).catch(() => null)) !== 'true') await row.click({ timeout: 5_000 }).catch(() => undefined);
    await child.waitFor({ timeout: 2_000 }).catch(() => undefined);
  }
  if (!(await child.isVisible())) {
    await wb.page.screenshot({ path: join(SCREENSHOTS, 'trusted-expand-failed.png') });
    writeFileSync(join(SCREENSHOTS, 'trusted-expand-failed.log'), wb.server.extensionLog());
  }
  await child.waitFor({ timeout: 1_000 });
}

describe('trusted workspace: examples/clean-app on the test swarm and the Kubernetes test server', () => {
  let kube: KubeServer;
  let service: SwarmService;
  let server: CodeServer;
  let wb: Workbench;
  let v1: string;
  /** The git tag a build of the workspace gets. */
  let sourceTag = '';

  before(async () => {
    v1 = pushCleanApp('e2e-v1');
    service = await createSwarmService(v1);
    kube = await startKubeServer({ namespaces: ['default', 'kube-system', 'shop'] });
    kube.apply(deployment({ name: 'clean-app', namespace: 'shop', image: v1, replicas: 2 }));
    await kube.settle();
    // A second revision, so there is one to roll back to.
    kube.apply(deployment({ name: 'clean-app', namespace: 'shop', image: v1.replace(':e2e-v1', ':e2e-v2'), replicas: 2 }));
    await kube.settle();
    server = await startCodeServer({
      env: { KUBECONFIG: kube.kubeconfigPath },
      // The test engine has no bridge network.
      settings: { 'prodlike.run.network': 'none' },
      prepareWorkspace: (dir) => {
        pointWorkspaceAt(dir, { swarmWorkload: service.name, kubeContext: kube.context });
        sourceTag = commitWorkspace(dir);
      },
    });
    wb = await openWorkbench(server, { trust: true });
  });
  after(async () => {
    await wb?.close();
    await server?.stop();
    service?.remove();
    removeContainer('prodlike-clean-app-clean-app');
    await kube?.close();
  });

  it('activates without loading core, and shows the deploy button for the default environment', async () => {
    const button = wb.statusBarItem(`local: ${service.name}`);
    await button.waitFor({ timeout: 60_000 });
    assert.equal(await button.locator('.codicon-rocket').count(), 1, 'the button shows a rocket icon');
    await wb.screenshot('trusted-01-status-bar');
    // The log file is written asynchronously by the log service: wait for the line, then check it.
    let log = '';
    for (let i = 0; i < 300 && !/activated in/.test(log); i++) {
      log = server.extensionLog();
      if (!/activated in/.test(log)) await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(log, /activated in [\d.]+ ms; core bundles loaded during activation: none/);
  });

  it('shows the local swarm and the kube context in the Clusters view, with their workloads', async () => {
    await wb.openProdlikeViews();
    const swarm = wb.treeItem('Clusters', 'Local swarm');
    await swarm.waitFor({ timeout: 30_000 });
    assert.match(await swarm.innerText(), /local/, 'the swarm row names the environment that deploys to it');
    const ctx = wb.treeItem('Clusters', new RegExp(`^${kube.context}`));
    await ctx.waitFor();
    assert.match(await ctx.innerText(), /prod/);
    assert.match(await ctx.innerText(), /127\.0\.0\.1/, 'the kube row shows its API server');

    const swarmDefault = wb.treeItem('Clusters', /^default/).first();
    await expand(wb, swarm, swarmDefault);
    const svc = wb.treeItem('Clusters', service.name);
    await expand(wb, swarmDefault, svc);
    // The task starts after the service is created: the row follows it (watch) to 1/1.
    await svc.filter({ hasText: '1/1' }).waitFor({ timeout: 60_000 });
    assert.match(await svc.innerText(), /e2e-v1/, 'the workload row shows its image tag');

    const shop = wb.treeItem('Clusters', /^shop/);
    await expand(wb, ctx, shop);
    const dep = wb.treeItem('Clusters', /^clean-app\s*prod/);
    await expand(wb, shop, dep);
    assert.match(await dep.innerText(), /2\/2/);
    await wb.screenshot('trusted-02-clusters-view');
  });

  it('rolls back from the tree: the protected environment asks for its name, and revision 1 runs again', async () => {
    const dep = wb.treeItem('Clusters', /^clean-app\s*prod/);
    assert.match(await dep.innerText(), /e2e-v2/, 'revision 2 runs before the rollback');
    const depRevisions = wb.treeItem('Clusters', /^Revisions/).last();
    await expand(wb, dep, depRevisions);
    const rev1 = wb.treeItem('Clusters', /^#1 e2e-v1/);
    await expand(wb, depRevisions, rev1);
    await wb.treeItem('Clusters', /^#2 e2e-v2/).filter({ hasText: 'current' }).waitFor();
    await wb.inlineAction(rev1, 'Roll Back…');

    // The plan, for confirmation: where, from what, to what.
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 20_000 });
    const text = await dialog.innerText();
    assert.match(text, /Roll back clean-app to revision 1\?/);
    assert.match(text, new RegExp(kube.url.replace(/[.]/g, '\\.')), 'the dialog names the API server');
    await wb.screenshot('trusted-03-rollback-plan');
    await wb.dialogButton('Roll Back').click();

    // prod is protected: its name must be typed.
    const input = wb.page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 20_000 });
    await input.fill('prod');
    await input.press('Enter');

    await wb.notification('rolled back clean-app to revision 1').waitFor({ timeout: 60_000 });
    const image = (kube.get('deployments', 'shop', 'clean-app') as unknown as { spec: { template: { spec: { containers: { image: string }[] } } } }).spec.template.spec.containers[0]!.image;
    assert.match(image, /:e2e-v1/, 'the Deployment runs the image of revision 1 again');
    // kubectl semantics: the restored template becomes a new revision, marked current in the tree.
    await wb.treeItem('Clusters', /^#3 e2e-v1/).filter({ hasText: 'current' }).waitFor({ timeout: 30_000 });
    await wb.screenshot('trusted-04-rolled-back');
  });

  it('tails the logs of every pod of a workload in a terminal', async () => {
    await kube.settle();
    const dep = wb.treeItem('Clusters', /^clean-app\s*prod/);
    await wb.inlineAction(dep, 'Tail Logs');
    const pods = kube.list('pods', 'shop').filter((p) => !(p as { metadata: { deletionTimestamp?: string } }).metadata.deletionTimestamp).map((p) => (p as { metadata: { name: string } }).metadata.name);
    assert.ok(pods.length >= 2, `two pods run (${pods.join(', ')})`);
    // Lines written after the tail started arrive from every pod (follow).
    const deadline = Date.now() + 60_000;
    let shown = '';
    for (let i = 0; Date.now() < deadline; i++) {
      for (const pod of pods) kube.writeLog('shop', pod, `e2e-marker ${i} from ${pod}`);
      await new Promise((r) => setTimeout(r, 1000));
      shown = await wb.terminalText();
      if (pods.every((pod) => shown.includes(`from ${pod}`))) break;
    }
    for (const pod of pods) assert.ok(shown.includes(`from ${pod}`), `the terminal shows lines of ${pod}:\n${shown}`);
    await wb.screenshot('trusted-05-log-tail');
  });

  it('deploys from the status-bar button: build, push, roll out on the swarm, and the tree shows the new revision', async () => {
    const button = wb.statusBarItem(`local: ${service.name}`);
    await button.click();
    // The button follows the pipeline (a spinner while it builds, pushes and rolls out)…
    await button.locator('.codicon-sync').waitFor({ timeout: 30_000 });
    await wb.screenshot('trusted-06-deploying');
    // …and the notification says what now runs.
    await wb.notification(/prodlike: deployed/).waitFor({ timeout: 120_000 });
    await button.locator('.codicon-check').waitFor({ timeout: 10_000 });
    const image = serviceImage(service.name);
    assert.match(image, new RegExp(`/examples/clean-app:${sourceTag}(-dirty-[0-9a-f]+)?@sha256:[0-9a-f]{64}$`), 'the service runs the new image, pinned by digest');

    const svc = wb.treeItem('Clusters', service.name);
    await svc.filter({ hasText: sourceTag }).waitFor({ timeout: 30_000 });
    // Expand the service and its Revisions (the row right below it; other Revisions rows may be open).
    const row = svc.filter({ hasText: sourceTag });
    const expanded = wb.page.locator(`.monaco-list-row[aria-expanded="true"]`).filter({ hasText: service.name });
    await expand(wb, row, expanded);
    const index = Number(await row.getAttribute('data-index'));
    const revisions = wb.treeItem('Clusters', /^Revisions/).and(wb.page.locator(`[data-index="${index + 1}"]`));
    await expand(wb, revisions, wb.treeItem('Clusters', new RegExp(`^#\\d+ ${sourceTag}`)).filter({ hasText: 'current' }));
    await wb.screenshot('trusted-07-deployed');
  });

  it('Local view: the image the button built runs as in production, shows its parity diff, and stops', async () => {
    // The Local view starts collapsed (below Clusters): open it.
    await wb.page.locator('.pane-header').filter({ hasText: /^Local/ }).click();
    const image = wb.treeItem('Local', `clean-app:${sourceTag}`).first();
    await image.waitFor({ timeout: 30_000 });
    assert.match(await image.innerText(), /@[0-9a-f]{12}/, 'the pushed image shows its digest');
    await wb.inlineAction(image, 'Run Locally As In Production');
    // The local environment's workload is the test's swarm service, not a manifest's: prodlike asks which one.
    const input = wb.page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 20_000 });
    await wb.page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'clean-app' }).first().click();

    // The plan first: what runs, from which manifest, as which user.
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 20_000 });
    const plan = await dialog.innerText();
    assert.match(plan, /Run clean-app locally as prodlike-clean-app-clean-app\?/);
    assert.match(plan, /User: 65534:65534/);
    await wb.dialogButton('Run').click();

    // Then the parity diff of the started container, next to production.
    const diff = wb.page.locator('.editor-instance .view-lines').filter({ hasText: 'Parity diff: prodlike-clean-app-clean-app' });
    await diff.waitFor({ timeout: 60_000 });
    // Monaco renders spaces as no-break spaces.
    const shown = (await diff.innerText()).replace(/\u00a0/g, ' ');
    assert.match(shown, /\| +\| image digest \| sha256:[0-9a-f]{64} \|/, 'production and the local run use the same digest');
    assert.match(shown, /user \| 65534:65534 \| 65534:65534/, "the local run uses production's user");
    // Other runs on the shared test engine build clean-app too: fold the images away to see the runs.
    await wb.treeItem('Local', /^Images/).click();
    // The view is live: the row shows at the container's create event ("created"), then turns running.
    const run = wb.treeItem('Local', 'prodlike-clean-app-clean-app');
    await run.filter({ hasText: 'running' }).waitFor({ timeout: 30_000 });
    assert.match(await run.innerText(), /running/);
    await wb.screenshot('trusted-08-parity-run');

    await wb.inlineAction(run, 'Stop Parity Run');
    await run.waitFor({ state: 'detached', timeout: 30_000 });
    await wb.treeItem('Local', 'No parity runs').waitFor({ timeout: 30_000 });
  });
});

