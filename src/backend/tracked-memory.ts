/**
 * Memory bookkeeping for the backends that allocate each buffer on its own (js, tfjs): the bytes
 * they hold, the buffers of the two scratch regions (MemoryOps.scratchRegion) and the peak
 * scratch bytes. Their memory families extend it and add allocation and host copies.
 */
export abstract class TrackedMemory<T extends { readonly length: number }> {
  // Bytes of the buffers alive now (float and int, persistent and scratch).
  protected liveBytes = 0;
  private readonly regions: [T[], T[]] = [[], []];
  private region: 0 | 1 = 0;
  private held = 0;
  private peak = 0;

  /** Ends one scratch buffer's life at a reset (it may already have been freed on its own). */
  protected abstract releaseScratch(b: T): void;

  /** Records a new scratch buffer of 4-byte elements in the current region. */
  protected addScratch(b: T): T {
    this.regions[this.region].push(b);
    this.held += b.length * 4;
    this.peak = Math.max(this.peak, this.held);
    return b;
  }

  /** MemoryOps.scratchRegion. */
  scratchRegion(r: 0 | 1, reset: boolean): void {
    if (reset) this.clear(r);
    this.region = r;
  }

  /** MemoryOps.resetScratch: releases both regions, selects region 0, restarts the peak. */
  resetScratch(): void {
    this.clear(0);
    this.clear(1);
    this.region = 0;
    this.peak = 0;
  }

  /** MemoryOps.scratchPeak. */
  scratchPeak(): number {
    return this.peak;
  }

  /** MemoryOps.memoryBytes. */
  memoryBytes(): number {
    return this.liveBytes;
  }

  private clear(r: 0 | 1): void {
    for (const b of this.regions[r]) {
      this.releaseScratch(b);
      this.held -= b.length * 4;
    }
    this.regions[r] = [];
  }
}
