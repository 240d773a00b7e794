// Real programs for the browser tests: a sync server's data folder to enroll
// against, a collector with an admin PIN, `collector serve` on a free port,
// and Debian's Chromium driven by playwright-core. Nothing is mocked.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const BIN = process.env.EQUITAS_BIN_DIR || path.resolve('../../build/bin');
export const ARTIFACTS = process.env.EQUITAS_ARTIFACTS || path.resolve('artifacts');
export const PIN = 'post-pin-2468';

export const VIEWPORTS = {
  phone360: { width: 360, height: 740 },
  phone390: { width: 390, height: 844 },
  desktop: { width: 1280, height: 800 },
};

function run(bin, args, input) {
  return execFileSync(path.join(BIN, bin), args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

// A server data folder (not running: enrollment works offline) and an
// enrolled collector with the admin PIN set.
export function makeCollector(site = 'Browser test post', serverUrl = 'ws://127.0.0.1:9', root = null, name = 'collector') {
  root = root || makeServerFolder();
  const server = path.join(root, 'server');
  const dir = path.join(root, name);
  const code = run('sync-server', ['device', 'enroll', '--data-dir', server, '--site', site,
    '--url', serverUrl]).trim().split('\n').pop().trim();
  writeFileSync(path.join(root, 'pin'), PIN + '\n', { mode: 0o600 });
  run('collector', ['init', '--data-dir', dir, '--admin-pin-file', path.join(root, 'pin')]);
  run('collector', ['enroll', '--data-dir', dir, code]);
  return { root, server, dir };
}

export function makeServerFolder() {
  const root = mkdtempSync(path.join(tmpdir(), 'equitas-ui-'));
  run('sync-server', ['init', '--data-dir', path.join(root, 'server')]);
  return root;
}

// Publishes `file` (a JSON definition or an XLSForm, with `extra` arguments
// such as --attach) on the server folder `root`, and returns a collector
// that received it at a real sync, with what `forms publish` printed.
export async function collectorWithForm(root, file, extra = []) {
  const published = run('sync-server', ['forms', 'publish', '--data-dir', path.join(root, 'server'), file, ...extra]);
  const sync = await startSyncServer(root);
  try {
    const c = makeCollector('Border post', sync.url, root);
    run('collector', ['sync', '--data-dir', c.dir]);
    return { c, published };
  } finally {
    await stop(sync);
  }
}

// Opens the survey `form` from the start page, in `lang`.
export async function openSurvey(page, base, lang, form) {
  await page.goto(base + '/');
  await page.selectOption('#lang', lang);
  await page.waitForSelector(`html[lang="${lang}"]`);
  await page.click(`button.survey[data-form="${form}"]`);
}

// The real sync server on a free loopback port.
export function startSyncServer(root) {
  return new Promise((resolve, reject) => {
    const proc = spawn(path.join(BIN, 'sync-server'), ['serve', '--data-dir', path.join(root, 'server'),
      '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error('sync-server did not start: ' + out)), 10000);
    const seen = d => {
      out += d;
      const m = /listening on (ws:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) { clearTimeout(timer); resolve({ url: m[1], proc }); }
    };
    proc.stdout.on('data', seen);
    proc.stderr.on('data', seen);
  });
}

export function status(dir) {
  return JSON.parse(run('collector', ['status', '--data-dir', dir, '--json']));
}

// Starts `collector serve` on a free loopback port (or `listen`, e.g.
// 0.0.0.0:0 for the post's Wi-Fi); resolves once it listens, with the
// phones' links it printed, if any.
export function serve(dir, extra = [], listen = '127.0.0.1:0') {
  return new Promise((resolve, reject) => {
    const proc = spawn(path.join(BIN, 'collector'), ['serve', '--data-dir', dir, '--listen', listen, ...extra],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error('collector serve did not start: ' + out)), 10000);
    proc.stdout.on('data', d => {
      out += d;
      const m = /Serving the survey on (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m && /Stop with Ctrl-C/.test(out)) {
        clearTimeout(timer);
        const phones = [...out.matchAll(/Phones on this network: (http:\/\/[^/\s]+)\//g)].map(x => x[1]);
        resolve({ url: m[1], phones, proc, output: () => out });
      }
    });
    proc.stderr.on('data', d => { out += d; });
    proc.on('exit', code => { clearTimeout(timer); reject(new Error('collector serve exited ' + code + ': ' + out)); });
  });
}

export function stop(server, signal = 'SIGTERM') {
  return new Promise(resolve => {
    if (server.proc.exitCode !== null || server.proc.signalCode !== null) return resolve();
    server.proc.removeAllListeners('exit');
    server.proc.on('exit', () => resolve());
    server.proc.kill(signal);
  });
}

export async function launch(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', ...extraArgs],
  });
}

// A page that fails the test on any request that leaves the collector.
export async function newPage(browser, viewport, base) {
  const context = await browser.newContext({ viewport, locale: 'en-GB' });
  const page = await context.newPage();
  const foreign = [];
  page.on('request', r => { if (!r.url().startsWith(base) && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) foreign.push(r.url()); });
  page.foreign = foreign;
  return { context, page };
}

let shot = 0;
export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, String(++shot).padStart(3, '0') + '-' + name + '.png');
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// True when the page scrolls sideways: the small-screen rule is broken.
export async function overflowsHorizontally(page) {
  return page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1);
}

// Text that does not fit its box: an element whose own text is wider than
// the element (scrollWidth beyond clientWidth), or text, HTML or SVG, that
// reaches outside the nearest box that clips it (an SVG, a scrolling panel,
// the window). Returns a description of each, for the assertion message.
export async function clippedText(page, root = 'main') {
  return page.evaluate((root) => {
    const out = [];
    const clipper = (el) => {
      for (let p = el.parentElement; p; p = p.parentElement) {
        if (p instanceof SVGSVGElement) return p;
        const o = getComputedStyle(p);
        if (o.overflowX !== 'visible' || o.overflow !== 'visible') return p;
      }
      return null;
    };
    for (const el of document.querySelectorAll(`${root} *`)) {
      const own = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
      // A closed <select>'s options are drawn by the browser, not the page.
      if (!own || el.closest('select') || el.getClientRects().length === 0) continue;
      const name = `<${el.tagName.toLowerCase()}> "${el.textContent.trim().slice(0, 40)}"`;
      const style = getComputedStyle(el);
      if (!(el instanceof SVGElement) && style.display !== 'inline' && el.scrollWidth > el.clientWidth + 1) {
        out.push(`${name} is wider than its box (${el.scrollWidth} > ${el.clientWidth})`);
        continue;
      }
      const r = el.getBoundingClientRect();
      const c = clipper(el);
      const box = c ? c.getBoundingClientRect() : { left: 0, right: window.innerWidth };
      const left = Math.max(box.left, 0), right = Math.min(box.right, window.innerWidth);
      if (r.left < left - 1 || r.right > right + 1) out.push(`${name} runs outside [${left}, ${right}]: [${r.left}, ${r.right}]`);
    }
    return out;
  }, root);
}

// ---- driving the survey page ----

export async function heading(page) { return (await page.locator('main h2, main h1').first().textContent()).trim(); }

// Clicks Next (or Review) and waits for the next page to be drawn.
export async function next(page) {
  const before = await heading(page);
  await page.click('#next');
  await page.waitForFunction(b => {
    const h = document.querySelector('main h2, main h1');
    return h && h.textContent.trim() !== b;
  }, before);
}

// Does something that changes an answer and waits for the collector's verdict.
export async function answer(page, action) {
  await Promise.all([
    page.waitForResponse(r => r.url().endsWith('/api/v1/draft') && r.request().method() === 'PUT'),
    action(),
  ]);
}

export async function pick(page, path, choice) {
  await answer(page, () => page.locator(`[data-path="${path}"] label[data-choice="${choice}"]`).click());
}

// Starts a team assessment form (the GEOAT) the only way the page offers
// one: from the admin page, behind the PIN (signing in if needed). The
// page then opens the new draft at /.
export async function startTeamForm(page, base, form = 'geoat-2023', lang = '') {
  await page.goto(base + '/admin');
  await page.waitForSelector('#pin, .stats');
  // The page's language is not carried across a navigation: pick it here.
  if (lang) {
    await page.selectOption('#lang', lang);
    await page.waitForSelector(`html[lang="${lang}"]`);
  }
  if (await page.locator('#pin').count()) {
    await page.fill('#pin', PIN);
    await page.click('form button[type=submit]');
  }
  await page.click(`button.survey[data-form="${form}"]`);
  await page.waitForSelector('#section-pick');
}

// How many drafts the collector holds, as its admin page counts them.
export async function draftCount(base) {
  const login = await fetch(base + '/api/v1/admin/login', { method: 'POST',
    headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ pin: PIN }) });
  if (!login.ok) throw new Error('admin login failed: ' + login.status);
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const s = await fetch(base + '/api/v1/admin/status', { headers: { cookie } });
  return (await s.json()).drafts;
}

// A fresh enrolled collector served with `args`, and one page on it at
// `viewport`; both are closed whatever `body` does.
export async function withCollectorPage(browser, viewport, args, body) {
  const c = makeCollector();
  const srv = await serve(c.dir, args);
  const { context, page } = await newPage(browser, viewport, srv.url);
  try {
    await body({ c, srv, context, page });
  } finally {
    await context.close();
    await stop(srv);
  }
}

// An .xlsx workbook of inline-string cells, written by Python's zipfile:
// the smallest SpreadsheetML the importer reads, with no library of ours.
export function writeWorkbook(file, sheets) {
  execFileSync('python3', ['-c', `
import json, sys, zipfile
from xml.sax.saxutils import escape
sheets = json.loads(sys.argv[2])
def col(i):
    s = ''
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    z.writestr('[Content_Types].xml', '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/></Types>')
    z.writestr('_rels/.rels', '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="r1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    names = ''.join('<sheet name="%s" sheetId="%d" r:id="s%d"/>' % (n, i + 1, i + 1) for i, n in enumerate(sheets))
    z.writestr('xl/workbook.xml', '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>' + names + '</sheets></workbook>')
    rels = ''.join('<Relationship Id="s%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                   'Target="worksheets/sheet%d.xml"/>' % (i + 1, i + 1) for i in range(len(sheets)))
    z.writestr('xl/_rels/workbook.xml.rels', '<?xml version="1.0"?><Relationships '
        'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' + rels + '</Relationships>')
    for i, rows in enumerate(sheets.values()):
        xml = ''.join('<row r="%d">%s</row>' % (r + 1, ''.join(
            '<c r="%s%d" t="inlineStr"><is><t>%s</t></is></c>' % (col(c), r + 1, escape(v)) for c, v in enumerate(row) if v))
            for r, row in enumerate(rows))
        z.writestr('xl/worksheets/sheet%d.xml' % (i + 1), '<?xml version="1.0"?><worksheet '
            'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + xml + '</sheetData></worksheet>')
`, file, JSON.stringify(sheets)]);
}
