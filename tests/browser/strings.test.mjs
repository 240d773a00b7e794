// Translation completeness of the two pages, without a browser: every
// language the collector's page and the dashboard offer has every string the
// English has, none empty, and the language pickers, the collector's server
// and the dashboard's API accept exactly those languages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const ROOT = new URL('../../', import.meta.url);
const read = (p) => readFileSync(new URL(p, ROOT), 'utf8');
const LANGUAGES = ['en', 'fr', 'es', 'ru', 'ar', 'pt'];

// The page's string table, evaluated on its own (it is a plain object literal).
function strings(file, pattern) {
  const m = read(file).match(pattern);
  assert.ok(m, `no string table in ${file}`);
  return Function(`"use strict"; return (${m[1]});`)();
}

for (const [name, file, pattern, html, least] of [
  ['collector page', 'collector/web/app.js', /const T = (\{[\s\S]*?\n  \});/, 'collector/web/index.html', 40],
  ['collector team page', 'collector/web/team.js', /const T = (\{[\s\S]*?\n  \});/, 'collector/web/index.html', 40],
  // The point lists of geotrace and geoshape questions: a few strings.
  ['collector point lists', 'collector/web/geo.js', /const T = (\{[\s\S]*?\n  \});/, 'collector/web/index.html', 5],
  // The camera reader of barcode questions.
  ['collector barcode reader', 'collector/web/scan.js', /const T = (\{[\s\S]*?\n  \});/, 'collector/web/index.html', 4],
  ['dashboard', 'sync-server/web/app.js', /const T = (\{[\s\S]*?\n\});/, 'sync-server/web/index.html', 40],
]) {
  test(`${name}: every string in ${LANGUAGES.join(', ')}`, () => {
    const T = strings(file, pattern);
    assert.deepEqual(Object.keys(T).sort(), [...LANGUAGES].sort());
    const keys = Object.keys(T.en);
    assert.ok(keys.length > least);
    for (const lang of LANGUAGES) {
      assert.deepEqual(Object.keys(T[lang]).sort(), [...keys].sort(), `${name} ${lang}`);
      for (const k of keys) assert.ok(String(T[lang][k]).trim() !== '', `${name} ${lang}.${k} is empty`);
    }
    // Placeholders survive translation.
    for (const k of keys) {
      const holes = (s) => (String(s).match(/\{[a-z0-9]+\}/g) || []).sort().join(' ');
      for (const lang of LANGUAGES) assert.equal(holes(T[lang][k]), holes(T.en[k]), `${name} ${lang}.${k} placeholders`);
    }
    const options = [...read(html).matchAll(/<option value="([a-z]{2})"/g)].map((x) => x[1]);
    assert.deepEqual(options, LANGUAGES);
  });
}

test('the collector page, the collector server and the dashboard API accept the same languages', () => {
  assert.match(read('collector/web/app.js'), /const LANGS = \['en', 'fr', 'es', 'ru', 'ar', 'pt'\];/);
  const list = '"en", "fr", "es", "ru", "ar", "pt"';
  assert.ok(read('collector/src/web/form_view.hpp').includes(`kUiLanguages[] = {${list}}`));
  assert.ok(read('collector/src/web/plain_errors.cpp').includes(`kLangs = {${list}}`));
  assert.ok(read('sync-server/src/admin/admin_api.cpp').includes(`kLanguages[] = {${list}}`));
});
