/**
 * Turns a backend's OutOfMemoryError into the one line a user can act on: which model, at which
 * batch size, in which phase, and the flag (or config field) to lower.
 */
import { OutOfMemoryError, mib } from '../backend/memory-error.ts';
import { UserError } from '../util/errors.ts';

/** What the message names; `model` is the registered model name when the caller knows it. */
export interface MemoryContext {
  model?: string;
  batchSize: number;
  evalBatchSize?: number;
}

/** Marks an OutOfMemoryError thrown while evaluating (the message then names the evaluation batch flag too). */
export class EvalOutOfMemoryError extends OutOfMemoryError {}

/** `err` as a one-line UserError when it is an OutOfMemoryError; anything else unchanged. */
export function memoryUserError(err: unknown, c: MemoryContext): unknown {
  if (!(err instanceof OutOfMemoryError)) return err;
  const model = c.model !== undefined ? `model ${c.model}` : 'the model';
  const limit = `more than the ${mib(err.maxBytes)} of wasm memory (${mib(err.heldBytes)} held, ${mib(err.requestedBytes)} more asked)`;
  if (err instanceof EvalOutOfMemoryError) {
    return new UserError(`out of memory evaluating ${model} (eval batch size ${c.evalBatchSize ?? 1000}, training batch size ${c.batchSize}): it needs ${limit}; lower --eval-batch-size or --batch-size (config fields evalBatchSize, batchSize)`);
  }
  return new UserError(`out of memory training ${model} at batch size ${c.batchSize}: a step needs ${limit}; lower --batch-size (config field batchSize)`);
}
