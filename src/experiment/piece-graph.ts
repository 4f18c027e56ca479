/**
 * The pieces of a run and what each one builds on: the graph any scheduler walks (the
 * sequential runner here; worker threads or a queue elsewhere). A piece is one branch of one
 * round of one trial; nothing here trains.
 */
import { branches, branchesOf } from './branches/registry.ts';
import type { ExperimentConfig } from './config.ts';
import type { PieceId } from './piece-schema.ts';
import type { RunKey } from './store/keys.ts';

export type { PieceId } from './piece-schema.ts';

/** One piece and the pieces whose outputs it reads. */
export interface PieceNode {
  id: PieceId;
  /** pieceKey(id). */
  key: string;
  needs: PieceId[];
}

/** A piece's key in maps and sets: "round/trial/branch". */
export function pieceKey(id: PieceId): string {
  return `${id.round}/${id.trial}/${id.branch}`;
}

/** Every piece of a config, in the sequential runner's order (round, trial, branch). */
export function allPieces(cfg: ExperimentConfig): PieceId[] {
  const out: PieceId[] = [];
  for (let round = 0; round <= cfg.pruning.rounds; round++) {
    for (let trial = 0; trial < cfg.trials; trial++) {
      for (const branch of branchesOf(cfg, round)) out.push({ round, trial, branch });
    }
  }
  return out;
}

/**
 * The pieces whose outputs `id` reads, from its branch's declared needs (branches/spec.ts
 * BranchNeed): the round's ticket mask is pruned from round r-1's trained ticket (round 0 has
 * none to read: all ones); the rewind point is written by round 0's ticket; a chain continues
 * the branch's own previous round (round 1: round 0's trained ticket).
 */
export function needsOf(id: PieceId): PieceId[] {
  const { round, trial, branch } = id;
  const ticket = (r: number): PieceId => ({ round: r, trial, branch: 'ticket' });
  const up: PieceId[] = [];
  for (const need of branches[branch].needs) {
    if (need === 'mask' && round > 0) up.push(ticket(round - 1));
    if (need === 'rewind') up.push(ticket(0));
    if (need === 'chain') up.push(round <= 1 ? ticket(0) : { round: round - 1, trial, branch });
  }
  // A piece never waits on itself (round 0's ticket writes the rewind point), nor twice on one.
  const keys = new Set([pieceKey(id)]);
  const out: PieceId[] = [];
  for (const u of up) {
    if (keys.has(pieceKey(u))) continue;
    keys.add(pieceKey(u));
    out.push(u);
  }
  return out;
}

/** Every piece of a config with what it needs; the order is a topological one (allPieces). */
export function pieceGraph(cfg: ExperimentConfig): PieceNode[] {
  return allPieces(cfg).map((id) => ({ id, key: pieceKey(id), needs: needsOf(id) }));
}

/**
 * The pieces that can run now: not done, not blocked, and everything they need done. In graph
 * order; a scheduler may take them in any order (the results do not depend on it).
 */
export function readyPieces(graph: readonly PieceNode[], done: ReadonlySet<string>, blocked: ReadonlySet<string> = new Set()): PieceNode[] {
  return graph.filter((n) => !done.has(n.key) && !blocked.has(n.key) && n.needs.every((u) => done.has(pieceKey(u))));
}

/**
 * The piece that writes an entry later pieces read back, if a piece does: its trained weights,
 * its own mask, the rewind point (round 0's ticket). The round masks are computed by whichever
 * piece needs one first, and results are their piece's own.
 */
export function producerOf(key: RunKey): PieceId | undefined {
  if (key.kind === 'weights' || key.kind === 'branchMask') return { round: key.round, trial: key.trial, branch: key.branch };
  if (key.kind === 'rewind' || key.kind === 'pretrained') return { round: 0, trial: key.trial, branch: 'ticket' };
  return undefined;
}

/**
 * The pieces that cannot run because a piece in `diverged` (keys) is upstream of them,
 * directly or through other such pieces: nothing trains from, or prunes, NaN weights.
 */
export function blockedBy(graph: readonly PieceNode[], diverged: ReadonlySet<string>): Set<string> {
  const blocked = new Set<string>();
  // Graph order is topological: a piece's needs are settled before it is looked at.
  for (const n of graph) {
    if (n.needs.some((u) => diverged.has(pieceKey(u)) || blocked.has(pieceKey(u)))) blocked.add(n.key);
  }
  return blocked;
}

/**
 * Each piece's height: the most pieces on a chain of pieces that build on it, below it (0 for a
 * piece nothing reads). The ticket chain is the run's critical path; a scheduler with several
 * slots starts the highest ready piece first (critical path first), so the chain never waits
 * behind controls that nothing depends on.
 */
export function pieceHeights(graph: readonly PieceNode[]): Map<string, number> {
  const height = new Map<string, number>(graph.map((n) => [n.key, 0]));
  // Graph order is topological: walking it backwards, a piece's height is final when it is read.
  for (let i = graph.length - 1; i >= 0; i--) {
    const n = graph[i];
    const h = height.get(n.key)! + 1;
    for (const u of n.needs) {
      const k = pieceKey(u);
      if ((height.get(k) ?? 0) < h) height.set(k, h);
    }
  }
  return height;
}

/**
 * How many pieces of the graph can run side by side: the most pieces at one depth (longest
 * chain of needs above them), which is how many run at once when every piece takes as long.
 * 1 for a single chain (one trial of the ticket alone): more workers would wait.
 */
export function graphWidth(graph: readonly PieceNode[]): number {
  const depth = new Map<string, number>();
  const count = new Map<number, number>();
  // Graph order is topological: a piece's needs have their depth when it is looked at.
  for (const n of graph) {
    const d = Math.max(-1, ...n.needs.map((u) => depth.get(pieceKey(u)) ?? -1)) + 1;
    depth.set(n.key, d);
    count.set(d, (count.get(d) ?? 0) + 1);
  }
  return Math.max(0, ...count.values());
}
