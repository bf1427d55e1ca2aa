/** The target of an attack command: a model file (white-box too) or a model served by `threatlab serve`. */

import { HttpOracle } from '../api/client.ts';
import { hasCode, ThreatlabError } from '../errors.ts';
import { isOnnxPath, loadUserModel } from '../models/load-model.ts';
import { OnnxOracle } from '../models/onnx/onnx-oracle.ts';
import type { TrainingProvenance } from '../models/provenance.ts';
import type { Model } from '../models/types.ts';
import { LocalOracle } from '../oracle/local-oracle.ts';
import { parsePolicy } from '../oracle/policy.ts';
import { asUsage } from './io.ts';
import type { Oracle } from '../oracle/types.ts';
import { EndpointOracle, type EndpointProtocol } from '../oracle/endpoint-oracle.ts';
import { parseHeaders, readModelDescription } from '../oracle/model-description.ts';

/** The options every attack command takes to name its target. */
export interface TargetOptions {
  model?: string;
  url?: string;
  modelId?: string;
  key?: string;
  /** Output policy of a local model (a served one answers under its owner's policy). */
  policy?: string;
  /** How `--url` speaks: threatlab's API (default), KServe v1 / TF-Serving REST, or the Open Inference Protocol. */
  protocol?: 'threatlab' | EndpointProtocol;
  /** The model description (features, classes, answers) of a model that does not carry one: an endpoint, an ONNX or tfjs file. */
  schema?: string;
  header?: string[];
}

/** The oracle, and the model itself when it is a local file. */
export async function loadTarget(options: TargetOptions): Promise<{ oracle: Oracle; model?: Model; training?: TrainingProvenance }> {
  if (options.model && options.url) throw new ThreatlabError('usage', 'give either --model FILE or --url with --model-id and --key, not both');
  if (options.model) {
    const description = options.schema ? readModelDescription(options.schema) : undefined;
    if (isOnnxPath(options.model)) {
      if (!description) throw new ThreatlabError('usage', 'an ONNX file does not say its features or classes: give --schema FILE (threatlab schema --description prints the format)');
      if (options.policy) throw new ThreatlabError('usage', '--policy shapes a threatlab model; an ONNX model answers through onnxruntime as it is');
      // onnxruntime answers the attacks; the converted network (when its ops allow) serves the white-box ones.
      let model: Model | undefined;
      try {
        model = (await loadUserModel(options.model, description)).model;
      } catch (error) {
        if (!hasCode(error, 'capability')) throw error;
      }
      return { oracle: await OnnxOracle.open(options.model, description, model?.kind ?? description.kind), model };
    }
    const { model, training } = await loadUserModel(options.model, description);
    return { oracle: new LocalOracle(model, options.policy ? asUsage(() => parsePolicy(options.policy!)) : { kind: 'full' }), model, training };
  }
  const protocol = options.protocol ?? 'threatlab';
  if (protocol !== 'threatlab') {
    if (!options.url) throw new ThreatlabError('usage', `--protocol ${protocol} needs --url (${protocol === 'kserve-v1' ? "the model's :predict URL" : "the server's base URL, with --model-id NAME"})`);
    if (!options.schema) throw new ThreatlabError('usage', `a ${protocol} endpoint does not say what its model takes and answers: give --schema FILE (features, classes; threatlab schema --description prints the format)`);
    const headers = parseHeaders(options.header ?? []);
    if (options.key) headers.authorization ??= `Bearer ${options.key}`;
    return { oracle: new EndpointOracle({ protocol, url: options.url, model: options.modelId, headers, ...readModelDescription(options.schema) }) };
  }
  if (!options.url || !options.modelId || !options.key) throw new ThreatlabError('usage', 'give --model FILE, or --url URL --model-id ID --key KEY');
  if (options.policy) throw new ThreatlabError('usage', '--policy shapes a local model; a served model answers under the policy its owner published');
  return { oracle: await HttpOracle.connect(options.url, options.modelId, options.key) };
}
