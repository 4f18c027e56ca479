import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PieceProgress } from '../../src/cli/piece-progress.ts';
import { assertUserError, lthInProcess } from '../fixtures/cli.ts';

// A terminal (or not) that keeps what is written to it.
function stream(tty: boolean): NodeJS.WriteStream & { text: string } {
  const s = { isTTY: tty, columns: 100, text: '', write(t: string) { s.text += t; return true; } };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

test('on a terminal, every running piece has its line, redrawn in place; a finished one goes', () => {
  const out = stream(true);
  const p = new PieceProgress(4, 100, out);
  p.start({ round: 1, trial: 0, branch: 'ticket' }, 0.8);
  p.start({ round: 1, trial: 1, branch: 'reinit' }, 0.8);
  p.iteration(50, 0.91, { round: 1, trial: 1, branch: 'reinit' });
  let lines = p.lines();
  assert.is(lines.length, 3);
  assert.match(lines[0], /^lth run .* 13% 50\/400 .* 2 running$/);
  assert.is(lines[1], '  round 1 trial 0 ticket 80.0%: 0/100');
  assert.is(lines[2], '  round 1 trial 1 reinit 80.0%: 50/100 acc 91.00%');
  p.finish({ round: 1, trial: 0, branch: 'ticket' });
  lines = p.lines();
  assert.equal(lines.slice(1), ['  round 1 trial 1 reinit 80.0%: 50/100 acc 91.00%']);
  assert.match(lines[0], /150\/400 .* 1 running$/);
  // the block is redrawn over itself: up one line (two were drawn) and cleared below
  assert.ok(out.text.includes('\x1b[2A\r'), 'moves up over the 3-line block');
  assert.ok(out.text.endsWith('\x1b[J'));
  p.clear();
  assert.ok(out.text.endsWith('\x1b[1A\r\x1b[J'), 'clear removes the 2-line block');
});

test('off a terminal it draws nothing (the run prints a line per finished piece)', () => {
  const out = stream(false);
  const p = new PieceProgress(2, 10, out);
  p.start({ round: 0, trial: 0, branch: 'ticket' }, 1);
  p.iteration(5, 0.5);
  p.finish({ round: 0, trial: 0, branch: 'ticket' });
  p.clear();
  assert.is(out.text, '');
});

test('--workers takes a whole number of at least 1', async () => {
  assertUserError(await lthInProcess('run', 'quick', '--workers', '0'), ['--workers', '>= 1']);
  assertUserError(await lthInProcess('run', 'quick', '--workers', 'many'), ['--workers', 'integer']);
});

test.run();
