/** The target of an attack command: a model file (white-box too) or a model served by `threatlab serve`. */

import { HttpOracle } from '../api/client.ts';
import { ThreatlabError } from '../errors.ts';
import { loadModelWithProvenance } from '../models/registry.ts';
import type { TrainingProvenance } from '../models/provenance.ts';
import type { Model } from '../models/types.ts';
import { LocalOracle } from '../oracle/local-oracle.ts';
import { parsePolicy } from '../oracle/policy.ts';
import type { Oracle } from '../oracle/types.ts';

/** The options every attack command takes to name its target. */
export interface TargetOptions {
  model?: string;
  url?: string;
  modelId?: string;
  key?: string;
  /** Output policy of a local model (a served one answers under its owner's policy). */
  policy?: string;
}

/** The oracle, and the model itself when it is a local file. */
export async function loadTarget(options: TargetOptions): Promise<{ oracle: Oracle; model?: Model; training?: TrainingProvenance }> {
  if (options.model && options.url) throw new ThreatlabError('usage', 'give either --model FILE or --url with --model-id and --key, not both');
  if (options.model) {
    const { model, training } = await loadModelWithProvenance(options.model);
    return { oracle: new LocalOracle(model, options.policy ? parsePolicy(options.policy) : { kind: 'full' }), model, training };
  }
  if (!options.url || !options.modelId || !options.key) throw new ThreatlabError('usage', 'give --model FILE, or --url URL --model-id ID --key KEY');
  if (options.policy) throw new ThreatlabError('usage', '--policy shapes a local model; a served model answers under the policy its owner published');
  return { oracle: await HttpOracle.connect(options.url, options.modelId, options.key) };
}
