// Drives VS Code (code-server) in headless Chromium, as a person would: run an
// Orchestra command from the palette, watch its progress, tick only the first hunk
// in the Refactor Preview, apply, and look at the run's log. Called by
// test_vscode_e2e.py, which starts code-server and checks the disk and journal after.
//
// Then a second run with an approve gate (revised, then edited and approved) and the per-file
// review in a diff editor; a third from the light bulb; a fourth cancelled.
//
// env: CODE_SERVER_URL, WORKSPACE, ARTIFACTS, README_SCREENSHOT (optional)
// Exit 0 on success; on failure prints why and leaves failure.png in ARTIFACTS.

import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';

const require = createRequire(new URL('./node/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const url = process.env.CODE_SERVER_URL;
const workspace = process.env.WORKSPACE;
const artifacts = process.env.ARTIFACTS;
const readmeShot = process.env.README_SCREENSHOT;
const t0 = Date.now();

const QUICK_INPUT = '.quick-input-widget .quick-input-box input';
const STATUS = '[id="orchestra.orchestra.orchestra.status"]';
const RUN_ENTRY = '[id^="orchestra.orchestra.orchestra.run."]';
const OUTPUT = '.part.panel .monaco-editor .view-lines';

function log(message) {
  console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${message}`);
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`) });
  log(`screenshot ${name}.png`);
}

// An element's text with its white space folded into single spaces.
function oneLine(text) {
  return text.replace(/\s+/g, ' ');
}

// Fails unless `text` holds each of `expected`; `what` names the text in the error.
function requireAll(text, expected, what) {
  for (const piece of expected) {
    if (!text.includes(piece)) throw new Error(`${what} lacks ${JSON.stringify(piece)}:${text.includes('\n') ? '\n' : ' '}${text}`);
  }
}

// The text of an element Monaco may re-render under us: read again until it stays.
async function textOf(locator, timeout = 15000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      return (await locator.innerText({ timeout: 2000 })).replace(/\u00a0/g, ' ');
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
  }
}

// The rows of the open quick pick (palette, picker or menu) that show `text`.
function quickRow(page, text) {
  return page.locator('.quick-input-widget .monaco-list-row', { hasText: text });
}

// The quick input (picker or input box) while its title or prompt shows `text`.
function quickInput(page, text) {
  return page.locator('.quick-input-widget', { hasText: text });
}

// The notification toasts that show `text`.
function toast(page, text) {
  return page.locator('.notifications-toasts .notification-toast', { hasText: text });
}

async function palette(page, text) {
  await page.keyboard.press('F1');
  const input = page.locator(QUICK_INPUT);
  await input.waitFor({ state: 'visible', timeout: 15000 });
  await input.fill(`>${text}`);
  const rows = quickRow(page, text);
  await rows.first().waitFor({ state: 'visible', timeout: 15000 });
  // The command whose name is closest to the text ("Run Command…", not "Run Command on Several…").
  const labels = (await rows.locator('.label-name').allInnerTexts()).map((l) => l.trim());
  const best = labels.reduce((at, label, i) => (label.length < labels[at].length ? i : at), 0);
  await rows.nth(best).click();
}

// In the open quick pick: wait for the row of `text` (with `only`, the one row showing
// it), type the text and take the row with Enter.
async function choose(page, text, { timeout = 15000, only = false } = {}) {
  const rows = quickRow(page, text);
  await (only ? rows : rows.first()).waitFor({ timeout });
  await page.locator(QUICK_INPUT).fill(text);
  await page.keyboard.press('Enter');
}

// Orchestra: Run Command, then the command `name` (the one row showing it).
async function runCommand(page, name) {
  await palette(page, 'Orchestra: Run Command');
  await choose(page, name, { timeout: 30000, only: true });
}

// Show Runs, the run of `command`, then `action` in its menu (Undo Run…, Resume Run…).
async function runAction(page, command, action) {
  await palette(page, 'Orchestra: Show Runs');
  await choose(page, command);
  await choose(page, action);
}

// Quick Open (Ctrl+P) of `name`; done when an editor shows `shown`.
async function openFile(page, name, shown) {
  await page.keyboard.press('Control+P');
  await page.locator(QUICK_INPUT).fill(name);
  await quickRow(page, name).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.monaco-editor .view-lines', { hasText: shown }).first().waitFor({ timeout: 15000 });
}

// The extension started the server: its status-bar item says just "Orchestra". Returns the item.
async function serverRunning(page) {
  const statusItem = page.locator(STATUS);
  await statusItem.filter({ hasText: /^\s*Orchestra$/ }).waitFor({ state: 'visible', timeout: 60000 });
  return statusItem;
}

// The run log (Orchestra: Show Log) once it shows `shown`: the text of its view, which
// shows the log's end (Monaco renders only visible lines).
async function runLog(page, shown) {
  await palette(page, 'Orchestra: Show Log');
  const output = page.locator(OUTPUT);
  await output.filter({ hasText: shown }).first().waitFor({ state: 'visible', timeout: 15000 });
  return (await output.first().innerText()).replace(/\u00a0/g, ' ');
}

// The refactor actions of the selection, once they offer explain-selection (highlighted:
// Enter takes it).
async function explainAction(page) {
  await palette(page, 'Refactor...');
  const action = page.locator('.action-widget .monaco-list-row', { hasText: 'Orchestra: Explain the selected code' }).first();
  await action.waitFor({ state: 'visible', timeout: 15000 });
}

// The Refactor Preview once it is open (and, given `row`, lists it). Returns the panel.
async function refactorPreview(page, row) {
  const panel = page.locator('.bulk-edit-panel');
  await panel.waitFor({ state: 'visible', timeout: 60000 });
  if (row) await panel.locator('.monaco-list-row', { hasText: row }).first().waitFor({ timeout: 15000 });
  return panel;
}

function applyButton(panel) {
  return panel.locator('.monaco-button', { hasText: 'Apply' }).first();
}

// Done when `count` runs' events.jsonl hold their run_finished (the test then checks
// the disk and the journal); `what` names the run that did not finish.
async function runsFinished(page, count, what) {
  const runs = path.join(workspace, '.orchestra', 'runs');
  const ended = () => fs.readdirSync(runs).filter((id) => {
    const events = path.join(runs, id, 'events.jsonl');
    return fs.existsSync(events) && fs.readFileSync(events, 'utf8').includes('"run_finished"');
  }).length;
  for (const deadline = Date.now() + 60000; ended() < count; await page.waitForTimeout(200)) {
    if (Date.now() > deadline) throw new Error(`${what} did not finish`);
  }
}

// A fresh headless Chromium on the workbench at `${url}/?${query}`.
async function openWorkbench(query, loaded) {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('pageerror', (error) => log(`page error: ${error.message}`));
  await page.goto(`${url}/?${query}`);
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60000 });
  log(loaded);
  return { browser, page };
}

function launch() {
  return openWorkbench(`folder=${encodeURIComponent(workspace)}`, 'workbench loaded');
}

// The workbench on a .code-workspace file (WORKSPACE_FILE) instead of a folder.
function launchWorkspaceFile() {
  return openWorkbench(`workspace=${encodeURIComponent(process.env.WORKSPACE_FILE)}`, 'workbench loaded on the workspace file');
}

// A scenario: `body(page)` in a workbench `open` gives, closed after. On a failure the
// page as it was is left in ARTIFACTS as `failureShot`.png.
function scenario(failureShot, body, open = launch) {
  return async () => {
    const { browser, page } = await open();
    try {
      await body(page);
      log('done');
    } catch (error) {
      await page.screenshot({ path: path.join(artifacts, `${failureShot}.png`) }).catch(() => {});
      throw error;
    } finally {
      await browser.close();
    }
  };
}

// Expand every file of the Refactor Preview, so that each hunk has a row of its own.
async function expandAll(panel) {
  for (let i = 0; i < 10; i++) {
    const collapsed = panel.locator('.monaco-list-row[aria-expanded="false"]');
    if ((await collapsed.count()) === 0) return;
    // A row may re-render under the click: try again, the caller checks what it needs.
    await collapsed.first().locator('.monaco-tl-twistie').click({ timeout: 3000 }).catch(() => undefined);
  }
}

// The hunk rows: the tree's leaves (files have aria-expanded) that show a change (the
// empty row that makes VS Code open the preview shows none).
function hunkRows(panel) {
  return panel.locator('.monaco-list-row:not([aria-expanded])')
    .filter({ has: panel.page().locator('input.edit-checkbox') })
    .filter({ has: panel.page().locator('.insert, .remove') });
}

// Each hunk row's text and whether it is ticked.
async function hunkStates(panel) {
  const states = [];
  for (const row of await hunkRows(panel).all()) {
    states.push({ text: oneLine(await row.innerText()), checked: await row.locator('input.edit-checkbox').isChecked() });
  }
  return states;
}

// Every hunk starts ticked (orchestra.review.startTicked), so the diff shows the change.
async function expectAllTicked(panel, rows) {
  for (const row of rows) {
    if (!(await row.locator('input.edit-checkbox').isChecked())) {
      throw new Error(`the review did not start with every hunk ticked: ${JSON.stringify(await hunkStates(panel))}`);
    }
  }
}

async function tick(row) {
  const box = row.locator('input.edit-checkbox');
  if (!(await box.isChecked())) await box.check();
}

// `keep` ticked, `drop` not.
async function tickOnly(keep, drop) {
  await tick(keep);
  const dropBox = drop.locator('input.edit-checkbox');
  if (await dropBox.isChecked()) await dropBox.uncheck();
}

// Tick every hunk in the Refactor Preview, and make sure each stays ticked before Apply.
// Only the hunk rows are clicked, each with check() (a click, then the state confirmed):
// a file's box toggles its hunks too and their rows re-render a moment later, so a hunk
// box read as unticked just before that, then clicked, was unticked again — on a loaded
// machine the preview was applied with nothing ticked ("the editor did not apply").
async function tickAll(panel, expectedHunks) {
  await expandAll(panel);
  const deadline = Date.now() + 30000;
  let stable = 0;
  let states = [];
  while (Date.now() < deadline) {
    states = await hunkStates(panel);
    const unticked = states.filter((s) => !s.checked);
    if (states.length >= expectedHunks && unticked.length === 0) {
      if (++stable >= 2) return; // still all ticked a moment later
    } else {
      stable = 0;
      for (const row of await hunkRows(panel).all()) await row.locator('input.edit-checkbox').check().catch(() => undefined);
    }
    await panel.page().waitForTimeout(300);
  }
  throw new Error(`could not tick all ${expectedHunks} hunks in the Refactor Preview: ${JSON.stringify(states)}`);
}

// A run's own status-bar entry, then Stop Run in its menu.
async function stopFromStatusEntry(page, text) {
  const entry = page.locator(RUN_ENTRY, { hasText: text }).first();
  await entry.waitFor({ state: 'visible', timeout: 30000 });
  await entry.click();
  const row = quickRow(page, 'Stop Run').first();
  await row.waitFor({ state: 'visible', timeout: 10000 });
  await row.click();
}

// The language server the extension started: this checkout's `orchestra serve` (found by
// its full path in the command line, never by name alone).
function serverPid() {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const at = argv.indexOf(process.env.ORCHESTRA);
      if (at >= 0 && argv[at + 1] === 'serve') return Number(entry);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return undefined;
}

// The server command points nowhere: a message says so, and how to fix it.
const startFailure = scenario('failure-start', async (page) => {
  const message = toast(page, 'the language server cannot start');
  await message.waitFor({ state: 'visible', timeout: 60000 });
  const text = oneLine(await message.innerText());
  log(`message: ${text}`);
  requireAll(text, [process.env.MISSING, 'does not exist or is not executable', 'pip install orchestra-lsp', 'orchestra.server.command'], 'the message');
  await shot(page, 'start-failure');
  await message.locator('.monaco-button', { hasText: 'Open Settings' }).click();
  await page.locator('.settings-editor', { hasText: 'Server: Command' }).waitFor({ state: 'visible', timeout: 15000 });
  await shot(page, 'start-failure-settings');
  await page.locator(STATUS, { hasText: 'server not running' }).waitFor({ state: 'visible', timeout: 30000 });
});

const main = scenario('failure', async (page) => {
  const input = page.locator(QUICK_INPUT);

  // The extension activates on .orchestra and starts the server: the status bar says so.
  const statusItem = await serverRunning(page);
  log('extension active, server running');

  // Open the file the run will change, so the Refactor Preview edits its buffer.
  await openFile(page, 'greet.py', 'def hello');

  // Palette: Orchestra: Run Command… lists the repository's command with its source.
  await palette(page, 'Orchestra: Run Command');
  const commandRow = quickRow(page, 'polish-greetings');
  await commandRow.waitFor({ state: 'visible', timeout: 30000 });
  const rowText = await commandRow.innerText();
  if (!rowText.includes('repository') || !rowText.includes('Make the greetings friendlier') || !rowText.includes('polish-greetings <name>')) {
    throw new Error(`the command's row lacks its source, description or argument hint: ${JSON.stringify(rowText)}`);
  }
  // The repository's commands come first, built-ins last; a built-in whose MCP server
  // is missing here says so.
  const labels = (await page.locator('.quick-input-widget .monaco-list-row .label-name').allInnerTexts()).map((t) => t.trim());
  const firstBuiltin = labels.findIndex((l) => l.startsWith('explain-selection'));
  const lastRepository = Math.max(...['polish-greetings', 'sign-off-goodbye'].map((n) => labels.findIndex((l) => l.startsWith(n))));
  if (lastRepository < 0 || firstBuiltin < 0 || lastRepository > firstBuiltin) {
    throw new Error(`the picker does not list the repository's commands first: ${JSON.stringify(labels)}`);
  }
  await input.fill('qa-ticket');
  const qaRow = quickRow(page, 'qa-ticket').first();
  await qaRow.filter({ hasText: "unavailable: needs the MCP server 'tickets'" }).waitFor({ state: 'visible', timeout: 30000 });
  await shot(page, 'palette-unavailable');
  await input.fill('');
  await shot(page, 'palette');
  await input.fill('polish-greetings');
  await page.keyboard.press('Enter');

  // One input box per argument; a required one refuses to be empty.
  await quickInput(page, 'Who to greet').waitFor({ state: 'visible', timeout: 30000 });
  await page.keyboard.press('Enter');
  await quickInput(page, 'name is required').waitFor({ state: 'visible', timeout: 30000 });
  log('empty required argument refused');
  await shot(page, 'argument');
  await input.fill('Ada');
  await page.keyboard.press('Enter');
  log('command started');

  // Progress: a notification with the run's step, tokens and cost, and a cancel button.
  const progress = toast(page, 'Orchestra: polish-greetings');
  await progress.waitFor({ state: 'visible', timeout: 30000 });
  log(`progress: ${oneLine(await progress.innerText())}`);
  await shot(page, 'progress');

  // The Refactor Preview opens with the two proposed hunks, unticked.
  const panel = await refactorPreview(page, 'Hello');
  const rows = panel.locator('.monaco-list-row');
  // Expand everything so each hunk has its own row.
  for (let i = 0; i < 5; i++) {
    const collapsed = panel.locator('.monaco-list-row[aria-expanded="false"]');
    if ((await collapsed.count()) === 0) break;
    await collapsed.first().locator('.monaco-tl-twistie').click();
  }
  const rowTexts = await rows.allInnerTexts();
  log(`preview rows: ${JSON.stringify(rowTexts.map(oneLine))}`);
  const hello = rows.filter({ hasText: 'Hello' }).filter({ has: page.locator('input.edit-checkbox') }).last();
  const bye = rows.filter({ hasText: 'Bye' }).filter({ has: page.locator('input.edit-checkbox') }).last();
  if ((await bye.count()) === 0) throw new Error('the second hunk has no row of its own in the preview');
  await expectAllTicked(panel, [hello, bye]);
  await shot(page, 'review-start-ticked');
  // Above the review: a page with the agent's summary of the change and the files.
  const summary = page.locator('.monaco-editor .view-lines', { hasText: 'What developer says' });
  await summary.first().waitFor({ state: 'visible', timeout: 15000 });
  const summaryText = await textOf(summary.first());
  requireAll(summaryText, ['# Review: polish-greetings name="Ada"', '> Both greetings are friendlier now', '`greet.py` — changed, 2 hunks', 'Refactor Preview'], 'the review summary');
  await page.locator('.tabs-container .tab', { hasText: 'Review of polish-greetings.md' }).first().waitFor({ timeout: 30000 });
  await shot(page, 'review-summary');
  await tickOnly(hello, bye);
  await hello.locator('.monaco-icon-label, .label-name, .monaco-highlighted-label').first().click();
  // No progress notification over the hunk list: it closed when the review opened.
  await toast(page, 'Orchestra: polish-greetings').first().waitFor({ state: 'hidden', timeout: 30000 });
  await page.locator('.part.editor .monaco-diff-editor', { hasText: 'Welcome.' }).first().waitFor({ state: 'visible', timeout: 30000 });
  await shot(page, 'review');
  if (readmeShot) {
    fs.mkdirSync(path.dirname(readmeShot), { recursive: true });
    await page.screenshot({ path: readmeShot });
  }

  await applyButton(panel).click();
  log('applied the first hunk only');

  // The run goes on and finishes; the status bar shows it with its cost.
  await toast(page, 'polish-greetings finished').waitFor({ state: 'visible', timeout: 60000 });
  const doneStatus = statusItem.filter({ hasText: /Orchestra: polish-greetings · \$/ });
  await doneStatus.waitFor({ state: 'visible', timeout: 30000 });
  log(`status bar: ${await doneStatus.innerText()}`);
  await shot(page, 'finished');

  // The run's log: agent, tool calls with durations, tokens and cost.
  const logText = await runLog(page, '← edit');
  requireAll(logText, ['· developer · ', '← edit · ', ' in (', ' out · $', '✎ greet.py: applied in the editor (unsaved) (1 accepted, 1 rejected)', '✎ greet.py: saved', 'finished · $'], 'the run log');
  await shot(page, 'log');

  // Second run: switch the review to the diff editor (the server restarts for it).
  await palette(page, 'Orchestra: Choose Review Mode');
  await choose(page, 'Diff editor', { timeout: 30000, only: true });
  await page.locator(OUTPUT).filter({ hasText: 'server ready (review: diff editor)' }).first().waitFor({ state: 'visible', timeout: 30000 });
  log('server restarted for the diff-editor review');

  await runCommand(page, 'sign-off-goodbye');

  // The agent asks a question (orchestra/ask): an input box.
  await quickInput(page, 'How should goodbye() sound?').waitFor({ state: 'visible', timeout: 30000 });
  await shot(page, 'ask');
  await input.fill('warmly');
  await page.keyboard.press('Enter');
  log('question answered');

  // The approve gate: a notification with Approve / Revise / Stop. Revise first: an
  // input box takes the feedback, and the step runs again with it.
  const gate = toast(page, "Step 'plan' (greeter) is done");
  await gate.filter({ hasText: 'hope to see them again' }).waitFor({ state: 'visible', timeout: 30000 });
  await shot(page, 'approve');
  await gate.locator('.monaco-button', { hasText: 'Revise' }).click();
  await quickInput(page, "What should 'plan' change?").waitFor({ state: 'visible', timeout: 15000 });
  await input.fill('Keep it to two words');
  await page.keyboard.press('Enter');
  log('plan sent back with feedback');
  const revised = gate.filter({ hasNotText: 'hope to see them again' });
  await revised.waitFor({ state: 'visible', timeout: 30000 });
  await shot(page, 'approve-revised');
  // Edit… opens the plan as a document; the edited plan is approved from the editor title.
  await revised.locator('.monaco-button', { hasText: 'Edit…' }).click();
  const planLine = page.locator('.part.editor .monaco-editor .view-line', { hasText: 'Plan: make goodbye() say Goodbye, {name}!' });
  await planLine.first().waitFor({ state: 'visible', timeout: 15000 });
  await planLine.first().click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type(' Edited by hand.');
  await shot(page, 'approve-edit');
  await page.locator('.editor-actions [aria-label="Approve the Edited Output"]').first().click();
  log('revised plan edited and approved');

  // The review: a diff editor per file, Accept / Reject in the editor title.
  const offer = toast(page, 'Review them file by file?');
  await offer.waitFor({ state: 'visible', timeout: 30000 });
  // The agent's summary opens beside the diffs.
  const besides = page.locator('.monaco-editor .view-lines', { hasText: 'What developer says' }).filter({ hasText: 'Accept This File' });
  await besides.first().waitFor({ state: 'visible', timeout: 15000 });
  await offer.locator('.monaco-button', { hasText: 'Review' }).click();
  await quickInput(page, 'changes proposed by developer').waitFor({ state: 'visible', timeout: 15000 });
  await quickRow(page, 'greet.py').waitFor();
  await page.keyboard.press('Enter');
  const diff = page.locator('.monaco-diff-editor').filter({ hasText: 'Goodbye, {name}!' });
  await diff.first().waitFor({ state: 'visible', timeout: 30000 });
  await shot(page, 'diff-review');
  await page.locator('.editor-actions [aria-label="Accept This File"]').first().click();
  log('file accepted from the editor title');

  await toast(page, 'sign-off-goodbye finished').waitFor({ state: 'visible', timeout: 60000 });
  await shot(page, 'finished-2');

  // Show Runs: the journal's runs, newest first.
  await palette(page, 'Orchestra: Show Runs');
  await quickRow(page, 'sign-off-goodbye').first().waitFor({ timeout: 15000 });
  await quickRow(page, 'polish-greetings Ada').first().waitFor({ timeout: 15000 });
  await shot(page, 'runs');
  await page.keyboard.press('Escape');

  // Show Context: what a step would send, per source, in tokens.
  await palette(page, 'Orchestra: Show Context');
  await choose(page, 'polish-greetings');
  await page.locator('.monaco-editor .view-lines', { hasText: 'Context of polish-greetings' }).first().waitFor({ timeout: 15000 });
  await shot(page, 'context');
  log('runs and context shown');

  // A third run from the light bulb: select hello() in greet.py, open the refactor
  // actions, pick the built-in explain-selection; its answer opens as the report.
  await page.locator('.tabs-container .tab', { hasText: 'greet.py' }).first().click();
  const lines = page.locator('.monaco-editor .view-lines', { hasText: 'def hello' }).first();
  await lines.waitFor({ timeout: 15000 });
  await lines.locator('.view-line', { hasText: 'def hello' }).first().click();
  await page.keyboard.press('Home');
  await page.keyboard.press('Shift+ArrowDown');
  await page.keyboard.press('Shift+ArrowDown');
  await explainAction(page);
  await shot(page, 'code-action');
  await page.keyboard.press('Enter');  // the only action is the one highlighted
  log('explain-selection picked from the refactor actions');
  const report = page.locator('.monaco-editor .view-lines', { hasText: 'EXPLAINED-BY-THE-LIGHT-BULB' });
  await report.first().waitFor({ state: 'visible', timeout: 60000 });
  await shot(page, 'code-action-report');
  log('the explanation opened as the run report');
  // The run ended: its progress notification (with Cancel) goes away, however short it was.
  await toast(page, 'Orchestra: explain-selection')
    .filter({ has: page.locator('.monaco-button', { hasText: 'Cancel' }) })
    .first().waitFor({ state: 'hidden', timeout: 30000 });

  // A fourth run, cancelled from its progress notification while the model thinks.
  await palette(page, 'Orchestra: Run Command');
  await choose(page, 'polish-greetings');
  await quickInput(page, 'Who to greet').waitFor({ state: 'visible', timeout: 30000 });
  await input.fill('Bob');
  await page.keyboard.press('Enter');
  const running = toast(page, 'Orchestra: polish-greetings')
    .filter({ has: page.locator('.monaco-button', { hasText: 'Cancel' }) });
  await running.first().waitFor({ state: 'visible', timeout: 30000 });
  // While the model thinks, the notification says so, with a clock, the arguments and
  // the run id; the run has a status-bar entry of its own.
  await running.filter({ hasText: /waiting for the model \(([2-9]|\d{2,}) s\)/ }).filter({ hasText: 'name="Bob"' })
    .filter({ hasText: /· run \d{8}-\d{6}-/ }).first().waitFor({ state: 'visible', timeout: 30000 });
  const runEntry = page.locator(RUN_ENTRY, { hasText: /polish-greetings Bob · model \d+ s/ });
  await runEntry.first().waitFor({ state: 'visible', timeout: 30000 });
  log(`progress: ${oneLine(await running.first().innerText())} | status: ${await runEntry.first().innerText()}`);
  await shot(page, 'progress-waiting');
  if (readmeShot) await page.screenshot({ path: path.join(path.dirname(readmeShot), 'progress.png') });
  // The run's entry opens its menu.
  await runEntry.first().click();
  const menu = quickInput(page, 'Stop Run').filter({ hasText: 'Show Log' });
  await menu.waitFor({ state: 'visible', timeout: 30000 });
  await shot(page, 'run-menu');
  await page.keyboard.press('Escape');
  await running.first().locator('.monaco-button', { hasText: 'Cancel' }).click();
  // It ends `stopped`, as the CLI says (the protocol's state stays `cancelled`).
  await statusItem.filter({ hasText: /polish-greetings stopped/ }).waitFor({ state: 'visible', timeout: 30000 });
  log('run stopped');
  await shot(page, 'cancelled');

  // A typo in an agent file: the light bulb offers the exact fix, and no agent run
  // (fix-diagnostic is a quick fix everywhere else).
  await openFile(page, 'greeter.md', 'max_turns: 5');
  const agentLine = page.locator('.monaco-editor .view-line', { hasText: 'max_turns: 5' }).first();
  await agentLine.waitFor({ timeout: 15000 });
  await agentLine.click();
  await page.keyboard.press('Home');
  await page.keyboard.type('x');
  await page.keyboard.press('Escape');
  await page.locator('.monaco-editor .squiggly-error').first().waitFor({ state: 'attached', timeout: 30000 });
  await page.keyboard.press('Control+.');
  const fixes = page.locator('.action-widget');
  await fixes.locator('.monaco-list-row', { hasText: 'Change to' }).first().waitFor({ state: 'visible', timeout: 15000 });
  const fixTexts = (await fixes.locator('.monaco-list-row').allInnerTexts()).map(oneLine);
  log(`quick fixes: ${JSON.stringify(fixTexts)}`);
  if (fixTexts.some((t) => t.includes('Orchestra'))) throw new Error(`an agent run is offered as a fix of a configuration typo: ${JSON.stringify(fixTexts)}`);
  await shot(page, 'quick-fix-config');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+Z');

  // Template completion knows where it is: in polish-greetings, `{{` offers its own
  // argument, never another command's steps (sign-off-goodbye's plan and apply).
  await palette(page, 'View: Close All Editors');
  await page.locator('.tabs-container .tab').first().waitFor({ state: 'detached', timeout: 10000 }).catch(() => undefined);
  await page.keyboard.press('Control+P');
  await input.fill('polish-greetings.md');
  await quickRow(page, 'polish-greetings.md').first().click();
  const promptLine = page.locator('.monaco-editor .view-line', { hasText: 'use {{name}} in the examples' }).first();
  await promptLine.waitFor({ timeout: 15000 });
  await promptLine.click();
  await page.keyboard.press('End');
  await page.keyboard.type(' {{');
  const suggest = page.locator('.editor-widget.suggest-widget .monaco-list-row');
  await suggest.filter({ hasText: /^\s*name/ }).first().waitFor({ state: 'visible', timeout: 30000 });
  const offered = (await suggest.allInnerTexts()).map((t) => oneLine(t).trim());
  log(`completion after {{: ${JSON.stringify(offered)}`);
  if (!offered.some((t) => t.startsWith('name'))) throw new Error(`{{ does not offer the command's argument: ${JSON.stringify(offered)}`);
  if (offered.some((t) => /steps\.(plan|apply)|steps\.design/.test(t))) throw new Error(`{{ offers another command's names: ${JSON.stringify(offered)}`);
  await shot(page, 'template-completion');
  await page.keyboard.press('Escape');
});

// Issue 11 case 1: a change to a file that is not open (NOTES.md) and to one that is
// (greet.py), both ticked in the Refactor Preview and applied. The log must say what the
// server read back: NOTES.md written to disk by VS Code, greet.py in its buffer, saved.
const notOpen = scenario('failure-not-open', async (page) => {
  await serverRunning(page);
  await openFile(page, 'greet.py', 'def hello');
  await runCommand(page, 'touch-up');
  log('command started');
  const panel = await refactorPreview(page, 'NOTES.md');
  await tickAll(panel, 2);
  await shot(page, 'not-open-review');
  await applyButton(panel).click();
  log('applied both files');
  await toast(page, 'touch-up finished').waitFor({ state: 'visible', timeout: 60000 });
  const logText = await runLog(page, 'NOTES.md');
  // greet.py is open: read back from its buffer, saved or not yet (VS Code may save it
  // with the other files of the edit); NOTES.md only once VS Code has written it.
  if (!logText.includes('✎ NOTES.md: applied (1 accepted, 0 rejected)') ||
      !/✎ greet\.py: applied( in the editor \(unsaved\))? \(1 accepted, 0 rejected\)/.test(logText)) {
    throw new Error(`the run log lacks the read-back outcomes:\n${logText}`);
  }
  await shot(page, 'not-open-log');
});

// Issue 11 case 2: the run is stopped from its status-bar entry's menu while the
// Refactor Preview is open: the preview is withdrawn, nothing lands, no raw error shows.
const cancelReview = scenario('failure-cancel-review', async (page) => {
  const statusItem = await serverRunning(page);
  await runCommand(page, 'touch-up');
  const panel = await refactorPreview(page, 'NOTES.md');
  await shot(page, 'cancel-review-open');
  // The progress notification closed when the review opened (it would cover the hunk
  // list): the run's status-bar entry says so, and its menu stops the run.
  await stopFromStatusEntry(page, /touch-up · your review/);
  log('stopped during the review');
  await statusItem.filter({ hasText: /touch-up stopped/ }).waitFor({ state: 'visible', timeout: 30000 });
  await applyButton(panel).waitFor({ state: 'hidden', timeout: 30000 });
  log('the preview was withdrawn');
  await page.waitForTimeout(1500);
  const toasts = oneLine(await page.locator('.notifications-toasts').innerText().catch(() => ''));
  if (/CANCELLED|Future at|Error in server/.test(toasts)) throw new Error(`a raw error reached the person: ${toasts}`);
  await shot(page, 'cancel-review-done');
});

// Issue 11 case 3: the window is reloaded while the Refactor Preview is open. The run
// is interrupted, not cancelled; Review Proposal offers it again and it lands.
const reloadReview = scenario('failure-reload-review', async (page) => {
  const statusItem = await serverRunning(page);
  await runCommand(page, 'touch-up');
  await refactorPreview(page);
  await shot(page, 'reload-review-open');
  const reloaded = page.waitForEvent('load', { timeout: 60000 });
  await palette(page, 'Developer: Reload Window');
  log('window reloading');
  await reloaded;
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60000 });
  await statusItem.filter({ hasText: /Orchestra/ }).first().waitFor({ state: 'visible', timeout: 60000 });
  log('window reloaded');
  // The new window says what became of the run, and offers its review again.
  const said = toast(page, 'the window reloaded while touch-up');
  await said.waitFor({ state: 'visible', timeout: 30000 });
  const saidText = oneLine(await said.innerText());
  log(`after the reload: ${saidText}`);
  requireAll(saidText, ['was waiting for your review', 'The run stopped there (interrupted)', 'nothing is lost: its proposed changes are kept for your review'], 'the reload message');
  await shot(page, 'reload-review-offered');
  await said.locator('.monaco-button', { hasText: 'Review Proposal' }).click();
  const panel = await refactorPreview(page, 'NOTES.md');
  await tickAll(panel, 2);
  await shot(page, 'reload-review-ticked');
  await applyButton(panel).click();
  log('applied after the reload');
  await toast(page, 'finished').first().waitFor({ state: 'visible', timeout: 60000 });
  await shot(page, 'reload-review-done');
});

// Issue 11 case 4: the server is killed during the review. The restarted server offers
// the interrupted run, and it stays offered in Review Proposal however long you wait.
const killedReview = scenario('failure-killed-review', async (page) => {
  await serverRunning(page);
  await runCommand(page, 'touch-up');
  const panel = await refactorPreview(page);
  const pid = serverPid();
  if (!pid) throw new Error('the language server process was not found');
  process.kill(pid, 'SIGKILL');
  log(`server ${pid} killed during the review`);
  await panel.locator('.monaco-button', { hasText: 'Discard' }).first().click().catch(() => undefined);
  const offer = toast(page, 'was interrupted');
  await offer.first().waitFor({ state: 'visible', timeout: 60000 });
  await shot(page, 'killed-review-offer');
  log('the restarted server offers the run');
  await page.waitForTimeout(20000); // longer than a notification stays on screen
  // Show Runs: the run's row says a review waits, and its Review button opens it.
  await palette(page, 'Orchestra: Show Runs');
  const row = quickRow(page, 'touch-up').filter({ hasText: 'review waiting' }).first();
  await row.waitFor({ state: 'visible', timeout: 30000 });
  await row.hover();
  const review = row.locator('.action-label[aria-label="Review"], .action-label[title="Review"]').first();
  await review.waitFor({ state: 'visible', timeout: 30000 });
  await shot(page, 'killed-review-runs');
  await review.click();
  await refactorPreview(page, 'NOTES.md');
  await tickAll(panel, 2);
  await applyButton(panel).click();
  log('applied after the restart');
  await toast(page, 'finished').first().waitFor({ state: 'visible', timeout: 60000 });
  await shot(page, 'killed-review-done');
});

// Issue 22: a run the CLI landed (two hunks in greet.py) is undone from Show Runs'
// Undo Run…: the Refactor Preview offers both reversed hunks, only the first is ticked
// and applied; Show Runs then says the run was undone in part. Then the run's page
// (Show Run) offers Undo Run…, which takes back the other hunk.
const undoHunk = scenario('failure-undo', async (page) => {
  await serverRunning(page);
  await runAction(page, 'both-greetings', 'Undo Run');
  log('undo asked');
  const panel = await refactorPreview(page, 'greet.py');
  await expandAll(panel);
  const rows = hunkRows(panel);
  const hello = rows.filter({ hasText: 'Hello' }).last();
  const bye = rows.filter({ hasText: 'Bye' }).last();
  await bye.waitFor({ timeout: 15000 });
  log(`undo rows: ${JSON.stringify(await hunkStates(panel))}`);
  await expectAllTicked(panel, [hello, bye]);
  await shot(page, 'undo-review-start-ticked');
  await tickOnly(hello, bye);
  await shot(page, 'undo-review');
  await applyButton(panel).click();
  log('applied the first reversed hunk only');
  await toast(page, /undo.* finished/).first().waitFor({ state: 'visible', timeout: 60000 });
  await palette(page, 'Orchestra: Show Runs');
  const undone = quickRow(page, 'undone in part');
  await undone.first().waitFor({ timeout: 15000 });
  log(`runs: ${oneLine(await undone.first().innerText())}`);
  await shot(page, 'undo-runs');

  // The rest from the run's page: Show Run, then its Undo Run… link (a command URI);
  // the hunk taken back already is skipped, the other one is offered.
  await page.locator(QUICK_INPUT).fill('both-greetings');
  await page.keyboard.press('Enter');
  await choose(page, 'Show Run');
  const webview = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  const link = webview.locator('#undo-action a', { hasText: 'Undo Run' });
  await link.waitFor({ timeout: 30000 });
  const outlook = oneLine(await webview.locator('#undo-outlook').innerText());
  log(`page outlook: ${outlook}`);
  if (!outlook.includes('would take back: greet.py')) throw new Error(`the page's outlook: ${outlook}`);
  // The page is the run's: its id and state, its step, both edit calls on the
  // timeline, what landed, and that an undo took part of it back.
  const runsDir = path.join(workspace, '.orchestra', 'runs');
  const landed = fs.readdirSync(runsDir).filter((id) => /^\d{8}-/.test(id)).sort()[0];
  const shown = {
    id: (await webview.locator('#run-id').innerText()).trim(),
    state: (await webview.locator('#run-state').innerText()).trim(),
    steps: await webview.locator('#steps tr[data-step="both"]').count(),
    edits: await webview.locator('#spans tr.span[data-kind="tool"][data-label="edit"]').count(),
    fates: await webview.locator('#fates tr[data-path="greet.py"][data-outcome="applied"]').count(),
    undone: (await webview.locator('#undone').innerText()).trim(),
  };
  log(`run page: ${JSON.stringify(shown)}`);
  if (shown.id !== landed || shown.state !== 'finished' || shown.steps !== 1 || shown.edits !== 2 || shown.fates !== 1 || !shown.undone.includes('in part')) {
    throw new Error(`the run page does not show run ${landed} as the journal has it: ${JSON.stringify(shown)}`);
  }
  await shot(page, 'undo-page');
  await link.click();
  await refactorPreview(page);
  await expandAll(panel);
  const left = hunkRows(panel).filter({ hasText: 'Bye' }).last();
  await left.waitFor({ timeout: 15000 });
  if ((await hunkRows(panel).count()) !== 1) throw new Error(`expected one hunk: ${JSON.stringify(await hunkStates(panel))}`);
  await tick(left);
  await applyButton(panel).click();
  await runsFinished(page, 3, 'the second undo');
});

// Issue 22: undo one step of a two-step run. The first step's lines were edited since:
// its undo takes nothing back, and the review's page says what conflicts, where, and
// what the person can do. The second step's undo is reviewed and applied.
const undoStep = scenario('failure-undo-step', async (page) => {
  const undoOnly = async (step) => {
    await runAction(page, 'two-steps', 'Undo Run');
    const row = quickRow(page, `Only step ${step}`).first();
    await row.waitFor({ timeout: 15000 });
    await quickRow(page, 'The whole run').first().waitFor({ timeout: 15000 });
    await row.click();
    log(`undo of step ${step} asked`);
  };
  await serverRunning(page);
  await undoOnly('hello');
  const conflict = page.locator('.monaco-editor .view-lines', { hasText: 'Not taken back: 1 conflict' });
  await conflict.first().waitFor({ state: 'visible', timeout: 60000 });
  const text = await textOf(conflict.first());
  log(`undo page: ${oneLine(text)}`);
  requireAll(text, ['`greet.py`: lines 5–5 as the run left them were edited since; left as they are', 'Nothing there was overwritten', 'What you can do', 'Nothing is proposed for review'], "the undo's page");
  await shot(page, 'undo-step-conflict');
  await undoOnly('bye');
  const panel = await refactorPreview(page);
  await tickAll(panel, 1);
  const states = await hunkStates(panel);
  if (states.length !== 1 || !states[0].text.includes('Bye')) throw new Error(`expected the bye hunk only: ${JSON.stringify(states)}`);
  await shot(page, 'undo-step-review');
  await applyButton(panel).click();
  await runsFinished(page, 3, 'the undo of step bye');
});

// Issue 20: a repository set up only with CLAUDE.md (no .orchestra/) activates the
// extension at once: the server runs, and the built-in commands are offered.
const activation = scenario('failure-activation', async (page) => {
  await serverRunning(page);
  log('active on CLAUDE.md alone');
  await palette(page, 'Orchestra: Run Command');
  await quickRow(page, 'explain-selection').first().waitFor({ timeout: 30000 });
  await shot(page, 'activation-claude-md');
  await page.keyboard.press('Escape');
});

// Issue 18: a run stopped at its second step's approve gate, resumed from Show Runs:
// the new run reuses what the old one finished and asks the gate again.
const resume = scenario('failure-resume', async (page) => {
  await serverRunning(page);
  await runAction(page, 'plan-and-write', 'Resume Run');
  const where = quickRow(page, 'Where it stopped').first();
  await where.waitFor({ timeout: 15000 });
  await quickRow(page, 'From step plan').first().waitFor({ timeout: 15000 });
  await shot(page, 'resume-choice');
  await where.click();
  log('resume asked');
  const gate = toast(page, "Step 'write' (developer) is done");
  await gate.waitFor({ state: 'visible', timeout: 60000 });
  await shot(page, 'resume-gate');
  await gate.locator('.monaco-button', { hasText: 'Approve' }).click();
  await runsFinished(page, 1, 'the resumed run');
});

// Run Command on Several… with greet-each, on two items typed in: Ada and Bob.
// `timeout` is for the item source's picker and the items' input box.
async function greetEachOnTwo(page, timeout) {
  await palette(page, 'Orchestra: Run Command on Several');
  await choose(page, 'greet-each', { timeout: 30000 });
  await quickRow(page, 'Type the items').first().waitFor({ timeout });
  await page.keyboard.press('Enter');
  await quickInput(page, 'The values of who, separated by commas').waitFor({ state: 'visible', timeout });
  await page.locator(QUICK_INPUT).fill('Ada, Bob');
  await page.keyboard.press('Enter');
}

// Issue 18: Run Command on Several… from the palette: one command, two items typed in,
// progress while they run, then the summary: each item's state, and its run page.
const batch = scenario('failure-batch', async (page) => {
  await serverRunning(page);
  // Every toast shown, as it appears (a toast may go again before it is looked for).
  await page.evaluate(() => {
    window.toastsSeen = [];
    new MutationObserver((changes) => {
      for (const change of changes) {
        for (const node of change.addedNodes) {
          if (node.nodeType === 1 && node.classList.contains('notification-toast-container')) {
            window.toastsSeen.push(node.innerText.replace(/\s+/g, ' '));
          }
        }
      }
    }).observe(document.body, { childList: true, subtree: true });
  });
  await greetEachOnTwo(page, 15000);
  log('batch started');
  const progress = toast(page, 'Orchestra: greet-each on 2 items');
  await progress.first().waitFor({ state: 'visible', timeout: 30000 });
  log(`progress: ${oneLine(await progress.first().innerText())}`);
  await shot(page, 'batch-progress');
  // At its end the batch's summary opens beside the code: one row per item.
  const webview = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  const table = webview.locator('body', { hasText: 'Ada' }).filter({ hasText: 'Bob' });
  await table.waitFor({ timeout: 60000 });
  const summary = oneLine(await table.innerText());
  log(`batch summary: ${summary}`);
  if ((summary.match(/finished/g) ?? []).length < 2) throw new Error(`the summary does not show both items finished: ${summary}`);
  await shot(page, 'batch-summary');
  // Its message lists the items; an item opens its run's page. VS Code shows at most 3
  // new notifications in 800 ms as toasts: the items' runs raise none of their own, so
  // the batch's end is not crowded out.
  const end = toast(page, 'greet-each on 2 items: 2/2 done · 2 finished').first();
  await end.waitFor({ state: 'visible', timeout: 60000 });
  const toasts = await page.evaluate(() => window.toastsSeen);
  log(`toasts: ${JSON.stringify(toasts)}`);
  if (toasts.some((t) => t.includes('greet-each finished') || t.includes('(who='))) {
    throw new Error(`an item's run had a notification of its own: ${JSON.stringify(toasts)}`);
  }
  await end.locator('.monaco-button', { hasText: 'Show Items' }).click({ timeout: 30000 });
  const ada = quickRow(page, 'Ada').filter({ hasText: 'finished' });
  await ada.first().waitFor({ timeout: 15000 });
  await quickRow(page, 'Bob').filter({ hasText: 'finished' }).first().waitFor({ timeout: 15000 });
  await shot(page, 'batch-items');
  await ada.first().click();
  const runPage = page.frameLocator('iframe.webview.ready >> nth=-1').frameLocator('iframe#active-frame');
  await runPage.locator('#run-state', { hasText: 'finished' }).waitFor({ timeout: 30000 });
  await shot(page, 'batch-item-page');
});

// Cancel on a batch's notification: the item running is stopped, the other is not
// run, and the batch's end says so (orchestra/cancelBatch).
const batchCancel = scenario('failure-batch-cancel', async (page) => {
  await serverRunning(page);
  await greetEachOnTwo(page, 30000);
  // Ada's item waits for the (slow) model: the notification says one runs.
  const progress = toast(page, 'Orchestra: greet-each on 2 items').filter({ hasText: '1 running' });
  await progress.first().waitFor({ state: 'visible', timeout: 60000 });
  await shot(page, 'batch-cancel-running');
  await progress.first().locator('.monaco-button', { hasText: 'Cancel' }).click({ timeout: 30000 });
  log('batch cancelled from its notification');
  const end = toast(page, 'greet-each on 2 items: 2/2 done · 2 stopped').first();
  await end.waitFor({ state: 'visible', timeout: 60000 });
  await shot(page, 'batch-cancel-end');
  await end.locator('.monaco-button', { hasText: 'Show Items' }).click({ timeout: 30000 });
  await quickRow(page, 'Ada').filter({ hasText: 'stopped' }).filter({ hasNotText: 'cancelled' }).first().waitFor({ timeout: 30000 });
  await quickRow(page, 'Bob').filter({ hasText: 'not run: the batch was cancelled' }).first().waitFor({ timeout: 30000 });
  await shot(page, 'batch-cancel-items');
});

// -- Issue 20 (roots): multi-root workspaces, the Python extension's interpreter, what
// the server is sent, and the progress notification during a review. --------------------

async function quickOpen(page, text, shownText) {
  // A document the server opens meanwhile (a run's report) may close the quick open:
  // then try again.
  const shown = page.locator('.part.editor .monaco-editor .view-lines', { hasText: shownText }).first();
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('Control+P');
    await page.locator(QUICK_INPUT).fill(text);
    // the row of this file (the list may still show recent files for a moment)
    const name = path.basename(text).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const row = quickRow(page, new RegExp(`^\\s*${name}`)).first();
    await row.waitFor({ timeout: 15000 });
    await row.click().catch(() => undefined);
    if (await shown.waitFor({ timeout: 10000 }).then(() => true, () => attempt >= 3)) break;
    await page.keyboard.press('Escape');
  }
  await shown.waitFor({ timeout: 5000 });
}

// The labels of the commands the open Run Command picker lists.
async function commandLabels(page) {
  return (await page.locator('.quick-input-widget .monaco-list-row .label-name').allInnerTexts()).map((t) => t.trim());
}

// Two folders (alpha: the greetings; beta: notes), each with its own .orchestra. Both
// folders' diagnostics show; Run Command asks which folder (the active editor's first)
// and offers that folder's commands; a run in beta lands in beta, reviewed with no
// progress notification over the hunk list; Show Runs says which folder a run is of.
// Then a file outside both folders and an untitled buffer are opened (the test checks
// in the servers' log that neither was sent), and last a file of alpha (which was).
const multiRoot = scenario('failure-multi-root', async (page) => {
  const input = page.locator(QUICK_INPUT);
  await serverRunning(page);
  // Each folder's server checks its own .orchestra: both broken agents are in Problems.
  await page.keyboard.press('Control+Shift+M');
  const problems = page.locator('.markers-panel');
  await problems.filter({ hasText: 'broken-a.md' }).filter({ hasText: 'broken-b.md' }).waitFor({ state: 'visible', timeout: 60000 });
  log(`problems: ${oneLine(await problems.innerText()).slice(0, 300)}`);
  await shot(page, 'multi-root-problems');

  await quickOpen(page, 'touch-notes.md', 'Touch up NOTES.md');
  await palette(page, 'Orchestra: Run Command');
  const folderRows = page.locator('.quick-input-widget .monaco-list-row');
  await quickInput(page, 'in which folder?').waitFor({ state: 'visible', timeout: 30000 });
  const folders = (await folderRows.allInnerTexts()).map((t) => oneLine(t).trim());
  log(`folders offered: ${JSON.stringify(folders)}`);
  if (folders.length !== 2 || !folders[0].startsWith('beta') || !folders[0].includes("the active editor's folder") || !folders[1].startsWith('alpha')) {
    throw new Error(`Run Command did not offer beta (the active editor's folder) first, then alpha: ${JSON.stringify(folders)}`);
  }
  await shot(page, 'multi-root-folder-pick');
  await page.keyboard.press('Enter');
  await quickRow(page, 'touch-notes').first().waitFor({ timeout: 30000 });
  const betaCommands = await commandLabels(page);
  if (betaCommands.some((l) => l.startsWith('polish-greetings'))) throw new Error(`beta's picker lists alpha's command: ${JSON.stringify(betaCommands)}`);
  await quickInput(page, 'Orchestra: Run Command in beta').waitFor({ timeout: 5000 });
  await shot(page, 'multi-root-commands-beta');
  await input.fill('touch-notes');
  await page.keyboard.press('Enter');
  log('touch-notes started in beta');

  const panel = await refactorPreview(page, 'NOTES.md');
  // The review is the person's: no progress notification over the hunk list; the
  // run's status-bar entry says what it waits for.
  await page.locator(RUN_ENTRY, { hasText: /touch-notes · your review/ }).first().waitFor({ state: 'visible', timeout: 15000 });
  await toast(page, 'Orchestra: touch-notes').first().waitFor({ state: 'hidden', timeout: 15000 });
  await tickAll(panel, 1);
  await shot(page, 'review-without-progress-over-hunks');
  await applyButton(panel).click();
  await toast(page, 'touch-notes finished').waitFor({ state: 'visible', timeout: 60000 });
  log('touch-notes finished');

  // A code action's run goes to its document's folder: explain a selection in beta.
  await quickOpen(page, 'tally.py', 'def tally');
  await page.locator('.part.editor .monaco-editor .view-line', { hasText: 'def tally' }).first().click();
  await page.keyboard.press('Home');
  await page.keyboard.press('Shift+End');
  await explainAction(page);
  await page.keyboard.press('Enter'); // the only refactor action, highlighted
  await page.locator('.monaco-editor .view-lines', { hasText: 'EXPLAINED-IN-BETA' }).first().waitFor({ state: 'visible', timeout: 60000 });
  log('explain-selection ran in beta from the light bulb');

  // alpha, picked second, offers alpha's commands and not beta's.
  await palette(page, 'Orchestra: Run Command');
  await quickInput(page, 'in which folder?').waitFor({ state: 'visible', timeout: 30000 });
  await input.fill('alpha');
  await page.keyboard.press('Enter');
  await quickRow(page, 'polish-greetings').first().waitFor({ timeout: 30000 });
  const alphaCommands = await commandLabels(page);
  if (alphaCommands.some((l) => l.startsWith('touch-notes'))) throw new Error(`alpha's picker lists beta's command: ${JSON.stringify(alphaCommands)}`);
  await shot(page, 'multi-root-commands-alpha');
  await page.keyboard.press('Escape');

  // Show Runs: every folder's journal, each run saying its folder.
  await palette(page, 'Orchestra: Show Runs');
  await quickRow(page, 'touch-notes').filter({ hasText: 'folder beta' }).first().waitFor({ timeout: 15000 });
  await shot(page, 'multi-root-runs');
  await page.keyboard.press('Escape');

  // What the servers are sent: not a file outside the folders, not an untitled buffer.
  await quickOpen(page, process.env.OUTSIDE_FILE, 'OUTSIDE-THE-FOLDERS');
  await quickOpen(page, process.env.OUTSIDE_PYTHON, 'OUTSIDE_TOO');
  await palette(page, 'File: New Untitled Text File');
  await page.keyboard.type('UNTITLED-BUFFER');
  await quickOpen(page, 'greet.py', 'def hello');
  await shot(page, 'multi-root-documents');

  // Folders come and go (the workspace file changes): gamma (a folder inside alpha),
  // added, gets a server (its diagnostics show); beta, removed, loses its own (its
  // diagnostics go). A file of gamma then opened is sent to gamma's server only.
  const file = process.env.WORKSPACE_FILE;
  const config = JSON.parse(fs.readFileSync(file, 'utf8'));
  config.folders = [config.folders[0], { path: process.env.NESTED_FOLDER, name: 'gamma' }];
  fs.writeFileSync(file, JSON.stringify(config));
  log('workspace file: beta removed, gamma added');
  await palette(page, 'View: Focus Problems');
  await problems.filter({ hasText: 'broken-c.md' }).filter({ hasText: 'broken-a.md' }).filter({ hasNotText: 'broken-b.md' })
    .waitFor({ state: 'visible', timeout: 60000 });
  await shot(page, 'multi-root-folders-changed');
  await quickOpen(page, 'broken-c.md', 'xmax_turns');
}, launchWorkspaceFile);

// The Python extension (a test extension of its shape) selects an interpreter whose
// environment has orchestra, and nothing is configured or on PATH: the server starts
// from it, and the server's log says so.
const pythonInterpreter = scenario('failure-python-interpreter', async (page) => {
  await serverRunning(page);
  await palette(page, 'Output: Show Output Channels');
  await choose(page, 'Orchestra Language Server');
  const started = page.locator(OUTPUT).filter({ hasText: "from the Python extension's interpreter" });
  await started.first().waitFor({ state: 'visible', timeout: 30000 });
  const text = await textOf(started.first());
  log(`server log: ${oneLine(text).slice(0, 400)}`);
  // The output panel wraps a long line (a deep temporary path in CI): compare without whitespace.
  const squeezed = (t) => t.replace(/\s+/g, '');
  if (!squeezed(text).includes(squeezed(`${process.env.INTERPRETER_ORCHESTRA} serve`))) throw new Error(`the server did not start from ${process.env.INTERPRETER_ORCHESTRA}:\n${text}`);
  await shot(page, 'python-interpreter');
  // and it serves: the palette lists the repository's commands
  await palette(page, 'Orchestra: Run Command');
  await quickRow(page, 'polish-greetings').first().waitFor({ timeout: 30000 });
  await page.keyboard.press('Escape');
});

const SCENARIOS = {
  activation, resume, batch, 'batch-cancel': batchCancel, 'undo-hunk': undoHunk, 'undo-step': undoStep,
  'killed-review': killedReview, 'reload-review': reloadReview, 'start-failure': startFailure,
  'not-open': notOpen, 'cancel-review': cancelReview, 'multi-root': multiRoot, 'python-interpreter': pythonInterpreter,
};
(SCENARIOS[process.env.SCENARIO] ?? main)().then(
  () => process.exit(0),
  (error) => {
    console.error(`FAILED: ${error.stack || error}`);
    process.exit(1);
  },
);
