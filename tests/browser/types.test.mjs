// Time, dateTime and location questions (issue 19), on a 360 px phone in
// Chromium against the real programs, in English and in Arabic (right to
// left): the browser's own time and date-time pickers, a location typed as
// coordinates and checked by the collector, and one read through the
// Geolocation API until it is as accurate as the question asks; lines and
// shapes as lists of such points, a shape closed when saved. Chromium's
// position is set by the test (there is no GPS here); the API, the page
// and the collector are the real ones.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeServerFolder, collectorWithForm, openSurvey, serve, stop, launch, newPage, screenshot,
  overflowsHorizontally, answer, writeWorkbook, VIEWPORTS } from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

const VISIT = JSON.stringify({
  id: 'visit', version: '1', title: { en: 'Post visit', ar: 'زيارة المركز' }, languages: ['en', 'ar'],
  items: [
    { type: 'time', name: 'arrived', label: { en: 'Time of arrival', ar: 'وقت الوصول' } },
    { type: 'datetime', name: 'inspected', label: { en: 'Inspection began', ar: 'بدء التفتيش' } },
    { type: 'geopoint', name: 'where', label: { en: 'Location of the post', ar: 'موقع المركز' }, accuracy_threshold: 25 },
  ],
});

const draftAnswers = page => page.evaluate(async () => {
  const half = sessionStorage.getItem('eq_draft_key') || localStorage.getItem('eq_draft_key');
  return (await (await fetch('/api/v1/draft', { headers: half ? { 'X-Draft-Key': half } : {} })).json()).answers;
});

// Whether the page fetched geo.js, the point lists of geotrace and geoshape.
const fetchedGeoList = page => page.evaluate(() => performance.getEntriesByName(location.origin + '/geo.js').length > 0);

// Waits until the saved draft's answer to `name`, seen through `view`, is `want`.
async function waitForAnswer(page, name, want, view = v => v) {
  let got;
  for (let i = 0; i < 50; ++i) {
    got = view((await draftAnswers(page))[name]);
    if (got === want) return;
    await page.waitForTimeout(100);
  }
  assert.equal(got, want);
}

// Publishes the form definition `json` (its id `id`) to a collector and runs
// `body({ page, context, lang })` on a 360 px phone that may read its
// location, in English then in Arabic; nothing may scroll sideways.
async function onPhones(id, json, body) {
  const root = makeServerFolder();
  const form = path.join(root, id + '.json');
  writeFileSync(form, json);
  const { c } = await collectorWithForm(root, form);
  const srv = await serve(c.dir);
  try {
    for (const lang of ['en', 'ar']) {
      const { context, page } = await newPage(browser, VIEWPORTS.phone360, srv.url);
      try {
        await context.grantPermissions(['geolocation'], { origin: srv.url });
        await openSurvey(page, srv.url, lang, id);
        await body({ page, context, lang });
        assert.equal(await overflowsHorizontally(page), false, 'nothing scrolls sideways at 360 px');
        assert.deepEqual(page.foreign, []);
      } finally {
        await context.close();
      }
    }
  } finally {
    await stop(srv);
  }
}

test('time and date-time pickers and a location typed or read to 25 m, at 360 px in English and Arabic', async () => {
  await onPhones('visit', VISIT, async ({ page, context, lang }) => {
    await page.waitForSelector('[data-path="where"]');
    // The browser's pickers, with seconds.
    assert.equal(await page.getAttribute('[data-path="arrived"] input', 'type'), 'time');
    assert.equal(await page.getAttribute('[data-path="inspected"] input', 'type'), 'datetime-local');
    await answer(page, () => page.fill('[data-path="arrived"] input', '08:30:15'));
    await answer(page, () => page.fill('[data-path="inspected"] input', '2026-11-23T09:05:30'));
    await waitForAnswer(page, 'arrived', '08:30:15');
    await waitForAnswer(page, 'inspected', '2026-11-23T09:05:30');
    // A latitude out of range is named, in the page's language.
    const latInput = page.locator('[data-path="where"] input').nth(0);
    const lonInput = page.locator('[data-path="where"] input').nth(1);
    await answer(page, () => latInput.fill('91'));
    await answer(page, () => lonInput.fill('-17.45'));
    await page.waitForFunction(() => document.querySelector('[data-path="where"] .error').textContent !== '');
    assert.match(await page.locator('[data-path="where"] .error').textContent(),
      lang === 'en' ? /latitude \(-90 to 90\)/ : /خط العرض/);
    await answer(page, () => latInput.fill('14,69'));  // a decimal comma is read as a point
    await waitForAnswer(page, 'where', '14.69 -17.45');
    assert.equal(await page.locator('[data-path="where"] .error').textContent(), '');
    // Read from the device: a first reading of 60 m is not enough for
    // this question, so the page keeps reading until one is within 25 m.
    await context.setGeolocation({ latitude: 14.6928, longitude: -17.4467, accuracy: 60 });
    await page.click('[data-path="where"] .geo-locate');
    await page.waitForFunction(() => /60/.test(document.querySelector('[data-path="where"] .geo-status').textContent));
    assert.equal(await page.locator('[data-path="where"] .geo-locate').textContent(),
      lang === 'en' ? 'Stop reading the location' : 'إيقاف قراءة الموقع');
    await waitForAnswer(page, 'where', '14.6928 -17.4467 0 60');
    await context.setGeolocation({ latitude: 14.69281, longitude: -17.44672, accuracy: 8 });
    await waitForAnswer(page, 'where', '14.69281 -17.44672 0 8');
    await page.waitForFunction(l => document.querySelector('[data-path="where"] .geo-locate').textContent ===
      (l === 'en' ? 'Use this device\'s location' : 'استخدام موقع هذا الجهاز'), lang);
    assert.equal(await latInput.inputValue(), '14.69281');
    // A form with no line or shape does not fetch their code.
    assert.equal(await fetchedGeoList(page), false);
    await screenshot(page, `time-datetime-geopoint-360-${lang}`);
  });
});

const ROUTES = JSON.stringify({
  id: 'routes', version: '1', title: { en: 'Patrol routes', ar: 'مسارات الدوريات' }, languages: ['en', 'ar'],
  items: [
    { type: 'geotrace', name: 'patrol', label: { en: 'Patrol route', ar: 'مسار الدورية' } },
    { type: 'geoshape', name: 'yard', label: { en: 'Outline of the yard', ar: 'حدود الساحة' }, accuracy_threshold: 25 },
  ],
});

// Types a point into row `i` (from 0) of a point list, waiting for its save.
async function typePoint(page, path, i, lat, lon) {
  const row = page.locator(`[data-path="${path}"] .geo-point`).nth(i);
  await answer(page, () => row.locator('input').nth(0).fill(lat));
  await answer(page, () => row.locator('input').nth(1).fill(lon));
}
const errorOf = (page, path) => page.locator(`[data-path="${path}"] .error`).textContent();

test('a line and a shape as lists of points, typed or read from the device, at 360 px in English and Arabic', async () => {
  await onPhones('routes', ROUTES, async ({ page, context, lang }) => {
    await page.waitForSelector('[data-path="yard"] .geo-point');
    assert.equal(await fetchedGeoList(page), true);
    // A line of two typed points (a decimal comma read as a point),
    // the second in a row added for it.
    await typePoint(page, 'patrol', 0, '14,69', '-17.45');
    await page.click('[data-path="patrol"] .geo-add');
    assert.equal(await page.locator('[data-path="patrol"] .geo-point').count(), 2);
    await typePoint(page, 'patrol', 1, '14.70', '-17.44');
    await waitForAnswer(page, 'patrol', '14.69 -17.45;14.70 -17.44');
    assert.equal(await page.locator('[data-path="patrol"] .geo-count').textContent(),
      lang === 'en' ? 'Points: 2' : 'عدد النقاط: 2');
    assert.equal(await errorOf(page, 'patrol'), '');
    // A point out of range is refused, named in the page's language.
    await answer(page, () => page.locator('[data-path="patrol"] .geo-point').nth(1).locator('input').nth(0).fill('95'));
    await page.waitForFunction(() => document.querySelector('[data-path="patrol"] .error').textContent !== '');
    assert.match(await errorOf(page, 'patrol'), lang === 'en' ? /latitude \(-90 to 90\)/ : /خط عرض \(من -90 إلى 90\)/);
    await answer(page, () => page.locator('[data-path="patrol"] .geo-point').nth(1).locator('input').nth(0).fill('14.70'));
    await page.waitForFunction(() => document.querySelector('[data-path="patrol"] .error').textContent === '');
    // A shape of three typed points is saved closed: four points, the
    // last the first again; the rows still show three.
    await typePoint(page, 'yard', 0, '14.6930', '-17.4470');
    for (const [i, lat, lon] of [[1, '14.6935', '-17.4470'], [2, '14.6935', '-17.4462']]) {
      await page.click('[data-path="yard"] .geo-add');
      await typePoint(page, 'yard', i, lat, lon);
    }
    await waitForAnswer(page, 'yard', '14.6930 -17.4470;14.6935 -17.4470;14.6935 -17.4462;14.6930 -17.4470');
    const saved = (await draftAnswers(page)).yard.split(';');
    assert.equal(saved.length, 4);
    assert.equal(saved[3], saved[0]);
    assert.equal(await page.locator('[data-path="yard"] .geo-point').count(), 3);
    assert.equal(await errorOf(page, 'yard'), '');
    // A point from the device: a reading of 60 m is shown, and replaced
    // by the first within the question's 25 m; the ring stays closed.
    await context.setGeolocation({ latitude: 14.6931, longitude: -17.4461, accuracy: 60 });
    await page.click('[data-path="yard"] .geo-locate');
    await page.waitForFunction(() => /60/.test(document.querySelector('[data-path="yard"] .geo-status').textContent));
    assert.equal(await page.locator('[data-path="yard"] .geo-point').count(), 4);
    await context.setGeolocation({ latitude: 14.69312, longitude: -17.44612, accuracy: 8 });
    await waitForAnswer(page, 'yard',
      '14.6930 -17.4470;14.6935 -17.4470;14.6935 -17.4462;14.69312 -17.44612 0 8;14.6930 -17.4470');
    await page.waitForFunction(l => document.querySelector('[data-path="yard"] .geo-locate').textContent ===
      (l === 'en' ? 'Add this device\'s location' : 'إضافة موقع هذا الجهاز'), lang);
    assert.equal(await page.locator('[data-path="yard"] .geo-point').count(), 4);
    // Removing a point of the line leaves one: too few, and said so.
    await answer(page, () => page.locator('[data-path="patrol"] .geo-point').nth(0).locator('.geo-remove').click());
    await waitForAnswer(page, 'patrol', '14.70 -17.44');
    await page.waitForFunction(() => document.querySelector('[data-path="patrol"] .error').textContent !== '');
    assert.match(await errorOf(page, 'patrol'), lang === 'en' ? /at least 2 points/ : /نقطتين على الأقل/);
    assert.equal(await page.locator('[data-path="patrol"] .geo-point legend').textContent(),
      lang === 'en' ? 'Point 1' : 'النقطة 1');
    await screenshot(page, `geotrace-geoshape-360-${lang}`);
  });
});

// What the XLSForm importer turns XLSForm's other types into, as a
// respondent meets them: range (a number between its bounds), rank (every
// choice, in the order clicked), trigger, or_other, barcode (typed), and
// time, geopoint and geoshape rows, from a workbook published with `forms
// publish`.
test('an XLSForm\'s range, rank, trigger, or_other, barcode, time, geopoint and geoshape rows at 360 px in English and Arabic', async () => {
  const root = makeServerFolder();
  const book = path.join(root, 'xtypes.xlsx');
  writeWorkbook(book, {
    survey: [
      ['type', 'name', 'label::English (en)', 'label::العربية (ar)', 'parameters'],
      ['range', 'score', 'Score', 'الدرجة', 'start=0 end=10 step=2'],
      ['rank rk', 'priorities', 'Rank the priorities', 'رتّب الأولويات'],
      ['trigger', 'ok', 'Confirm the seal', 'أكّد الختم'],
      ['select_one colour or_other', 'colour', 'Colour of the seal', 'لون الختم'],
      ['barcode', 'seal', 'Seal number', 'رقم الختم'],
      ['time', 'at', 'Time sealed', 'وقت الختم'],
      ['geopoint', 'where', 'Where', 'أين', 'capture-accuracy=10'],
      ['geoshape', 'plot', 'Plot', 'القطعة'],
    ],
    choices: [
      ['list_name', 'name', 'label::English (en)', 'label::العربية (ar)'],
      ['rk', 'training', 'Training', 'التدريب'], ['rk', 'equipment', 'Equipment', 'المعدات'],
      ['rk', 'staffing', 'Staffing', 'التوظيف'],
      ['colour', 'red', 'Red', 'أحمر'], ['colour', 'blue', 'Blue', 'أزرق'],
    ],
    settings: [['form_id', 'form_title', 'version', 'default_language'], ['xtypes', 'Seal check', '1', 'English (en)']],
  });
  const { c, published } = await collectorWithForm(root, book);
  assert.match(published, /Published xtypes version 1/);
  const srv = await serve(c.dir);
  try {
    for (const lang of ['en', 'ar']) {
      const { context, page } = await newPage(browser, VIEWPORTS.phone360, srv.url);
      try {
        await openSurvey(page, srv.url, lang, 'xtypes');
        await page.waitForSelector('[data-path="where"] .geo');
        assert.equal(await page.locator('[data-path="priorities"] legend').textContent(),
          lang === 'en' ? 'Rank the priorities' : 'رتّب الأولويات');
        // range: outside its bounds, or off its step, is refused.
        const score = page.locator('[data-path="score"] input');
        await answer(page, () => score.fill('11'));
        await page.waitForFunction(() => document.querySelector('[data-path="score"] .error').textContent !== '');
        await answer(page, () => score.fill('3'));
        await page.waitForFunction(() => document.querySelector('[data-path="score"] .error').textContent !== '');
        await answer(page, () => score.fill('4'));
        await page.waitForFunction(() => document.querySelector('[data-path="score"] .error').textContent === '');
        // rank: the order clicked is the rank.
        for (const p of ['staffing', 'training', 'equipment']) {
          await answer(page, () => page.locator(`[data-path="priorities"] label[data-choice="${p}"]`).click());
        }
        await waitForAnswer(page, 'priorities', JSON.stringify(['staffing', 'training', 'equipment']), JSON.stringify);
        // Each choice shows its rank; taking one back moves the later ones up.
        const ranks = () => page.locator('[data-path="priorities"] label[data-choice]').evaluateAll(
          ls => Object.fromEntries(ls.map(l => [l.dataset.choice, (l.querySelector('.rank') || {}).textContent || ''])));
        assert.deepEqual(await ranks(), { staffing: '1', training: '2', equipment: '3' });
        await answer(page, () => page.locator('[data-path="priorities"] label[data-choice="staffing"]').click());
        assert.deepEqual(await ranks(), { staffing: '', training: '1', equipment: '2' });
        await answer(page, () => page.locator('[data-path="priorities"] label[data-choice="staffing"]').click());
        await waitForAnswer(page, 'priorities', JSON.stringify(['training', 'equipment', 'staffing']), JSON.stringify);
        // trigger: a confirmation.
        await answer(page, () => page.locator('[data-path="ok"] label.choice').click());
        await waitForAnswer(page, 'ok', true);
        // or_other: "other" opens a text box for the colour.
        await answer(page, () => page.locator('[data-path="colour"] label[data-choice="other"]').click());
        await answer(page, () => page.fill('[data-path="colour_other"] input', lang === 'en' ? 'green' : 'أخضر'));
        await waitForAnswer(page, 'colour_other', lang === 'en' ? 'green' : 'أخضر');
        // barcode: typed, as the camera needs a secure page.
        await answer(page, () => page.fill('[data-path="seal"] input', 'SL-00731'));
        await waitForAnswer(page, 'seal', 'SL-00731');
        assert.equal(await page.getAttribute('[data-path="at"] input', 'type'), 'time');
        assert.equal(await page.locator('[data-path="where"] .geo input').count(), 2);
        // geoshape: a list of points, one row to start with.
        assert.equal(await page.locator('[data-path="plot"] .geo-point').count(), 1);
        assert.equal(await overflowsHorizontally(page), false, 'nothing scrolls sideways at 360 px');
        await screenshot(page, `xlsform-types-360-${lang}`);
        assert.deepEqual(page.foreign, []);
      } finally {
        await context.close();
      }
    }
  } finally {
    await stop(srv);
  }
});
