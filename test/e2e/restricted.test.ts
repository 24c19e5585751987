// Restricted Mode in a real VS Code: the user answers "No, I don't trust the authors"; the
// extension still activates (untrustedWorkspaces: limited) and refuses to deploy, saying why.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCodeServer, type CodeServer } from './support/codeServer';
import { openWorkbench, type Workbench } from './support/workbench';

describe('Restricted Mode (examples/clean-app, not trusted)', () => {
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

  it('shows the deploy button, marked as restricted', async () => {
    const button = wb.statusBarItem('local: clean-app');
    await button.waitFor({ timeout: 60_000 });
    assert.equal(await button.locator('.codicon-workspace-untrusted').count(), 1, 'the button marks Restricted Mode');
  });

  it('refuses a deploy from the button and says why', async () => {
    await wb.statusBarItem('local: clean-app').click();
    const toast = wb.notification('Deploy is disabled in Restricted Mode');
    await toast.waitFor({ timeout: 20_000 });
    assert.match(await toast.innerText(), /not trusted/);
    await wb.screenshot('restricted-01-deploy-refused');
  });

  it('refuses a deploy from the command palette too', async () => {
    await wb.page.keyboard.press('Escape');
    await wb.runCommand('prodlike: Deploy');
    await wb.notification('Deploy is disabled in Restricted Mode').first().waitFor({ timeout: 20_000 });
  });

  it('refuses a rollback from the command palette', async () => {
    await wb.runCommand('prodlike: Roll Back…');
    const toast = wb.notification('Roll back is disabled in Restricted Mode');
    await toast.first().waitFor({ timeout: 20_000 });
    await wb.screenshot('restricted-02-rollback-refused');
  });
});
