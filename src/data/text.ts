/**
 * Text to features: a tokenizer and a bag-of-words vocabulary with a size limit, fitted on
 * training messages only. Spam filters (and the good-word evasion attack of Lowd and Meek 2005
 * against them) work on exactly these word-presence features.
 */

import { ValidationError } from '../errors.ts';
import { createMatrix, type Matrix } from '../math/matrix.ts';
import type { FeatureSchema } from './schema.ts';

/** Lower-cased word tokens: runs of letters, digits and apostrophes, at least 2 characters. */
export function tokenize(text: string): string[] {
  const tokens = text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
  return tokens.map((token) => token.replace(/^'+|'+$/g, '')).filter((token) => token.length >= 2);
}

/** Options for `fitBagOfWords`. */
export interface BagOfWordsOptions {
  /** Keep at most this many words, the most frequent by document frequency (ties by word). */
  maxVocabulary: number;
  /** Drop words that appear in fewer documents (1 by default). */
  minDocuments?: number;
  /** 0/1 presence instead of counts. */
  binary?: boolean;
}

/** A fitted vocabulary. */
export class BagOfWords {
  readonly vocabulary: readonly string[];
  readonly binary: boolean;
  private readonly index: Map<string, number>;

  constructor(vocabulary: readonly string[], binary: boolean) {
    this.vocabulary = vocabulary;
    this.binary = binary;
    this.index = new Map(vocabulary.map((word, i) => [word, i]));
  }

  /** Encodes texts as rows of word counts (or presence); unknown words are ignored. */
  transform(texts: readonly string[]): Matrix {
    const cols = this.vocabulary.length;
    const out = createMatrix(texts.length, cols);
    texts.forEach((text, i) => {
      for (const token of tokenize(text)) {
        const j = this.index.get(token);
        if (j === undefined) continue;
        const k = i * cols + j;
        out.data[k] = this.binary ? 1 : out.data[k] + 1;
      }
    });
    return out;
  }

  /** A numeric schema, one feature per word, ranging over the counts seen in `encoded`. */
  schema(encoded: Matrix): FeatureSchema {
    const max = new Float64Array(this.vocabulary.length);
    for (let i = 0; i < encoded.rows; i++) {
      for (let j = 0; j < encoded.cols; j++) max[j] = Math.max(max[j], encoded.data[i * encoded.cols + j]);
    }
    return { features: this.vocabulary.map((word, j) => ({ kind: 'numeric', name: word, min: 0, max: max[j] })) };
  }
}

/** Learns a vocabulary from training texts. */
export function fitBagOfWords(texts: readonly string[], options: BagOfWordsOptions): BagOfWords {
  if (!Number.isInteger(options.maxVocabulary) || options.maxVocabulary < 1) {
    throw new ValidationError('invalid bag-of-words options', [
      { path: 'maxVocabulary', message: `${options.maxVocabulary} must be a positive integer, e.g. 1000` },
    ]);
  }
  if (texts.length === 0) {
    throw new ValidationError('cannot fit a vocabulary', [{ path: 'texts', message: 'no training texts' }]);
  }
  const documents = new Map<string, number>();
  for (const text of texts) {
    for (const token of new Set(tokenize(text))) documents.set(token, (documents.get(token) ?? 0) + 1);
  }
  const minDocuments = options.minDocuments ?? 1;
  const vocabulary = [...documents.entries()]
    .filter(([, count]) => count >= minDocuments)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, options.maxVocabulary)
    .map(([word]) => word);
  return new BagOfWords(vocabulary, options.binary ?? false);
}

/** Labelled texts before encoding. */
export interface TextCorpus {
  name: string;
  texts: string[];
  labels: Int32Array;
  classes: string[];
}
