// The GEOAT team page (issue 16), in Chromium against the real programs:
// headquarters creates an assessment, two posts receive it at a real sync,
// and their members disagree on X.A.1. On the laptop (1366×768) the team
// table shows the progress meter and the disagreement with who said what;
// choosing the agreed status saves a contribution at once, which the next
// sync merges on the server, ending the disagreement. On a 360 px phone, in
// English and Arabic, one indicator at a time with status buttons.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { ARTIFACTS, BIN, PIN, launch, screenshot, makeServerFolder, makeCollector, startSyncServer, serve, stop, newPage,
  status, overflowsHorizontally, VIEWPORTS } from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

const run = (bin, args, input, system = false) => {
  try {
    return execFileSync(system ? bin : path.join(BIN, bin), args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    if (system && e.status === 1) return '';  // grep: nothing found
    throw e;
  }
};
const contribute = (dir, id, role, answers, site) =>
  run('collector', ['submit', '--data-dir', dir, '--form', 'geoat-2023', '--assessment', id, '--role', role,
    ...(site ? ['--site', site] : []), '-'], JSON.stringify(answers));
const show = (server, id) => JSON.parse(run('sync-server', ['assessment', 'show', '--data-dir', server, id, '--json']));

// An assessment of Testland Customs, and two posts that rated X.A.1
// differently without seeing each other's rating: a disagreement, which
// both posts hold after their syncs.
async function disagreeingPosts() {
  const root = makeServerFolder();
  const server = path.join(root, 'server');
  run('sync-server', ['administration', 'add', '--data-dir', server, '--id', 'TL', '--name', 'Testland Customs']);
  const id = run('sync-server', ['assessment', 'create', '--data-dir', server, '--form', 'geoat-2023', '--round',
    '2026-baseline', '--administration', 'TL']).split('\n')[0].trim();
  assert.match(id, /^asm-/);
  const sync = await startSyncServer(root);
  try {
    const a = makeCollector('Kigoma land border', sync.url, root, 'kigoma');
    const b = makeCollector('Headquarters', sync.url, root, 'hq');
    for (const c of [a, b]) run('collector', ['sync', '--data-dir', c.dir]);
    contribute(b.dir, id, 'integrity', { x_a_1: '0', x_a_1_evidence: 'No written policy found at HQ' });
    run('collector', ['sync', '--data-dir', b.dir]);
    contribute(a.dir, id, 'hr', { x_a_1: '4', x_a_1_comment: 'GED policy 2024, signed' });
    run('collector', ['sync', '--data-dir', a.dir]);
    run('collector', ['sync', '--data-dir', a.dir]);  // brings back the merged state with both values
    assert.equal(show(server, id).disagreements.length, 1);
    return { root, server, id, a, b, syncUrl: sync.url, sync };
  } catch (e) {
    await stop(sync);
    throw e;
  }
}

async function signIn(page, base, lang = '') {
  await page.goto(base + '/admin');
  await page.waitForSelector('#pin');
  if (lang) {
    await page.selectOption('#lang', lang);
    await page.waitForSelector(`html[lang="${lang}"]`);
  }
  await page.fill('#pin', PIN);
  await page.click('form button[type=submit]');
  await page.waitForSelector('.team-card');
}

async function saved(page, action) {
  await Promise.all([
    page.waitForResponse(r => r.url().includes('/contribute') && r.request().method() === 'POST' && r.ok()),
    action(),
  ]);
}

test('team table at 1366×768: progress, the disagreement with who said what, resolved by the team, merged at sync',
  async () => {
    const p = await disagreeingPosts();
    const srv = await serve(p.a.dir);
    const { context, page } = await newPage(browser, { width: 1366, height: 768 }, srv.url);
    try {
      await signIn(page, srv.url);
      const card = page.locator(`.team-card[data-assessment="${p.id}"]`);
      assert.match(await card.textContent(), /Testland Customs/);
      assert.match(await card.locator('.team-progress').textContent(), /^0 of 60 rated, 1 disagreements$/);
      await card.locator('button.open-team').click();
      await page.waitForSelector('.team-table');
      await screenshot(page, 'team-table-1366');

      // The disagreement: highlighted, with each unit's status and post.
      const row = page.locator('tr[data-indicator="x_a_1"]');
      assert.match(await row.getAttribute('class'), /team-disagreement/);
      const competing = await row.locator('.team-competing').textContent();
      assert.match(competing, /Human resources: 4 – /);
      assert.match(competing, /Integrity \/ internal affairs: 0 – /);
      assert.match(competing, /Kigoma land border/);
      assert.equal(await page.locator('tr.team-disagreement').count(), 1);

      // Filters: disagreements only, then a principle.
      await page.selectOption('#team-show', 'disagree');
      assert.equal(await page.locator('tbody tr[data-indicator]').count(), 1);
      await page.selectOption('#team-show', 'all');
      await page.selectOption('#team-principle', 'P3');
      const p3 = await page.locator('tbody tr[data-indicator]').evaluateAll(rs => rs.map(r => r.dataset.indicator));
      assert.ok(p3.length > 0 && p3.every(n => n.startsWith('p3_')), p3.join(' '));
      await page.selectOption('#team-principle', '');

      // No unit chosen: nothing is saved, and the page says why.
      await page.selectOption('#st-x_a_2', '2');
      await page.waitForFunction(() => /unit/.test(document.getElementById('team-save').textContent));
      assert.equal(status(p.a.dir).pending, 0);

      // The gender focal point settles X.A.1 at 3 and rates X.A.2.
      await page.selectOption('#team-unit', 'gender_cell');
      await saved(page, () => page.selectOption('#st-x_a_1', '3'));
      await page.waitForSelector('tr[data-indicator="x_a_1"].team-rated .team-waiting');
      await saved(page, () => page.selectOption('#st-x_a_2', '2'));
      await saved(page, async () => { await page.fill('#d-x_a_2_evidence', 'Strategy 2025–2030, chapter 4'); await page.locator('#d-x_a_2_evidence').press('Tab'); });
      assert.equal(await page.textContent('#team-meter .team-progress'), '2 of 60 rated, 0 disagreements');
      assert.equal(status(p.a.dir).pending, 3, 'each change is a sealed contribution, queued');

      // The details panel: the field's history, every unit's entry.
      await page.click('tr[data-indicator="x_a_1"] button.link');
      await page.waitForSelector('#team-panel:not([hidden]) .team-history');
      const hist = await page.textContent('#team-panel .team-history');
      assert.match(hist, /Human resources/);
      assert.match(hist, /Integrity \/ internal affairs/);
      await screenshot(page, 'team-panel-1366');
      assert.equal(await overflowsHorizontally(page), false);

      // The post syncs: the server merges the team's choice, the disagreement ends.
      const sync = run('collector', ['sync', '--data-dir', p.a.dir]);
      assert.match(sync, /3 sent, 3 accepted/);
      const merged = show(p.server, p.id);
      assert.equal(merged.disagreements.length, 0);
      assert.equal(merged.fields.x_a_1.value, '3');
      assert.equal(merged.fields.x_a_2_evidence.value, 'Strategy 2025–2030, chapter 4');
      assert.equal(merged.fields.x_a_1.history.length, 3, 'nothing dropped: both competing values and the resolution');

      // Back on the page after the sync: the merged state, nothing waiting.
      await page.reload();
      await page.fill('#pin', PIN).catch(() => {});
      if (await page.locator('#pin').count()) await page.click('form button[type=submit]');
      await page.waitForSelector('.team-card');
      assert.match(await page.textContent('.team-card .team-progress'), /^2 of 60 rated, 0 disagreements$/);
      // Where the team left off.
      await page.click('.team-card button.resume-team');
      await page.waitForSelector('.team-table');
      assert.equal(await page.locator('.team-waiting').count(), 0);
      assert.equal(await page.inputValue('#st-x_a_1'), '3');
      assert.deepEqual(page.foreign, []);
    } finally {
      await context.close();
      await stop(srv);
      await stop(p.sync);
    }
  });

// Per-site findings: headquarters rated P3.C.1 (toilets and changing rooms)
// for its own site; at Kigoma the member rates Kigoma in the panel. Both
// sites' statuses sit side by side in the row, and the indicator stands at
// the weaker one, on the page and on the server after the sync.
test('per-site findings at 1366×768: two sites side by side, the indicator at its weakest site',
  async () => {
    const p = await disagreeingPosts();
    contribute(p.b.dir, p.id, 'integrity', { p3_c_1: '4', p3_c_1_evidence: 'separate, lockable' }, 'Headquarters');
    run('collector', ['sync', '--data-dir', p.b.dir]);
    run('collector', ['sync', '--data-dir', p.a.dir]);
    const srv = await serve(p.a.dir);
    const { context, page } = await newPage(browser, { width: 1366, height: 768 }, srv.url);
    try {
      await signIn(page, srv.url);
      await page.click(`.team-card[data-assessment="${p.id}"] button.open-team`);
      await page.waitForSelector('.team-table');
      await page.selectOption('#team-unit', 'hr');
      const row = page.locator('tr[data-indicator="p3_c_1"]');
      assert.match(await row.locator('.team-site-list').textContent(), /^Headquarters: \S/);
      assert.match(await row.locator('.team-weakest').textContent(), /weakest site \(Headquarters\)/);
      assert.equal(await page.inputValue('#st-p3_c_1'), '', 'the weakest site is not the team\'s choice');
      assert.equal(await page.textContent('#team-meter .team-progress'), '1 of 60 rated, 1 disagreements');

      // The panel: this post's own site first; its status and evidence.
      await row.locator('button.link').click();
      await page.waitForSelector('#team-panel:not([hidden]) .team-site');
      assert.equal(await page.inputValue('#p-site'), 'Kigoma land border');
      assert.deepEqual(await page.locator('#p-site option').allTextContents(), ['Kigoma land border', 'Headquarters']);
      await saved(page, () => page.selectOption('#p-site-status', '1'));
      await saved(page, async () => { await page.fill('#p-site-evidence', 'one toilet, shared by all'); await page.locator('#p-site-evidence').press('Tab'); });
      // A photo of this site's facility, attached to the site's finding.
      const photo = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(20 * 1024), Buffer.from([0xff, 0xd9])]);
      await saved(page, () => page.setInputFiles('#p-site-files-input', { name: 'toilet-kigoma.jpg', mimeType: 'image/jpeg', buffer: photo }));
      await page.waitForFunction(() => (document.querySelector('#team-panel .team-site .team-files')?.textContent || '').includes('toilet-kigoma.jpg'));
      const sitesNow = await row.locator('.team-site-list li').allTextContents();
      assert.equal(sitesNow.length, 2, sitesNow.join(' | '));
      assert.match(sitesNow[1], /^Kigoma land border: /);
      assert.match(await row.locator('.team-weakest').textContent(), /\(Kigoma land border\)/);
      await screenshot(page, 'team-sites-1366');
      assert.equal(await overflowsHorizontally(page), false);

      // At sync the server keeps both sites' findings and derives the same.
      assert.match(run('collector', ['sync', '--data-dir', p.a.dir]), /3 sent, 3 accepted/);
      const merged = show(p.server, p.id);
      assert.equal(merged.fields['p3_c_1@Kigoma land border'].value, '1');
      const sitePhotos = merged.fields['p3_c_1_files@Kigoma land border'].value;
      assert.deepEqual(sitePhotos.map(r => r.sha256), [createHash('sha256').update(photo).digest('hex')]);
      assert.equal(merged.fields.p3_c_1_files, undefined, 'not the administration\'s files');
      assert.equal(merged.fields['p3_c_1_evidence@Kigoma land border'].value, 'one toilet, shared by all');
      assert.equal(merged.fields['p3_c_1@Headquarters'].value, '4');
      assert.equal(merged.fields.p3_c_1.value, '1');
      assert.deepEqual(merged.fields.p3_c_1.from_sites.map(x => x.site), ['Headquarters', 'Kigoma land border']);
      assert.deepEqual(page.foreign, []);
    } finally {
      await context.close();
      await stop(srv);
      await stop(p.sync);
    }
  });

// Evidence files on the team page (issue 18): a photo and a PDF attached
// to X.A.1 in the details panel, encrypted on the collector at once, saved
// as the member's contribution, and held by the server after the sync with
// the same SHA-256. The other post's list, saved meanwhile, is kept too.
test('team evidence files at 1366×768: attached in the panel, sealed, synced byte for byte, united with the other post\'s',
  async () => {
    const p = await disagreeingPosts();
    const srv = await serve(p.a.dir);
    const { context, page } = await newPage(browser, { width: 1366, height: 768 }, srv.url);
    try {
      const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(40 * 1024),
        Buffer.from('CANARY-team-panel-photo'), randomBytes(1024), Buffer.from([0xff, 0xd9])]);
      const pdf = Buffer.from('%PDF-1.7\nGender equality policy, signed 2024\n%%EOF\n');
      // Meanwhile, headquarters attaches its own document to X.A.1.
      const hqDoc = Buffer.from('%PDF-1.7\nHR statistics 2025\n%%EOF\n');
      const hqPath = path.join(p.root, 'hr-stats.pdf');
      writeFileSync(hqPath, hqDoc);
      contribute(p.b.dir, p.id, 'integrity', { x_a_1_files: ['@' + hqPath] });
      run('collector', ['sync', '--data-dir', p.b.dir]);

      await signIn(page, srv.url);
      await page.locator(`.team-card[data-assessment="${p.id}"] button.open-team`).click();
      await page.waitForSelector('.team-table');
      await page.selectOption('#team-unit', 'gender_cell');
      await page.click('tr[data-indicator="x_a_1"] button.link');
      await page.waitForSelector('#team-panel:not([hidden]) .team-files');
      assert.match(await page.textContent('#team-panel .team-files'), /No file yet/);
      for (const [name, mimeType, buffer] of [['lactation-room.jpg', 'image/jpeg', jpeg], ['policy.pdf', 'application/pdf', pdf]]) {
        await saved(page, () => page.setInputFiles('#p-x_a_1_files-input', { name, mimeType, buffer }));
        await page.waitForFunction((n) => (document.querySelector('#team-panel .team-files')?.textContent || '').includes(n), name);
      }
      assert.equal(await page.locator('#team-panel .team-files li').count(), 2);
      await screenshot(page, 'team-files-1366');
      // Encrypted at capture: the photo is in no file of the collector.
      assert.equal(run('grep', ['-rl', 'CANARY-team-panel-photo', p.a.dir], undefined, true), '');

      const sync = run('collector', ['sync', '--data-dir', p.a.dir]);
      assert.match(sync, /2 sent, 2 accepted/);
      const files = show(p.server, p.id).fields.x_a_1_files;
      assert.equal(files.disagreement, false);
      const sha = (b) => createHash('sha256').update(b).digest('hex');
      assert.deepEqual(files.value.map(r => r.sha256).sort(), [sha(jpeg), sha(pdf), sha(hqDoc)].sort());
      const zip = path.join(p.root, 'geoat.zip');
      run('sync-server', ['export', '--data-dir', p.server, '--form', 'geoat-2023', '--with-files', '--out', zip]);
      // Each file in the zip, with the SHA-256 of its bytes: the same as attached.
      const listing = execFileSync('python3', ['-c', `
import hashlib, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for n in z.namelist():
    if n.startswith('files/'): print(hashlib.sha256(z.read(n)).hexdigest())
`, zip], { encoding: 'utf8' }).trim().split('\n').sort();
      assert.deepEqual(listing, [sha(jpeg), sha(pdf), sha(hqDoc)].sort());
      assert.deepEqual(page.foreign, []);
    } finally {
      await context.close();
      await stop(srv);
      await stop(p.sync);
    }
  });

for (const lang of ['en', 'ar']) {
  test(`team page on a 360 px phone in ${lang}: one indicator at a time, status buttons, no sideways scroll`, async () => {
    const p = await disagreeingPosts();
    const srv = await serve(p.a.dir);
    const { context, page } = await newPage(browser, VIEWPORTS.phone360, srv.url);
    try {
      await signIn(page, srv.url, lang);
      await page.click('.team-card button.open-team');
      await page.waitForSelector('.team-one');
      assert.equal(await page.getAttribute('html', 'dir'), lang === 'ar' ? 'rtl' : 'ltr');
      assert.equal(await page.locator('.team-table').count(), 0, 'no table on a phone');
      // X.A.1 first, in disagreement.
      assert.equal(await page.getAttribute('.team-one', 'data-indicator'), 'x_a_1');
      assert.match(await page.getAttribute('.team-one', 'class'), /team-disagreement/);
      await screenshot(page, `team-phone-${lang}-360`);
      await page.selectOption('#team-unit', 'hr');
      await page.click('#team-next');
      await page.waitForSelector('.team-one[data-indicator="x_a_2"]');
      await saved(page, () => page.click('.team-one button[data-status="1"]'));
      await page.waitForSelector('.team-one[data-indicator="x_a_2"] button[data-status="1"][aria-pressed="true"]');
      assert.match(await page.textContent('#team-meter .team-progress'), lang === 'ar' ? /قُيِّم 1 من 60/ : /^1 of 60 rated, 1 disagreements$/);
      assert.equal(await overflowsHorizontally(page), false, 'no sideways scrolling at 360 px');
      await screenshot(page, `team-phone-${lang}-360-rated`);
      assert.equal(status(p.a.dir).pending, 1);
      // A facility indicator given per site: this post's own site first.
      await page.selectOption('#team-principle', 'P3');
      for (let i = 0; i < 12 && !(await page.locator('.team-one[data-indicator="p3_c_1"]').count()); i++) await page.click('#team-next');
      await page.waitForSelector('.team-one[data-indicator="p3_c_1"] .team-site');
      assert.equal(await page.inputValue('#o-site'), 'Kigoma land border');
      await saved(page, () => page.selectOption('#o-site-status', '2'));
      await page.waitForSelector('.team-one[data-indicator="p3_c_1"] .team-site-list li[data-site="Kigoma land border"]');
      assert.equal(await overflowsHorizontally(page), false, 'the site block fits at 360 px');
      await screenshot(page, `team-phone-${lang}-360-site`);
      assert.equal(status(p.a.dir).pending, 2);
    } finally {
      await context.close();
      await stop(srv);
      await stop(p.sync);
    }
  });
}

// The action plan between rounds from a collector (issue 16): the plan that
// validation adopted reaches the posts with the assessment; a member on a
// 360 px phone reports an action's progress; it is sealed and queued, and
// the server applies it at the next real sync, naming the unit and site.
test('a member updates an action of the plan from the team page on a phone; the server applies it at sync', async () => {
  const p = await disagreeingPosts();
  let srv = null;
  const { context, page } = await newPage(browser, VIEWPORTS.phone360, 'http://127.0.0.1');
  try {
    contribute(p.b.dir, p.id, 'integrity', {
      action_plan: [{ ap_objective: 'Facilities for women officers', ap_activity: 'Open a lactation room at the land post',
        ap_indicators: ['X.A.1'], ap_owner: 'Facilities unit', ap_deadline: '2026-01-31', ap_status: 'not_started' }],
    });
    run('collector', ['sync', '--data-dir', p.b.dir]);
    run('sync-server', ['assessment', 'resolve', '--data-dir', p.server, p.id, 'x_a_1', '--value', '3', '--comment', 'agreed']);
    run('sync-server', ['assessment', 'review', '--data-dir', p.server, p.id, '--comment', 'ready']);
    run('sync-server', ['assessment', 'validate', '--data-dir', p.server, p.id, '--comment', 'agreed']);
    run('collector', ['sync', '--data-dir', p.a.dir]);
    srv = await serve(p.a.dir);
    await signIn(page, srv.url);
    await page.click('.team-card button.open-team');
    const action = page.locator('#team-plan .team-action[data-action="TL-AP1"]');
    await action.waitFor();
    assert.match(await action.textContent(), /Open a lactation room/);
    assert.match(await action.textContent(), /Not started/);
    assert.match(await action.locator('.team-overdue').textContent(), /overdue/, 'its deadline has passed');
    await page.selectOption('#team-unit', 'hr');
    await action.locator('.update-action').click();
    await page.selectOption('#action-status-TL-AP1', 'in_progress');
    await page.fill('#action-note-TL-AP1', 'Room chosen; works start in March');
    await Promise.all([
      page.waitForResponse(r => r.url().includes('/actions/TL-AP1') && r.request().method() === 'POST' && r.ok()),
      action.locator('button[type=submit]').click(),
    ]);
    await action.locator('.team-waiting').waitFor();
    assert.match(await action.textContent(), /In progress — Room chosen; works start in March/);
    assert.equal(await overflowsHorizontally(page), false);
    await screenshot(page, 'team-action-update-360');
    assert.equal(status(p.a.dir).pending, 1, 'sealed and queued on the collector');
    // Reloaded before the sync: still shown, waiting, as this post saved it.
    await page.reload();
    await page.waitForSelector('.team-card');
    await page.click('.team-card button.open-team');
    await action.waitFor();
    assert.match(await action.locator('.team-action-status').textContent(), /In progress — Room chosen; works start in March/);
    assert.equal(await action.locator('.team-waiting').count(), 1);

    assert.match(run('collector', ['sync', '--data-dir', p.a.dir]), /1 sent, 1 accepted/);
    const plan = JSON.parse(run('sync-server', ['action', 'list', '--data-dir', p.server, '--json']));
    const item = plan.items.find(x => x.id === 'TL-AP1');
    assert.equal(item.status, 'in_progress');
    assert.equal(item.note, 'Room chosen; works start in March');
    assert.match(item.history.at(-1).actor, /^hr, Kigoma land border \(device [0-9a-f]{8}\)$/);
    // Reopened after the sync: the plan as the server now has it.
    await page.reload();
    await page.waitForSelector('.team-card');
    await page.click('.team-card button.open-team');
    await action.waitFor();
    assert.match(await action.textContent(), /In progress/);
    assert.equal(await action.locator('.team-waiting').count(), 0);
  } finally {
    await context.close();
    if (srv) await stop(srv);
    await stop(p.sync);
  }
});

// Team members' phones (issue 16): the admin PIN never crosses the post's
// Wi-Fi, so a member's phone joins with a one-time team pass that the
// laptop's admin page shows. Over the machine's own network address (not
// loopback), as a phone on the post's Wi-Fi: the phone joins, rates an
// indicator, cannot reach the admin's calls; the pass does not let a second
// phone in; the admin signs every team phone out.
test('a team member joins from a phone with a one-time team pass, and the admin signs phones out', async () => {
  const p = await disagreeingPosts();
  const srv = await serve(p.a.dir, [], '0.0.0.0:0');
  assert.ok(srv.phones.length > 0, 'this machine has a network address besides loopback: ' + srv.output());
  const laptop = await newPage(browser, { width: 1366, height: 768 }, srv.url);
  const phone = await newPage(browser, VIEWPORTS.phone360, srv.phones[0]);
  const other = await newPage(browser, VIEWPORTS.phone360, srv.phones[0]);
  try {
    await signIn(laptop.page, srv.url);
    await laptop.page.click('#show-team-pass');
    await laptop.page.waitForSelector('#team-pass img.qr');
    const link = (await laptop.page.textContent('#team-pass bdi.code')).trim();
    assert.ok(link.startsWith(srv.phones[0] + '/?t='), link);
    const qr = await laptop.page.evaluate(async () => {
      const img = document.querySelector('#team-pass img.qr');
      const r = await fetch(img.src);
      return { status: r.status, type: r.headers.get('content-type') };
    });
    assert.deepEqual(qr, { status: 200, type: 'image/svg+xml' });
    await screenshot(laptop.page, 'team-pass-laptop');

    // The phone opens the link: it lands on the team's list, joined, and
    // the pass is gone from the address bar.
    await phone.page.goto(link);
    await phone.page.waitForSelector('.team-card');
    assert.equal(new URL(phone.page.url()).pathname, '/team');
    assert.equal(new URL(phone.page.url()).search, '');
    await phone.page.click('.team-card button.open-team');
    await phone.page.waitForSelector('.team-one');
    await phone.page.selectOption('#team-unit', 'communication');
    await phone.page.click('#team-next');
    await phone.page.waitForSelector('.team-one[data-indicator="x_a_2"]');
    await saved(phone.page, () => phone.page.click('.team-one button[data-status="2"]'));
    await phone.page.waitForSelector('.team-one[data-indicator="x_a_2"] button[data-status="2"][aria-pressed="true"]');
    assert.equal(await overflowsHorizontally(phone.page), false);
    await screenshot(phone.page, 'team-pass-phone-360');
    assert.equal(status(p.a.dir).pending, 1, 'the phone\'s rating is sealed and queued on the collector');
    // The phone has none of the admin's calls.
    const admin = await phone.page.evaluate(async () => (await fetch('/api/v1/admin/status')).status);
    assert.equal(admin, 403);
    assert.match(await phone.page.textContent('#team-back'), /Back to the team's assessments/);
    assert.deepEqual(phone.page.foreign, []);

    // The same link on a second phone: already used, and it says what to do.
    await other.page.goto(link);
    await other.page.waitForSelector('[role=alert]');
    assert.match(await other.page.textContent('[role=alert]'), /already used/);
    assert.match(await other.page.textContent('main, body'), /scan the team pass/);

    // The admin sees one team phone and signs it out.
    await laptop.page.reload();
    await laptop.page.waitForSelector('#team-phones-in');
    assert.match(await laptop.page.textContent('#team-phones-in'), /: 1$/);
    await laptop.page.click('#sign-out-team');
    // The admin page redraws: the count is briefly absent, then 0.
    await laptop.page.waitForFunction(() => {
      const count = document.querySelector('#team-phones-in');
      return count !== null && /: 0$/.test(count.textContent);
    });
    await phone.page.goto(srv.phones[0] + '/team');
    await phone.page.waitForSelector('h1');
    await phone.page.waitForFunction(() => /scan the team pass/.test(document.body.textContent));
    assert.equal(await phone.page.locator('.team-card').count(), 0);
  } finally {
    await laptop.context.close();
    await phone.context.close();
    await other.context.close();
    await stop(srv);
    await stop(p.sync);
  }
});

// The printable report (issue 16): the team's disagreement resolved at
// review, the assessment validated, and the report rendered by Chromium to
// PDF in French and Arabic, from the command line's file and from the
// dashboard's API (signed in, same page).
test('printable assessment report in French and Arabic, rendered to PDF', async () => {
  const p = await disagreeingPosts();
  try {
    contribute(p.b.dir, p.id, 'integrity', {
      x_b_1: '1', x_b_1_evidence: 'Decision 12/2025, focal point without budget', x_b_1_priority: 'high',
      x_b_1_action: 'Give the focal point a budget line', p1_a_1: '4', p1_a_1_evidence: 'Pay scales 2026',
      action_plan: [{ ap_objective: 'A funded focal point', ap_activity: 'Budget line in the 2027 budget',
        ap_owner: 'Finance', ap_deadline: '2027-06-30', ap_status: 'in_progress' }],
    });
    run('collector', ['sync', '--data-dir', p.b.dir]);
    run('sync-server', ['assessment', 'resolve', '--data-dir', p.server, p.id, 'x_a_1', '--value', '3', '--comment',
      'Policy signed in 2024, monitoring not yet in place']);
    run('sync-server', ['assessment', 'review', '--data-dir', p.server, p.id, '--comment', 'All sites visited']);
    run('sync-server', ['assessment', 'validate', '--data-dir', p.server, p.id, '--comment', 'Agreed at the team meeting']);
  } finally {
    await stop(p.sync);
  }
  const token = run('sync-server', ['admin-token', 'create', '--data-dir', p.server, '--label', 'ged-expert', '--role', 'viewer']).trim();
  const sync = await startSyncServer(p.root);
  const base = sync.url.replace('ws://', 'http://');
  try {
    for (const lang of ['fr', 'ar']) {
      const file = path.join(p.root, `report-${lang}.html`);
      assert.match(run('sync-server', ['assessment', 'report', '--data-dir', p.server, p.id, '--lang', lang, '--out', file]), /Wrote/);
      const html = readFileSync(file, 'utf8');
      // The same page from the dashboard's API.
      const res = await fetch(`${base}/api/v1/assessments/${p.id}/report?lang=${lang}`, { headers: { Authorization: 'Bearer ' + token } });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type'), /text\/html/);
      assert.doesNotMatch(res.headers.get('content-security-policy'), /script-src/);
      const served = await res.text();
      assert.equal(served.replace(/<footer>.*<\/footer>/, ''), html.replace(/<footer>.*<\/footer>/, ''));

      const { context, page } = await newPage(browser, { width: 1000, height: 1400 }, 'file://');
      try {
        await page.goto('file://' + file);
        assert.equal(await page.getAttribute('html', 'dir'), lang === 'ar' ? 'rtl' : 'ltr');
        const text = await page.textContent('body');
        assert.match(text, /Testland Customs/);
        assert.match(text, lang === 'fr' ? /Scores officiels/ : /درجات رسمية/);
        assert.match(text, /Policy signed in 2024, monitoring not yet in place/, 'how the disagreement ended');
        assert.match(text, /Budget line in the 2027 budget/, 'the action plan');
        assert.match(text, /Decision 12\/2025/, 'a gap with its evidence');
        // Gaps score under three quarters of the maximum: X.B.1 (1 of 4) is one, P1.A.1 (4) is not.
        const gaps = await page.locator('section:nth-of-type(3) table').first().textContent();
        assert.match(gaps, /X\.B\.1/);
        assert.doesNotMatch(gaps, /P1\.A\.1/);
        assert.ok(await page.locator('svg polygon').count() >= 5, 'the radar');
        // Percentages are isolated left to right: "62.5 %", never "% 62.5" in Arabic.
        assert.match(await page.locator('bdi[dir=ltr]').first().textContent(), /^[0-9.]+ %$/);
        assert.deepEqual(page.foreign.filter(u => !u.startsWith('file://')), []);
        await screenshot(page, `assessment-report-${lang}`);
        mkdirSync(ARTIFACTS, { recursive: true });
        const pdf = await page.pdf({ path: path.join(ARTIFACTS, `assessment-report-${lang}.pdf`), format: 'A4', printBackground: true });
        assert.ok(pdf.length > 20000 && pdf.subarray(0, 5).toString() === '%PDF-', 'a PDF');
      } finally {
        await context.close();
      }
    }
    // Listed on the dashboard's API with its state and coverage.
    const list = await (await fetch(`${base}/api/v1/assessments`, { headers: { Authorization: 'Bearer ' + token } })).json();
    const a = list.assessments.find(x => x.id === p.id);
    assert.equal(a.state, 'validated');
    assert.equal(a.disagreements, 0);
    assert.equal(a.coverage.rated, 3);
  } finally {
    await stop(sync);
  }
});

// The action plan between rounds on the dashboard (issue 16): validating the
// baseline adopts its plan; a steward marks the item completed with a note
// and the indicators chosen from a list; the follow-up round's comparison
// shows the status change and the linked indicator's move, whichever round
// is picked first. A viewer reads the plan without an update form.
test('action plan between rounds: a steward updates an item on the dashboard, and the comparison shows it changed',
  async () => {
    const p = await disagreeingPosts();
    let second;
    try {
      contribute(p.b.dir, p.id, 'integrity', {
        action_plan: [{ ap_objective: 'Facilities for women officers', ap_activity: 'Open a lactation room',
          ap_indicators: ['X.A.1'], ap_owner: 'Facilities unit', ap_deadline: '2026-01-31', ap_status: 'in_progress' }],
      });
      run('collector', ['sync', '--data-dir', p.b.dir]);
      run('sync-server', ['assessment', 'resolve', '--data-dir', p.server, p.id, 'x_a_1', '--value', '1', '--comment',
        'Planned, not in place']);
      run('sync-server', ['assessment', 'review', '--data-dir', p.server, p.id, '--comment', 'All sites visited']);
      run('sync-server', ['assessment', 'validate', '--data-dir', p.server, p.id, '--comment', 'Agreed']);
      second = run('sync-server', ['assessment', 'create', '--data-dir', p.server, '--form', 'geoat-2023', '--round',
        '2027-followup', '--administration', 'TL']).split('\n')[0].trim();
      run('collector', ['sync', '--data-dir', p.a.dir]);
      contribute(p.a.dir, second, 'hr', { x_a_1: '3' });
      run('collector', ['sync', '--data-dir', p.a.dir]);
    } finally {
      await stop(p.sync);
    }
    const steward = run('sync-server', ['admin-token', 'create', '--data-dir', p.server, '--label', 'ged-unit', '--role', 'steward']).trim();
    const viewer = run('sync-server', ['admin-token', 'create', '--data-dir', p.server, '--label', 'reader', '--role', 'viewer']).trim();
    const admin = run('sync-server', ['admin-token', 'create', '--data-dir', p.server, '--label', 'it', '--role', 'admin']).trim();
    const sync = await startSyncServer(p.root);
    const base = sync.url.replace('ws://', 'http://');
    const signIn = async (page, token) => {
      await page.goto(base + '/');
      await page.fill('#token', token);
      await page.click('form.login button[type=submit]');
      await page.waitForSelector('#nav:not([hidden])');
    };
    try {
      // A viewer: the plan, overdue flagged in words, and no update form.
      let { context, page } = await newPage(browser, VIEWPORTS.desktop, base);
      try {
        await signIn(page, viewer);
        await page.goto(base + '/#/form/geoat-2023');
        await page.waitForSelector('#tracked-plan');
        const row = page.locator('.tracked-plan tbody tr', { hasText: 'TL-AP1' });
        assert.match(await row.textContent(), /Open a lactation room.*X\.A\.1.*Facilities unit.*2026-01-31.*In progress \(overdue\)/s);
        assert.equal(await page.locator('.tracked-plan form.action-update').count(), 0);
        await screenshot(page, 'dashboard-action-plan-viewer');
      } finally {
        await context.close();
      }
      ({ context, page } = await newPage(browser, VIEWPORTS.desktop, base));
      try {
        await signIn(page, steward);
        await page.goto(base + '/#/form/geoat-2023');
        await page.waitForSelector('#tracked-plan');
        const row = page.locator('.tracked-plan tbody tr', { hasText: 'TL-AP1' });
        await row.locator('summary').click();
        await row.locator('select[name=status]').selectOption('completed');
        await row.locator('select[name=indicators]').selectOption(['X.A.1', 'X.A.2']);
        await row.locator('textarea[name=note]').fill('Room opened at the land post');
        await screenshot(page, 'dashboard-action-update');
        await Promise.all([
          page.waitForResponse(r => r.url().includes('/api/v1/actions/TL-AP1') && r.request().method() === 'POST' && r.ok()),
          row.locator('button[type=submit]').click(),
        ]);
        await page.waitForFunction(() => /^Completed/.test((document.querySelector('.tracked-plan .action-status') || {}).textContent || ''));
        const after = page.locator('.tracked-plan tbody tr', { hasText: 'TL-AP1' });
        assert.equal(await after.locator('.action-status').textContent(), 'Completed', 'a completed item is not overdue');
        assert.equal(await after.locator('.action-indicators').textContent(), 'X.A.1, X.A.2');
        assert.match(await after.locator('.action-note').textContent(), /Room opened at the land post/);

        // Rounds of team assessments only are offered for the comparison,
        // each counting its team assessment (round names are isolated with
        // U+2068 … U+2069 for right-to-left pages).
        const offered = (await page.locator('#round option').allTextContents()).map(o => o.replace(/[\u2066-\u2069]/g, ''));
        for (const round of ['2026-baseline', '2027-followup']) {
          assert.ok(offered.includes(`${round} (team assessments: 1)`), `${round} is offered: ${offered}`);
        }
        for (const [round, compare] of [['2027-followup', '2026-baseline'], ['2026-baseline', '2027-followup']]) {
          await page.goto(`${base}/#/form/geoat-2023?round=${round}&compare=${compare}`);
          await page.waitForSelector('.action-changes');
          const changed = await page.locator('.action-changes tbody tr', { hasText: 'TL-AP1' }).textContent();
          assert.match(changed, /In progress → Completed \(changed\)/);
          assert.match(changed, /X\.A\.1: 1 → 3 ▲ \+2/);
          await screenshot(page, `dashboard-action-compare-${round}`);
        }
      } finally {
        await context.close();
      }
      // The update is in the audit log, by the steward's token.
      const res = await fetch(`${base}/api/v1/audit`, { headers: { Authorization: 'Bearer ' + admin } });
      const entry = (await res.json()).entries.find(e => e.action === 'action.update');
      assert.ok(entry, 'an action.update line');
      assert.equal(entry.actor, 'token:ged-unit');
      assert.match(entry.detail, /id=TL-AP1 status=completed indicators=X\.A\.1,X\.A\.2/);
    } finally {
      await stop(sync);
    }
  });
