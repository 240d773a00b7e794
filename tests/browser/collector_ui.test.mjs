// The collector's web UI in a real browser: Debian's Chromium, driven by
// playwright-core, against the real `collector serve` binary on loopback.
// Screenshots of every step land in $EQUITAS_ARTIFACTS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { makeCollector, makeServerFolder, startSyncServer, serve, stop, status, launch, newPage, screenshot, overflowsHorizontally, heading, next, answer, pick, startTeamForm, VIEWPORTS, PIN } from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

const CANARY = 'CANARY-7f3a-respondent-text';

// The draft as the collector holds it, asked from inside the page (its
// storage holds half of the draft key: sessionStorage for the GEOAT,
// localStorage on a personal phone).
async function draftAnswers(page) {
  return page.evaluate(async () => {
    const half = sessionStorage.getItem('eq_draft_key') || localStorage.getItem('eq_draft_key');
    const r = await fetch('/api/v1/draft', { headers: half ? { 'X-Draft-Key': half } : {} });
    return r.ok ? (await r.json()).answers : null;
  });
}

async function storageIsEmpty(page) {
  return page.evaluate(async () => {
    const dbs = indexedDB.databases ? await indexedDB.databases() : [];
    return localStorage.length === 0 && sessionStorage.length === 0 && dbs.length === 0;
  });
}

for (const [name, viewport] of Object.entries(VIEWPORTS)) {
  test(`staff climate in French, start to finish, at ${name}`, async () => {
    const c = makeCollector();
    const srv = await serve(c.dir);
    const { context, page } = await newPage(browser, viewport, srv.url);
    try {
      const pendingBefore = status(c.dir).pending;
      await page.goto(srv.url + '/');
      await page.click('.langs button[lang="fr"]');
      await page.waitForSelector('html[lang="fr"]');
      assert.equal(await page.textContent('main h1'), 'Enquêtes auprès du personnel');
      await screenshot(page, `${name}-start-fr`);
      await page.click('button.survey[data-form="staff-climate"]');
      await page.waitForSelector('[data-path="consent_ack"]');
      await screenshot(page, `${name}-consent`);

      // Required: the consent must be given before going on, said in French.
      await page.click('#next');
      await page.waitForSelector('#e-q-consent_ack:not(:empty)');
      assert.match(await page.textContent('#e-q-consent_ack'), /obligatoire/i);
      await screenshot(page, `${name}-consent-required`);
      await answer(page, () => page.locator('[data-path="consent_ack"] label').click());
      await next(page);

      // Demographics.
      await pick(page, 'dem_sex', 'female');
      await pick(page, 'dem_grade', 'officer');
      assert.equal(await overflowsHorizontally(page), false, 'no sideways scrolling');
      await screenshot(page, `${name}-demographics`);
      await next(page);
      await pick(page, 'eng_proud', '4');
      await screenshot(page, `${name}-likert`);

      // On through the sections to the comments page.
      while (!(await page.locator('[data-path="comment"]').count())) {
        assert.equal(await overflowsHorizontally(page), false, `no sideways scrolling on ${await heading(page)}`);
        await next(page);
      }
      // A constraint error, in French, then a valid comment.
      await answer(page, () => page.fill('[data-path="comment"] textarea', 'x'.repeat(2001)));
      await page.locator('[data-path="comment"] textarea').blur();
      await page.waitForSelector('#e-q-comment:not(:empty)');
      assert.match(await page.textContent('#e-q-comment'), /2 000 caractères/);
      await screenshot(page, `${name}-constraint-error`);
      await answer(page, () => page.fill('[data-path="comment"] textarea', CANARY));
      await page.waitForFunction(() => document.querySelector('#e-q-comment').textContent === '');

      await next(page);  // the review page
      assert.match(await page.textContent('main'), new RegExp(CANARY));
      await screenshot(page, `${name}-review`);
      await page.click('#submit');
      await page.waitForSelector('.thanks');
      await screenshot(page, `${name}-thanks`);

      assert.equal(status(c.dir).pending, pendingBefore + 1, 'one more submission waits to sync');
      assert.doesNotMatch(await page.content(), new RegExp(CANARY), 'no answer left in the page');
      assert.ok(await storageIsEmpty(page), 'nothing in browser storage');
      const cookies = await context.cookies();
      assert.ok(!cookies.some(k => k.name === 'eq_draft'), 'the draft key cookie is gone');

      // Kiosk: going back and reloading show nothing of the previous respondent.
      await page.goBack().catch(() => {});
      await page.goto(srv.url + '/');
      await page.reload();
      await page.waitForSelector('button.survey');
      assert.doesNotMatch(await page.content(), new RegExp(CANARY));
      assert.equal(await draftAnswers(page), null, 'no draft for the next respondent');
      await screenshot(page, `${name}-after-reset`);
      assert.deepEqual(page.foreign, [], 'no request left the collector');

      // Stolen laptop: the typed text is in none of the collector's files.
      for (const f of readdirSync(c.dir)) {
        assert.ok(!readFileSync(path.join(c.dir, f)).includes(CANARY), `canary found in ${f}`);
      }
    } finally {
      await context.close();
      await stop(srv);
    }
  });
}

test('harassment skip logic, in both directions', async () => {
  const c = makeCollector();
  // A personal phone: the only mode in which the collector gives an
  // anonymous draft back, which draftAnswers needs.
  const srv = await serve(c.dir, ['--mode', 'personal']);
  const { context, page } = await newPage(browser, VIEWPORTS.phone390, srv.url);
  try {
    await page.goto(srv.url + '/');
    await page.click('button.survey[data-form="staff-climate"]');
    await answer(page, () => page.locator('[data-path="consent_ack"] label').click());
    await next(page);
    while (!(await page.locator('[data-path="h_remarks"]').count())) await next(page);

    const reported = page.locator('[data-path="harass_reported"]');
    assert.equal(await reported.isVisible(), false, 'hidden until something was experienced');
    await pick(page, 'h_remarks', 'once');
    await reported.waitFor({ state: 'visible' });
    await pick(page, 'harass_reported', 'yes');
    await page.locator('[data-path="harass_channel"]').waitFor({ state: 'visible' });
    assert.equal(await page.locator('[data-path="harass_not_reported_why"]').isVisible(), false);
    await screenshot(page, 'harassment-yes');

    await pick(page, 'harass_reported', 'no');
    await page.locator('[data-path="harass_not_reported_why"]').waitFor({ state: 'visible' });
    assert.equal(await page.locator('[data-path="harass_channel"]').isVisible(), false);

    // Back the other way: the follow-ups disappear. Their answers wait in the
    // draft (a misclick loses nothing) and are left out of what is sealed.
    await pick(page, 'h_remarks', 'never');
    await reported.waitFor({ state: 'hidden' });
    await page.locator('[data-path="harass_not_reported_why"]').waitFor({ state: 'hidden' });
    const answers = await draftAnswers(page);
    assert.equal(answers.h_remarks, 'never');
    await screenshot(page, 'harassment-back');
    await pick(page, 'h_remarks', 'once');
    await reported.waitFor({ state: 'visible' });
    assert.ok(await page.locator('[data-path="harass_reported"] input[value="no"]').isChecked(), 'the earlier answer is back');
  } finally {
    await context.close();
    await stop(srv);
  }
});

test('GEOAT in Arabic: right to left, one principle, action plan rows', async () => {
  const c = makeCollector();
  const srv = await serve(c.dir);
  const { context, page } = await newPage(browser, VIEWPORTS.phone360, srv.url);
  try {
    await page.goto(srv.url + '/');
    await page.click('.langs button[lang="ar"]');
    await page.waitForSelector('html[dir="rtl"]');
    // The GEOAT is not among the respondents' surveys: the team starts it
    // from the admin page.
    assert.equal(await page.locator('button.survey[data-form="geoat-2023"]').count(), 0);
    await startTeamForm(page, srv.url, 'geoat-2023', 'ar');
    await page.waitForSelector('[data-path="admin_name"]');
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).direction), 'rtl');
    await answer(page, () => page.fill('[data-path="admin_name"] input', 'Douane du Sénégal 2026'));
    await screenshot(page, 'geoat-ar-meta');

    // The team moves freely: straight to Principle 1.
    const p1 = await page.locator('#section-pick option').evaluateAll(os => os.findIndex(o => o.textContent.includes('1')));
    await page.selectOption('#section-pick', String(p1 >= 0 ? p1 : 2));
    await page.waitForSelector('.card');
    const cards = page.locator('.card');
    const n = await cards.count();
    assert.ok(n >= 5, 'indicators are shown as cards');
    for (let i = 0; i < n; ++i) {
      const card = cards.nth(i);
      if (!(await card.isVisible())) continue;
      await answer(page, () => card.locator('label[data-choice="3"]').first().click());
    }
    await answer(page, () => cards.first().locator('textarea').first().fill('سياسة الأجور 2024، الجدول رقم 3'));
    assert.equal(await overflowsHorizontally(page), false, 'nothing overflows at 360 px in Arabic');
    const code = cards.first().locator('bdi.code').first();
    assert.match(await code.textContent(), /^P1\.A\.1$/, 'indicator code isolated inside Arabic text');
    await screenshot(page, 'geoat-ar-principle1');

    // The action plan: add two rows, remove the first.
    const last = await page.locator('#section-pick option').count();
    await page.selectOption('#section-pick', String(last - 1));
    await page.waitForSelector('.add-row');
    await answer(page, () => page.click('.add-row'));
    await answer(page, () => page.locator('.row').nth(0).locator('input').first().fill('هدف أول'));
    await answer(page, () => page.click('.add-row'));
    await answer(page, () => page.locator('.row').nth(1).locator('input').first().fill('Objective two'));
    assert.equal(await page.locator('.row').count(), 2);
    await screenshot(page, 'geoat-ar-two-rows');
    await answer(page, () => page.locator('.row').nth(0).locator('.remove-row').click());
    assert.equal(await page.locator('.row').count(), 1);
    // Its linked indicators are chosen from the form's 60, found by typing.
    const linked = page.locator('[data-path="action_plan[0].ap_indicators"]');
    await linked.locator('.choice-search input').fill('P1.A');
    await answer(page, () => linked.locator('input[value="P1.A.2"]').check());
    await linked.locator('.choice-search input').fill('X.A.1');
    await answer(page, () => linked.locator('input[value="X.A.1"]').check());
    assert.ok(await linked.locator('input[value="P1.A.2"]').isChecked(), 'a chosen one stays in view');
    const answers = await draftAnswers(page);
    assert.equal(answers.action_plan.length, 1);
    assert.equal(answers.action_plan[0].ap_objective, 'Objective two');
    assert.deepEqual(answers.action_plan[0].ap_indicators, ['P1.A.2', 'X.A.1']);
    assert.equal(await overflowsHorizontally(page), false);
    await screenshot(page, 'geoat-ar-one-row');
  } finally {
    await context.close();
    await stop(srv);
  }
});

test('GEOAT draft survives kill -9 and is resumed from the admin page', async () => {
  const c = makeCollector();
  let srv = await serve(c.dir);
  const first = await newPage(browser, VIEWPORTS.desktop, srv.url);
  try {
    await startTeamForm(first.page, srv.url);
    await answer(first.page, () => first.page.fill('[data-path="admin_name"] input', 'Kill nine customs'));
  } finally {
    await first.context.close();
  }
  await stop(srv, 'SIGKILL');

  srv = await serve(c.dir);
  const { context, page } = await newPage(browser, VIEWPORTS.desktop, srv.url);
  try {
    await page.goto(srv.url + '/admin');
    await page.fill('#pin', 'wrong-pin-000');
    await page.click('form button[type=submit]');
    await page.waitForSelector('#pin-error:not(:empty)');
    await page.fill('#pin', PIN);
    await page.click('form button[type=submit]');
    await page.waitForSelector('.stats');
    assert.equal(await page.textContent('[data-stat="drafts"] b'), '1');
    await screenshot(page, 'admin-with-draft');
    await page.click('button.resume');
    await page.waitForSelector('[data-path="admin_name"] input');
    assert.equal(await page.inputValue('[data-path="admin_name"] input'), 'Kill nine customs');
    await screenshot(page, 'geoat-resumed');
    assert.deepEqual(page.foreign, []);
  } finally {
    await context.close();
    await stop(srv);
  }
});

// A submitted GEOAT (a form that is not anonymous) stays on the admin page
// as a record; "Correct" opens it with its answers, and submitting seals the
// same submission's revision 2 (the reference does not change).
test('the admin corrects a submitted GEOAT from the admin page: the same reference, revision 2', async () => {
  const c = makeCollector();
  const srv = await serve(c.dir);
  const { context, page } = await newPage(browser, VIEWPORTS.desktop, srv.url);
  const submit = async () => {
    for (let i = 0; i < 100 && !(await page.locator('#submit').count()); i++) await next(page);
    await page.click('#submit');
    await page.waitForSelector('.thanks');
    return (await page.textContent('.thanks bdi')).match(/Reference: ([0-9a-f]{8})/)[1];
  };
  try {
    await startTeamForm(page, srv.url);
    await answer(page, () => page.fill('[data-path="admin_name"] input', 'Customs of Somewhere'));
    await answer(page, () => page.fill('[data-path="assessment_start"] input', '2026-11-20'));
    await answer(page, () => page.fill('[data-path="assessment_date"] input', '2026-11-30'));
    const reference = await submit();
    assert.equal(status(c.dir).pending, 1);

    await page.goto(srv.url + '/admin');
    await page.waitForSelector('#records');
    const record = page.locator(`#records li[data-reference="${reference}"]`);
    assert.match(await record.textContent(), /revision 1, \d{4}-\d{2}-\d{2}/);
    assert.equal(await page.textContent('[data-stat="drafts"] b'), '0', 'a record is not an open draft');
    await screenshot(page, 'admin-records');
    await record.locator('button.correct').click();
    await page.waitForSelector('[data-path="admin_name"] input');
    assert.equal(await page.inputValue('[data-path="admin_name"] input'), 'Customs of Somewhere');
    await answer(page, () => page.fill('[data-path="admin_name"] input', 'Testland Customs'));
    assert.equal(await submit(), reference);
    assert.equal(status(c.dir).pending, 2);

    await page.goto(srv.url + '/admin');
    await page.waitForSelector('#records');
    assert.match(await page.locator(`#records li[data-reference="${reference}"]`).textContent(), /revision 2/);
    assert.deepEqual(page.foreign, []);
  } finally {
    await context.close();
    await stop(srv);
  }
});

test('the admin syncs from the page, with progress, against the real server', async () => {
  const root = makeServerFolder();
  const syncServer = await startSyncServer(root);
  const c = makeCollector('Admin sync post', syncServer.url, root);
  const srv = await serve(c.dir);
  const { context, page } = await newPage(browser, VIEWPORTS.phone390, srv.url);
  try {
    // One response from the UI, then the admin syncs it.
    await page.goto(srv.url + '/');
    await page.click('button.survey[data-form="integrity-perception"]');
    await answer(page, () => page.locator('[data-path="consent_ack"] label').click());
    await page.selectOption('#lang', 'es');
    await page.waitForSelector('html[lang="es"]');
    while (!(await page.locator('#submit').count())) await next(page);
    await page.click('#submit');
    await page.waitForSelector('.thanks');
    assert.equal(status(c.dir).pending, 1);

    await page.goto(srv.url + '/admin');
    await page.fill('#pin', PIN);
    await page.click('form button[type=submit]');
    await page.waitForSelector('[data-stat="pending"]');
    assert.equal(await page.textContent('[data-stat="pending"] b'), '1');
    await page.click('#sync-now');
    await page.waitForFunction(() => document.querySelector('[data-stat="synced"] b')?.textContent === '1', null, { timeout: 30000 });
    assert.equal(await page.textContent('[data-stat="pending"] b'), '0');
    assert.match(await page.textContent('#last-sync'), /1 accepted/);
    await screenshot(page, 'admin-after-sync');
    assert.equal(status(c.dir).synced, 1);
    assert.equal(await overflowsHorizontally(page), false);
  } finally {
    await context.close();
    await stop(srv);
    await stop(syncServer);
  }
});
