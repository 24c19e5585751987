/**
 * Playwright driving Debian's chromium against code-server: what a user sees and clicks. Helpers
 * find things the way a user does (visible text, accessible names), and every step can leave a
 * screenshot under test-results/e2e/ as an artefact.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { ROOT, type CodeServer } from './codeServer';

export const SCREENSHOTS = join(ROOT, 'test-results', 'e2e');

export interface Workbench {
  page: Page;
  server: CodeServer;
  /** Saves test-results/e2e/<name>.png. */
  screenshot(name: string): Promise<string>;
  /** The status-bar entry whose text contains `text`. */
  statusBarItem(text: string | RegExp): Locator;
  /** Runs a command from the palette (F1) by its title. */
  runCommand(title: string): Promise<void>;
  /** Notification toasts whose text contains `text`. */
  notification(text: string | RegExp): Locator;
  /** Opens the prodlike view container in the activity bar. */
  openProdlikeViews(): Promise<void>;
  /** A row of a tree view, found by its text (label and description). */
  treeItem(view: string, label: string | RegExp): Locator;
  /** Hovers a tree row and clicks its inline action. */
  inlineAction(row: Locator, title: string): Promise<void>;
  /** A button of the modal dialog. */
  dialogButton(name: string): Locator;
  /** The text the visible terminal shows. */
  terminalText(): Promise<string>;
  /** Rows of the Problems panel (opened if needed), narrowed by its filter box when `filter` is given (else unfiltered). */
  problems(filter?: string): Promise<Locator>;
  /**
   * The entry of the open quick-fix menu (the editor's light bulb, or the Problems panel's fixes
   * menu) whose title matches, moved to with the keyboard so Enter applies it.
   */
  focusQuickFix(title: RegExp): Promise<Locator>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Answer to "Do you trust the authors of the files in this folder?". */
  trust: boolean;
}

export async function openWorkbench(server: CodeServer, options: OpenOptions): Promise<Workbench> {
  const browser: Browser = await chromium.launch({
    executablePath: process.env.PRODLIKE_E2E_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${server.url}/?folder=${encodeURIComponent(server.workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });

    // A fresh profile asks whether the folder's authors are trusted (Workspace Trust).
    const answer = options.trust ? 'Yes, I trust the authors' : "No, I don't trust the authors";
    const button = page.getByRole('button', { name: answer });
    await button.waitFor({ timeout: 60_000 });
    await button.click();
    await button.waitFor({ state: 'detached', timeout: 30_000 });

    mkdirSync(SCREENSHOTS, { recursive: true });
    const wb: Workbench = {
      page,
      server,
      async screenshot(name) {
        const file = join(SCREENSHOTS, `${name}.png`);
        await page.screenshot({ path: file });
        return file;
      },
      statusBarItem(text) {
        return page.locator('#workbench\\.parts\\.statusbar .statusbar-item').filter({ hasText: text });
      },
      async runCommand(title) {
        await page.keyboard.press('F1');
        const input = page.locator('.quick-input-widget input');
        await input.waitFor();
        await input.fill(`>${title}`);
        const row = page.locator('.quick-input-list .monaco-list-row').filter({ hasText: title }).first();
        await row.waitFor();
        await input.press('Enter');
      },
      notification(text) {
        return page.locator('.notifications-toasts .notification-toast').filter({ hasText: text });
      },
      async openProdlikeViews() {
        const tab = page.locator('.activitybar .action-item a[aria-label^="prodlike"]').first();
        await tab.waitFor({ timeout: 30_000 });
        const item = tab.locator('xpath=..');
        // The item, not its label: a badge (the Parity view's count) covers the label's centre.
        if (!((await item.getAttribute('class')) ?? '').includes('checked')) await item.click();
      },
      treeItem(view, label) {
        const pane = page.locator('.pane').filter({ has: page.locator('.pane-header', { hasText: view }) });
        return pane.locator('.monaco-list-row').filter({ hasText: label });
      },
      async inlineAction(row, title) {
        await row.hover();
        await row.locator(`.actions .action-label[aria-label="${title}"]`).click();
      },
      dialogButton(name) {
        return page.locator('.monaco-dialog-box').getByRole('button', { name });
      },
      async terminalText() {
        return (await page.locator('.terminal-wrapper.active .xterm-rows, .xterm-rows').last().innerText()).replace(/\u00a0/g, ' ');
      },
      async problems(filter) {
        const panel = page.locator('.markers-panel');
        if (!(await panel.isVisible())) await page.keyboard.press('Control+Shift+M');
        await panel.waitFor();
        // The list is virtual: rows scrolled out of the panel are not in the page, so long lists are filtered.
        const box = page.locator('.part.panel .viewpane-filter input');
        if (filter !== undefined || (await box.count()) > 0) {
          // The panel can reset its filter box while it is still setting up: fill it until it keeps the text.
          for (let i = 0; i < 20; i++) {
            await box.first().fill(filter ?? '');
            await page.waitForTimeout(250);
            if ((await box.first().inputValue()) === (filter ?? '')) break;
          }
        }
        return panel.locator('.monaco-list-row');
      },
      async focusQuickFix(title) {
        // The editor's menu is an action widget (its pointer block swallows clicks); the panel's is a context menu.
        const entries = page.locator('.action-widget .monaco-list-row, .context-view .monaco-menu .action-item:not(.disabled)');
        const fix = entries.filter({ hasText: title }).first();
        await fix.waitFor({ timeout: 20_000 });
        for (let i = 0; i < 20 && !/\bfocused\b/.test((await fix.getAttribute('class')) ?? ''); i++) await page.keyboard.press('ArrowDown');
        if (!/\bfocused\b/.test((await fix.getAttribute('class')) ?? '')) throw new Error(`quick fix ${title} could not be focused; menu: ${(await entries.allInnerTexts()).join(' | ')}`);
        return fix;
      },
      async close() {
        await browser.close();
      },
    };
    return wb;
  } catch (e) {
    await browser.close();
    throw e;
  }
}
