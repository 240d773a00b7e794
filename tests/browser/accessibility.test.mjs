// Accessibility of the collector's UI, checked in Chromium: axe-core's WCAG
// 2.x A/AA rules (labels, contrast, names, landmarks), a whole survey done
// with the keyboard alone, visible focus, and 44 px touch targets on a phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { makeCollector, serve, stop, status, launch, screenshot, startTeamForm, VIEWPORTS } from './support.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

// `context`: a CSS selector list to check, or the whole document. The GEOAT's
// principle pages repeat one card design hundreds of times; a sample of
// cards keeps the check to seconds.
function saved(page) {
  return page.waitForResponse(r => r.url().endsWith('/api/v1/draft') && r.request().method() === 'PUT');
}

async function axe(page, context = null) {
  // Injected through the DevTools protocol; the page's CSP forbids inline scripts.
  await page.evaluate(AXE);
  const result = await page.evaluate(ctx => window.axe.run(ctx ? { include: ctx.map(c => [c]) } : document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }), context);
  return result.violations.map(v => `${v.id}: ${v.help} (${v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', ')})`);
}

test('axe-core finds no WCAG A/AA violation on the pages of each survey, in English and Arabic', async () => {
  const c = makeCollector();
  const srv = await serve(c.dir);
  const context = await browser.newContext({ viewport: VIEWPORTS.phone360, bypassCSP: true });
  const page = await context.newPage();
  page.on('dialog', d => d.accept());
  try {
    // The admin sign-in first: the GEOAT below is started behind it.
    await page.goto(srv.url + '/admin');
    await page.waitForSelector('#pin');
    assert.deepEqual(await axe(page), [], 'admin sign-in');
    for (const lang of ['en', 'ar']) {
      await page.goto(srv.url + '/');
      await page.click(`.langs button[lang="${lang}"]`);
      await page.waitForSelector(`html[lang="${lang}"]`);
      assert.deepEqual(await axe(page), [], `start page (${lang})`);
      for (const form of ['staff-climate', 'geoat-2023']) {
        if (form === 'geoat-2023') {
          await startTeamForm(page, srv.url, 'geoat-2023', lang);
        } else {
          await page.goto(srv.url + '/');
          await page.click(`button.survey[data-form="${form}"]`);
        }
        await page.waitForSelector('#next');
        for (let i = 0; i < 3; ++i) {
          const sample = form === 'geoat-2023' && i > 0
            ? ['.bar', '.progress', '.sections', 'main h2', '#page .card:nth-of-type(-n+2)', '.actions'] : null;
          assert.deepEqual(await axe(page, sample), [], `${form} page ${i + 1} (${lang})`);
          const consent = page.locator('[data-path="consent_ack"] label');
          if (await consent.count()) await consent.click();
          const before = await page.textContent('main h2');
          await page.click('#next');
          await page.waitForFunction(b => document.querySelector('main h2')?.textContent !== b, before);
        }
        await page.click('#cancel, #leave');
        await page.waitForSelector('button.survey');
      }
    }
  } finally {
    await context.close();
    await stop(srv);
  }
});

test('a whole survey can be done with the keyboard alone, with visible focus', async () => {
  const c = makeCollector();
  const srv = await serve(c.dir);
  const context = await browser.newContext({ viewport: VIEWPORTS.desktop });
  const page = await context.newPage();
  try {
    await page.goto(srv.url + '/');
    await page.waitForSelector('button.survey');
    // Tab to a control, checking each stop shows a focus ring.
    async function tabTo(selector) {
      for (let i = 0; i < 200; ++i) {
        await page.keyboard.press('Tab');
        const hit = await page.evaluate(sel => {
          const a = document.activeElement;
          return a && a.matches(sel);
        }, selector);
        if (hit) {
          const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
          assert.notEqual(outline, 'none', `focus is visible on ${selector}`);
          return;
        }
      }
      throw new Error('could not reach ' + selector + ' with Tab');
    }
    await tabTo('button.survey[data-form="integrity-perception"]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-path="consent_ack"]');
    await tabTo('[data-path="consent_ack"] input');
    // Listen before pressing: the save can come back before the key press returns.
    await Promise.all([saved(page), page.keyboard.press('Space')]);
    await tabTo('#next');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#page input[type=radio]');
    // Radio groups: Tab into the first, arrows choose.
    await tabTo('#page input[type=radio]');
    await Promise.all([saved(page), page.keyboard.press('ArrowDown')]);
    await screenshot(page, 'keyboard-radio');
    while (!(await page.locator('#submit').count())) {
      await tabTo('#next');
      const before = await page.textContent('main h2');
      await page.keyboard.press('Enter');
      await page.waitForFunction(b => document.querySelector('main h2')?.textContent !== b, before);
    }
    await tabTo('#submit');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.thanks');
    assert.equal(status(c.dir).pending, 1);
  } finally {
    await context.close();
    await stop(srv);
  }
});

test('touch targets are at least 44 px on a 360 px phone', async () => {
  const c = makeCollector();
  const srv = await serve(c.dir);
  const context = await browser.newContext({ viewport: VIEWPORTS.phone360 });
  const page = await context.newPage();
  try {
    await startTeamForm(page, srv.url);
    await page.selectOption('#section-pick', '2');
    await page.waitForSelector('.card');
    const small = await page.evaluate(() => [...document.querySelectorAll('button, select, input:not([type=radio]):not([type=checkbox]), textarea, label.choice')]
      .filter(e => e.offsetParent !== null)
      .map(e => ({ e: e.outerHTML.slice(0, 60), r: e.getBoundingClientRect() }))
      .filter(x => x.r.height < 44 || x.r.width < 44)
      .map(x => `${x.e} ${Math.round(x.r.width)}x${Math.round(x.r.height)}`));
    assert.deepEqual(small, []);
  } finally {
    await context.close();
    await stop(srv);
  }
});

test('nothing scrolls sideways at 320 px, in French and Arabic', async () => {
  const c = makeCollector();
  const srv = await serve(c.dir);
  const context = await browser.newContext({ viewport: { width: 320, height: 640 } });
  const page = await context.newPage();
  page.on('dialog', d => d.accept());
  const wide = () => page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1);
  try {
    for (const lang of ['fr', 'ar']) {
      await page.goto(srv.url + '/');
      await page.click(`.langs button[lang="${lang}"]`);
      await page.waitForSelector(`html[lang="${lang}"]`);
      assert.equal(await wide(), false, `start page (${lang})`);
      await startTeamForm(page, srv.url);
      for (const section of ['0', '2', '8']) {
        await page.selectOption('#section-pick', section);
        await page.waitForSelector('#page');
        assert.equal(await wide(), false, `GEOAT section ${section} (${lang})`);
      }
      await screenshot(page, `320-geoat-${lang}`);
      await page.click('#leave');
      await page.waitForSelector('button.survey');
    }
  } finally {
    await context.close();
    await stop(srv);
  }
});

test('axe-core finds no WCAG A/AA violation in the kiosk\'s idle question or the phone\'s come-back question', async () => {
  const c = makeCollector();
  for (const [args, reach, name] of [
    [['--idle-timeout', '1s', '--idle-countdown', '60s'], page => page.waitForSelector('#idle'), 'idle question'],
    [['--mode', 'personal'], async page => { await page.reload(); await page.waitForSelector('#continue-draft'); }, 'come-back question'],
  ]) {
    const srv = await serve(c.dir, args);
    try {
      // A browser each: a phone that comes back is asked before anything else.
      for (const lang of ['en', 'ar']) {
        const context = await browser.newContext({ viewport: VIEWPORTS.phone360, bypassCSP: true });
        const page = await context.newPage();
        await page.goto(srv.url + '/');
        await page.click(`.langs button[lang="${lang}"]`);
        await page.waitForSelector(`html[lang="${lang}"]`);
        await page.click('button.survey[data-form="staff-climate"]');
        await Promise.all([saved(page), page.locator('[data-path="consent_ack"] label').click()]);
        await reach(page);
        assert.equal(await page.getAttribute('html', 'lang'), lang, `${name} in the respondent's language`);
        assert.deepEqual(await axe(page), [], `${name} (${lang})`);
        await screenshot(page, `a11y-${name.replace(/ /g, '-')}-${lang}`);
        await context.close();
      }
    } finally {
      await stop(srv);
    }
  }
});
