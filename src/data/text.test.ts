import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasCode } from '../errors.ts';
import { fitBagOfWords, tokenize } from './text.ts';

test('tokenize lower-cases words and drops one-letter tokens and punctuation', () => {
  assert.deepEqual(tokenize("FREE entry! Win £1000 now, don't wait a sec"), ['free', 'entry', 'win', '1000', 'now', "don't", 'wait', 'sec']);
});

test('the vocabulary keeps the most frequent words by document frequency, up to the limit', () => {
  const texts = ['win cash now', 'win a prize', 'call now to win', 'hello friend'];
  const bag = fitBagOfWords(texts, { maxVocabulary: 2 });
  assert.deepEqual(bag.vocabulary, ['win', 'now']);
  const encoded = bag.transform(['win win now', 'unknown words']);
  assert.deepEqual(Array.from(encoded.data), [2, 1, 0, 0]);
  const binary = fitBagOfWords(texts, { maxVocabulary: 2, binary: true });
  assert.deepEqual(Array.from(binary.transform(['win win now']).data), [1, 1]);
  assert.equal(fitBagOfWords(texts, { maxVocabulary: 100, minDocuments: 2 }).vocabulary.length, 2);
  assert.throws(() => fitBagOfWords(texts, { maxVocabulary: 0 }), (e) => hasCode(e, 'validation'));
});
