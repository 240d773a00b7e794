// The shared laptop and the personal phone (issue 14), in Chromium against
// the real `collector serve`:
// - kiosk: officer 1 walks away mid-survey; officer 2 reloads or opens / and
//   gets a fresh survey, with officer 1's answers neither in the page nor
//   obtainable from the collector; the idle countdown, in Arabic;
// - personal: the response comes back after a reload and after the tab is
//   closed, with the question "continue or start again?";
// - Android Back moves to the previous section.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, screenshot, heading, next, answer, pick, draftCount, withCollectorPage, VIEWPORTS } from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

// Officer 1: staff climate up to the first Likert section, with her sex and
// grade given. Returns the page's half of the draft key, as the collector
// handed it to her page (the test keeps it to try it after the hand-over).
async function startStaffClimate(page, base) {
  await page.goto(base + '/');
  const [created] = await Promise.all([
    page.waitForResponse(r => r.url().endsWith('/api/v1/draft') && r.request().method() === 'POST'),
    page.click('button.survey[data-form="staff-climate"]'),
  ]);
  const half = (await created.json()).key;
  await answer(page, () => page.locator('[data-path="consent_ack"] label').click());
  await next(page);
  await pick(page, 'dem_sex', 'female');
  await pick(page, 'dem_grade', 'senior_manager');
  await next(page);
  await pick(page, 'eng_proud', '2');
  return half;
}

// The phone's tab is closed and the survey opened again in a new one, which
// asks whether to continue or start again.
async function reopen(page, context, base) {
  await page.close();
  const tab = await context.newPage();
  await tab.goto(base + '/');
  await tab.waitForSelector('#continue-draft');
  return tab;
}

// What officer 2's page can get from the collector: the draft, with any key
// half it may hold, and with the half officer 1's page had.
async function draftFromPage(page, half) {
  return page.evaluate(async (half) => {
    const tries = [sessionStorage.getItem('eq_draft_key'), localStorage.getItem('eq_draft_key'), half];
    const out = [];
    for (const h of tries) {
      const r = await fetch('/api/v1/draft', { headers: h ? { 'X-Draft-Key': h } : {} });
      out.push({ status: r.status, body: await r.text() });
    }
    return out;
  }, half);
}

async function assertNothingOfOfficer1(page, context, half) {
  const html = await page.content();
  assert.equal(await page.locator('input:checked').count(), 0, 'no answer is selected');
  assert.doesNotMatch(html, /dem_sex|eng_proud/, 'no question of her survey is on the page');
  for (const r of await draftFromPage(page, half)) {
    assert.equal(r.status, 404, 'the collector gives nothing back');
    assert.doesNotMatch(r.body, /female|senior/);
  }
  assert.ok(!(await context.cookies()).some(k => k.name === 'eq_draft'), 'no draft cookie is left');
}

test('kiosk: officer 2 reloads the page officer 1 walked away from', async () => {
  await withCollectorPage(browser, VIEWPORTS.desktop, [], async ({ srv, context, page }) => {
    const half = await startStaffClimate(page, srv.url);
    assert.equal(await draftCount(srv.url), 1);
    await screenshot(page, 'kiosk-officer1-walks-away');

    await page.reload();
    await page.waitForSelector('button.survey');
    assert.match(await page.textContent('main .note'), /unfinished response on this device was erased/);
    await screenshot(page, 'kiosk-officer2-after-reload');
    await assertNothingOfOfficer1(page, context, half);
    assert.equal(await draftCount(srv.url), 0, 'erased on the collector, not only in the page');

    // Officer 2 answers from the start.
    await page.click('button.survey[data-form="staff-climate"]');
    await page.waitForSelector('[data-path="consent_ack"]');
    assert.equal(await page.locator('input:checked').count(), 0);
    assert.deepEqual(page.foreign, []);
  });
});

test('kiosk: officer 2 opens / in a new tab while officer 1\'s is still open', async () => {
  await withCollectorPage(browser, VIEWPORTS.desktop, [], async ({ srv, context, page }) => {
    const half = await startStaffClimate(page, srv.url);
    const second = await context.newPage();
    await second.goto(srv.url + '/');
    await second.waitForSelector('button.survey');
    await screenshot(second, 'kiosk-officer2-new-tab');
    await assertNothingOfOfficer1(second, context, half);
    assert.equal(await draftCount(srv.url), 0);

    // Officer 1's old tab cannot bring it back either: its next save finds
    // nothing and the page starts over.
    await page.locator('[data-path="eng_proud"] label[data-choice="4"]').click();
    await page.waitForSelector('button.survey');
    assert.equal(await draftCount(srv.url), 0);
  });
});

test('kiosk: "Are you still there?" counts down in Arabic, then erases the response', async () => {
  await withCollectorPage(browser, VIEWPORTS.phone360, ['--idle-timeout', '2s', '--idle-countdown', '4s'], async ({ srv, context, page }) => {
    await page.goto(srv.url + '/');
    await page.click('.langs button[lang="ar"]');
    await page.waitForSelector('html[dir="rtl"]');
    await page.click('button.survey[data-form="staff-climate"]');
    await answer(page, () => page.locator('[data-path="consent_ack"] label').click());
    await next(page);
    await pick(page, 'dem_sex', 'female');

    // Idle: the question, and the seconds left going down.
    await page.waitForSelector('#idle[role="alertdialog"]');
    assert.equal(await page.textContent('#idle-title'), 'هل ما زلت هنا؟');
    const first = await page.textContent('#idle-count');
    assert.match(first, /\d/);
    await page.waitForFunction(f => document.querySelector('#idle-count').textContent !== f, first);
    assert.equal(await page.evaluate(() => getComputedStyle(document.getElementById('idle')).direction), 'rtl');
    assert.equal(await page.evaluate(() => document.getElementById('app').inert), true, 'the page behind cannot be typed on');
    await screenshot(page, 'kiosk-idle-countdown-ar');

    // Still there: the answers stay.
    await page.click('#still-here');
    await page.waitForSelector('#idle', { state: 'detached' });
    assert.equal(await page.evaluate(() => document.getElementById('app').inert), false);
    assert.ok(await page.locator('[data-path="dem_sex"] input[value="female"]').isChecked());
    assert.equal(await draftCount(srv.url), 1);

    // Gone: the countdown runs out and the response is erased everywhere.
    await page.waitForSelector('#idle');
    await page.waitForSelector('button.survey', { timeout: 15000 });
    assert.equal(await page.textContent('main .note'), 'حُذفت الإجابة السابقة بعد فترة من عدم النشاط.');
    assert.equal(await page.locator('#idle').count(), 0);
    assert.equal(await draftCount(srv.url), 0);
    assert.doesNotMatch(await page.content(), /dem_sex/);
    await screenshot(page, 'kiosk-idle-wiped-ar');
  });
});

test('personal: a reload and a closed tab bring the response back, after asking; Back goes a section back', async () => {
  // A short idle time: a personal phone must not wipe on it.
  await withCollectorPage(browser, VIEWPORTS.phone390, ['--mode', 'personal', '--idle-timeout', '1s'], async ({ srv, context, page }) => {
    await startStaffClimate(page, srv.url);
    const section3 = await heading(page);

    // Android Back: the previous section, with its answers.
    await page.goBack();
    await page.waitForSelector('[data-path="dem_sex"]');
    assert.ok(await page.locator('[data-path="dem_sex"] input[value="female"]').isChecked());
    await screenshot(page, 'personal-back-to-demographics');
    await next(page);
    assert.equal(await heading(page), section3);

    // A phone call: well past the idle time, nothing is asked or wiped.
    await new Promise(r => setTimeout(r, 2500));
    assert.equal(await page.locator('#idle').count(), 0);

    await page.reload();
    await page.waitForSelector('#continue-draft');
    assert.equal(await page.textContent('main h1'), 'Continue where you left off, or start again?');
    await screenshot(page, 'personal-come-back');
    await page.click('#continue-draft');
    await page.waitForSelector('[data-path="eng_proud"]');
    assert.equal(await heading(page), section3, 'back on the section she left');
    assert.ok(await page.locator('[data-path="eng_proud"] input[value="2"]').isChecked());

    // The tab is closed; the phone's browser opens the survey again.
    const again = await reopen(page, context, srv.url);
    await again.click('#continue-draft');
    await again.waitForSelector('[data-path="eng_proud"]');
    assert.ok(await again.locator('[data-path="eng_proud"] input[value="2"]').isChecked());
    await again.goBack();
    await again.waitForSelector('[data-path="dem_grade"]');
    assert.ok(await again.locator('[data-path="dem_grade"] input[value="senior_manager"]').isChecked());

    // Closed again, and this time she starts over: the old response is erased.
    const fresh = await reopen(again, context, srv.url);
    await fresh.click('#start-again');
    await fresh.waitForSelector('button.survey');
    assert.equal(await draftCount(srv.url), 0);
    assert.ok(await fresh.evaluate(() => localStorage.length === 0 && sessionStorage.length === 0),
      'nothing of the response is left in the browser');
    await screenshot(fresh, 'personal-start-again');
  });
});
