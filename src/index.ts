/** threatlab's public API: named exports only, grouped by layer (DESIGN.md). */

export { ThreatlabError, ValidationError, NotFittedError, BudgetExceededError, CapabilityError, hasCode } from './errors.ts';
export type { ErrorCode, ValidationIssue } from './errors.ts';
export { Rng, DEFAULT_SEED } from './random.ts';
export { createProgress, silentProgress } from './progress.ts';
export type { Progress } from './progress.ts';

export { createMatrix, matrixFromRows, rowView, selectRows } from './math/matrix.ts';
export type { Matrix } from './math/matrix.ts';

export { classificationDataset, regressionDataset, subsetRows, concatRows, classCounts, summarize } from './data/dataset.ts';
export type { Dataset, ClassificationDataset, RegressionDataset, Split, DatasetSummary } from './data/dataset.ts';
export { columnLayout, columnNames, columnCount } from './data/schema.ts';
export type { Feature, FeatureSchema, NumericFeature, CategoricalFeature } from './data/schema.ts';
export { splitIndices, trainTestSplit, applySplit } from './data/split.ts';
export { fitOneHot } from './data/encoders/one-hot.ts';
export { fitStandardScaler, fitMinMaxScaler } from './data/encoders/scaling.ts';
export { fitTableEncoder } from './data/encoders/table-encoder.ts';
export { encodeTableWithSchema } from './data/encoders/schema-encoder.ts';
export { loadCsv, parseCsv } from './data/loaders/csv.ts';
export { loadPgm, loadPng, parsePgm, parsePng, encodePng } from './data/loaders/image.ts';
export { loadSvmlight } from './data/loaders/svmlight.ts';
export { fitBagOfWords, tokenize } from './data/text.ts';
export { DATASETS, findDataset, loadDataset, isAvailable } from './data/datasets/registry.ts';
export { loadUserCsv, userTableSplit } from './data/user-data.ts';
export { encodeForModel, labelColumn } from './data/model-rows.ts';

export { initBackend } from './backend/setup.ts';

export { createTrainer, modelFromJson, loadModelFile, loadAnyModel, saveModelFile, trainerParamsOf, MODEL_KINDS } from './models/registry.ts';
export type { Classifier, Regressor, Model, ModelKind, Trainer } from './models/types.ts';
export type { ModelJson } from './models/json.ts';
export { LinearClassifier } from './models/linear/linear-classifier.ts';
export { LinearRegression } from './models/linear/linear-regression.ts';
export { KernelLogistic } from './models/kernel/kernel-logistic.ts';
export { DecisionTree } from './models/tree/decision-tree.ts';
export type { TreeAnswer, TreeNode } from './models/tree/decision-tree.ts';
export { Mlp } from './models/neural/mlp.ts';
export { Cnn } from './models/neural/cnn.ts';
export { DenoisingAutoencoder, trainDenoisingAutoencoder } from './models/neural/autoencoder.ts';
export { loadLayersModel, saveLayersModel } from './models/neural/layers-format.ts';
export { loadUserModel } from './models/load-model.ts';
export { convertOnnx } from './models/onnx/onnx-convert.ts';
export { OnnxOracle } from './models/onnx/onnx-oracle.ts';
export { trainingSplitRngs } from './models/provenance.ts';
export type { TrainingProvenance } from './models/provenance.ts';

export { LocalOracle, infoOf } from './oracle/local-oracle.ts';
export { CountingOracle, BudgetOracle, CachingOracle, requireReveals } from './oracle/decorators.ts';
export { parsePolicy, formatPolicy, answerRows } from './oracle/policy.ts';
export { EndpointOracle } from './oracle/endpoint-oracle.ts';
export type { EndpointOptions, EndpointProtocol } from './oracle/endpoint-oracle.ts';
export { readModelDescription, modelDescription } from './oracle/model-description.ts';
export type { Oracle, OracleInfo, Answer, OutputPolicy, Reveals, ScoresAnswer, LabelAnswer, LeafAnswer, TopKAnswer, ValueAnswer } from './oracle/types.ts';

export { createApp } from './api/app.ts';
export { Store } from './api/store.ts';
export { startServer } from './api/listen.ts';
export { ApiClient, HttpOracle } from './api/client.ts';

export { runAttack } from './attacks/runner.ts';
export type { Attack, AttackRecord, AttackStatus } from './attacks/types.ts';
export { EXTRACTION_ATTACKS, chosenQueries, equationSolving, kernelEquationSolving, lowdMeek, mlpRetraining, pathFinding, retraining } from './attacks/extraction/index.ts';
export { fitNetworkToProbabilities, type NetworkFitOptions, type NetworkLoss } from './attacks/extraction/network-fit.ts';
export { fidelity, agreementOn } from './metrics/fidelity.ts';
export { oracleAgreement } from './metrics/oracle-agreement.ts';
export { uniformRows, coveringRows } from './metrics/sampling.ts';
export { reproduceExtraction } from './reproduce/extraction.ts';

export { mapInversion, measureErrorModel } from './attacks/inversion/map-estimator.ts';
export type { ErrorModel, MapInversionInput, UnknownFeature } from './attacks/inversion/map-estimator.ts';
export { treeWhiteBoxInversion } from './attacks/inversion/tree-white-box.ts';
export { categoricalFeature, marginalPrior, trueLevels } from './attacks/inversion/sensitive.ts';
export type { AttributeInversionOutcome } from './attacks/inversion/types.ts';
export { miFace, MI_FACE_PARAMS } from './attacks/inversion/mi-face.ts';
export { miFaceBlackBox, MI_FACE_BLACK_BOX_PARAMS } from './attacks/inversion/mi-face-black-box.ts';
export { differentiable } from './attacks/inversion/differentiable.ts';
export { RoundingOracle } from './defenses/rounding.ts';
export { inversionScore, baselineScores } from './metrics/inversion.ts';
export { ssim, meanSquaredError, correlation, identifyByCorrelation } from './metrics/similarity.ts';
export { confusionCounts, labelErrorModel } from './metrics/confusion.ts';
export { reproduceInversion } from './reproduce/inversion.ts';

export { MEMBERSHIP_ATTACKS, labelOnly, lira, rmia, shadowModelAttack, thresholdAttack } from './attacks/membership/index.ts';
export { runMembership } from './attacks/membership/runner.ts';
export type { MembershipOutcome, MembershipRunOptions } from './attacks/membership/runner.ts';
export type { MembershipAttack, MembershipProblem, MembershipScores } from './attacks/membership/types.ts';
export { membershipSplit } from './attacks/membership/membership-split.ts';
export { membershipMetrics, rocCurve, aucOf, tprAtFpr, aucPerClass, mostExposed } from './metrics/membership.ts';
export type { MembershipMetrics, RocPoint } from './metrics/membership.ts';
export { TrainingPool } from './parallel/training-pool.ts';
export type { TrainerSpec } from './parallel/training-pool.ts';
export { reproduceMembership } from './reproduce/membership.ts';

// Malicious training (Song et al. 2017)
export * from './attacks/exfiltration/index.ts';
export { scoreSecret, cosineSimilarity, meanAbsoluteError } from './metrics/exfiltration.ts';
export type { SecretScore, ItemScore } from './metrics/exfiltration.ts';
export { scrubLowBits, addWeightNoise, fineTune } from './defenses/parameter-defenses.ts';
export { detectEncoding, autocorrelation, DETECTOR_THRESHOLD } from './defenses/encoding-detector.ts';
export type { EncodingDetection } from './defenses/encoding-detector.ts';
export { parameterArrays, weightVector, withParameters } from './models/parameter-arrays.ts';
export { reproduceExfiltration } from './reproduce/exfiltration.ts';

// Property inference (Ateniese et al. 2015)
export * from './attacks/property/index.ts';
export { reproduceProperty } from './reproduce/property.ts';
