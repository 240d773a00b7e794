// The second edition's content in a real browser (issue #20): a trader's
// response to the private-sector integrity survey in Portuguese on a 360 px
// phone, and the staff-climate perpetrator path in Arabic, right to left.
// Real `collector serve`, Debian's Chromium; screenshots in $EQUITAS_ARTIFACTS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { status, launch, withCollectorPage, screenshot, overflowsHorizontally, heading, next, answer, pick, VIEWPORTS } from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

test('private-sector integrity survey in Portuguese at 360 px, start to finish', async () => {
  await withCollectorPage(browser, VIEWPORTS.phone360, [], async ({ c, srv, page }) => {
    const pendingBefore = status(c.dir).pending;
    await page.goto(srv.url + '/');
    await page.click('.langs button[lang="pt"]');
    await page.waitForSelector('html[lang="pt"]');
    assert.equal(await page.textContent('main h1'), 'Inquéritos ao pessoal');
    const survey = page.locator('button.survey[data-form="integrity-perception-private"]');
    assert.match(await survey.textContent(), /empresas que lidam com a alfândega/);
    await survey.click();
    await page.waitForSelector('[data-path="consent_ack"]');
    assert.match(await page.textContent('main'), /nunca pergunta o seu nome, o nome da sua empresa/);

    // The consent is required, and the engine says so in Portuguese.
    await page.click('#next');
    await page.waitForSelector('#e-q-consent_ack:not(:empty)');
    assert.match(await page.textContent('#e-q-consent_ack'), /obrigatória/);
    await screenshot(page, 'private-pt-consent-required');
    await answer(page, () => page.locator('[data-path="consent_ack"] label').click());
    await next(page);

    // The business, in bands, each with "prefer not to say".
    assert.equal(await heading(page), 'Sobre a sua empresa');
    await pick(page, 'biz_sector', 'broker');
    await pick(page, 'biz_size', 'pns');
    await pick(page, 'biz_frequency', 'weekly');
    assert.equal(await overflowsHorizontally(page), false, 'no sideways scrolling on the demographics');
    await screenshot(page, 'private-pt-business');
    await next(page);

    // The ten factors: the anchors read in Portuguese, one answer per page.
    assert.match(await page.textContent('main'), /Concordo totalmente/);
    assert.match(await page.textContent('main'), /Não concordo nem discordo/);
    await pick(page, 't01_1', '4');
    await screenshot(page, 'private-pt-factor1');
    while (!(await page.locator('[data-path="xp_payment_asked"]').count())) {
      assert.equal(await overflowsHorizontally(page), false, `no sideways scrolling on ${await heading(page)}`);
      if (await page.locator('[data-path="t07_4"]').count()) await pick(page, 't07_4', '2');  // reverse-worded
      await next(page);
    }

    // Experience in the last 12 months: a request for a payment opens the follow-up.
    const reported = page.locator('[data-path="xp_payment_reported"]');
    assert.equal(await reported.isVisible(), false, 'no follow-up before a request');
    await pick(page, 'xp_clearance_time', '1_3d');
    await pick(page, 'xp_payment_asked', 'once');
    await reported.waitFor({ state: 'visible' });
    await pick(page, 'xp_payment_reported', 'no');
    await pick(page, 'xp_complained', 'yes');
    await page.locator('[data-path="xp_complaint_outcome"]').waitFor({ state: 'visible' });
    await pick(page, 'xp_complaint_outcome', 'no_reply');
    assert.match(await page.textContent('main'), /Nos últimos 12 meses/);
    assert.equal(await overflowsHorizontally(page), false, 'no sideways scrolling on the experience page');
    await screenshot(page, 'private-pt-experience');

    await next(page);  // comments
    assert.match(await page.textContent('main'), /nomes de pessoas ou de empresas/);
    await next(page);  // review
    await screenshot(page, 'private-pt-review');
    await page.click('#submit');
    await page.waitForSelector('.thanks');
    assert.equal((await page.textContent('.thanks h1')).trim(), 'Obrigado');
    await screenshot(page, 'private-pt-thanks');
    assert.equal(status(c.dir).pending, pendingBefore + 1, 'one more submission waits to sync');
    assert.deepEqual(page.foreign, [], 'no request left the collector');
  });
});

test('staff climate in Arabic: who was responsible shows only after an experience', async () => {
  await withCollectorPage(browser, VIEWPORTS.phone390, [], async ({ c, srv, page }) => {
    const pendingBefore = status(c.dir).pending;
    await page.goto(srv.url + '/');
    await page.click('.langs button[lang="ar"]');
    await page.waitForSelector('html[dir="rtl"]');
    await page.click('button.survey[data-form="staff-climate"]');
    await answer(page, () => page.locator('[data-path="consent_ack"] label').click());
    await next(page);
    // Every demographic offers "prefer not to say".
    for (const q of ['dem_sex', 'dem_age', 'dem_grade', 'dem_role', 'dem_service', 'dem_station', 'dem_disability']) {
      assert.equal(await page.locator(`[data-path="${q}"] label[data-choice="pns"]`).count(), 1, `${q} offers pns`);
    }
    await pick(page, 'dem_grade', 'pns');
    while (!(await page.locator('[data-path="h_remarks"]').count())) await next(page);

    const source = page.locator('[data-path="harass_source"]');
    assert.equal(await source.isVisible(), false, 'not asked before an experience');
    await pick(page, 'h_remarks', 'never');
    assert.equal(await source.isVisible(), false, 'not asked after "never"');
    await pick(page, 'h_contact', 'once');
    await source.waitFor({ state: 'visible' });
    assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('[data-path="harass_source"]')).direction), 'rtl');
    assert.match(await source.textContent(), /مَن كان مسؤولًا عمّا تعرضت له؟/);
    assert.match(await source.textContent(), /مسافر أو تاجر أو مخلّص جمركي أو ناقل/);
    await screenshot(page, 'staff-ar-perpetrator');
    await pick(page, 'harass_source', 'traveller_trader');
    await pick(page, 'harass_source', 'colleague');
    await pick(page, 'harass_reported', 'no');
    await page.locator('[data-path="harass_not_reported_why"]').waitFor({ state: 'visible' });

    // Discrimination on any ground opens its grounds; the witness item and the support note are there for all.
    const grounds = page.locator('[data-path="discrim_grounds"]');
    assert.equal(await grounds.isVisible(), false);
    await pick(page, 'h_discrimination', '2_5');
    await grounds.waitFor({ state: 'visible' });
    await pick(page, 'discrim_grounds', 'pregnancy_family');
    await pick(page, 'h_witnessed', 'yes');
    assert.match(await page.textContent('[data-path="h_support"]'), /جهة التنسيق المعنية بالنوع الاجتماعي/);
    assert.equal(await overflowsHorizontally(page), false, 'nothing overflows in Arabic');
    await screenshot(page, 'staff-ar-harassment-section');

    // Back to "never" everywhere: the perpetrator question goes away again.
    await pick(page, 'h_contact', 'never');
    await pick(page, 'h_discrimination', 'never');
    await source.waitFor({ state: 'hidden' });
    await pick(page, 'h_contact', 'more');
    await source.waitFor({ state: 'visible' });
    assert.ok(await page.locator('[data-path="harass_source"] input[value="traveller_trader"]').isChecked(), 'the earlier choice is kept');

    while (!(await page.locator('#submit').count())) await next(page);
    await page.click('#submit');
    await page.waitForSelector('.thanks');
    await screenshot(page, 'staff-ar-thanks');
    assert.equal(status(c.dir).pending, pendingBefore + 1);
  });
});
