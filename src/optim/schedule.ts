/**
 * Learning-rate schedules: a base rate, optional linear warmup, and step decay at milestones
 * (PyTorch MultiStepLR), the recipe of the paper's VGG-19 and ResNet runs. Iterations count
 * from 1 (the trainer's numbering): iteration t is the t-th optimizer step.
 */
import { UserError } from '../util/errors.ts';

/** A schedule's settings (the optimizer section of a config carries them). */
export interface LrScheduleConfig {
  /** The base learning rate. */
  lr: number;
  /** Iterations after which the rate is multiplied by gamma (ascending); default none. */
  milestones?: readonly number[];
  /** Decay factor at each milestone (default 0.1). */
  gamma?: number;
  /** Ramp the rate linearly from lr/W at iteration 1 to lr at iteration W (default 0: none). */
  warmupIterations?: number;
}

/**
 * The learning rate of iteration t >= 1: lr * min(1, t / warmup) * gamma^(milestones < t).
 * So with milestone 80000, steps 1..80000 use lr and step 80001 on use lr * gamma.
 */
export function lrAt(s: LrScheduleConfig, t: number): number {
  const warm = s.warmupIterations ?? 0;
  const ramp = warm > 0 ? Math.min(1, t / warm) : 1;
  let passed = 0;
  for (const m of s.milestones ?? []) if (t > m) passed++;
  return s.lr * ramp * (s.gamma ?? 0.1) ** passed;
}

/** Checks a schedule (UserErrors name the field) and returns it as a function of the iteration. */
export function lrSchedule(s: LrScheduleConfig): (iteration: number) => number {
  if (!(s.lr > 0) || !Number.isFinite(s.lr)) throw new UserError(`learning rate must be a positive number, got ${s.lr}`);
  const ms = s.milestones ?? [];
  ms.forEach((m, i) => {
    if (!Number.isInteger(m) || m < 1 || (i > 0 && m <= ms[i - 1])) {
      throw new UserError(`lr milestones must be ascending integers >= 1, got [${ms.join(', ')}]`);
    }
  });
  if (s.gamma !== undefined && !(s.gamma > 0 && s.gamma <= 1)) throw new UserError(`lr gamma must be in (0, 1], got ${s.gamma}`);
  const w = s.warmupIterations ?? 0;
  if (!Number.isInteger(w) || w < 0) throw new UserError(`warmup iterations must be an integer >= 0, got ${w}`);
  // A constant schedule stays a constant function (no per-step loop over milestones).
  if (ms.length === 0 && w === 0) return () => s.lr;
  const copy = { ...s, milestones: [...ms] };
  return (t) => lrAt(copy, t);
}
