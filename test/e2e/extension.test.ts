// The extension in a real VS Code (code-server + chromium), trusted, against the real test swarm and
// the Kubernetes API test server: what a user sees in the status bar and the Clusters view, and what
// happens when they act on it. Screenshots of each step go to test-results/e2e/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startKubeServer, deployment, type KubeServer } from '../kube-server';
import { startCodeServer, type CodeServer } from './support/codeServer';
import { createSwarmService, pointWorkspaceAt, pushCleanApp, type SwarmService } from './support/fixtures';
import { openWorkbench, type Workbench } from './support/workbench';

describe('trusted workspace: examples/clean-app on the test swarm and the Kubernetes test server', () => {
  let kube: KubeServer;
  let service: SwarmService;
  let server: CodeServer;
  let wb: Workbench;
  let v1: string;

  before(async () => {
    v1 = pushCleanApp('e2e-v1');
    service = await createSwarmService(v1);
    kube = await startKubeServer({ namespaces: ['default', 'kube-system', 'shop'] });
    kube.apply(deployment({ name: 'clean-app', namespace: 'shop', image: v1, replicas: 2 }));
    await kube.settle();
    server = await startCodeServer({
      env: { KUBECONFIG: kube.kubeconfigPath },
      prepareWorkspace: (dir) => pointWorkspaceAt(dir, { swarmWorkload: service.name, kubeContext: kube.context }),
    });
    wb = await openWorkbench(server, { trust: true });
  });
  after(async () => {
    await wb?.close();
    await server?.stop();
    service?.remove();
    await kube?.close();
  });

  it('activates without loading core, and shows the deploy button for the default environment', async () => {
    const button = wb.statusBarItem(`local: ${service.name}`);
    await button.waitFor({ timeout: 60_000 });
    assert.equal(await button.locator('.codicon-rocket').count(), 1, 'the button shows a rocket icon');
    await wb.screenshot('trusted-01-status-bar');
    assert.match(server.extensionLog(), /activated in [\d.]+ ms; core bundles loaded during activation: none/);
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

    await swarm.click();
    await wb.treeItem('Clusters', /^default/).first().click();
    const svc = wb.treeItem('Clusters', service.name);
    await svc.waitFor({ timeout: 30_000 });
    // The task starts after the service is created: the row follows it (watch) to 1/1.
    await svc.filter({ hasText: '1/1' }).waitFor({ timeout: 60_000 });
    assert.match(await svc.innerText(), /e2e-v1/, 'the workload row shows its image tag');

    await ctx.click();
    await wb.treeItem('Clusters', /^shop/).click();
    const dep = wb.treeItem('Clusters', /^clean-app/);
    await dep.waitFor({ timeout: 30_000 });
    assert.match(await dep.innerText(), /2\/2/);
    await wb.screenshot('trusted-02-clusters-view');
  });
});
