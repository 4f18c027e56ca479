/**
 * The package root (`import … from 'lth'`) in Node: everything in lib/core.ts plus what reads
 * and writes files: the experiment runner (a run directory), dataset loading (IDX, CIFAR-10,
 * embedded MNIST from the mnist package) and export of a run's ticket to model.lth.
 */
export * from './lib/core.ts';
export { type RunEvent, runExperiment } from './experiment/runner.ts';
export { type DatasetInfo, type LoadOptions, listDatasets, loadDataset } from './data/registry.ts';
export { type ExportOptions, exportSparseModel, sparseSpecFromRun } from './infer/export.ts';
export { loadSafetensors, saveSafetensors } from './experiment/io/safetensors-file.ts';
export { writeReport } from './experiment/report/report.ts';
