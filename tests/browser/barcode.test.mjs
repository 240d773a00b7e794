// Barcode questions (issue 19) on a 360 px phone in Chromium against the
// real programs, in English and in Arabic (right to left).
//
// The camera reader needs the Shape Detection API's BarcodeDetector, which
// Chrome has on Android, ChromeOS and macOS but Chromium on Linux does not:
// here the first test checks what such a browser shows (the code typed, no
// scan button), and the second gives the page a stand-in BarcodeDetector
// that reports a code once the video has frames. The camera is Chromium's
// own fake capture device (a real getUserMedia stream, real video element),
// and the collector and the page are the real ones; only the decoding of
// the picture is the stand-in's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeServerFolder, collectorWithForm, openSurvey, serve, stop, launch, newPage, screenshot,
  overflowsHorizontally, answer, VIEWPORTS } from './support.mjs';

let browser;
before(async () => { browser = await launch(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']); });
after(async () => { await browser.close(); });

const VISIT = JSON.stringify({
  id: 'seals', version: '1', title: { en: 'Seal check', ar: 'فحص الأختام' }, languages: ['en', 'ar'],
  items: [
    { type: 'barcode', name: 'seal', label: { en: 'Container seal', ar: 'ختم الحاوية' }, required: true },
    { type: 'text', name: 'remark', label: { en: 'Remark', ar: 'ملاحظة' } },
  ],
});

async function post() {
  const root = makeServerFolder();
  const form = path.join(root, 'seals.json');
  writeFileSync(form, VISIT);
  const { c } = await collectorWithForm(root, form);
  return serve(c.dir);
}

const draftAnswers = page => page.evaluate(async () => {
  const half = sessionStorage.getItem('eq_draft_key') || localStorage.getItem('eq_draft_key');
  return (await (await fetch('/api/v1/draft', { headers: half ? { 'X-Draft-Key': half } : {} })).json()).answers;
});

async function waitForSeal(page, want) {
  let got;
  for (let i = 0; i < 50; ++i) {
    got = (await draftAnswers(page)).seal;
    if (got === want) return;
    await page.waitForTimeout(100);
  }
  assert.equal(got, want);
}

test('without a BarcodeDetector the code is typed, and no scan button is offered', async () => {
  const srv = await post();
  try {
    for (const lang of ['en', 'ar']) {
      const { context, page } = await newPage(browser, VIEWPORTS.phone360, srv.url);
      try {
        await openSurvey(page, srv.url, lang, 'seals');
        await page.waitForSelector('[data-path="seal"] input');
        assert.equal(await page.evaluate(() => 'BarcodeDetector' in window), false);
        assert.equal(await page.locator('[data-path="seal"] button.scan').count(), 0);
        await answer(page, () => page.fill('[data-path="seal"] input', 'TL-0042-7781'));
        await waitForSeal(page, 'TL-0042-7781');
      } finally {
        await context.close();
      }
    }
  } finally {
    await stop(srv);
  }
});

// Reports `code` for any frame of a playing video, as a detector that
// found one code in it would; records that it was asked.
const STAND_IN = code => `
  window.BarcodeDetector = class {
    static async getSupportedFormats() { return ['qr_code', 'code_128']; }
    async detect(source) {
      window.__detectCalls = (window.__detectCalls || 0) + 1;
      if (!(source instanceof HTMLVideoElement) || source.videoWidth === 0) return [];
      return [{ rawValue: ${JSON.stringify(code)}, format: 'code_128', boundingBox: new DOMRect(0, 0, 10, 10), cornerPoints: [] }];
    }
  };`;

// Keeps the camera tracks the page opens, to see that it closes them.
const TRACK_CAMERA = () => {
  const open = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  window.__tracks = [];
  navigator.mediaDevices.getUserMedia = async c => {
    const s = await open(c);
    window.__tracks.push(...s.getTracks());
    return s;
  };
};

test('with a BarcodeDetector the camera reads the code, which is saved, and the camera is turned off', async () => {
  const srv = await post();
  try {
    for (const lang of ['en', 'ar']) {
      const { context, page } = await newPage(browser, VIEWPORTS.phone360, srv.url);
      try {
        await context.grantPermissions(['camera'], { origin: srv.url });
        await context.addInitScript(STAND_IN(lang === 'en' ? 'MSCU-778812-3' : 'MSCU-٧٧٨٨١٢'));
        await context.addInitScript(TRACK_CAMERA);
        await openSurvey(page, srv.url, lang, 'seals');
        const button = page.locator('[data-path="seal"] button.scan');
        await button.waitFor();
        assert.equal(await button.textContent(), lang === 'en' ? 'Scan with the camera' : 'المسح بالكاميرا');
        assert.equal(await overflowsHorizontally(page), false, 'nothing scrolls sideways at 360 px');
        await button.click();
        const want = lang === 'en' ? 'MSCU-778812-3' : 'MSCU-٧٧٨٨١٢';
        await page.waitForFunction(w => document.querySelector('[data-path="seal"] input').value === w, want);
        await waitForSeal(page, want);
        // The camera is off and its video gone; the page says the code came
        // from the camera, to be checked.
        assert.equal(await page.locator('[data-path="seal"] video').count(), 0);
        const tracks = await page.evaluate(() => window.__tracks.map(t => t.readyState));
        assert.ok(tracks.length >= 1 && tracks.every(s => s === 'ended'), `tracks: ${tracks}`);
        assert.ok(await page.evaluate(() => window.__detectCalls) >= 1);
        assert.match(await page.locator('[data-path="seal"] .scan-status').textContent(),
          lang === 'en' ? /Code read by the camera/ : /قُرئ الرمز بالكاميرا/);
        await screenshot(page, `barcode-scanned-360-${lang}`);
        // The officer can still correct it by hand.
        await answer(page, () => page.fill('[data-path="seal"] input', want + 'X'));
        await waitForSeal(page, want + 'X');
      } finally {
        await context.close();
      }
    }
  } finally {
    await stop(srv);
  }
});

test('leaving the page while scanning turns the camera off', async () => {
  const srv = await post();
  try {
    const { context, page } = await newPage(browser, VIEWPORTS.phone360, srv.url);
    try {
      await context.grantPermissions(['camera'], { origin: srv.url });
      // A detector that never finds a code.
      await context.addInitScript(() => { window.BarcodeDetector = class { async detect() { return []; } }; });
      await context.addInitScript(TRACK_CAMERA);
      await openSurvey(page, srv.url, 'en', 'seals');
      await page.click('[data-path="seal"] button.scan');
      await page.waitForSelector('[data-path="seal"] video');
      assert.equal(await page.locator('[data-path="seal"] button.scan').textContent(), 'Stop scanning');
      assert.deepEqual(await page.evaluate(() => window.__tracks.map(t => t.readyState)), ['live']);
      // The page is redrawn without the question (as when going to the next
      // page): the camera stops within a few tries.
      await page.evaluate(() => document.querySelector('[data-path="seal"]').remove());
      await page.waitForFunction(() => window.__tracks.every(t => t.readyState === 'ended'));
    } finally {
      await context.close();
    }
  } finally {
    await stop(srv);
  }
});
