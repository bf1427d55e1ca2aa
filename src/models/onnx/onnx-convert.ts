/**
 * ONNX graphs to threatlab networks, for the white-box attacks (MI-Face's gradients, a tree's
 * counts are not in ONNX): a sequential graph of supported ops — Gemm, or MatMul then Add;
 * Relu, Tanh, Sigmoid; a final Softmax; Conv (no padding, stride 1) → Relu → MaxPool 2×2;
 * Flatten — becomes an `Mlp` or a `Cnn` with the same float64 answers. Anything else is a
 * `capability` error naming the op: the model still works as a black-box oracle (onnx-oracle.ts).
 * The graph is read with onnx-proto (ONNX's own protobuf definitions).
 */

import { readFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';
import type { FeatureSchema } from '../../data/schema.ts';
import { CapabilityError, ThreatlabError } from '../../errors.ts';
import { checkModelJson } from '../check-json.ts';
import type { ModelJson } from '../json.ts';
import type { Activation, DenseLayerJson } from '../neural/dense-network.ts';
import { modelFromJson } from '../registry.ts';
import type { Model } from '../types.ts';

const { onnx } = onnxProto;
type TensorProto = onnxProto.onnx.ITensorProto;
type NodeProto = onnxProto.onnx.INodeProto;

/** What the caller knows of the model. */
export interface OnnxDescription {
  schema: FeatureSchema;
  classes: string[];
  output: 'probabilities' | 'logits';
  image?: { width: number; height: number; channels: number };
}

type Tensor = { dims: number[]; data: Float64Array<ArrayBufferLike> };

function tensorOf(proto: TensorProto): Tensor {
  const dims = (proto.dims ?? []).map(Number);
  const count = dims.reduce((a, b) => a * b, 1);
  let data: Float64Array;
  if (proto.dataType === onnx.TensorProto.DataType.FLOAT) {
    data = proto.rawData && proto.rawData.length > 0 ? Float64Array.from(new Float32Array(new Uint8Array(proto.rawData).slice().buffer)) : Float64Array.from(proto.floatData ?? []);
  } else if (proto.dataType === onnx.TensorProto.DataType.DOUBLE) {
    data = proto.rawData && proto.rawData.length > 0 ? new Float64Array(new Uint8Array(proto.rawData).slice().buffer) : Float64Array.from(proto.doubleData ?? []);
  } else {
    throw new CapabilityError(`initializer "${proto.name}" has ONNX data type ${proto.dataType}; only float and double weights convert`);
  }
  if (data.length !== count) throw new ThreatlabError('parse-error', `initializer "${proto.name}" holds ${data.length} values for shape [${dims.join(', ')}]`);
  return { dims, data };
}

function attribute(node: NodeProto, name: string): { i?: number; f?: number; ints?: number[] } | undefined {
  const found = (node.attribute ?? []).find((a) => a.name === name);
  if (!found) return undefined;
  return { i: Number(found.i ?? 0), f: found.f ?? undefined, ints: (found.ints ?? []).map(Number) };
}

const ACTIVATIONS: Record<string, Activation> = { Relu: 'relu', Tanh: 'tanh', Sigmoid: 'sigmoid', Softmax: 'softmax' };

/** A dense layer (outputs × inputs weights as ONNX Gemm with transB=1 holds them) in threatlab's inputs × outputs layout. */
function denseLayer(weights: Float64Array, outputs: number, inputs: number, biases: Float64Array): DenseLayerJson {
  const w = new Array<number>(inputs * outputs);
  for (let o = 0; o < outputs; o++) for (let i = 0; i < inputs; i++) w[i * outputs + o] = weights[o * inputs + i];
  return { inputs, outputs, weights: w, biases: Array.from(biases), activation: 'linear' };
}

/** Converts an ONNX file to a threatlab model (its answers equal onnxruntime's up to float32 rounding). */
export function convertOnnx(path: string, description: OnnxDescription): Model {
  let model: onnxProto.onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(readFileSync(path));
  } catch (error) {
    throw new ThreatlabError('parse-error', `${path} is not an ONNX model: ${(error as Error).message}`, { cause: error });
  }
  const graph = model.graph!;
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const weight = (name: string) => {
    const found = initializers.get(name);
    if (!found) throw new CapabilityError(`${path}: "${name}" is computed, not a stored weight; only graphs with constant weights convert`);
    return tensorOf(found);
  };
  const convolutions: { kernelSize: number; inputChannels: number; filters: number; weights: number[]; biases: number[] }[] = [];
  const dense: DenseLayerJson[] = [];
  let stage: 'conv' | 'dense' = description.image ? 'conv' : 'dense';
  let [height, width, channels] = description.image ? [description.image.height, description.image.width, description.image.channels] : [0, 0, 0];
  let pendingConv: { kernelSize: number; inputChannels: number; filters: number; weights: number[]; biases: number[]; relu: boolean } | undefined;
  let flattenedFrom: [number, number, number] | undefined;
  const nodes: NodeProto[] = graph.node ?? [];
  for (let n = 0; n < nodes.length; n++) {
    const node = nodes[n];
    const op = node.opType ?? '';
    if (op === 'Conv') {
      if (stage !== 'conv') throw new CapabilityError(`${path}: a Conv after dense layers does not convert`);
      const pads = attribute(node, 'pads')?.ints ?? [];
      const strides = attribute(node, 'strides')?.ints ?? [];
      const dilations = attribute(node, 'dilations')?.ints ?? [];
      if (pads.some((p) => p !== 0) || strides.some((s) => s !== 1) || dilations.some((d) => d !== 1) || (attribute(node, 'group')?.i ?? 1) !== 1) {
        throw new CapabilityError(`${path}: Conv "${node.name}" pads, strides, dilates or groups; threatlab's blocks are valid 1-stride convolutions`);
      }
      const inputs_ = node.input ?? [];
      const w = weight(inputs_[1]);
      const [co, ci, kh, kw] = w.dims;
      if (kh !== kw) throw new CapabilityError(`${path}: Conv "${node.name}" has a ${kh}×${kw} kernel; only square kernels convert`);
      if (ci !== channels) throw new CapabilityError(`${path}: Conv "${node.name}" takes ${ci} channels, its input has ${channels}`);
      const b = inputs_[2] ? weight(inputs_[2]).data : new Float64Array(co);
      // ONNX [co, ci, kh, kw] → threatlab [kh, kw, ci, co]
      const ours = new Array<number>(kh * kw * ci * co);
      for (let o = 0; o < co; o++) for (let c = 0; c < ci; c++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) ours[((y * kw + x) * ci + c) * co + o] = w.data[((o * ci + c) * kh + y) * kw + x];
      pendingConv = { kernelSize: kh, inputChannels: ci, filters: co, weights: ours, biases: Array.from(b), relu: false };
    } else if (op === 'MaxPool') {
      const kernel = attribute(node, 'kernel_shape')?.ints ?? [];
      const strides = attribute(node, 'strides')?.ints ?? kernel;
      if (!pendingConv || !pendingConv.relu || kernel.join() !== '2,2' || strides.join() !== '2,2' || (attribute(node, 'pads')?.ints ?? []).some((p) => p !== 0) || (attribute(node, 'ceil_mode')?.i ?? 0) !== 0) {
        throw new CapabilityError(`${path}: MaxPool "${node.name}" converts only as the 2×2, stride-2 pooling of a Conv → Relu block`);
      }
      const { relu: _relu, ...block } = pendingConv;
      convolutions.push(block);
      [height, width, channels] = [Math.floor((height - block.kernelSize + 1) / 2), Math.floor((width - block.kernelSize + 1) / 2), block.filters];
      pendingConv = undefined;
    } else if (op === 'Flatten' || op === 'Reshape') {
      if (pendingConv) throw new CapabilityError(`${path}: a Conv block without its Relu → MaxPool does not convert`);
      if (stage === 'conv') flattenedFrom = [height, width, channels];
      stage = 'dense';
    } else if (op === 'Gemm' || op === 'MatMul') {
      if (stage === 'conv') throw new CapabilityError(`${path}: a dense layer on an unflattened image does not convert`);
      const w = weight((node.input ?? [])[1]);
      const [rows, cols] = w.dims;
      let outputs: number;
      let inputs: number;
      let matrix: Float64Array<ArrayBufferLike> = w.data;
      const transposed = op === 'Gemm' && (attribute(node, 'transB')?.i ?? 0) === 1;
      if (op === 'Gemm' && ((attribute(node, 'transA')?.i ?? 0) !== 0 || (attribute(node, 'alpha')?.f ?? 1) !== 1 || (attribute(node, 'beta')?.f ?? 1) !== 1)) {
        throw new CapabilityError(`${path}: Gemm "${node.name}" scales or transposes its input; only y = xWᵀ + b or xW + b converts`);
      }
      if (transposed) [outputs, inputs] = [rows, cols];
      else {
        [inputs, outputs] = [rows, cols];
        // to outputs × inputs
        const t = new Float64Array(rows * cols);
        for (let i = 0; i < inputs; i++) for (let o = 0; o < outputs; o++) t[o * inputs + i] = matrix[i * outputs + o];
        matrix = t;
      }
      let biases: Float64Array<ArrayBufferLike> = new Float64Array(outputs);
      if (op === 'Gemm' && (node.input ?? [])[2]) biases = weight((node.input ?? [])[2]).data;
      if (op === 'MatMul' && nodes[n + 1]?.opType === 'Add') {
        const add = nodes[++n];
        biases = weight((add.input ?? []).find((name) => initializers.has(name)) ?? '').data;
      }
      if (biases.length !== outputs) throw new CapabilityError(`${path}: "${node.name}" adds ${biases.length} biases to ${outputs} outputs`);
      if (dense.length === 0 && flattenedFrom) matrix = reorderFromChannelsFirst(matrix, outputs, flattenedFrom);
      dense.push(denseLayer(matrix, outputs, inputs, biases));
    } else if (op in ACTIVATIONS) {
      const activation = ACTIVATIONS[op];
      if (pendingConv && op === 'Relu' && !pendingConv.relu) pendingConv.relu = true;
      else if (dense.length > 0 && dense[dense.length - 1].activation === 'linear') {
        if (activation === 'softmax' && n !== nodes.length - 1) throw new CapabilityError(`${path}: a Softmax before the output does not convert`);
        dense[dense.length - 1].activation = activation;
      } else throw new CapabilityError(`${path}: ${op} "${node.name}" follows no layer it can belong to`);
    } else if (op === 'Identity' || op === 'Dropout') {
      continue;
    } else {
      throw new CapabilityError(`${path}: ONNX op ${op} ("${node.name}") does not convert to a threatlab network (supported: Gemm, MatMul+Add, Relu, Tanh, Sigmoid, Softmax, Conv+Relu+MaxPool, Flatten); the model still answers as a black-box oracle`);
    }
  }
  if (dense.length === 0) throw new CapabilityError(`${path}: no dense output layer to convert`);
  const last = dense[dense.length - 1];
  if (last.activation === 'linear') {
    if (description.output !== 'logits') throw new ThreatlabError('validation', `${path} ends without a Softmax, so it answers logits; say "output": "logits" in its description`);
    last.activation = 'softmax';
  } else if (last.activation !== 'softmax') {
    throw new CapabilityError(`${path}: the output layer ends in ${last.activation}; a classifier converts when it ends in Softmax (or answers logits)`);
  }
  const json: ModelJson = convolutions.length > 0
    ? { kind: 'cnn', format: 1, classes: description.classes, schema: description.schema, image: description.image!, convolutions, dense, params: {} }
    : { kind: 'mlp', format: 1, classes: description.classes, schema: description.schema, layers: dense, params: {} };
  checkModelJson(json, path);
  return modelFromJson(json, path);
}

/** The first dense layer after a flatten: ONNX flattens (channels, height, width), threatlab (height, width, channels). */
function reorderFromChannelsFirst(matrix: Float64Array, outputs: number, [height, width, channels]: [number, number, number]): Float64Array {
  const inputs = height * width * channels;
  const out = new Float64Array(matrix.length);
  for (let o = 0; o < outputs; o++) {
    for (let c = 0; c < channels; c++) for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
      out[o * inputs + (y * width + x) * channels + c] = matrix[o * inputs + (c * height + y) * width + x];
    }
  }
  return out;
}
