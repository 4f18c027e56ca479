/** Pruning at initialisation: SNIP, GraSP, SynFlow, random, and exact-size masks from scores. */
export { type ScoreBatch, type ScoredNet, type Vectors, lossGradient } from './grad.ts';
export { snipScores } from './snip.ts';
export { type GraspOptions, graspScores, hessianVectorProduct } from './grasp.ts';
export { type SynflowOptions, type SynflowSaliencyOptions, synflowSaliency, synflowScores } from './synflow.ts';
export { randomScores } from './random.ts';
export { type AllocationMode, layerCounts, maskFromScores } from './mask.ts';
