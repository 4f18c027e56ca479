/**
 * The package root (`import … from 'lth'`) in Node: everything in lib/core.ts (where the
 * runner, pieces and export take a RunStore, or a run directory path here) plus what reads and
 * writes files: the run directory store, dataset loading (IDX, CIFAR-10, embedded MNIST from
 * the mnist package) and safetensors files.
 */
export * from './lib/core.ts';
export { FileStore } from './experiment/store/fs-store.ts';
// ONNX export (protobufjs over the official schema; Node root only, to keep the browser bundles small).
export { ONNX_OPSET, encodeOnnxModel, onnxModelFromRun } from './infer/onnx.ts';
// Pieces on worker threads (runExperiment's executor), and one piece of a run directory as a task.
export { defaultWorkers, workerPool } from './exec/worker-pool.ts';
export { type PieceTask, type PieceTaskOptions, runPieceTask } from './exec/piece-task.ts';
// The serverless shape: one piece spec in, one result out, through a store.
export { type PieceSpec, handlePiece } from './exec/piece-handler.ts';
export { type DatasetInfo, type LoadOptions, listDatasets, loadDataset } from './data/registry.ts';
export { loadSafetensors, saveSafetensors } from './experiment/io/safetensors-file.ts';
