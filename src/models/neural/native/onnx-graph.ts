/**
 * A small writer of ONNX graphs (float32 tensors, float64 inputs; the default operator set) on onnx-proto,
 * ONNX's own protobuf definitions: the training-step graphs of dense-step-graph.ts are written
 * with it and run by onnxruntime-node's CPU kernels.
 */

import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** The operator set the graphs use (ReduceSum takes its axes as an input from 13 on). */
export const OPSET = 17;

/** A dimension: a fixed size or a name for a size given at run time (the batch). */
export type Dim = number | string;

/** ONNX's code for float32 (the `to` of a Cast). */
export const FLOAT = onnx.TensorProto.DataType.FLOAT;

/** An attribute value: an integer, a float, a list of integers or a subgraph (a Scan's body). */
export type AttributeValue = { int: number } | { float: number } | { ints: number[] } | { graph: GraphBuilder };

function attributeProto(name: string, value: AttributeValue): onnxProto.onnx.IAttributeProto {
  const { AttributeType } = onnx.AttributeProto;
  if ('int' in value) return { name, type: AttributeType.INT, i: value.int };
  if ('float' in value) return { name, type: AttributeType.FLOAT, f: value.float };
  if ('graph' in value) return { name, type: AttributeType.GRAPH, g: value.graph.graph(name) };
  return { name, type: AttributeType.INTS, ints: value.ints };
}

/** The element types of inputs. */
export type ElementType = 'float' | 'double' | 'int32';

const ELEMENT_TYPES: Record<ElementType, number> = { float: onnx.TensorProto.DataType.FLOAT, double: onnx.TensorProto.DataType.DOUBLE, int32: onnx.TensorProto.DataType.INT32 };

function valueInfo(name: string, dims: Dim[], type: ElementType = 'float'): onnxProto.onnx.IValueInfoProto {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  const elemType = ELEMENT_TYPES[type];
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

/** Builds one graph: inputs, constants, nodes and outputs, then the serialised model. */
export class GraphBuilder {
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private counter = 0;

  /** `prefix` starts the names it makes: a subgraph's must not repeat its outer graph's. */
  constructor(private readonly prefix = '') {}

  /** Declares an input (float32 unless `type` says otherwise). */
  input(name: string, dims: Dim[], type: ElementType = 'float'): string {
    this.inputs.push(valueInfo(name, dims, type));
    return name;
  }

  /** A float32 constant (a scalar when `dims` is empty). */
  constant(values: number[], dims: number[] = []): string {
    const name = `${this.prefix}const_${this.initializers.length}`;
    this.initializers.push({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: values });
    return name;
  }

  /**
   * A named float32 tensor held in the graph (a model's weights): onnxruntime may then lay it out
   * once for its kernels (a Gemm's packed B, a convolution's blocked filters) instead of every run.
   * Written as ONNX's raw data, little-endian: the array's own bytes on every platform
   * onnxruntime-node ships for (x64 and arm64).
   */
  weight(name: string, values: Float32Array, dims: number[]): string {
    this.initializers.push({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) });
    return name;
  }

  /** An int64 constant (axes of a reduction). */
  integers(values: number[]): string {
    const name = `${this.prefix}ints_${this.initializers.length}`;
    this.initializers.push({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: values });
    return name;
  }

  /** Adds a node of `op` and returns the name of its (single) output, `name` when given. */
  node(op: string, inputs: string[], attributes: Record<string, AttributeValue> = {}, name?: string): string {
    const output = name ?? `${this.prefix}${op.toLowerCase()}_${this.counter++}`;
    const attribute = Object.entries(attributes).map(([key, value]) => attributeProto(key, value));
    this.nodes.push({ opType: op, input: inputs, output: [output], attribute, name: output });
    return output;
  }

  /** Adds a node of `op` with `count` outputs (a Scan's) and returns their names. */
  nodeWithOutputs(op: string, inputs: string[], count: number, attributes: Record<string, AttributeValue> = {}): string[] {
    const name = `${this.prefix}${op.toLowerCase()}_${this.counter++}`;
    const output = Array.from({ length: count }, (_, k) => `${name}_${k}`);
    const attribute = Object.entries(attributes).map(([key, value]) => attributeProto(key, value));
    this.nodes.push({ opType: op, input: inputs, output, attribute, name });
    return output;
  }

  /** Declares `name` (a node's output) as a graph output. */
  output(name: string, dims: Dim[]): void {
    this.outputs.push(valueInfo(name, dims));
  }

  /** The graph (a model's, or a subgraph whose nodes may read the outer graph's values by name). */
  graph(graphName: string): onnxProto.onnx.IGraphProto {
    return { name: graphName, node: this.nodes, input: this.inputs, output: this.outputs, initializer: this.initializers };
  }

  /** The model as bytes for `InferenceSession.create`. */
  serialise(graphName: string): Uint8Array {
    const graph = this.graph(graphName);
    const model = { irVersion: 8, producerName: 'threatlab', opsetImport: [{ domain: '', version: OPSET }], graph };
    return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
  }
}
