/**
 * Verdict rules of an audit: per threat a level (low / medium / high), one plain sentence, the
 * thresholds the level was judged by (written into every report), and which output policy
 * measured changes it. The thresholds follow the literature's reading of each figure:
 * extraction — Tramèr et al. (2016) call a copy agreeing on ≥ 99% of inputs a successful theft;
 * membership — Carlini et al. (2022) judge attacks by their TPR at low FPR, AUC 0.5 is guessing;
 * inversion — Fredrikson et al. (2014) compare the attack to the best guess without the model;
 * malicious training — the θ detector's statistics against a threshold benign networks stay
 * well below (Song et al. 2017 leave detection open; see defenses/encoding-detector.ts).
 */

import { fixedAgainst, percentAgainst } from '../report/against-threshold.ts';

/** How exposed a model is to one threat. */
export type Level = 'low' | 'medium' | 'high';

/** The threats an audit measures. */
export type Threat = 'extraction' | 'inversion' | 'membership' | 'exfiltration';

/** One threat's verdict. */
export interface Verdict {
  threat: Threat;
  level: Level;
  /** One plain sentence for the model's owner. */
  sentence: string;
  /** The rule the level was judged by. */
  thresholds: string;
  /** Which candidate policy lowers the level or the attacker's cost, when one does. */
  helps: string;
}

const RANK: Record<Level, number> = { low: 0, medium: 1, high: 2 };

/** The higher of two levels. */
export function worse(a: Level, b: Level): Level {
  return RANK[a] >= RANK[b] ? a : b;
}

/** Extraction under one policy: the copy the cheapest successful (or else the best) attack made. */
export interface ExtractionResult {
  policy: string;
  attack: string;
  /** Agreement of the copy with the target on the rows the audit judged copies by. */
  agreement: number;
  queries: number;
  cost: number;
}

export const EXTRACTION_THRESHOLDS = { high: 0.99, medium: 0.9 };

/** Extraction level from a copy's agreement. */
export function extractionLevel(agreement: number): Level {
  return agreement >= EXTRACTION_THRESHOLDS.high ? 'high' : agreement >= EXTRACTION_THRESHOLDS.medium ? 'medium' : 'low';
}

const pct = (value: number, digits = 1) => `${(100 * value).toFixed(digits)}%`;
const EXTRACTION_LINES = [EXTRACTION_THRESHOLDS.medium, EXTRACTION_THRESHOLDS.high];
/** A copy's agreement, on the side of each extraction threshold it lies on (99.0% is never a copy that agrees on 98.95%). */
const agreementText = (agreement: number) => percentAgainst(agreement, EXTRACTION_LINES);
const count = (value: number) => value.toLocaleString('en-US');
const money = (value: number) => (value === 0 ? 'nothing at a price of 0' : `${value < 1 ? value.toFixed(4) : value.toFixed(2)}`);

/** The extraction verdict over the policies measured (the first is how the model is published). */
export function extractionVerdict(results: ExtractionResult[], rowsJudged: string): Verdict {
  const [published, ...others] = results;
  const level = extractionLevel(published.agreement);
  const sentence =
    level === 'low'
      ? `Under ${published.policy}, the best copy an attacker made (${published.attack}, ${count(published.queries)} queries) agrees with your model on only ${agreementText(published.agreement)} of ${rowsJudged}.`
      : `Under ${published.policy}, a copy agreeing on ${agreementText(published.agreement)} of ${rowsJudged} costs ${count(published.queries)} queries (${money(published.cost)}) with ${published.attack}.`;
  return {
    threat: 'extraction',
    level,
    sentence,
    thresholds: `high: a copy agrees on ≥ ${pct(EXTRACTION_THRESHOLDS.high, 0)} of ${rowsJudged}; medium: ≥ ${pct(EXTRACTION_THRESHOLDS.medium, 0)}; low: below`,
    helps: policyHelps(
      published,
      others,
      (result) => extractionLevel(result.agreement),
      (result) => `${result.policy}: ${agreementText(result.agreement)} agreement for ${count(result.queries)} queries`,
      (a, b) => b.queries > 1.5 * a.queries && b.agreement >= a.agreement - 0.01,
    ),
  };
}

/** Membership under one policy: the strongest attack run. */
export interface MembershipResult {
  policy: string;
  attack: string;
  auc: number;
  tprAt1: number;
  tprAt01: number;
  members: number;
  nonMembers: number;
  queries: number;
}

export const MEMBERSHIP_THRESHOLDS = { highAuc: 0.6, highTprAt1: 0.05, mediumAuc: 0.55, mediumTprAt1: 0.02 };

/** An attack's AUC and TPR at 1% FPR, each on the side of its thresholds it lies on. */
const aucText = (auc: number) => fixedAgainst(auc, [MEMBERSHIP_THRESHOLDS.mediumAuc, MEMBERSHIP_THRESHOLDS.highAuc], 2);
const tprText = (tprAt1: number) => percentAgainst(tprAt1, [MEMBERSHIP_THRESHOLDS.mediumTprAt1, MEMBERSHIP_THRESHOLDS.highTprAt1]);

/** Membership level from AUC and TPR at 1% FPR. */
export function membershipLevel(auc: number, tprAt1: number): Level {
  const t = MEMBERSHIP_THRESHOLDS;
  if (auc >= t.highAuc || tprAt1 >= t.highTprAt1) return 'high';
  if (auc >= t.mediumAuc || tprAt1 >= t.mediumTprAt1) return 'medium';
  return 'low';
}

/** The membership verdict over the policies measured. */
export function membershipVerdict(results: MembershipResult[]): Verdict {
  const [published, ...others] = results;
  const level = membershipLevel(published.auc, published.tprAt1);
  const what = level === 'high' ? 'can tell' : level === 'medium' ? 'can partly tell' : 'can hardly tell';
  const t = MEMBERSHIP_THRESHOLDS;
  return {
    threat: 'membership',
    level,
    sentence: `Under ${published.policy}, an attacker (${published.attack}) ${what} your training rows from others: AUC ${aucText(published.auc)} (0.5 is guessing), and it names ${tprText(published.tprAt1)} of the members while wrongly accusing 1% of the others (${pct(published.tprAt01)} at 0.1%).`,
    thresholds: `high: AUC ≥ ${t.highAuc} or TPR ≥ ${pct(t.highTprAt1, 0)} at 1% FPR; medium: AUC ≥ ${t.mediumAuc} or TPR ≥ ${pct(t.mediumTprAt1, 0)} at 1% FPR; low: below`,
    helps:
      policyHelps(
        published,
        others,
        (result) => membershipLevel(result.auc, result.tprAt1),
        (result) => `${result.policy}: AUC ${aucText(result.auc)}, TPR ${tprText(result.tprAt1)} at 1% FPR (${result.attack})`,
        () => false,
      ) +
      (level === 'low'
        ? ''
        : '; in training, DP-SGD bounds what any membership attack can learn (threatlab train --param dpEpsilon=1 for networks and logistic models), at an accuracy cost — threatlab reproduce defenses measures both'),
  };
}

/** Attribute inversion of one sensitive column. */
export interface InversionResult {
  feature: string;
  attack: string;
  people: number;
  accuracy: number;
  /** Always guessing the commonest value. */
  baseline: number;
  queries: number;
}

export const INVERSION_THRESHOLDS = { high: 0.1, medium: 0.02 };

/**
 * Inversion level from the gain over the baseline. Both are shares of people, so their difference
 * is taken to 9 decimals: 0.62 − 0.52 is 0.09999999999999998 in floating point, and 10 points.
 */
export function inversionLevel(accuracy: number, baseline: number): Level {
  const gain = Math.round((accuracy - baseline) * 1e9) / 1e9;
  return gain >= INVERSION_THRESHOLDS.high ? 'high' : gain > INVERSION_THRESHOLDS.medium ? 'medium' : 'low';
}

/** MI-Face in an audit: reconstructions recognised among the user's member images. */
export interface FaceResult {
  images: number;
  classes: number;
  recognised: number;
  references: number;
}

/** Image inversion level from the share recognised: half or more high, over twice chance medium. */
export function faceLevel(recognised: number, images: number, classes: number): Level {
  const share = images === 0 ? 0 : recognised / images;
  return share >= 0.5 ? 'high' : share > 2 / classes ? 'medium' : 'low';
}

/** The inversion verdict over the sensitive columns and the reconstructed images (the worst decides). */
export function inversionVerdict(results: InversionResult[], faces: FaceResult | undefined, helps: string): Verdict {
  const levels = results.map((result) => inversionLevel(result.accuracy, result.baseline));
  if (faces) levels.push(faceLevel(faces.recognised, faces.images, faces.classes));
  const level = levels.reduce<Level>(worse, 'low');
  const sentences: string[] = [];
  if (results.length > 0) {
    const parts = results.map((result) => `"${result.feature}" ${pct(result.accuracy)} against ${pct(result.baseline)} by always guessing the commonest value`);
    const columnLevel = results.map((result) => inversionLevel(result.accuracy, result.baseline)).reduce<Level>(worse, 'low');
    const verb = columnLevel === 'high' ? 'reveals' : columnLevel === 'medium' ? 'reveals a little of' : 'adds nothing to a guess of';
    sentences.push(`Your model ${verb} the sensitive ${results.length === 1 ? 'column' : 'columns'} of ${results[0].people} people: ${parts.join('; ')}.`);
  }
  if (faces) {
    sentences.push(`MI-Face drew one image per class from the model: ${faces.recognised} of ${faces.images} look most like one of your ${faces.references} member images of their own class (chance is ${pct(1 / faces.classes)}).`);
  }
  const t = INVERSION_THRESHOLDS;
  const rules = [
    results.length > 0 ? `per column, the attack's accuracy minus the commonest-value guess: high ≥ ${t.high * 100} points, medium > ${t.medium * 100} points, low otherwise` : '',
    faces ? 'images: high when half or more are recognised as their class, medium above twice chance, low otherwise' : '',
  ].filter(Boolean);
  return { threat: 'inversion', level, sentence: sentences.join(' '), thresholds: `${rules.join('; ')}; the worst decides`, helps };
}

/** Which other policy lowers the level (or, by `costlier`, only the attacker's cost). */
function policyHelps<R extends { policy: string }>(published: R, others: R[], level: (result: R) => Level, describe: (result: R) => string, costlier: (a: R, b: R) => boolean): string {
  if (others.length === 0) return 'no other policy measured (add --policies full,rounded:2,label-only)';
  const base = RANK[level(published)];
  const lower = others.filter((result) => RANK[level(result)] < base);
  if (lower.length > 0) return `publishing under ${lower.map(describe).join('; ')} lowers it, against the attacks measured`;
  const dearer = others.filter((result) => costlier(published, result));
  if (dearer.length > 0) return `no policy measured lowers it; ${dearer.map(describe).join('; ')} only raises the attacker's cost`;
  return `no policy measured lowers it (${others.map(describe).join('; ')})`;
}

/** What the θ detector read in the model's weights (defenses/encoding-detector.ts). */
export interface ExfiltrationCheck {
  valueAutocorrelation: number;
  signAutocorrelation: number;
  threshold: number;
  weights: number;
  flagged: boolean;
}

/**
 * The malicious-training verdict from θ alone: high when the weights carry the signature of
 * correlated-value or sign encoding; otherwise low for those two encodings, and said plainly that
 * LSB encoding and capacity abuse leave no trace this check can see.
 */
export function exfiltrationVerdict(check: ExfiltrationCheck): Verdict {
  const largest = Math.max(check.valueAutocorrelation, check.signAutocorrelation);
  const sentence = check.flagged
    ? `The weights of this model carry an image-like signal (autocorrelation ${largest.toFixed(2)}, flagged above ${check.threshold}): the signature of a training algorithm that hid training data in them by correlated-value or sign encoding (Song et al. 2017) — whoever has the model file can read that data back.`
    : `No trace of correlated-value or sign encoding in the ${count(check.weights)} weights (largest statistic ${largest.toFixed(2)}; flagged above ${check.threshold}). LSB encoding and capacity abuse leave the statistics of the weights as they are, so this check cannot clear them.`;
  return {
    threat: 'exfiltration',
    level: check.flagged ? 'high' : 'low',
    sentence,
    thresholds: `flagged when the lag-1 autocorrelation of the weights, or the lag-8 autocorrelation of their signs, exceeds ${check.threshold} in any window of 4,096 weights (the 12 benign networks of threatlab reproduce exfiltration read ≤ 0.09, its 6 encoded ones ≥ 0.24)`,
    helps: 'if you did not write the training code: retrain with your own; short of that, zeroing the low 16 bits of every parameter destroys an LSB payload (no prediction changed on our models), and fine-tuning on clean data blurs the other encodings; no output policy stops capacity abuse, which reads labels only',
  };
}
