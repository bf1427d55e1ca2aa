/**
 * What a model's input looks like: the raw features (numeric with a range, or categorical with
 * levels) and how each is laid out in the encoded feature matrix. Attacks read the schema the
 * way an MLaaS client reads a model's info: extraction samples uniform points from the ranges,
 * tree path-finding splits categorical levels, inversion enumerates a sensitive feature's levels.
 */

/** A numeric feature: one column, values observed in [min, max]; NaN means missing. */
export interface NumericFeature {
  kind: 'numeric';
  name: string;
  min: number;
  max: number;
}

/**
 * A categorical feature. `one-hot`: one 0/1 column per level. `ordinal`: one column holding
 * the level's index (NaN when missing) — the form tree models split on.
 */
export interface CategoricalFeature {
  kind: 'categorical';
  name: string;
  levels: string[];
  encoding: 'one-hot' | 'ordinal';
}

/** One raw feature. */
export type Feature = NumericFeature | CategoricalFeature;

/** The raw features of a data set, in column order. */
export interface FeatureSchema {
  features: Feature[];
}

/** Where a raw feature sits in the encoded matrix. */
export interface FeatureColumns {
  feature: Feature;
  /** First column. */
  start: number;
  /** Number of columns (levels for one-hot, else 1). */
  width: number;
}

/** Number of encoded columns a feature occupies. */
export function featureWidth(feature: Feature): number {
  switch (feature.kind) {
    case 'numeric':
      return 1;
    case 'categorical':
      return feature.encoding === 'one-hot' ? feature.levels.length : 1;
  }
}

/** The column layout of every feature, in order. */
export function columnLayout(schema: FeatureSchema): FeatureColumns[] {
  let start = 0;
  return schema.features.map((feature) => {
    const width = featureWidth(feature);
    const entry = { feature, start, width };
    start += width;
    return entry;
  });
}

/** Number of encoded columns. */
export function columnCount(schema: FeatureSchema): number {
  let total = 0;
  for (const feature of schema.features) total += featureWidth(feature);
  return total;
}

/** Each encoded column's range: a numeric feature's min…max, a one-hot level 0…1, an ordinal code 0…levels − 1. */
export function columnRanges(schema: FeatureSchema): { lower: Float64Array; upper: Float64Array } {
  const cols = columnCount(schema);
  const lower = new Float64Array(cols);
  const upper = new Float64Array(cols);
  for (const { feature, start, width } of columnLayout(schema)) {
    if (feature.kind === 'numeric') [lower[start], upper[start]] = [feature.min, feature.max];
    else if (feature.encoding === 'one-hot') upper.fill(1, start, start + width);
    else upper[start] = feature.levels.length - 1;
  }
  return { lower, upper };
}

/** Names of the encoded columns: `feature` or `feature=level` for one-hot columns. */
export function columnNames(schema: FeatureSchema): string[] {
  const names: string[] = [];
  for (const feature of schema.features) {
    if (feature.kind === 'categorical' && feature.encoding === 'one-hot') {
      for (const level of feature.levels) names.push(`${feature.name}=${level}`);
    } else {
      names.push(feature.name);
    }
  }
  return names;
}

/** A schema of `count` numeric features named `prefix0…`, all in [min, max] (pixels, word counts). */
export function uniformNumericSchema(count: number, prefix: string, min: number, max: number): FeatureSchema {
  const features: Feature[] = [];
  for (let i = 0; i < count; i++) features.push({ kind: 'numeric', name: `${prefix}${i}`, min, max });
  return { features };
}
