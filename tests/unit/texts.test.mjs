// The element's texts (js/texts.js): every language has every text, with the same fields,
// and the element's TypeScript declaration lists exactly those texts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { TEXTS, textsFor, say, size, duration } from '../../js/texts.js';

const fields = (text) => [...text.matchAll(/\{(\w+)\}/g)].map(([, name]) => name).sort();

test('every language has every text, with the fields of the English one', () => {
  const keys = Object.keys(TEXTS.en).sort();
  for (const [lang, table] of Object.entries(TEXTS)) {
    assert.deepEqual(Object.keys(table).sort(), keys, lang);
    for (const key of keys) assert.deepEqual(fields(table[key]), fields(TEXTS.en[key]), `${lang}.${key}`);
  }
  assert.equal(TEXTS.fr.units.split(' ').length, TEXTS.en.units.split(' ').length);
});

test("the element's declaration lists exactly the texts", () => {
  const declaration = readFileSync(new URL('../../js/video-uploader.d.ts', import.meta.url), 'utf8');
  const block = declaration.match(/export interface ElementTexts \{([^}]*)\}/)[1];
  assert.deepEqual([...block.matchAll(/(\w+): string;/g)].map(([, key]) => key).sort(), Object.keys(TEXTS.en).sort());
});

test('a language picks its table, a region its language, and a page its own texts', () => {
  assert.equal(textsFor('fr-CA').uploaded, 'Envoyé.');
  assert.equal(textsFor('de').uploaded, 'Uploaded.');
  assert.equal(textsFor('fr', { uploaded: 'Fini !' }).uploaded, 'Fini !');
  assert.equal(textsFor('fr', { uploaded: 'Fini !' }).paused, 'En pause.');
  assert.equal(say(textsFor('fr'), 'retrying', { seconds: 3 }), 'Problème de connexion ; nouvel essai dans 3 s…');
  assert.equal(size(2_500_000, textsFor('fr')), '2,5 Mo');
  assert.equal(size(2_500_000), '2.5 MB');
  assert.equal(duration(75, textsFor('fr')), 'encore 1 min 15 s');
  assert.equal(duration(Infinity), '');
});
