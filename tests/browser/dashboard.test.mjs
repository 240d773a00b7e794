// The sync server's dashboard in Chromium, against the real programs: a
// server fed by three real collectors over WebSocket (staff climate with a
// group too small to show, the integrity survey, and two GEOAT rounds), then
// signed in with an admin token. Checks: a wrong token is refused, charts
// are SVG, a suppressed cell is drawn as suppressed, round comparison
// (newer minus older in either order), the report layout at 1366x768 in
// English and Arabic (form order, group headings, no clipped label, a
// two-way grid, print), downloads, the audit trail, Arabic, no WCAG A/AA
// violation, and no request ever leaves the server. And, on a server of its
// own, evidence files: shown and downloadable for a steward, never for a
// viewer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, mkdtempSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BIN, ARTIFACTS, startSyncServer, stop, launch, newPage, screenshot, overflowsHorizontally, clippedText, VIEWPORTS } from './support.mjs';

// Round names are isolated (U+2068 … U+2069) in the page's text, so that a
// right-to-left page keeps them whole; the assertions compare the words.
const plain = (text) => text.replace(/[\u2066-\u2069]/g, '');

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const GEOAT = path.resolve('../../schema/forms/geoat-2023.json');
const INTEGRITY = path.resolve('../../schema/forms/integrity-perception.json');
const CLIMATE = JSON.parse(readFileSync(path.resolve('../../schema/forms/staff-climate.json'), 'utf8'));

const run = (bin, args) => execFileSync(path.join(BIN, bin), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

let browser, server, base, token, root;

before(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'equitas-dash-'));
  const S = path.join(root, 'server');
  run('sync-server', ['init', '--data-dir', S]);
  token = run('sync-server', ['admin-token', 'create', '--data-dir', S, '--label', 'hq-analyst', '--role', 'admin']).trim();
  run('sync-server', ['forms', 'publish', '--data-dir', S, '--round', '2025-baseline', GEOAT]);
  run('sync-server', ['forms', 'publish', '--data-dir', S, '--round', '2025-pilot', INTEGRITY]);
  server = await startSyncServer(root);
  base = server.url.replace('ws://', 'http://');
  const collectors = {};
  for (const site of ['Namanga', 'Busia', 'Malaba']) {
    const dir = path.join(root, 'c-' + site);
    const code = run('sync-server', ['device', 'enroll', '--data-dir', S, '--site', site, '--url', server.url]).trim().split('\n').pop().trim();
    run('collector', ['init', '--data-dir', dir]);
    run('collector', ['enroll', '--data-dir', dir, code]);
    run('collector', ['sync', '--data-dir', dir]);  // fetches the GEOAT and integrity rounds
    collectors[site] = dir;
  }
  const sample = (site, form, count, seed, mood = '0', extra = []) =>
    run('sample-responses', ['--data-dir', collectors[site], '--form', form, '--count', String(count), '--seed', String(seed), '--mood', mood, ...extra]);
  sample('Namanga', 'staff-climate', 90, 1, '0.3');
  sample('Busia', 'staff-climate', 50, 2, '-0.4');
  sample('Malaba', 'integrity-perception', 30, 3, '-0.3');
  sample('Namanga', 'geoat-2023', 1, 4, '-0.6');
  for (const dir of Object.values(collectors)) run('collector', ['sync', '--data-dir', dir]);
  run('sync-server', ['forms', 'publish', '--data-dir', S, '--round', '2026-review', GEOAT]);
  run('sync-server', ['forms', 'publish', '--data-dir', S, '--round', '2026-followup', INTEGRITY]);
  run('collector', ['sync', '--data-dir', collectors.Namanga]);
  sample('Namanga', 'geoat-2023', 1, 5, '0.5');
  run('collector', ['sync', '--data-dir', collectors.Namanga]);
  // The integrity survey's follow-up, in a better mood than its pilot; and
  // another administration assessed twice in GEOAT's review round: a conflict.
  run('collector', ['sync', '--data-dir', collectors.Malaba]);
  sample('Malaba', 'integrity-perception', 30, 7, '0.4');
  sample('Malaba', 'geoat-2023', 2, 6, '0', ['--administration', 'Lakeland Revenue Authority']);
  run('collector', ['sync', '--data-dir', collectors.Malaba]);
  // Busia and Malaba report together; headcounts give response rates.
  const csv = (name, text) => { const f = path.join(root, name); writeFileSync(f, text); return f; };
  run('sync-server', ['units', 'set', '--data-dir', S, '--file', csv('units.csv', 'site,unit\nBusia,Western posts\nMalaba,Western posts\n')]);
  run('sync-server', ['headcounts', 'set', '--data-dir', S, '--file',
    csv('heads.csv', 'unit,sex,headcount\nNamanga,,150\nNamanga,female,60\nNamanga,male,90\nWestern posts,,200\n')]);
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await stop(server);
});

// Runs `body` on a page signed in (the overview drawn), then checks that no
// request left the server; the page is closed whatever happens.
async function onDashboard(viewport, body) {
  const { context, page } = await newPage(browser, viewport, base);
  try {
    await signIn(page);
    await page.waitForSelector('#total-responses');
    await body(page);
    assert.deepEqual(page.foreign, []);
  } finally {
    await context.close();
  }
}

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
    assert.equal(await page.textContent('#total-responses'), '204');
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
    // An anonymous form's figures carry noise, and the page says so.
    assert.match(await page.textContent('#perturbed-note'), /changed slightly \(by at most 5 respondents\)/);
    await screenshot(page, 'dashboard-staff-climate-by-sex');

    await page.click('#nav a[href="#/form/integrity-perception"]');
    await page.waitForSelector('.barchart[aria-label*="Arusha"] svg.chart');
    // Reverse-worded statements are marked, and the rule is on the page.
    assert.equal(await page.textContent('[data-item="f06_3"] .reversed'), 'reverse-worded');
    assert.equal(await page.locator('[data-item="f06_1"] .reversed').count(), 0);
    assert.ok(await page.isVisible('text=Reverse-worded statements: % positive = % who disagree.'));
    assert.deepEqual(page.foreign, []);
  } finally {
    await context.close();
  }
});

test('response rates per reporting unit and sex, hidden where the count is', async () => {
  await onDashboard(VIEWPORTS.desktop, async (page) => {
    await page.goto(base + '/#/form/staff-climate');
    await page.waitForSelector('#response-rates + .panel table');
    const rows = await page.$$eval('#response-rates + .panel table tbody tr', (trs) => trs.map((tr) =>
      [...tr.querySelectorAll('td')].map((td) => ({ text: td.textContent, rate: td.querySelector('[data-rate]')?.dataset.rate }))));
    const head = await page.$$eval('#response-rates + .panel table thead th', (ths) => ths.map((th) => th.textContent));
    assert.deepEqual(head.slice(0, 2), ['Reporting unit', 'All']);
    assert.ok(head.includes('Female') && head.includes('Male'), head.join(','));
    const byUnit = Object.fromEntries(rows.map((r) => [r[0].text, r.slice(1)]));
    // The posts' own names appear only as units: Busia and Malaba are one.
    assert.deepEqual(Object.keys(byUnit).sort(), ['Namanga', 'Overall', 'Western posts']);
    for (const [unit, cells] of Object.entries(byUnit)) {
      for (const c of cells) {
        const m = /^(\d+) \/ (\d+|—)/.exec(c.text);
        if (!m) { assert.match(c.text, /^n<10 \/ /, `${unit}: ${c.text}`); assert.equal(c.rate, ''); continue; }
        assert.ok(Number(m[1]) >= 10, `${unit}: a shown count is at least 10`);
        if (m[2] === '—') { assert.equal(c.rate, ''); continue; }
        // The rate is the shown count over the headcount, to 0.1.
        assert.equal(Number(c.rate), Math.round(1000 * Number(m[1]) / Number(m[2])) / 10, `${unit}: ${c.text}`);
      }
    }
    // Namanga's 90 responses over 150 staff, within the noise of 5.
    const namanga = Number(/^(\d+)/.exec(byUnit.Namanga[0].text)[1]);
    assert.ok(Math.abs(namanga - 90) <= 5, String(namanga));
    await screenshot(page, 'dashboard-response-rates');
  });
});

test('GEOAT: principles as radar and bars, weakest elements first, and two rounds compared', async () => {
  await onDashboard(VIEWPORTS.desktop, async (page) => {
    await page.goto(base + '/#/form/geoat-2023?round=2025-baseline&compare=2026-review');
    await page.waitForSelector('svg.radar polygon');
    assert.equal(await page.locator('svg.radar').count(), 2, 'one per round');
    assert.equal(await page.locator('#perturbed-note').count(), 0, 'GEOAT figures are exact');
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
  });
});

// The review round was sampled in a better mood than the baseline: whichever
// round the user picks first, the change is review minus baseline, a rise,
// and the compact table at the top is the same.
test('the round comparison is newer minus older in both orders, and comes first', async () => {
  await onDashboard(VIEWPORTS.desktop, async (page) => {
    const seen = [];
    for (const [round, compare] of [['2026-review', '2025-baseline'], ['2025-baseline', '2026-review']]) {
      await page.goto(`${base}/#/form/geoat-2023?round=${round}&compare=${compare}`);
      // The page is drawn at once: when the round control shows it, it is this round's.
      await page.waitForFunction((r) => document.querySelector('#round')?.value === r, round);
      await page.waitForSelector('.comparison table');
      assert.equal(plain(await page.textContent('#comparison')), 'Change between rounds: 2025-baseline → 2026-review');
      assert.match(plain(await page.textContent('#comparison + p')), /2026-review is newer: it was published after 2025-baseline/);
      const head = await page.locator('.comparison table').first().locator('thead th').allTextContents();
      assert.deepEqual(head.slice(1).map(plain), ['2025-baseline (older)', '2026-review (newer)', 'Change']);
      const overall = page.locator('.comparison table').first().locator('tbody tr').first();
      assert.equal(await overall.locator('.up').count(), 1, 'the overall score rose');
      assert.match(await overall.textContent(), /▲ \+\d/);
      seen.push(await page.locator('.comparison table').first().textContent());
      // Before the rounds' own results.
      const order = await page.evaluate(() => {
        const c = document.querySelector('#comparison'), radar = document.querySelector('svg.radar');
        return Boolean(c.compareDocumentPosition(radar) & Node.DOCUMENT_POSITION_FOLLOWING);
      });
      assert.ok(order, 'the comparison is above the results');
    }
    assert.equal(seen[0], seen[1]);
    await screenshot(page, 'dashboard-compare-either-order');
  });
});

// The integrity survey's follow-up was sampled in a better mood than its
// pilot: the factor indexes rose, in either order; the items that moved most
// are listed with the noise test, which the page names.
test('a survey comparison: indexes first, the largest item changes marked against sampling noise', async () => {
  await onDashboard(VIEWPORTS.desktop, async (page) => {
    const seen = [];
    for (const [round, compare] of [['2025-pilot', '2026-followup'], ['2026-followup', '2025-pilot']]) {
      await page.goto(`${base}/#/form/integrity-perception?round=${round}&compare=${compare}`);
      await page.waitForFunction((r) => document.querySelector('#round')?.value === r, round);
      await page.waitForSelector('.comparison .largest table');
      assert.equal(plain(await page.textContent('#comparison')), 'Change between rounds: 2025-pilot → 2026-followup');
      const indexes = page.locator('.comparison > table tbody tr');
      assert.equal(await indexes.count(), 10, 'the ten Arusha factors');
      assert.ok(await page.locator('.comparison > table .up').count() >= 6, 'most factors rose');
      const largest = page.locator('.comparison .largest table');
      assert.equal(await largest.locator('thead th').last().textContent(), 'Beyond sampling noise');
      for (const cell of await largest.locator('tbody td:last-child').allTextContents()) assert.ok(['yes', 'no', '—'].includes(cell));
      assert.match(await page.textContent('.comparison'), /two-proportion z-test \(pooled, two-sided, 95 %\)/);
      seen.push(await page.locator('.comparison').textContent());
    }
    assert.equal(seen[0], seen[1]);
    await screenshot(page, 'dashboard-survey-compare');
  });
});

// Labels of the staff-climate form in a language: a list's choices in order,
// and the top-level groups by name.
const choiceLabels = (list, lang) => CLIMATE.lists[list].map(c => c.label[lang]);
const groupLabels = (lang) => new Map(CLIMATE.items.filter(i => i.type === 'group').map(g => [g.name, g.label[lang]]));

for (const lang of ['en', 'ar']) {
  test(`the report at 1366x768 in ${lang}: form order, group headings, no clipped label, a two-way grid, print`, async () => {
    await onDashboard({ width: 1366, height: 768 }, async (page) => {
      if (lang !== 'en') {
        await page.selectOption('#lang', lang);
        // Redrawn once the forms' titles in that language have arrived.
        await page.waitForSelector('#nav a[href="#/overview"]:text-is("نظرة عامة")');
      }
      await page.goto(base + '/#/form/staff-climate?by=dem_sex,dem_age');
      await page.waitForSelector('table.grid');

      // Choices in the form's order, by their labels, in the page's language.
      for (const [name, list] of [['dem_age', 'age_band'], ['h_remarks', 'freq5']]) {
        const shown = await page.locator(`[data-item="${name}"] .bar-label`).allTextContents();
        assert.ok(shown.length >= 3, `${name} has bars`);
        assert.deepEqual(shown, choiceLabels(list, lang).filter(l => shown.includes(l)), `${name} in the form's order`);
      }

      // Section headings are the form's group labels, never internal names.
      const groups = groupLabels(lang);
      const headings = await page.locator('main h2.section').allTextContents();
      assert.ok(headings.length >= 8);
      for (const text of headings) assert.ok([...groups.values()].includes(text), `"${text}" is a group label`);
      for (const name of groups.keys()) assert.ok(!headings.includes(name), `no heading "${name}"`);
      assert.ok(headings.includes(groups.get('harassment')));
      // The summary comes first, with a list of the sections that jumps to
      // each without leaving the page's route.
      // staff-climate is anonymous: the page shows the report's noisy total
      // for the 140 responses (the cell key method, at most 5 off).
      const total = await page.evaluate(async () => {
        const r = await (await fetch('/api/v1/reports/staff-climate')).json();
        return r.periods[0].survey.responses.find((g) => Object.keys(g.group).length === 0).n;
      });
      assert.ok(Math.abs(total - 140) <= 5, `${total} is within 5 of 140`);
      assert.equal(await page.textContent('#form-responses'), String(total));
      assert.deepEqual(await page.locator('nav.toc li a').allTextContents(), headings);
      const url = page.url();
      await page.locator('nav.toc li a', { hasText: groups.get('harassment') }).click();
      await page.waitForFunction((text) => {
        const h = [...document.querySelectorAll('main h2.section')].find((e) => e.textContent === text);
        const top = h.getBoundingClientRect().top;
        // Within a pixel of the top: scrollIntoView may stop at a fraction
        // of one (-0.25 once the perturbation note's two lines are above).
        return top > -1 && top < window.innerHeight / 2;
      }, groups.get('harassment'));
      assert.equal(page.url(), url);

      // The two-way breakdown is a grid: sex down, age across, each with its
      // total, and one "(no answer)" row and one column.
      const noAnswer = lang === 'en' ? '(no answer)' : '(بلا إجابة)';
      const sizes = page.locator('main table.grid').first();
      const columns = await sizes.locator('thead th').allTextContents();
      assert.deepEqual(columns.slice(1), [...choiceLabels('age_band', lang), noAnswer, lang === 'en' ? 'All' : 'الكل']);
      const rows = await sizes.locator('tbody th[scope="row"]').allTextContents();
      assert.deepEqual(rows, [...choiceLabels('sex', lang), noAnswer, lang === 'en' ? 'All' : 'الكل']);
      assert.equal(rows.filter(r => r === noAnswer).length, 1);
      assert.ok(await sizes.locator('[data-suppressed="true"]').count() >= 1, 'small cells are hidden in the grid');
      // The section indexes are broken down too, as grids.
      assert.ok(await page.locator('#section-index table.grid').count() >= 5);
      // Percentages are written as the language writes them (Intl): "62.5%"
      // in English, "62.5%" with left-to-right marks around the sign in
      // Chromium's Arabic, never a sign after a space, which an Arabic line
      // shows before the number ("% 62.5").
      const cells = (await page.locator('#section-index .bar-value').allTextContents()).join(' ');
      assert.doesNotMatch(cells, /[0-9\u0660-\u0669] %/);
      assert.match(cells, lang === 'en' ? /[0-9]%/ : /[0-9\u0660-\u0669]\u200E?[%\u066A]/);
      // A Likert item: one bar for everyone and a grid of its groups, one
      // click below; opened here, so that its labels are checked too.
      assert.equal(await page.locator('[data-item="eng_proud"] svg.likert').count(), 1);
      assert.equal(await page.isVisible('[data-item="eng_proud"] table.grid'), false);
      await page.click('[data-item="eng_proud"] details summary');
      assert.ok(await page.isVisible('[data-item="eng_proud"] table.grid'));
      await page.evaluate(() => document.querySelectorAll('main details').forEach((d) => { d.open = true; }));

      // No label runs out of its box, in either direction.
      assert.deepEqual(await clippedText(page), []);
      // The check itself sees the old fault: an SVG label anchored at its
      // end that runs off the left edge, and a label cut by its box. (Styles
      // set through the CSSOM: the page's CSP refuses inline ones.)
      await page.evaluate(() => {
        const probe = document.createElement('div');
        probe.id = 'probe';
        probe.innerHTML = '<svg width="60" height="20"><text x="30" y="15" text-anchor="end">External body</text></svg>' +
          '<div>Clearance and release</div>';
        Object.assign(probe.lastChild.style, { width: '40px', whiteSpace: 'nowrap', overflow: 'hidden' });
        document.querySelector('main').append(probe);
      });
      assert.equal((await clippedText(page, '#probe')).length, 2);
      await page.evaluate(() => document.querySelector('#probe').remove());
      assert.equal(await overflowsHorizontally(page), false);
      await screenshot(page, `dashboard-report-1366-${lang}`);

      // One-way: the section indexes by category, and no clipped label.
      await page.goto(base + '/#/form/staff-climate?by=dem_age');
      await page.waitForSelector('#section-index .index-by table');
      assert.deepEqual(await clippedText(page), []);

      // Print: no controls, what they chose written out, nothing wider than
      // the page: A4 less the stylesheet's margins is about 700 px wide.
      await page.setViewportSize({ width: 700, height: 1000 });
      await page.emulateMedia({ media: 'print' });
      assert.equal(await page.isVisible('header.top'), false);
      assert.equal(await page.isVisible('.controls'), false);
      assert.ok(await page.isVisible('#print-context'));
      assert.match(await page.textContent('#print-context'), lang === 'en' ? /Broken down by Age/ : /التصنيف حسب/);
      assert.equal(await overflowsHorizontally(page), false);
      assert.deepEqual(await clippedText(page), []);
      await screenshot(page, `dashboard-report-print-${lang}`);
      mkdirSync(ARTIFACTS, { recursive: true });
      const pdf = path.join(ARTIFACTS, `dashboard-report-${lang}.pdf`);
      await page.pdf({ path: pdf, format: 'A4', printBackground: true });
      assert.ok(statSync(pdf).size > 10000, 'a PDF with content');
      await page.emulateMedia({ media: 'screen' });
    });
  });
}

// sample-responses mostly picks a list's first choice, so the plans are
// full of not_started: the code the issue saw in all five languages.
test('GEOAT: action-plan statuses by their labels, and two assessments in one round shown as a conflict', async () => {
  await onDashboard(VIEWPORTS.desktop, async (page) => {
    const statuses = JSON.parse(readFileSync(GEOAT, 'utf8')).lists.ap_status;
    await page.goto(base + '/#/form/geoat-2023');
    await page.waitForSelector('svg.radar');
    for (const [lang, heading] of [['en', 'Status'], ['fr', 'État'], ['ar', 'الحالة']]) {
      if (lang !== 'en') await page.selectOption('#lang', lang);
      const plan = page.locator(`main table:has(th:text-is("${heading}"))`);
      await plan.first().waitFor();
      // The status column found by its heading (the plan gained columns).
      const col = await plan.first().locator('thead th').evaluateAll((ths, h) => ths.findIndex(t => t.textContent.trim() === h) + 1, heading);
      assert.ok(col >= 1, `a "${heading}" column`);
      const cells = await plan.locator(`tbody td:nth-child(${col})`).allTextContents();
      assert.ok(cells.length >= 1, 'the plans have rows');
      const labels = statuses.map(c => c.label[lang]);
      // An action whose status was not given shows a blank, never a code.
      const given = cells.filter(c => c.trim() !== '');
      assert.ok(given.length >= 1, 'some actions have a status');
      for (const c of given) assert.ok(labels.includes(c), `"${c}" is a status label in ${lang}`);
    }
    await screenshot(page, 'dashboard-geoat-action-plan-ar');

    await page.selectOption('#lang', 'en');
    await page.goto(base + '/#/form/geoat-2023?round=2026-review');
    await page.waitForFunction(() => document.querySelector('#round')?.value === '2026-review');
    await page.waitForSelector('h2.conflict');
    assert.equal(await page.textContent('h2.conflict'), 'Lakeland Revenue Authority — conflicting assessments');
    assert.match(await page.textContent('.panel.conflict'), /2 assessments of this administration in this round\. Scores are not averaged/);
    assert.equal(await page.locator('.panel.conflict tbody tr').count(), 2, 'each assessment listed');
    // Only the administration with one assessment is scored.
    assert.equal(await page.locator('svg.radar').count(), 1);
    assert.equal(await page.locator('main h2:has-text("Lakeland Revenue Authority — Overall")').count(), 0);
    await screenshot(page, 'dashboard-geoat-conflict');
  });
});

test('downloads are the export files, and each one is audited', async () => {
  await onDashboard(VIEWPORTS.desktop, async (page) => {
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
    // The SPSS file, labelled in the page's language.
    const [sav] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('.downloads .row', { hasText: 'Staff climate' }).locator('a[data-format="sav"]').first().click(),
    ]);
    assert.equal(sav.suggestedFilename(), 'staff-climate.sav');
    assert.equal(readFileSync(await sav.path()).subarray(0, 4).toString('latin1'), '$FL2', 'an SPSS system file');
    await page.click('#nav a[href="#/audit"]');
    await page.waitForSelector('main table');
    const audit = await page.textContent('main table');
    assert.match(audit, /export.*form=staff-climate format=csv rows=140/);
    assert.match(audit, /export.*form=staff-climate format=sav rows=140/);
  });
});

test('Arabic reads right to left, the tablet layout does not scroll sideways, and axe finds no violation', async () => {
  const { context, page } = await newPage(browser, { width: 820, height: 1180 }, base);
  try {
    await signIn(page);
    await page.waitForSelector('#total-responses');
    await page.selectOption('#lang', 'ar');
    await page.waitForSelector('html[dir="rtl"][lang="ar"]');
    // The overview is redrawn once the forms' Arabic titles arrive; until
    // then the English page is still there (a race this test used to lose
    // on a busy machine).
    await page.waitForSelector('#nav a[href="#/overview"]:text-is("نظرة عامة")');
    await page.waitForSelector('#total-responses');
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

// Evidence files (issue 18): a team contribution and a GEOAT submission
// name a photo and a PDF beside an indicator; they reach a server of their
// own in chunks. A steward sees each file's name and size with a download
// link, and the photo's thumbnail, on the form's page, in the printable
// report, and downloads the data with its files as one zip; a viewer sees
// no file at all. In Arabic the evidence reads right to left.
test('evidence files: links and thumbnails for a steward in English and Arabic, none for a viewer', async () => {
  const top = mkdtempSync(path.join(tmpdir(), 'equitas-evidence-'));
  const S = path.join(top, 'server');
  run('sync-server', ['init', '--data-dir', S]);
  const steward = run('sync-server', ['admin-token', 'create', '--data-dir', S, '--label', 'hq-steward', '--role', 'steward']).trim();
  const viewer = run('sync-server', ['admin-token', 'create', '--data-dir', S, '--label', 'hq-viewer', '--role', 'viewer']).trim();
  const form = path.join(top, 'form.json');
  writeFileSync(form, JSON.stringify({
    id: 'evidence-assessment', version: '1', languages: ['en', 'ar'],
    title: { en: 'Evidence assessment', ar: 'تقييم مع الأدلة' },
    lists: { status: [{ name: '0', label: { en: 'Not in place', ar: 'غير قائم' }, points: 0 },
      { name: '4', label: { en: 'Fully in place', ar: 'قائم بالكامل' }, points: 4 }] },
    items: [
      { type: 'text', name: 'admin_name', label: { en: 'Administration', ar: 'الإدارة' } },
      { type: 'group', name: 'p1_a', label: { en: 'P1.A Pay', ar: 'P1.A الأجور' }, items: [
        { type: 'select_one', name: 'p1_a_1', list: 'status', label: { en: 'P1.A.1 Pay scales are published.', ar: 'P1.A.1 سلالم الأجور منشورة.' },
          score: { principle: 'P1', element: 'P1.A', indicator: 'P1.A.1' } },
        { type: 'file', name: 'p1_a_1_files', label: { en: 'Evidence files (P1.A.1)', ar: 'ملفات الأدلة (P1.A.1)' },
          file: { accept: ['image/*', 'application/pdf'], max_files: 5 } },
      ] },
    ],
  }));
  run('sync-server', ['forms', 'publish', '--data-dir', S, form]);
  run('sync-server', ['administration', 'add', '--data-dir', S, '--id', 'TL', '--name', 'Testland Customs']);
  const asm = run('sync-server', ['assessment', 'create', '--data-dir', S, '--form', 'evidence-assessment', '--round',
    '2026-review', '--administration', 'TL']).trim().split('\n').pop().trim();
  // A real JPEG, drawn by the browser, so that its thumbnail decodes.
  const photo = await (async () => {
    const p = await browser.newPage();
    try {
      const b64 = await p.evaluate(async () => {
        const c = document.createElement('canvas');
        c.width = 320; c.height = 240;
        const g = c.getContext('2d');
        for (let i = 0; i < 12; ++i) { g.fillStyle = `hsl(${i * 30}, 70%, 50%)`; g.fillRect(i * 25, i * 18, 90, 70); }
        const blob = await new Promise(r => c.toBlob(r, 'image/jpeg', 0.9));
        let s = '';
        for (const b of new Uint8Array(await blob.arrayBuffer())) s += String.fromCharCode(b);
        return btoa(s);
      });
      return Buffer.from(b64, 'base64');
    } finally { await p.close(); }
  })();
  const pdf = Buffer.from('%PDF-1.7\nthe published pay scales\n%%EOF\n');
  writeFileSync(path.join(top, 'lactation-room.jpg'), photo);
  writeFileSync(path.join(top, 'pay-scales.pdf'), pdf);
  const sha = (b) => createHash('sha256').update(b).digest('hex');
  const own = await startSyncServer(top);
  const ownBase = own.url.replace('ws://', 'http://');
  try {
    const dir = path.join(top, 'post');
    const code = run('sync-server', ['device', 'enroll', '--data-dir', S, '--site', 'Land post', '--url', own.url]).trim().split('\n').pop().trim();
    run('collector', ['init', '--data-dir', dir]);
    run('collector', ['enroll', '--data-dir', dir, code]);
    run('collector', ['sync', '--data-dir', dir]);  // the form and the assessment
    const submit = (args, answers) => execFileSync(path.join(BIN, 'collector'), ['submit', '--data-dir', dir,
      '--form', 'evidence-assessment', ...args, '-'], { cwd: top, input: JSON.stringify(answers), encoding: 'utf8' });
    const sync = () => JSON.parse(execFileSync(path.join(BIN, 'collector'), ['sync', '--data-dir', dir, '--json'],
      { encoding: 'utf8' }).trim().split('\n').pop());
    submit(['--assessment', asm, '--role', 'hr'], { p1_a_1: '4', p1_a_1_files: ['@lactation-room.jpg', '@pay-scales.pdf'] });
    const first = sync();
    assert.equal(first.accepted, 1);
    assert.equal(first.files_sent, 2);
    submit([], { admin_name: 'Testland Customs', p1_a_1: '4', p1_a_1_files: ['@lactation-room.jpg'] });
    const second = sync();
    assert.equal(second.accepted, 1);
    assert.equal(second.files_already_held, 1, 'the same photo does not travel again');

    const signInTo = async (page, value) => {
      await page.goto(ownBase + '/');
      await page.fill('#token', value);
      await page.click('form.login button[type=submit]');
      await page.waitForSelector('#total-responses');
    };
    const thumbLoaded = (img) => img.evaluate((el) => el.complete && el.naturalWidth === 320);
    {
      const { context, page } = await newPage(browser, VIEWPORTS.desktop, ownBase);
      try {
        await signInTo(page, steward);
        await page.goto(ownBase + '/#/form/evidence-assessment');
        // The team assessment's evidence, and the submission's in the GEOAT view.
        const panels = page.locator('.panel.evidence');
        await panels.nth(1).waitFor();
        assert.equal(await panels.count(), 2);
        const team = panels.first();
        assert.deepEqual(await team.locator('tbody td:first-child').allTextContents(), ['P1.A.1', 'P1.A.1']);
        const link = team.locator(`a[data-sha256="${sha(photo)}"]`);
        assert.equal(await link.textContent(), 'lactation-room.jpg');
        assert.equal(await link.getAttribute('href'), '/api/v1/files/' + sha(photo));
        const thumb = team.locator('img.thumb');
        assert.equal(await thumb.count(), 1, 'a thumbnail for the photo only');
        await page.waitForFunction((el) => el.complete, await thumb.elementHandle());
        assert.ok(await thumbLoaded(thumb), 'the thumbnail loads through the file endpoint');
        assert.match(await team.textContent(), /pay-scales\.pdf/);
        assert.match(await team.locator('tbody tr').first().locator('td').nth(2).textContent(), /kB/);
        assert.equal(plain(await page.locator('h3', { hasText: 'Evidence files' }).first().textContent()),
          'Evidence files — Testland Customs (2026-review)');
        // The link downloads the photo as it was taken.
        const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
        assert.equal(download.suggestedFilename(), 'lactation-room.jpg');
        assert.equal(sha(readFileSync(await download.path())), sha(photo));
        await screenshot(page, 'dashboard-evidence-files');
        // The printable report lists them too, with the thumbnail (its CSP lets images come from the server).
        await page.goto(ownBase + `/api/v1/assessments/${asm}/report?lang=en`);
        await page.waitForSelector('section.evidence-files img.thumb');
        assert.ok(await thumbLoaded(page.locator('section.evidence-files img.thumb')));
        assert.match(await page.textContent('section.evidence-files'), /P1\.A\.1.*lactation-room\.jpg.*pay-scales\.pdf/s);
        await screenshot(page, 'assessment-report-evidence');
        // In Arabic: right to left, the headings translated, the sizes in Arabic units.
        await page.goto(ownBase + '/#/form/evidence-assessment');
        // Drawn in English first: a page drawn while the language changes can
        // finish last and leave its English headings (route() does not drop
        // a stale drawing).
        await page.locator('.panel.evidence').nth(1).waitFor();
        await page.selectOption('#lang', 'ar');
        await page.waitForSelector('html[dir="rtl"]');
        await page.waitForSelector('main h1:text-is("تقييم مع الأدلة")');
        await page.waitForSelector('h3:has-text("ملفات الأدلة")');
        await page.locator('.panel.evidence').nth(1).waitFor();
        assert.equal(await page.locator('.panel.evidence thead th').first().textContent(), 'المؤشر');
        // The round's name reads whole inside the Arabic row (isolated), and
        // the round list counts the team assessment.
        assert.equal(await page.locator('td > bdi', { hasText: '2026-review' }).first().textContent(), '2026-review');
        const rounds = (await page.locator('#round option').allTextContents()).map(plain);
        assert.ok(rounds.some((o) => o.startsWith('2026-review (') && o.includes('تقييمات الفريق: 1')), rounds.join(' | '));
        assert.equal(await overflowsHorizontally(page), false);
        await screenshot(page, 'dashboard-evidence-files-ar');
        await page.selectOption('#lang', 'en');
        // The data with its files, one zip, from the downloads page.
        await page.click('#nav a[href="#/downloads"]');
        const zip = page.locator('.downloads .row', { hasText: 'Evidence assessment' }).locator('a.with-files');
        await zip.waitFor();
        assert.equal(await zip.textContent(), 'CSV and files (ZIP)');
        const [z] = await Promise.all([page.waitForEvent('download'), zip.click()]);
        assert.equal(z.suggestedFilename(), 'evidence-assessment.zip');
        const listing = execFileSync('python3', ['-c', `
import hashlib, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for n in sorted(z.namelist()):
    print(n, hashlib.sha256(z.read(n)).hexdigest() if n.startswith('files/') else '')
`, await z.path()], { encoding: 'utf8' }).trim().split('\n').map((l) => l.trim());
        assert.ok(listing.includes(`files/${sha(photo)}.jpg ${sha(photo)}`), listing.join('\n'));
        assert.ok(listing.includes('evidence-assessment.csv'), listing.join('\n'));
        assert.deepEqual(page.foreign, []);
      } finally {
        await context.close();
      }
    }
    {
      const { context, page } = await newPage(browser, VIEWPORTS.desktop, ownBase);
      try {
        await signInTo(page, viewer);
        await page.goto(ownBase + '/#/form/evidence-assessment');
        await page.waitForSelector('svg.radar');
        await page.waitForSelector('a.assessment-report');
        assert.equal(await page.locator('.panel.evidence').count(), 0);
        assert.ok(!(await page.textContent('main')).includes('lactation-room'), 'no file name');
        const status = await page.evaluate(async (h) => (await fetch('/api/v1/files/' + h)).status, sha(photo));
        assert.equal(status, 403);
        await page.goto(ownBase + `/api/v1/assessments/${asm}/report?lang=en`);
        await page.waitForSelector('footer');
        assert.equal(await page.locator('section.evidence-files').count(), 0);
        assert.ok(!(await page.content()).includes('lactation-room'));
        await page.goto(ownBase + '/#/downloads');
        await page.waitForSelector('.downloads a[data-format="csv"]');
        assert.equal(await page.locator('a.with-files').count(), 0);
        assert.deepEqual(page.foreign, []);
      } finally {
        await context.close();
      }
    }
  } finally {
    await stop(own);
  }
});
