// Evidence files in the collector's page (issue 18), on a 360 px phone in
// Chromium against the real programs: a photo attached to a GEOAT
// indicator, sealed at capture, submitted, synced to the real sync-server,
// and exported byte for byte by `sync-server export --with-files`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, makeServerFolder, makeCollector, startSyncServer, serve, stop, launch, newPage, screenshot,
  overflowsHorizontally, answer, next, startTeamForm, VIEWPORTS } from './support.mjs';

let browser;
const step = s => { if (process.env.EQUITAS_TRACE) console.error('step:', s); };
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

// A real JPEG of w x h pixels, drawn and encoded by the browser itself,
// with `marker` in its comment so that it can be looked for on disk.
async function makeJpeg(w, h) {
  const page = await browser.newPage();
  try {
    const b64 = await page.evaluate(async ([w, h]) => {
      const c = document.createElement('canvas');
      c.width = w; c.height = h;
      const g = c.getContext('2d');
      for (let i = 0; i < 40; ++i) { g.fillStyle = `hsl(${i * 9}, 70%, 50%)`; g.fillRect((i * 37) % w, (i * 53) % h, w / 5, h / 5); }
      const blob = await new Promise(r => c.toBlob(r, 'image/jpeg', 0.9));
      const bytes = new Uint8Array(await blob.arrayBuffer());
      let s = '';
      for (const b of bytes) s += String.fromCharCode(b);
      return btoa(s);
    }, [w, h]);
    return Buffer.from(b64, 'base64');
  } finally { await page.close(); }
}

const sha256 = b => createHash('sha256').update(b).digest('hex');

// The post syncs its one response and `files` files, the server stops, and
// HQ exports `form` with its files: the zip's path.
async function syncAndExport(c, sync, form, files, why) {
  const out = execFileSync(path.join(BIN, 'collector'), ['sync', '--data-dir', c.dir, '--json'], { encoding: 'utf8' });
  const report = JSON.parse(out.trim().split('\n').pop());
  assert.equal(report.accepted, 1);
  assert.equal(report.files_sent, files, why);
  await stop(sync);
  const zip = path.join(c.root, form + '.zip');
  execFileSync(path.join(BIN, 'sync-server'), ['export', '--data-dir', path.join(c.root, 'server'), '--form', form,
    '--with-files', '--out', zip], { encoding: 'utf8' });
  return zip;
}

function filesUnder(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p)); else out.push(p);
  }
  return out;
}

test('a photo attached to a GEOAT indicator on a 360 px phone reaches the export byte for byte', async () => {
  const root = makeServerFolder();
  const sync = await startSyncServer(root);
  const c = makeCollector('Land post', sync.url, root);
  const srv = await serve(c.dir);
  const { context, page } = await newPage(browser, VIEWPORTS.phone360, srv.url);
  const photo = await makeJpeg(640, 480);
  const big = await makeJpeg(3000, 2000);
  try {
    step('start');
    await startTeamForm(page, srv.url);
    step('started');
    await page.waitForSelector('[data-path="admin_name"]');
    await answer(page, () => page.fill('[data-path="admin_name"] input', 'Testland Customs'));
    await answer(page, () => page.fill('[data-path="assessment_start"] input', '2026-11-02'));
    await answer(page, () => page.fill('[data-path="assessment_date"] input', '2026-11-20'));

    step('meta done');
    // An indicator rated, then its evidence: the file question appears with the rating.
    const p1 = await page.locator('#section-pick option').evaluateAll(os => os.findIndex(o => o.textContent.includes('1')));
    await page.selectOption('#section-pick', String(p1 >= 0 ? p1 : 2));
    await page.waitForSelector('.card');
    const card = page.locator('.card').first();
    const indicator = await card.getAttribute('data-card');
    const q = (await card.locator('[data-type="select_one"]').first().getAttribute('data-path')) + '_files';
    const files = page.locator(`[data-path="${q}"]`);
    assert.equal(await files.isVisible(), false, 'no evidence files before a status');
    await answer(page, () => card.locator('label[data-choice="3"]').first().click());
    await files.waitFor({ state: 'visible' });
    assert.equal(await files.locator('.addfile').count(), 1, 'one picker: the question takes documents too');

    step('rated');
    // Attach the photo, as the phone's file picker would give it.
    const [posted] = await Promise.all([
      page.waitForResponse(r => r.url().includes('/api/v1/draft/files') && r.request().method() === 'POST'),
      files.locator('input[type=file]').first().setInputFiles({ name: 'lactation-room.jpg', mimeType: 'image/jpeg', buffer: photo }),
    ]);
    assert.equal(posted.status(), 200, await posted.text());
    await files.locator('li[data-file] img.thumb[src^="blob:"]').waitFor();
    assert.match(await files.locator('li[data-file] .filename').textContent(), /lactation-room\.jpg/);
    step('attached');
    // A large photo is scaled down on the phone before it is sent (max_pixels 1600).
    await Promise.all([
      page.waitForResponse(r => r.url().includes('/api/v1/draft/files') && r.request().method() === 'POST'),
      files.locator('input[type=file]').first().setInputFiles({ name: 'corridor.jpg', mimeType: 'image/jpeg', buffer: big }),
    ]);
    await page.waitForFunction(p => document.querySelectorAll(`[data-path="${p}"] li[data-file]`).length === 2, q);
    const sizes = await page.evaluate(async p => {
      const half = sessionStorage.getItem('eq_draft_key') || localStorage.getItem('eq_draft_key');
      const d = await (await fetch('/api/v1/draft', { headers: half ? { 'X-Draft-Key': half } : {} })).json();
      const out = [];
      for (const ref of d.answers[p]) {
        const blob = await (await fetch('/api/v1/draft/files/' + ref.id, { headers: half ? { 'X-Draft-Key': half } : {} })).blob();
        const bmp = await createImageBitmap(blob);
        out.push([ref.name, bmp.width, bmp.height, ref.size]);
      }
      return out;
    }, q);
    assert.deepEqual(sizes[0].slice(0, 3), ['lactation-room.jpg', 640, 480]);
    assert.equal(sizes[1][0], 'corridor.jpg');
    assert.equal(Math.max(sizes[1][1], sizes[1][2]), 1600, 'scaled to 1600 px on its longer side');
    assert.ok(sizes[1][3] < big.length, 'and smaller than the original');
    assert.equal(await overflowsHorizontally(page), false, 'nothing scrolls sideways at 360 px');
    await screenshot(page, 'geoat-evidence-photo-360');

    // The draft holds the photo encrypted: its bytes are in no collector file.
    const probe = photo.subarray(200, 264);
    for (const f of filesUnder(c.dir)) assert.equal(readFileSync(f).indexOf(probe), -1, `photo bytes in clear in ${f}`);

    step('checked');
    // Remove the large one again, then submit.
    await answer(page, () => files.locator('li[data-file]').nth(1).locator('button').click());
    assert.equal(await files.locator('li[data-file]').count(), 1);
    // On through the sections to the review.
    while (!(await page.locator('#submit').count())) await next(page);
    assert.match(await page.locator('.review').textContent(), /lactation-room\.jpg/);
    await page.click('#submit');
    await page.waitForSelector('.thanks, h2:has-text("Thank you")');
    await screenshot(page, 'geoat-evidence-submitted');
    assert.deepEqual(page.foreign, []);
  } finally {
    await context.close();
    await stop(srv);
  }
  // The post syncs; HQ exports with the files.
  const zip = await syncAndExport(c, sync, 'geoat-2023', 1, 'the removed photo is not sent');
  assert.ok(statSync(zip).size > photo.length);
  const listing = execFileSync('python3', ['-c', `
import hashlib, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for n in z.namelist():
    if n.startswith('files/'): print(n, hashlib.sha256(z.read(n)).hexdigest())
`, zip], { encoding: 'utf8' }).trim().split('\n');
  assert.deepEqual(listing, [`files/${sha256(photo)}.jpg ${sha256(photo)}`]);
});

// A photo per row of a repeat (a photo per seized item), on a 360 px phone:
// each row's photo is captured for that row, a removed row releases its
// photo on the collector at once, and each photo reaches the export on its
// row's line.
const SEIZURE_FORM = JSON.stringify({
  id: 'seizure', version: '1', title: { en: 'Seizure' }, languages: ['en'], items: [
    { type: 'text', name: 'case_ref', label: { en: 'Case reference' } },
    { type: 'repeat', name: 'items', label: { en: 'Seized items' }, items: [
      { type: 'text', name: 'item_name', label: { en: 'Item' } },
      { type: 'image', name: 'item_photo', label: { en: 'Photo of the item' }, required: true }] }] });

function stagedFiles(dir) {
  return Number(execFileSync('python3', ['-c', `
import sqlite3, sys
db = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True)
print(db.execute("SELECT count(*) FROM outbox_files WHERE state = 'staged'").fetchone()[0])
`, path.join(dir, 'collector.db')], { encoding: 'utf8' }).trim());
}

test('a photo in each of two repeat rows on a 360 px phone reaches the export on its row', async () => {
  const root = makeServerFolder();
  const formFile = path.join(root, 'seizure.json');
  writeFileSync(formFile, SEIZURE_FORM);
  execFileSync(path.join(BIN, 'sync-server'), ['forms', 'publish', '--data-dir', path.join(root, 'server'), formFile]);
  const sync = await startSyncServer(root);
  const c = makeCollector('Port post', sync.url, root);
  execFileSync(path.join(BIN, 'collector'), ['sync', '--data-dir', c.dir]);  // the form
  const srv = await serve(c.dir);
  const { context, page } = await newPage(browser, VIEWPORTS.phone360, srv.url);
  const photos = [await makeJpeg(320, 240), await makeJpeg(200, 300), await makeJpeg(100, 100)];
  try {
    await page.goto(srv.url + '/');
    await page.click('button.survey[data-form="seizure"]');
    await page.waitForSelector('[data-path="case_ref"]');
    await answer(page, () => page.fill('[data-path="case_ref"] input', 'C-17'));
    while (!(await page.locator('[data-path="items"] .add-row').count())) await next(page);
    const attach = async (row, buffer, name) => {
      const q = page.locator(`[data-path="items[${row}].item_photo"]`);
      const [posted] = await Promise.all([
        page.waitForResponse(r => r.url().includes('/api/v1/draft/files') && r.request().method() === 'POST'),
        q.locator('input[type=file]').first().setInputFiles({ name, mimeType: 'image/jpeg', buffer }),
      ]);
      assert.equal(posted.status(), 200, await posted.text());
      await q.locator('li[data-file] img.thumb[src^="blob:"]').waitFor();
      assert.match(await q.locator('li[data-file] .filename').textContent(), new RegExp(name.replace('.', '\\.')));
    };
    const names = ['knife', 'watch', 'phone'];
    for (let row = 0; row < 3; ++row) {
      await answer(page, () => page.click('[data-path="items"] .add-row'));
      await answer(page, () => page.fill(`[data-path="items[${row}].item_name"] input`, names[row]));
      await attach(row, photos[row], names[row] + '.jpg');
    }
    assert.equal(await overflowsHorizontally(page), false, 'nothing scrolls sideways at 360 px');
    await screenshot(page, 'repeat-row-photos-360');
    // Each row's answer holds its own photo.
    const draft = await page.evaluate(async () => {
      const half = sessionStorage.getItem('eq_draft_key') || localStorage.getItem('eq_draft_key');
      return (await (await fetch('/api/v1/draft', { headers: half ? { 'X-Draft-Key': half } : {} })).json()).answers;
    });
    assert.deepEqual(draft.items.map(r => [r.item_name, r.item_photo.length, r.item_photo[0].name]),
      [['knife', 1, 'knife.jpg'], ['watch', 1, 'watch.jpg'], ['phone', 1, 'phone.jpg']]);
    assert.equal(stagedFiles(c.dir), 3);
    // The third row goes, and its photo with it: released on the collector at once.
    await answer(page, () => page.locator('[data-path="items"] .row[data-row="2"] .remove-row').click());
    assert.equal(await page.locator('[data-path="items"] .row').count(), 2);
    assert.equal(stagedFiles(c.dir), 2, 'the removed row\'s photo is released');
    await screenshot(page, 'repeat-row-removed-360');
    while (!(await page.locator('#submit').count())) await next(page);
    await page.click('#submit');
    await page.waitForSelector('.thanks, h2:has-text("Thank you")');
    assert.deepEqual(page.foreign, []);
  } finally {
    await context.close();
    await stop(srv);
  }
  const zip = await syncAndExport(c, sync, 'seizure', 2, 'one photo per remaining row');
  const listing = JSON.parse(execFileSync('python3', ['-c', `
import hashlib, json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
print(json.dumps({'files': sorted(hashlib.sha256(z.read(n)).hexdigest() for n in z.namelist() if n.startswith('files/')),
                  'rows': z.read('seizure.items.csv').decode()}))
`, zip], { encoding: 'utf8' }));
  assert.deepEqual(listing.files, [sha256(photos[0]), sha256(photos[1])].sort());
  assert.match(listing.rows, new RegExp(`,1,knife,files/${sha256(photos[0])}\\.jpg`));
  assert.match(listing.rows, new RegExp(`,2,watch,files/${sha256(photos[1])}\\.jpg`));
});
