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
    // Three views share the side bar: collapse Clusters so the Parity view has room for every rule.
    await wb.page.locator('.pane-header').filter({ hasText: /^Clusters/ }).click();
    await wb.treeItem('Parity', /^image-latest/).waitFor({ timeout: 30_000 });
    await wb.screenshot('restricted-02-parity-problems');
  });

  it('offers a quick fix for a missing readiness probe, and applying it writes a probe skeleton', async () => {
    const rows = await wb.problems();
    const missing = rows.filter({ hasText: 'has no readinessProbe' }).first();
    await missing.waitFor({ timeout: 30_000 });
    // A double click opens the problem's location in an editor and focuses it; the light bulb's menu lists the fix.
    await missing.dblclick();
    const editor = wb.page.locator('.editor-instance .monaco-editor').first();
    await editor.waitFor();
    await wb.page.keyboard.press('Control+Period');
    const fix = wb.page.locator('.action-widget .monaco-list-row').filter({ hasText: 'Add a readinessProbe' });
    await fix.waitFor({ timeout: 20_000 });
    await wb.screenshot('restricted-03-quick-fix');
    // The menu's pointer block swallows clicks; a user applies the focused fix with Enter.
    assert.match((await fix.getAttribute('class')) ?? '', /focused/, 'the fix is the focused entry');
    await wb.page.keyboard.press('Enter');
    await editor.locator('.view-lines').filter({ hasText: 'readinessProbe:' }).waitFor({ timeout: 10_000 });
    // Monaco renders spaces as no-break spaces.
    assert.match((await editor.locator('.view-lines').innerText()).replace(/\u00a0/g, ' '), /readinessProbe:[\s\S]*path: \/healthz[\s\S]*port: 8080/);
  });
});

