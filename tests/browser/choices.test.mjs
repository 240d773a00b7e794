// Cascading choices read from CSV files published with an XLSForm (issue
// 19), on a 360 px phone in Chromium against the real programs: HQ writes
// a workbook whose second question takes its choices from a 3,000-row
// communities.csv filtered by the first (select_one_from_file and
// choice_filter), publishes it with `forms publish --attach`, a collector
// receives it at a real sync, and the page draws only the communities of
// the governorate chosen, with a search box for a long list, in English and
// in Arabic (right to left).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeServerFolder, collectorWithForm, openSurvey, serve, stop, launch, newPage, screenshot,
  overflowsHorizontally, pick, answer, writeWorkbook, VIEWPORTS } from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

// Publishes the workbook with its two CSV files and syncs a collector.
async function postWithSites() {
  const root = makeServerFolder();
  const lists = path.join(root, 'lists');
  mkdirSync(lists);
  writeFileSync(path.join(lists, 'governorates.csv'),
    '\ufeffname,label::English (en),label::العربية (ar)\r\ng1,Aleppo,حلب\r\ng2,Idlib,إدلب\r\n');
  let communities = 'name,label::English (en),label::العربية (ar),governorate\n';
  for (let i = 0; i < 3000; ++i) communities += `c${i},"Community ${i}, east",مجتمع ${i},g${1 + (i % 2)}\n`;
  writeFileSync(path.join(lists, 'communities.csv'), communities);
  const book = path.join(root, 'sites.xlsx');
  writeWorkbook(book, {
    survey: [
      ['type', 'name', 'label::English (en)', 'label::العربية (ar)', 'choice_filter', 'required'],
      ['select_one_from_file governorates.csv', 'gov', 'Governorate', 'المحافظة', '', 'yes'],
      ['select_one_from_file communities.csv', 'community', 'Community', 'المجتمع', 'governorate=${gov}', 'yes'],
    ],
    settings: [['form_id', 'form_title', 'version', 'default_language'], ['sites', 'Site visit', '1', 'English (en)']],
  });
  const { c, published } = await collectorWithForm(root, book, ['--attach', lists]);
  assert.match(published, /Published sites version 1/);
  return c;
}

const drawn = page => page.locator('[data-path="community"] label[data-choice]').evaluateAll(
  ls => ls.map(l => l.dataset.choice));
const draftAnswers = page => page.evaluate(async () => {
  const half = sessionStorage.getItem('eq_draft_key') || localStorage.getItem('eq_draft_key');
  return (await (await fetch('/api/v1/draft', { headers: half ? { 'X-Draft-Key': half } : {} })).json()).answers;
});

test('a cascade over 3,000 communities from a CSV draws only the chosen governorate\'s, searchable, at 360 px', async () => {
  const c = await postWithSites();
  const srv = await serve(c.dir);
  try {
    for (const lang of ['en', 'ar']) {
      const { context, page } = await newPage(browser, VIEWPORTS.phone360, srv.url);
      try {
        await openSurvey(page, srv.url, lang, 'sites');
        await page.waitForSelector('[data-path="gov"] label[data-choice="g1"]');
        if (lang === 'ar') assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
        // Nothing to choose before the governorate: the list says why.
        assert.deepEqual(await drawn(page), []);
        assert.match(await page.locator('[data-path="community"]').textContent(),
          lang === 'en' ? /depend on the answers above/ : /تعتمد الخيارات/);
        await pick(page, 'gov', 'g1');
        // 1,500 communities are in Aleppo: 50 are drawn, with a search box
        // and a note of how many more there are.
        let names = await drawn(page);
        assert.equal(names.length, 50);
        assert.ok(names.every(n => Number(n.slice(1)) % 2 === 0), 'only Aleppo\'s communities');
        assert.match(await page.locator('[data-path="community"] .more-choices').textContent(), /1450/);
        const search = page.locator('[data-path="community"] .choice-search input');
        await search.fill(lang === 'en' ? 'community 1234,' : 'مجتمع 1234');
        assert.deepEqual(await drawn(page), ['c1234']);
        await pick(page, 'community', 'c1234');
        assert.equal((await draftAnswers(page)).community, 'c1234');
        assert.equal(await overflowsHorizontally(page), false, 'nothing scrolls sideways at 360 px');
        await screenshot(page, `cascade-csv-360-${lang}`);
        // Another governorate: the answer it no longer offers is dropped, and
        // the list is Idlib's.
        await search.fill('');
        await pick(page, 'gov', 'g2');
        await page.waitForFunction(() => {
          const l = document.querySelector('[data-path="community"] label[data-choice]');
          return l && Number(l.dataset.choice.slice(1)) % 2 === 1;
        });
        names = await drawn(page);
        assert.ok(names.every(n => Number(n.slice(1)) % 2 === 1), 'only Idlib\'s communities');
        // The page saves the dropped answer itself.
        let left = 'c1234';
        for (let i = 0; i < 50 && left !== undefined; ++i) {
          left = (await draftAnswers(page)).community;
          if (left !== undefined) await page.waitForTimeout(100);
        }
        assert.equal(left, undefined);
        await pick(page, 'community', 'c7');
        assert.equal((await draftAnswers(page)).community, 'c7');
        if (lang === 'ar') {
          assert.equal(await page.locator('[data-path="community"] label[data-choice="c7"]').textContent(), 'مجتمع 7');
        }
      } finally {
        await context.close();
      }
    }
  } finally {
    await stop(srv);
  }
});

// XLSForm's randomize=true (issue 19): the page draws a randomized list in
// the collector's order. With a seed it is the order ODK Collect and
// Enketo give for that seed; without one it is the draft's own, kept as
// the respondent answers and when the draft is read again, and another
// respondent's draft has another; an or_other's "Other" stays last.
test('randomized choice lists: the seed\'s order, a draft\'s order kept, Other last, at 360 px', async () => {
  const root = makeServerFolder();
  const book = path.join(root, 'order.xlsx');
  const letters = 'ABCDEFGHIJ'.split('');
  writeWorkbook(book, {
    survey: [
      ['type', 'name', 'label::English (en)', 'label::العربية (ar)', 'parameters'],
      ['select_one six', 'seeded', 'Seeded', 'بذرة', 'randomize=true seed=42'],
      ['select_multiple ten or_other', 'mixed', 'Mixed', 'مختلط', 'randomize=true'],
      ['text', 'note', 'Note', 'ملاحظة', ''],
    ],
    choices: [['list_name', 'name', 'label::English (en)', 'label::العربية (ar)'],
      ...letters.slice(0, 6).map(l => ['six', l, `Letter ${l}`, `حرف ${l}`]),
      ...letters.map(l => ['ten', l, `Letter ${l}`, `حرف ${l}`])],
    settings: [['form_id', 'form_title', 'version', 'default_language'], ['order', 'Order', '1', 'English (en)']],
  });
  const { c } = await collectorWithForm(root, book);
  const srv = await serve(c.dir);
  const orderOf = (page, q) => page.locator(`[data-path="${q}"] label[data-choice]`).evaluateAll(
    ls => ls.map(l => l.dataset.choice));
  const orders = [];
  try {
    for (const lang of ['en', 'ar']) {
      const { context, page } = await newPage(browser, VIEWPORTS.phone360, srv.url);
      try {
        await openSurvey(page, srv.url, lang, 'order');
        await page.waitForSelector('[data-path="mixed"] label[data-choice="other"]');
        assert.equal((await orderOf(page, 'seeded')).join(''), 'AFCBDE');
        const mixed = await orderOf(page, 'mixed');
        assert.equal(mixed.length, 11);
        assert.equal(mixed[10], 'other');
        assert.deepEqual([...mixed.slice(0, 10)].sort(), letters);
        // Answering re-evaluates the page: the order stays.
        await pick(page, 'seeded', 'C');
        await pick(page, 'mixed', mixed[3]);
        await answer(page, () => page.fill('[data-path="note"] input', 'x'));
        assert.deepEqual(await orderOf(page, 'mixed'), mixed);
        // The draft read again gives the same order.
        const again = await page.evaluate(async () => {
          const half = sessionStorage.getItem('eq_draft_key') || localStorage.getItem('eq_draft_key');
          return (await (await fetch('/api/v1/draft', { headers: half ? { 'X-Draft-Key': half } : {} })).json());
        });
        assert.deepEqual(again.evaluation.choices.mixed, mixed);
        assert.deepEqual(again.answers, { seeded: 'C', mixed: [mixed[3]], note: 'x' });
        if (lang === 'ar') {
          assert.equal(await page.locator('[data-path="seeded"] label[data-choice="F"]').textContent(), 'حرف F');
        }
        assert.equal(await overflowsHorizontally(page), false, 'nothing scrolls sideways at 360 px');
        await screenshot(page, `randomized-360-${lang}`);
        orders.push(mixed.join(''));
      } finally {
        await context.close();
      }
    }
    // Two respondents, two orders (the same would happen once in 3.6 million).
    assert.notEqual(orders[0], orders[1]);
  } finally {
    await stop(srv);
  }
});
