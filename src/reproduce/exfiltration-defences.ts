/**
 * The defences of the exfiltration reproduction (Song et al., CCS 2017, §7) and the detector of
 * encodings from θ alone: what each costs the data owner in test accuracy and what it leaves
 * the attacker's decoder.
 */

import type { ExfiltrationAttackName, ExfiltrationKey } from '../attacks/exfiltration/key.ts';
import type { MaliciousResult } from '../attacks/exfiltration/malicious-training.ts';
import type { ClassificationDataset } from '../data/dataset.ts';
import { detectEncoding, DETECTOR_THRESHOLD } from '../defenses/encoding-detector.ts';
import { addWeightNoise, fineTune, scrubLowBits } from '../defenses/parameter-defenses.ts';
import { hasCode } from '../errors.ts';
import { scoreSecret } from '../metrics/exfiltration.ts';
import { accuracy } from '../metrics/score.ts';
import { createTrainer } from '../models/registry.ts';
import type { Classifier, Model } from '../models/types.ts';
import { formatPolicy } from '../oracle/policy.ts';
import type { OutputPolicy } from '../oracle/types.ts';
import type { Progress } from '../progress.ts';
import { Rng } from '../random.ts';
import type { ExfiltrationSetup } from './exfiltration.ts';
import { setupData } from './exfiltration.ts';
import { REPRODUCTION_SEED } from './extraction.ts';

/** One defence against one malicious model. */
export interface DefenceRow {
  dataset: string;
  model: string;
  attack: ExfiltrationAttackName;
  defence: string;
  /** Test accuracy after the defence (before: `before`). */
  before: number;
  test: number;
  /** MAPE of the decoded secret; undefined when nothing decodes (e.g. the LSB payload destroyed). */
  mape?: number;
  mapeBefore: number;
}

/** The detector over every model of the run. */
export interface DetectorResult {
  threshold: number;
  models: { label: string; malicious?: ExfiltrationAttackName; value: number; sign: number; flagged: boolean }[];
  /** Flagged shares: correlated-value and sign models (what it is for), LSB and capacity models, benign models. */
  truePositiveRate: number;
  lsbCapacityFlagged: number;
  falsePositiveRate: number;
}

type Decoder = (model: Model, key: ExfiltrationKey, policy?: OutputPolicy) => Promise<{ values: Uint8Array }>;

async function mapeAfter(model: Model, malicious: MaliciousResult, decode: Decoder, policy?: OutputPolicy): Promise<number | undefined> {
  try {
    return scoreSecret((await decode(model, malicious.key, policy)).values, malicious.secret.values, malicious.secret.valuesPerItem).mape;
  } catch (error) {
    if (hasCode(error, 'validation')) return undefined;
    throw error;
  }
}

/** Low-bit scrubbing, weight noise and fine-tuning against one malicious network. */
export async function measureDefences(setup: ExfiltrationSetup, malicious: MaliciousResult, train: ClassificationDataset, test: ClassificationDataset, decode: Decoder): Promise<DefenceRow[]> {
  const before = accuracy(malicious.model, test);
  const mapeBefore = (await mapeAfter(malicious.model, malicious, decode))!;
  const defended: { defence: string; model: Model }[] = [
    { defence: 'zero the low 16 bits', model: scrubLowBits(malicious.model, 16) },
    { defence: 'weight noise 5% σ', model: addWeightNoise(malicious.model, 0.05, new Rng(REPRODUCTION_SEED)) },
    { defence: 'weight noise 20% σ', model: addWeightNoise(malicious.model, 0.2, new Rng(REPRODUCTION_SEED)) },
    { defence: 'fine-tune 2 epochs', model: await fineTune(malicious.model, train, { epochs: 2 }, new Rng(REPRODUCTION_SEED + 2)) },
  ];
  const rows: DefenceRow[] = [];
  const row = (defence: string, test_: number, mape: number | undefined): DefenceRow => ({ dataset: setup.dataset, model: setup.model, attack: malicious.key.attack, defence, before, test: test_, mape, mapeBefore });
  for (const { defence, model } of defended) rows.push(row(defence, accuracy(model as Classifier, test), await mapeAfter(model, malicious, decode)));
  if (malicious.key.attack === 'capacity') {
    // Output policies change what the API reveals, not the predicted label, which is all the decoder reads.
    for (const policy of [{ kind: 'full' }, { kind: 'rounded', decimals: 1 }] as OutputPolicy[]) {
      rows.push(row(`API answers ${formatPolicy(policy)} (the table decodes from label-only)`, before, await mapeAfter(malicious.model, malicious, decode, policy)));
    }
  }
  return rows;
}

/** Reads every model, plus benign networks trained with other seeds, and counts the flags. */
export async function measureDetector(models: { label: string; model: Model; malicious: ExfiltrationAttackName | undefined }[], quick: boolean, progress: Progress, setups: ExfiltrationSetup[] = []): Promise<DetectorResult> {
  const all = [...models];
  for (const setup of setups) {
    const { train } = setupData(setup);
    for (const seed of quick ? [1, 2] : [1, 2, 3]) {
      all.push({ label: `${setup.dataset} ${setup.model} benign, seed ${REPRODUCTION_SEED + seed}`, model: await createTrainer(setup.kind, setup.params, progress).fit(train, new Rng(REPRODUCTION_SEED + seed)), malicious: undefined });
    }
  }
  const readings = all.map(({ label, model, malicious }) => {
    const detection = detectEncoding(model);
    return { label, malicious, value: detection.valueAutocorrelation, sign: detection.signAutocorrelation, flagged: detection.flagged };
  });
  const share = (pick: (reading: (typeof readings)[number]) => boolean) => {
    const chosen = readings.filter(pick);
    return chosen.length ? chosen.filter((reading) => reading.flagged).length / chosen.length : 0;
  };
  return {
    threshold: DETECTOR_THRESHOLD,
    models: readings,
    truePositiveRate: share((r) => r.malicious === 'correlation' || r.malicious === 'sign'),
    lsbCapacityFlagged: share((r) => r.malicious === 'lsb' || r.malicious === 'capacity'),
    falsePositiveRate: share((r) => r.malicious === undefined),
  };
}
