/**
 * Any ONNX classifier as an oracle, run by onnxruntime-node (its CPU build ships in the npm
 * package): exported from PyTorch, TensorFlow or scikit-learn, it answers every black-box attack.
 * Rows go in as the input tensor (image rows, kept height × width × channels by threatlab, are
 * laid out channels first, as ONNX convolutions expect); the output is read as probabilities, or
 * as logits answered through a softmax, as the model's description says — and checked.
 */

import * as ort from 'onnxruntime-node';
import { columnCount } from '../../data/schema.ts';
import { ThreatlabError } from '../../errors.ts';
import type { Matrix } from '../../math/matrix.ts';
import type { Answer, Oracle, OracleInfo } from '../../oracle/types.ts';
import type { OnnxDescription } from './onnx-convert.ts';
import { nativeCall } from '../../parallel/native-guard.ts';
import { openDirectSession, type DirectSession } from '../neural/native/direct-session.ts';

/** An oracle over an ONNX file. */
export class OnnxOracle implements Oracle {
  readonly info: OracleInfo;
  private readonly session: DirectSession;
  private readonly description: OnnxDescription;
  private readonly path: string;

  private constructor(path: string, session: DirectSession, description: OnnxDescription, kind: OracleInfo['kind']) {
    this.path = path;
    this.session = session;
    this.description = description;
    this.info = { kind, task: 'classification', schema: description.schema, inputSize: columnCount(description.schema), classes: description.classes, reveals: 'scores', policy: { kind: 'full' }, price: 0, partialRows: false };
  }

  /** Opens the file in onnxruntime. */
  static async open(path: string, description: OnnxDescription, kind: OracleInfo['kind'] = 'unknown'): Promise<OnnxOracle> {
    let session: DirectSession;
    try {
      session = await nativeCall(() => openDirectSession(path));
    } catch (error) {
      throw new ThreatlabError('parse-error', `onnxruntime cannot load ${path}: ${(error as Error).message}`, { cause: error });
    }
    return new OnnxOracle(path, session, description, kind);
  }

  async query(rows: Matrix): Promise<Answer[]> {
    if (rows.cols !== this.info.inputSize) throw new ThreatlabError('validation', `rows have ${rows.cols} values; ${this.path} takes ${this.info.inputSize}`);
    const image = this.description.image;
    const data = new Float32Array(rows.data.length);
    if (image) {
      const { height, width, channels } = image;
      for (let i = 0; i < rows.rows; i++) {
        const base = i * rows.cols;
        for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < channels; c++) data[base + (c * height + y) * width + x] = rows.data[base + (y * width + x) * channels + c];
      }
    } else data.set(rows.data);
    const shape = image ? [rows.rows, image.channels, image.height, image.width] : [rows.rows, rows.cols];
    const feeds = { [this.session.inputNames[0]]: new ort.Tensor('float32', data, shape) };
    const output = (await nativeCall(() => this.session.run(feeds)))[this.session.outputNames[0]];
    const classes = this.info.classes.length;
    if (output.dims.length !== 2 || Number(output.dims[1]) !== classes) throw new ThreatlabError('validation', `${this.path} answers shape [${output.dims.join(', ')}]; the description names ${classes} classes`);
    const values = output.data as Float32Array;
    const answers: Answer[] = [];
    for (let i = 0; i < rows.rows; i++) {
      let p = Array.from(values.subarray(i * classes, (i + 1) * classes), Number);
      if (this.description.output === 'logits') {
        const max = Math.max(...p);
        const e = p.map((v) => Math.exp(v - max));
        const sum = e.reduce((a, b) => a + b, 0);
        p = e.map((v) => v / sum);
      } else if (Math.abs(p.reduce((a, b) => a + b, 0) - 1) > 1e-3 || p.some((v) => v < -1e-6)) {
        throw new ThreatlabError('validation', `${this.path} answered ${p.map((v) => v.toFixed(3)).join(', ')}, which are not probabilities; if it answers logits, say "output": "logits" in its description`);
      }
      answers.push({ kind: 'scores', label: p.indexOf(Math.max(...p)), probabilities: p });
    }
    return answers;
  }
}
