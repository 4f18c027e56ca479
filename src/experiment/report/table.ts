/** The run's results as an aligned plain-text table for the terminal. */
import { branchLabel, branchOrder, divergedCount, divergedNote, formatAccuracy, formatIteration, formatRemaining } from './format.ts';
import type { BranchSummary, Summary } from './types.ts';

interface Column {
  header: string;
  right: boolean;
  cells: string[];
}

/**
 * One row per round: weights remaining (%), then per branch the mean early-stop iteration,
 * test accuracy at early stop (%, with [min-max] over trials when there are several) and final
 * test accuracy (%). A branch missing from a round shows '-'; means leave out diverged trials,
 * which the accuracy cell counts ('diverged' when all did) and a note under the table lists.
 */
export function renderTable(summary: Summary): string {
  const branches = branchOrder(summary);
  const rounds = summary.rounds;
  const cols: Column[] = [
    { header: 'round', right: true, cells: rounds.map((r) => String(r.round)) },
    { header: 'remaining %', right: true, cells: rounds.map((r) => formatRemaining(r.weightsRemaining)) },
  ];
  const groups: { label: string; first: number; count: number }[] = [];
  // Two-class data (spam): the test F1 of class 1 at early stop, beside the accuracy.
  const hasF1 = rounds.some((r) => Object.values(r.branches).some((s) => s.extras?.testF1 !== undefined));
  for (const b of branches) {
    const at = (f: (s: BranchSummary) => string) => rounds.map((r) => (r.branches[b] ? f(r.branches[b]) : '-'));
    const accCells = rounds.map((r) => {
      const n = divergedCount(r, b);
      const s = r.branches[b];
      if (s === undefined) return n > 0 ? 'diverged' : '-';
      return accuracyWithRange(s) + (n > 0 ? ` (${n} diverged)` : '');
    });
    groups.push({ label: branchLabel(b), first: cols.length, count: hasF1 ? 4 : 3 });
    cols.push(
      { header: 'es-iter', right: true, cells: at((s) => formatIteration(s.earlyStopIteration)) },
      { header: 'acc@es', right: false, cells: accCells },
    );
    if (hasF1) cols.push({ header: 'F1@es', right: true, cells: at((s) => (s.extras?.testF1 ? formatAccuracy(s.extras.testF1.mean) : '-')) });
    cols.push({ header: 'final', right: true, cells: at((s) => formatAccuracy(s.finalTestAccuracy)) });
  }
  const sep = '  ';
  const widths = cols.map((c) => Math.max(c.header.length, ...c.cells.map((s) => s.length)));
  // A branch label wider than its columns widens the group's last column.
  for (const g of groups) {
    const span = widths.slice(g.first, g.first + g.count).reduce((a, b) => a + b, 0) + sep.length * (g.count - 1);
    if (g.label.length > span) widths[g.first + g.count - 1]! += g.label.length - span;
  }
  const pad = (s: string, i: number) => (cols[i]!.right ? s.padStart(widths[i]!) : s.padEnd(widths[i]!));
  const groupLine = cols.map((_, i) => {
    const g = groups.find((x) => x.first === i);
    if (!g) return groups.some((x) => i > x.first && i < x.first + x.count) ? null : ' '.repeat(widths[i]!);
    const span = widths.slice(i, i + g.count).reduce((a, b) => a + b, 0) + sep.length * (g.count - 1);
    return g.label.padEnd(span);
  });
  const lines = [
    `IMP results: ${summary.name}  (accuracies: test %, mean [min-max] over trials)`,
    groupLine.filter((s): s is string => s !== null).join(sep),
    cols.map((c, i) => pad(c.header, i)).join(sep),
    ...rounds.map((_, r) => cols.map((c, i) => pad(c.cells[r]!, i)).join(sep)),
    ...rounds.flatMap((r) => (r.diverged ?? []).map((d) => divergedNote(r.round, d))),
  ];
  return lines.map((l) => l.trimEnd()).join('\n') + '\n';
}

function accuracyWithRange(s: BranchSummary): string {
  const mean = formatAccuracy(s.testAccuracyAtEarlyStop);
  if (s.trials.length < 2) return mean;
  return `${mean} [${formatAccuracy(s.testAccuracyAtEarlyStopMin)}-${formatAccuracy(s.testAccuracyAtEarlyStopMax)}]`;
}
