// The sync server's dashboard in Chromium, against the real programs: a
// server fed by three real collectors over WebSocket (staff climate with a
// group too small to show, the integrity survey, and two GEOAT rounds), then
// signed in with an admin token. Checks: a wrong token is refused, charts
// are SVG, a suppressed cell is drawn as suppressed, round comparison,
// downloads, the audit trail, Arabic, no WCAG A/AA violation, and no request
// ever leaves the server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BIN, startSyncServer, stop, launch, newPage, screenshot, overflowsHorizontally, VIEWPORTS } from './support.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const GEOAT = path.resolve('../../schema/forms/geoat-2023.json');

const run = (bin, args) => execFileSync(path.join(BIN, bin), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

let browser, server, base, token, root;

before(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'equitas-dash-'));
  const S = path.join(root, 'server');
  run('sync-server', ['init', '--data-dir', S]);
  token = run('sync-server', ['admin-token', 'create', '--data-dir', S, '--label', 'hq-analyst', '--role', 'admin']).trim();
  run('sync-server', ['forms', 'publish', '--data-dir', S, '--round', '2025-baseline', GEOAT]);
  server = await startSyncServer(root);
  base = server.url.replace('ws://', 'http://');
  const collectors = {};
  for (const site of ['Namanga', 'Busia', 'Malaba']) {
    const dir = path.join(root, 'c-' + site);
    const code = run('sync-server', ['device', 'enroll', '--data-dir', S, '--site', site, '--url', server.url]).trim().split('\n').pop().trim();
    run('collector', ['init', '--data-dir', dir]);
    run('collector', ['enroll', '--data-dir', dir, code]);
    run('collector', ['sync', '--data-dir', dir]);  // fetches the GEOAT round
    collectors[site] = dir;
  }
  const sample = (site, form, count, seed, mood = '0') =>
    run('sample-responses', ['--data-dir', collectors[site], '--form', form, '--count', String(count), '--seed', String(seed), '--mood', mood]);
  sample('Namanga', 'staff-climate', 90, 1, '0.3');
  sample('Busia', 'staff-climate', 50, 2, '-0.4');
  sample('Malaba', 'integrity-perception', 30, 3);
  sample('Namanga', 'geoat-2023', 2, 4, '-0.6');
  for (const dir of Object.values(collectors)) run('collector', ['sync', '--data-dir', dir]);
  run('sync-server', ['forms', 'publish', '--data-dir', S, '--round', '2026-review', GEOAT]);
  run('collector', ['sync', '--data-dir', collectors.Namanga]);
  sample('Namanga', 'geoat-2023', 2, 5, '0.5');
  run('collector', ['sync', '--data-dir', collectors.Namanga]);
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await stop(server);
});

async function signIn(page, value = token) {
  await page.goto(base + '/');
  await page.fill('#token', value);
  await page.click('form.login button[type=submit]');
}

test('a wrong token is refused, and the refusal is in the audit log', async () => {
  const { context, page } = await newPage(browser, VIEWPORTS.desktop, base);
  try {
    await signIn(page, 'eqa_not-a-real-token');
    await page.waitForSelector('#login-error:not(:empty)');
    assert.match(await page.textContent('#login-error'), /refused/);
    assert.equal(await page.isVisible('#nav'), false);
    // Nothing of the data is reachable without a session.
    const status = await page.evaluate(async () => (await fetch('/api/v1/overview')).status);
    assert.equal(status, 401);
    await screenshot(page, 'dashboard-wrong-token');
    await signIn(page);
    await page.click('#nav a[href="#/audit"]');
    await page.waitForSelector('main table');
    const audit = await page.textContent('main table');
    assert.match(audit, /admin\.login\.failed/);
    assert.match(audit, /token:hq-analyst/);
    assert.ok(!audit.includes('eqa_not-a-real-token'), 'the wrong token itself is not logged');
    assert.deepEqual(page.foreign, []);
  } finally {
    await context.close();
  }
});

test('overview, Likert charts as SVG, and a small group shown as suppressed', async () => {
  const { context, page } = await newPage(browser, VIEWPORTS.desktop, base);
  try {
    await signIn(page);
    await page.waitForSelector('#total-responses');
    assert.equal(await page.textContent('#total-responses'), '174');
    const cookies = await context.cookies();
    const session = cookies.find(c => c.name === 'eq_dash');
    assert.ok(session, 'a session cookie');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.ok(await page.locator('main svg.chart').count() >= 1, 'the per-site chart is SVG');
    await screenshot(page, 'dashboard-overview');

    await page.click('#nav a[href="#/form/staff-climate"]');
    await page.waitForSelector('svg.likert');
    await page.selectOption('#by0', 'dem_sex');
    // The page redraws with one bar per group.
    await page.waitForFunction(() => document.querySelectorAll('[data-item="eng_proud"] svg.likert').length >= 3);
    const bars = page.locator('[data-item="eng_proud"] svg.likert');
    assert.ok(await bars.count() >= 3, 'one bar per group');
    // The "prefer not to say" group is far under 10: hidden, labelled n<10, never 0.
    const hidden = page.locator('[data-item="eng_proud"] svg.likert rect[data-suppressed="true"]');
    assert.ok(await hidden.count() >= 1, 'a suppressed cell is drawn');
    const label = await page.locator('[data-item="eng_proud"] svg.likert:has(rect[data-suppressed="true"])').first().getAttribute('aria-label');
    assert.match(label, /n<10/);
    assert.ok(!/0 %|0%/.test(label));
    // Shown groups carry their three shares.
    const shown = await bars.first().getAttribute('aria-label');
    assert.match(shown, /Negative .* Neutral .* Positive .*n=\d+/);
    assert.ok(await page.locator('table [data-suppressed="true"]').count() >= 1, 'the group-size table marks it too');
    await screenshot(page, 'dashboard-staff-climate-by-sex');

    await page.click('#nav a[href="#/form/integrity-perception"]');
    await page.waitForSelector('svg.chart[aria-label*="Arusha"]');
    assert.deepEqual(page.foreign, []);
  } finally {
    await context.close();
  }
});

test('GEOAT: principles as radar and bars, weakest elements first, and two rounds compared', async () => {
  const { context, page } = await newPage(browser, VIEWPORTS.desktop, base);
  try {
    await signIn(page);
    await page.waitForSelector('#total-responses');
    await page.goto(base + '/#/form/geoat-2023?round=2025-baseline&compare=2026-review');
    await page.waitForSelector('svg.radar polygon');
    assert.equal(await page.locator('svg.radar').count(), 2, 'one per round');
    assert.equal(await page.locator('svg.radar').first().locator('text').count(), 7, 'X and P1-P6');
    // The elements table is sorted weakest first.
    const scores = await page.locator('main h3:text("Key elements, weakest first") + .panel').first()
      .locator('tbody tr td:nth-child(3)').allTextContents();
    const numbers = scores.map(s => parseFloat(s)).filter(n => !Number.isNaN(n));
    assert.ok(numbers.length > 10);
    assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b));
    await page.waitForSelector('text=Change between rounds');
    const changes = await page.locator('main .up, main .down').count();
    assert.ok(changes > 0, 'changes are marked up or down');
    await screenshot(page, 'dashboard-geoat-compare');
    assert.deepEqual(page.foreign, []);
  } finally {
    await context.close();
  }
});

test('downloads are the export files, and each one is audited', async () => {
  const { context, page } = await newPage(browser, VIEWPORTS.desktop, base);
  try {
    await signIn(page);
    await page.waitForSelector('#total-responses');
    await page.click('#nav a[href="#/downloads"]');
    await page.waitForSelector('.downloads a[data-format="csv"]');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('.downloads .row', { hasText: 'Staff climate' }).locator('a[data-format="csv"]').first().click(),
    ]);
    assert.equal(download.suggestedFilename(), 'staff-climate.csv');
    const file = await download.path();
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    assert.equal(lines.length, 141, 'a header and 140 responses');
    await page.click('#nav a[href="#/audit"]');
    await page.waitForSelector('main table');
    assert.match(await page.textContent('main table'), /export.*form=staff-climate format=csv rows=140/);
  } finally {
    await context.close();
  }
});

test('Arabic reads right to left, the tablet layout does not scroll sideways, and axe finds no violation', async () => {
  const { context, page } = await newPage(browser, { width: 820, height: 1180 }, base);
  try {
    await signIn(page);
    await page.waitForSelector('#total-responses');
    await page.selectOption('#lang', 'ar');
    await page.waitForSelector('html[dir="rtl"][lang="ar"]');
    await page.waitForSelector('#total-responses');
    assert.equal(await page.textContent('#nav a[href="#/overview"]'), 'نظرة عامة');
    assert.equal(await overflowsHorizontally(page), false);
    await page.goto(base + '/#/form/staff-climate?by=dem_sex');
    await page.waitForSelector('svg.likert');
    assert.equal(await overflowsHorizontally(page), false);
    await screenshot(page, 'dashboard-arabic-tablet');
    // axe, injected through the DevTools protocol (the page's CSP forbids inline scripts).
    await page.evaluate(AXE);
    const violations = await page.evaluate(async () => (await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    })).violations.map(v => `${v.id}: ${v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', ')}`));
    assert.deepEqual(violations, []);
    assert.deepEqual(page.foreign, []);
  } finally {
    await context.close();
  }
});
