/**
 * One line in plain words after each human-readable result: what the figure means for the
 * model's owner, with the threshold the verdict uses, so a reader who has never met "AUC" or
 * "max |Δp|" knows whether the number is bad.
 */

import { exponentialAgainst, fixedAgainst, percentAgainst } from '../report/against-threshold.ts';
import { INVERSION_THRESHOLDS, MEMBERSHIP_THRESHOLDS, inversionLevel } from '../audit/verdicts.ts';

/** Membership: AUC 0.5 is guessing; the verdict's thresholds are stated (and each figure printed on its side of them). */
export function membershipInWords(auc: number, tprAt1: number): string {
  const t = MEMBERSHIP_THRESHOLDS;
  const verdict = auc >= t.highAuc || tprAt1 >= t.highTprAt1 ? 'it leaks' : auc >= t.mediumAuc ? 'it leaks a little' : 'little leakage measured';
  return `in plain words: ${verdict} — the attack tells members from non-members with AUC ${fixedAgainst(auc, [t.mediumAuc, t.highAuc], 2)} (0.5 is guessing; we call ${t.mediumAuc} a little and ${t.highAuc} a leak) and finds ${percentAgainst(tprAt1, [t.highTprAt1])} of the members while accusing 1% of the others (at ${100 * t.highTprAt1}% or more a member can be named with confidence)`;
}

/** Extraction: agreement is the share of inputs on which the copy answers like the target. */
export function extractionInWords(agreement: number, maxGap: number, where: string): string {
  const exact = maxGap < 1e-6;
  const verdict = exact ? 'the copy is exact' : agreement >= 0.99 ? 'the copy is as good as the model' : agreement >= 0.9 ? 'the copy is close' : 'the copy is rough';
  return `in plain words: ${verdict} — it gives the target's answer on ${percentAgainst(agreement, [0.9, 0.99], 2)} of ${where}, and its probabilities differ by at most ${exponentialAgainst(maxGap, [1e-6], 1)} (below 1e-6 we call it exact; 99% agreement or more, as good as the model)`;
}

/**
 * Attribute inversion: guesses beside the best guess without the model, judged as the audit judges
 * them (verdicts.ts, `inversionLevel`): 10 points or more reveals it, over 2 a little; a gain of a
 * point or two is what chance gives a few hundred people, not a leak.
 */
export function inversionInWords(accuracy: number, baseline: number, feature: string): string {
  const level = inversionLevel(accuracy, baseline);
  const verdict = level === 'high' ? 'the model reveals it' : level === 'medium' ? 'the model reveals a little' : accuracy > baseline ? 'the model adds next to nothing' : 'the model adds nothing';
  const t = INVERSION_THRESHOLDS;
  return `in plain words: ${verdict} — with the model's answers "${feature}" is guessed right for ${(100 * accuracy).toFixed(1)}% of the people, against ${(100 * baseline).toFixed(1)}% by always guessing the commonest answer (we call a gain over ${100 * t.medium} points a little, ${100 * t.high} or more revealing)`;
}

/**
 * MI-Face: the model's confidence in a reconstruction is not resemblance. With reference images,
 * the share recognised by a nearest-neighbour match beside chance (1 / classes); without, a
 * warning to look at the images.
 */
export function faceInversionInWords(images: number, classes: number, identification?: { recognised: number; references: number; dataset: string }): string {
  if (!identification) {
    return 'in plain words: confidence says how sure the model is of each image, not that the image looks like the class (a model is often sure of noise); open the PNGs, or add --dataset NAME|FILE so each image is matched against real ones';
  }
  const share = identification.recognised / images;
  const chance = 1 / classes;
  const verdict = share >= 0.5 ? 'the model gives away what its classes look like' : share > 2 * chance ? 'some images resemble their class' : 'the images do not resemble their class, however sure the model is of them';
  return `in plain words: ${verdict} — ${identification.recognised} of ${images} images look most like a real image of their own class among ${identification.references} real images (${identification.dataset}; chance is ${(100 * chance).toFixed(1)}%; we call half or more a leak, over twice chance a partial one)`;
}
