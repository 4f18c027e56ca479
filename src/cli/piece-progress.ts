/**
 * The progress of a run whose pieces may run side by side (`lth run --workers N`): on a
 * terminal, a block redrawn in place: the run's bar, then one line per running piece (its
 * round, trial, branch, density, iteration and last test accuracy). Elsewhere it draws nothing
 * (the caller prints one line per finished piece), so logs and piped output stay clean.
 */
import type { PieceId } from '../experiment/piece-graph.ts';
import { ProgressBar } from './progress.ts';

// One running piece's line.
interface PieceLine {
  label: string;
  iteration: number;
  accuracy?: number;
}

/** The run's bar and a line per running piece, on `stream` (stderr). */
export class PieceProgress {
  private readonly bar: ProgressBar;
  private readonly tty: boolean;
  private readonly running = new Map<string, PieceLine>();
  /** Work of the finished pieces, in iterations. */
  private base = 0;
  /** Lines on screen now (the block is redrawn over them). */
  private drawn = 0;
  private last = 0;
  /** The piece an untagged iteration event belongs to (a single running piece). */
  private latest = '';

  constructor(
    totalPieces: number,
    private readonly iterations: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    enabled = true,
  ) {
    this.tty = enabled && Boolean(stream.isTTY);
    this.bar = new ProgressBar(totalPieces * iterations, 'lth run', stream, false);
  }

  /** A piece started (`weightsRemaining`: its density). */
  start(id: PieceId, weightsRemaining: number): void {
    this.latest = key(id);
    this.running.set(this.latest, { label: `round ${id.round} trial ${id.trial} ${id.branch} ${(weightsRemaining * 100).toFixed(1)}%`, iteration: 0 });
    this.draw(true);
  }

  /** Training progress of a running piece (without `id`: the piece started last). */
  iteration(iteration: number, testAccuracy: number | undefined, id?: PieceId): void {
    const line = this.running.get(id === undefined ? this.latest : key(id));
    if (line === undefined) return;
    line.iteration = iteration;
    if (testAccuracy !== undefined) line.accuracy = testAccuracy;
    this.draw(false);
  }

  /** A piece finished (its line goes); `units` pieces' worth of work is done. */
  finish(id: PieceId, units = 1): void {
    this.running.delete(key(id));
    this.base += units * this.iterations;
    this.draw(true);
  }

  /** Pieces that will not run (they build on a diverged one): their work counts as done. */
  skip(pieces: number): void {
    this.base += pieces * this.iterations;
    this.draw(true);
  }

  /** Clears the block (before a warning line, and at the end); the next update redraws it. */
  clear(): void {
    if (!this.tty || this.drawn === 0) return;
    this.stream.write(`${this.drawn > 1 ? `\x1b[${this.drawn - 1}A` : ''}\r\x1b[J`);
    this.drawn = 0;
  }

  /** The block's lines as drawn now: the bar, then each running piece in start order. */
  lines(): string[] {
    let current = this.base;
    for (const l of this.running.values()) current += l.iteration;
    const pieces = [...this.running.values()].map((l) => {
      const acc = l.accuracy === undefined ? '' : ` acc ${(l.accuracy * 100).toFixed(2)}%`;
      return `  ${l.label}: ${l.iteration}/${this.iterations}${acc}`;
    });
    return [this.bar.render(current, `${this.running.size} running`), ...pieces];
  }

  // Redraws the block in place, at most every 100 ms unless `now` (a piece started or ended).
  private draw(now: boolean): void {
    if (!this.tty) return;
    const t = Date.now();
    if (!now && t - this.last < 100) return;
    this.last = t;
    const cols = this.stream.columns ?? 120;
    const lines = this.lines().map((l) => `${l.slice(0, cols - 1)}\x1b[K`);
    const up = this.drawn > 1 ? `\x1b[${this.drawn - 1}A` : '';
    // \x1b[J clears what is left below when the block got shorter
    this.stream.write(`${up}\r${lines.join('\n')}\x1b[J`);
    this.drawn = lines.length;
  }
}

function key(id: PieceId): string {
  return `${id.round}/${id.trial}/${id.branch}`;
}
