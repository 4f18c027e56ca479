/**
 * Scratch bookkeeping for the backends that allocate each scratch buffer on its own (js, tfjs):
 * the buffers of the two scratch regions (Backend.scratchRegion) and the peak bytes held.
 */
export class ScratchRegions<T extends { readonly length: number }> {
  private readonly regions: [T[], T[]] = [[], []];
  private region: 0 | 1 = 0;
  private held = 0;
  /** The most scratch bytes held at once since the last resetAll(). */
  peak = 0;

  /** `release` ends one buffer's life (it may already have been freed on its own). */
  constructor(private readonly release: (b: T) => void) {}

  /** Records a new scratch buffer of 4-byte elements in the current region. */
  add(b: T): T {
    this.regions[this.region].push(b);
    this.held += b.length * 4;
    this.peak = Math.max(this.peak, this.held);
    return b;
  }

  /** Backend.scratchRegion. */
  select(r: 0 | 1, reset: boolean): void {
    if (reset) this.clear(r);
    this.region = r;
  }

  /** Backend.resetScratch: releases both regions, selects region 0, restarts the peak. */
  resetAll(): void {
    this.clear(0);
    this.clear(1);
    this.region = 0;
    this.peak = 0;
  }

  private clear(r: 0 | 1): void {
    for (const b of this.regions[r]) {
      this.release(b);
      this.held -= b.length * 4;
    }
    this.regions[r] = [];
  }
}
