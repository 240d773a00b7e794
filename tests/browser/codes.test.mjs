// One response per person (issue 14), in Chromium on a 360 px phone against
// the real programs: HQ issues response codes with `sync-server codes
// issue`, the collector receives them at a real sync, and the page asks for
// one before the survey, says what is wrong with a mistyped code in the
// respondent's language, takes the code however it is typed, and refuses
// it the second time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, launch, screenshot, next, answer, makeServerFolder, makeCollector, startSyncServer, serve, stop,
  newPage, status, overflowsHorizontally, VIEWPORTS } from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

const run = (bin, args) => execFileSync(path.join(BIN, bin), args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });

// A server whose staff climate asks for codes in round r1, two codes issued
// (returned as printed), and a collector that has synced them.
async function postWithCodes() {
  const root = makeServerFolder();
  const server = path.join(root, 'server');
  const form = JSON.parse(run('sync-server', ['forms', 'show', '--data-dir', server, 'staff-climate', '--json']));
  form.version = '2026.2-codes';
  form.response_codes = true;
  writeFileSync(path.join(root, 'coded.json'), JSON.stringify(form));
  run('sync-server', ['forms', 'publish', '--data-dir', server, path.join(root, 'coded.json'), '--round', 'r1']);
  const slips = path.join(root, 'slips');
  run('sync-server', ['codes', 'issue', '--data-dir', server, '--form', 'staff-climate', '--round', 'r1',
    '--count', '2', '--out', slips]);
  const csv = readdirSync(slips).find(f => f.endsWith('.csv'));
  const codes = readFileSync(path.join(slips, csv), 'utf8').split('\r\n').slice(1).filter(Boolean);
  const sync = await startSyncServer(root);
  try {
    const c = makeCollector('Codes post', sync.url, root);
    assert.match(run('collector', ['sync', '--data-dir', c.dir]), /Received 2 response codes for staff-climate \(r1\)/);
    return { c, codes };
  } finally {
    await stop(sync);
  }
}

async function typeCode(page, code) {
  await page.fill('#response-code', code);
  await Promise.all([
    page.waitForResponse(r => r.url().endsWith('/api/v1/draft') && r.request().method() === 'POST'),
    page.click('#code-go'),
  ]);
}

test('response codes: asked before the survey, mistakes explained in French, used once', async () => {
  const { c, codes } = await postWithCodes();
  assert.equal(codes.length, 2);
  assert.match(codes[0], /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
  const srv = await serve(c.dir);
  const { context, page } = await newPage(browser, VIEWPORTS.phone360, srv.url);
  try {
    await page.goto(srv.url + '/');
    await page.selectOption('#lang', 'fr');
    await page.waitForSelector('html[lang="fr"]');
    await page.click('button.survey[data-form="staff-climate"]');
    await page.waitForSelector('#response-code');
    assert.match(await page.textContent('main h1'), /Votre code de réponse/);
    assert.equal(await overflowsHorizontally(page), false, 'no sideways scrolling at 360 px');
    await screenshot(page, 'codes-asked-fr-360');

    // One character mistyped: caught by the check character, in French.
    const last = codes[0].at(-1);
    await typeCode(page, codes[0].slice(0, -1) + (last === 'X' ? 'Y' : 'X'));
    await page.waitForSelector('#code-error');
    assert.match(await page.textContent('#code-error'), /faute de frappe/);
    assert.equal(await page.getAttribute('#response-code', 'aria-invalid'), 'true');
    await screenshot(page, 'codes-typo-fr-360');

    // The right code, typed in lower case without its dashes: the survey opens.
    await typeCode(page, codes[0].replace(/-/g, '').toLowerCase());
    await page.waitForSelector('[data-path="consent_ack"]');
    await answer(page, () => page.locator('[data-path="consent_ack"] label').click());
    while (!(await page.locator('#submit').count())) await next(page);
    await page.click('#submit');
    await page.waitForSelector('.thanks');
    assert.equal(status(c.dir).pending, 1, 'the response is stored');
    assert.doesNotMatch(await page.content(), new RegExp(codes[0].replace(/-/g, '-?'), 'i'), 'the code is not left on the page');

    // The next person with the same slip: refused, nothing started.
    await page.click('#again');
    await page.click('button.survey[data-form="staff-climate"]');
    await typeCode(page, codes[0]);
    await page.waitForSelector('#code-error');
    assert.match(await page.textContent('#code-error'), /déjà été utilisé/);
    await screenshot(page, 'codes-used-fr-360');
    assert.equal(status(c.dir).pending, 1, 'nothing more is stored');
    assert.deepEqual(page.foreign, [], 'the page fetched nothing from elsewhere');
  } finally {
    await context.close();
    await stop(srv);
  }
});
