/**
 * A one-line terminal progress bar on stderr. Redraws at most every 100 ms; on a non-TTY
 * stream it prints nothing until done() so that logs and piped output stay clean.
 */
export class ProgressBar {
  private last = 0;
  private readonly start = Date.now();
  private readonly tty: boolean;

  constructor(
    private readonly total: number,
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    enabled = true,
  ) {
    this.tty = enabled && Boolean(stream.isTTY);
  }

  /** Shows `current` of total, with a free-form status text. */
  update(current: number, status = ''): void {
    if (!this.tty) return;
    const now = Date.now();
    if (now - this.last < 100 && current < this.total) return;
    this.last = now;
    const cols = this.stream.columns ?? 120;
    this.stream.write(`\r${this.render(current, status).slice(0, cols - 1)}\x1b[K`);
  }

  /** The bar's line for `current` of total (no redraw, no throttling). */
  render(current: number, status = ''): string {
    const now = Date.now();
    const width = 30;
    const frac = this.total > 0 ? Math.min(1, current / this.total) : 1;
    const filled = Math.round(frac * width);
    const elapsed = (now - this.start) / 1000;
    const eta = frac > 0 ? elapsed * (1 / frac - 1) : 0;
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    return `${this.label} ${bar} ${(frac * 100).toFixed(0).padStart(3)}% ${current}/${this.total} ${formatSeconds(elapsed)} eta ${formatSeconds(eta)} ${status}`;
  }

  private base = 0;

  /** Shows progress within the current piece of a multi-piece job. */
  tick(withinPiece: number, status = ''): void {
    this.update(this.base + withinPiece, status);
  }

  /** Marks a piece of `size` units as finished. */
  finishPiece(size: number): void {
    this.base += size;
  }

  /** Clears the bar line. */
  done(): void {
    if (this.tty) this.stream.write('\r\x1b[K');
  }
}

/** 75 -> "1m15s", 9.2 -> "9s". */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  const r = Math.round(s - m * 60);
  return m > 0 ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}
