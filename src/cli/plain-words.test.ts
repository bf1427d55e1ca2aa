import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withArticle } from '../models/kind-article.ts';
import { extractionInWords, inversionInWords, membershipInWords } from './plain-words.ts';

test("inversion in plain words judges the gain as the audit does: half a point on 400 people is next to nothing, not 'reveals a little'", () => {
  assert.match(inversionInWords(0.517, 0.512, 'sex'), /^in plain words: the model adds next to nothing — .*"sex" is guessed right for 51\.7% of the people, against 51\.2% .*\(we call a gain over 2 points a little, 10 or more revealing\)$/);
  assert.match(inversionInWords(0.55, 0.52, 'sex'), /^in plain words: the model reveals a little — /);
  assert.match(inversionInWords(0.62, 0.52, 'sex'), /^in plain words: the model reveals it — /);
  assert.match(inversionInWords(0.5, 0.52, 'sex'), /^in plain words: the model adds nothing — /);
});

test('membership and extraction in plain words print each figure on its side of their thresholds', () => {
  assert.match(membershipInWords(0.596, 0), /^in plain words: it leaks a little — .* AUC 0\.596 \(0\.5 is guessing; we call 0\.55 a little and 0\.6 a leak\) and finds 0\.0% of the members/);
  assert.match(membershipInWords(0.64, 0.0499), /^in plain words: it leaks — .* AUC 0\.64 .* finds 4\.99% of the members/);
  assert.match(extractionInWords(0.98996, 9.96e-7, 'rows'), /^in plain words: the copy is exact — it gives the target's answer on 98\.996% of rows, and its probabilities differ by at most 9\.96e-7 /);
});

test('a model kind with its article', () => {
  assert.deepEqual(['mlp', 'ovr', 'tree', 'softmax', 'logistic', 'cnn', 'naive-bayes'].map(withArticle), ['an mlp', 'an ovr', 'a tree', 'a softmax', 'a logistic', 'a cnn', 'a naive-bayes']);
});
