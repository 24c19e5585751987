// Restricted Mode in a real VS Code, on examples/drifty-app: the user answers "No, I don't trust the
// authors"; the extension still activates (untrustedWorkspaces: limited), shows the parity findings
// read-only in Problems and the Parity view, and refuses to deploy or roll back, saying why.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT, startCodeServer, type CodeServer } from './support/codeServer';
import { openWorkbench, type Workbench } from './support/workbench';

describe('Restricted Mode (examples/drifty-app, not trusted)', () => {
  let server: CodeServer;
  let wb: Workbench;

  before(async () => {
    server = await startCodeServer({ from: join(ROOT, 'examples/drifty-app') });
    wb = await openWorkbench(server, { trust: false });
  });
  after(async () => {
    await wb?.close();
    await server?.stop();
  });

  it('shows the deploy button, marked as restricted', async () => {
    const button = wb.statusBarItem('local: drifty-app');
    await button.waitFor({ timeout: 60_000 });
    assert.equal(await button.locator('.codicon-workspace-untrusted').count(), 1, 'the button marks Restricted Mode');
  });

  it('refuses a deploy from the button and says why', async () => {
    await wb.statusBarItem('local: drifty-app').click();
    const toast = wb.notification('Deploy is disabled in Restricted Mode');
    await toast.waitFor({ timeout: 20_000 });
    assert.match(await toast.innerText(), /not trusted/);
    await wb.screenshot('restricted-01-deploy-refused');
  });

  it('refuses a deploy and a rollback from the command palette too', async () => {
    await wb.page.keyboard.press('Escape');
    await wb.runCommand('prodlike: Deploy');
    await wb.notification('Deploy is disabled in Restricted Mode').first().waitFor({ timeout: 20_000 });
    await wb.runCommand('prodlike: Roll Back…');
    await wb.notification('Roll back is disabled in Restricted Mode').first().waitFor({ timeout: 20_000 });
  });

  it('shows parity findings in Problems and in the Parity view (read-only checks run in Restricted Mode)', async () => {
    const rows = await wb.problems();
    const latest = rows.filter({ hasText: 'uses the `latest` tag' });
    await latest.first().waitFor({ timeout: 60_000 });
    assert.match(await latest.first().innerText(), /image-latest/, 'the rule id is the diagnostic code');
    await rows.filter({ hasText: 'Logs go to a file' }).first().waitFor();
    await wb.openProdlikeViews();
    await wb.treeItem('Parity', /^image-latest/).waitFor({ timeout: 30_000 });
    await wb.screenshot('restricted-02-parity-problems');
  });
});
