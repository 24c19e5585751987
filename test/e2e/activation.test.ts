// The extension in a real VS Code (code-server + chromium): it activates in a trusted workspace, the
// deploy button shows the environment and workload of examples/clean-app, and Restricted Mode
// refuses a deploy with an explanation.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCodeServer, type CodeServer } from './support/codeServer';
import { openWorkbench, type Workbench } from './support/workbench';

describe('trusted workspace (examples/clean-app)', () => {
  let server: CodeServer;
  let wb: Workbench;

  before(async () => {
    server = await startCodeServer();
    wb = await openWorkbench(server, { trust: true });
  });
  after(async () => {
    await wb?.close();
    await server?.stop();
  });

  it('activates and shows the deploy button for the default environment', async () => {
    const button = wb.statusBarItem('local: clean-app');
    await button.waitFor({ timeout: 60_000 });
    assert.equal(await button.locator('.codicon-rocket').count(), 1, 'the button shows a rocket icon');
    assert.match((await button.getAttribute('aria-label')) ?? (await button.locator('a').getAttribute('aria-label')) ?? '', /ready to deploy/);
    await wb.screenshot('01-activated-status-bar');
    const log = server.extensionLog();
    assert.match(log, /activated in [\d.]+ ms; core bundles loaded during activation: none/);
  });
});

describe('Restricted Mode', () => {
  let server: CodeServer;
  let wb: Workbench;

  before(async () => {
    server = await startCodeServer();
    wb = await openWorkbench(server, { trust: false });
  });
  after(async () => {
    await wb?.close();
    await server?.stop();
  });

  it('refuses a deploy from the button and says why', async () => {
    const button = wb.statusBarItem('local: clean-app');
    await button.waitFor({ timeout: 60_000 });
    assert.equal(await button.locator('.codicon-workspace-untrusted').count(), 1, 'the button marks Restricted Mode');
    await button.click();
    const toast = wb.notification('Deploy is disabled in Restricted Mode');
    await toast.waitFor({ timeout: 20_000 });
    assert.match(await toast.innerText(), /not trusted/);
    await wb.screenshot('02-restricted-mode-refuses-deploy');
  });

  it('refuses a deploy from the command palette too', async () => {
    await wb.page.keyboard.press('Escape');
    await wb.runCommand('prodlike: Deploy');
    await wb.notification('Deploy is disabled in Restricted Mode').first().waitFor({ timeout: 20_000 });
  });
});
