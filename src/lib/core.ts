/**
 * The part of the library every host runs (Node, browsers, workers): backends, models, the
 * trainer, pruning, configs and the model.lth format. The package root re-exports it with the
 * Node-only parts (src/index.ts); a browser bundler gets it through src/index.browser.ts.
 */

// Backends: the wasm kernels by default; `wasm` takes the module's bytes, URL or compiled module.
export { backendNames, createBackend } from '../backend/index.ts';
export type { Backend, BackendName, Buf, CreateBackendOptions, WasmSource } from '../backend/index.ts';

// Autograd and layers.
export { Tensor, sizeOf } from '../autograd/tensor.ts';
export { type Ctx, evalCtx, trainCtx } from '../autograd/tape.ts';
export { Module, Parameter, initParameters } from '../nn/module.ts';
export { Dropout, Linear, ReLU, Sequential } from '../nn/layers.ts';
export { BatchNorm2d, Conv2d, Flatten, GlobalAvgPool, MaxPool2d } from '../nn/conv-layers.ts';

// Models: the registry (lenet-300-100, conv-2/4/6, vgg-19, resnet-20) and the MLP builder.
export { type ModelOptions, type ModelSpec, getModel, mlp, models } from '../nn/models.ts';

// Datasets: the in-memory shape, the generated one, and the embedded MNIST digits.
export { type Dataset, type Split, featureCount } from '../data/dataset.ts';
export { type SyntheticOptions, makeSyntheticDataset } from '../data/synthetic.ts';
export { buildEmbeddedMnist } from '../data/mnist-embedded.ts';
export { normalizeAs, type NormalizeMode } from '../data/normalize.ts';
// Text: the SpamAssassin builders (pass the package's messages), the WordPiece tokenizer, e-mail bodies.
export type { TextInfo } from '../data/dataset.ts';
export { type SpamMessage, type TextOptions, buildSpamDataset, buildSpamMlmDataset } from '../data/spam.ts';
export { type WordPieceOptions, WordPiece, trainWordPiece } from '../data/wordpiece.ts';
export { messageBody } from '../data/email.ts';

// Training: networks, optimizers, schedules, the trainer generator and weight snapshots.
export { type Network, buildNetwork, disposeNetwork } from '../train/setup.ts';
export { Adam, type Optimizer, type OptimizerConfig, Sgd, makeOptimizer } from '../optim/optimizer.ts';
export { type LrScheduleConfig, lrSchedule } from '../optim/schedule.ts';
export { type EvalRecord, type TrainEvent, type TrainOptions, type TrainResult, evaluate, train } from '../train/trainer.ts';
export { type Weights, restoreWeights, snapshotWeights } from '../train/state.ts';
export type { SparseMode } from '../train/sparse-plan.ts';

// Pruning: masks, magnitude and random pruning, per-layer rates.
export { applyMasks, prunableParams } from '../prune/apply.ts';
export { type Masks, cloneMasks, countOnes, density, fullMasks } from '../prune/masks.ts';
export { type Scores, magnitudeScores, pruneGlobal, pruneLayerwise } from '../prune/magnitude.ts';
export { randomMasksLike } from '../prune/random.ts';
export { type RateSpec, resolveRates } from '../prune/rates.ts';

// Experiments: configs (validated, with defaults), presets, branch names.
export { type BranchName, type ExperimentConfig, branchNames, defaultConfig, optimizerConfig, resolveConfig, resolveWithOverrides } from '../experiment/config.ts';
export { type Preset, presetConfig, presets } from '../experiment/presets.ts';
export type { BranchSummary, MetricRow, Summary } from '../experiment/report/types.ts';

// Runs as pieces over a run store: the sequential runner, the piece graph, one piece as a
// function with the environment a process builds once, the stores, summary and report.
export { type RunEvent, type RunOptions, runExperiment } from '../experiment/runner.ts';
export { type PieceId, type PieceNode, blockedBy, needsOf, pieceGraph, pieceKey, readyPieces } from '../experiment/piece-graph.ts';
export { runPiece } from '../experiment/piece-runner.ts';
export { type ExecutorFactory, type ExecutorInputs, type PieceExecutor, type PieceRun, inProcess, schedulePieces } from '../experiment/scheduler.ts';
export { type EnvInputs, type PieceEnv, createPieceEnv, disposePieceEnv } from '../experiment/piece-env.ts';
export { prepareRun } from '../experiment/prepare-run.ts';
export type { PieceResult } from '../experiment/pieces.ts';
export { buildSummary, metricRows, readPieces, writeResults } from '../experiment/results.ts';
export type { RunStore } from '../experiment/store/run-store.ts';
export { type MaskKey, type RunKey, type TextKey, type WeightsKey, entryName, runKeys } from '../experiment/store/keys.ts';
export { ByteStore } from '../experiment/store/byte-store.ts';
export { MemoryStore } from '../experiment/store/memory-store.ts';
export { renderReport, reportFiles, writeReport } from '../experiment/report/report.ts';
export { type ExportOptions, exportSparseModel, sparseSpecFromRun } from '../infer/export.ts';

// Exported models: the model.lth format and inference on it.
export { type SparseLayerSpec, type SparseModelSpec, SPARSE_FORMAT, decodeSparseModel, encodeSparseModel, specDensity } from '../infer/format.ts';
export { SparseModel, loadSparseModel } from '../infer/sparse-model.ts';
export { encodeSafetensors, decodeSafetensors, type SafetensorsFile } from '../experiment/io/safetensors.ts';

export { Rng } from '../util/rng.ts';
export { UserError } from '../util/errors.ts';
