/** The spam and spam-mlm builders on a synthetic corpus (fast); spam-corpus.test.ts loads the real one. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Batcher } from '../../src/data/batcher.ts';
import { checkSplits } from '../../src/data/check-splits.ts';
import {
  buildSpamDataset,
  buildSpamMlmDataset,
  maskRow,
  prepareSpamCorpus,
  resolveTextOptions,
  spamGroupOf,
  spamSplitIndices,
  spamTokenizer,
  textWindows,
  type SpamMessage,
} from '../../src/data/spam.ts';
import { CLS_ID, FIRST_TOKEN_ID, MASK_ID, PAD_ID, SEP_ID } from '../../src/data/wordpiece.ts';
import { Rng } from '../../src/util/rng.ts';
import { throwsUser } from '../fixtures/user-error.ts';

const HAM_WORDS = ['meeting', 'patch', 'linux', 'kernel', 'thanks', 'list', 'build', 'release', 'bug', 'the', 'a', 'is'];
const SPAM_WORDS = ['free', 'money', 'click', 'offer', 'winner', 'viagra', 'cash', 'now', 'the', 'a', 'is', '$'];

/** n messages of a package group, each a unique body of random words; headers name the group. */
function messages(group: string, n: number, rng: Rng): SpamMessage[] {
  const words = group.startsWith('spam') ? SPAM_WORDS : HAM_WORDS;
  return Array.from({ length: n }, (_, i) => ({
    group,
    text: `From: someone@${group}.example\nSubject: ${group} message ${i}\n\n` + Array.from({ length: 20 + rng.int(60) }, () => words[rng.int(words.length)]).join(' ') + ` id${group}x${i}`,
  }));
}

const rng = new Rng(1);
const base = [
  ...messages('easy-ham-1', 150, rng),
  ...messages('easy-ham-2', 70, rng),
  ...messages('hard-ham-1', 25, rng),
  ...messages('spam-1', 40, rng),
  ...messages('spam-2', 60, rng),
];
// 3 exact duplicates (the headers differ, the bodies do not), one body both ham and spam, one empty body
const CORPUS: SpamMessage[] = [
  ...base,
  { group: 'easy-ham-2', text: 'Subject: again\n\n' + base[3].text.split('\n\n')[1] },
  { group: 'spam-2', text: 'Subject: again\n\n' + base[300].text.split('\n\n')[1] },
  { group: 'spam-1', text: 'Subject: again\n\n' + base[301].text.split('\n\n')[1] },
  { group: 'easy-ham-1', text: 'Subject: x\n\nshared body seen as ham' },
  { group: 'spam-1', text: 'Subject: y\n\nShared   body seen as HAM' },
  { group: 'spam-2', text: 'Subject: z\n\n<html><br></html>' },
];
const TEXT = { seqLen: 16, vocabSize: 120 };

test('groups, deduplication and drops are counted', () => {
  assert.equal(['easy-ham-1', 'easy-ham-2', 'hard-ham-1', 'spam-2'].map(spamGroupOf), ['easy-ham', 'easy-ham', 'hard-ham', 'spam']);
  throwsUser(() => spamGroupOf('ham-3'), ['ham-3', 'easy-ham-N']);
  const c = prepareSpamCorpus(CORPUS);
  assert.equal([c.messages, c.duplicates, c.conflicts, c.empty, c.bodies.length], [351, 4, 1, 1, 345]);
  assert.is(new Set(c.bodies).size, c.bodies.length);
  assert.ok(c.bodies.every((b) => !b.includes('subject') && !b.includes('from:')));
  assert.ok(c.bodies.every((b, i) => c.labels[i] === (c.groups[i] === 'spam' ? 1 : 0)));
  assert.is(prepareSpamCorpus(CORPUS), c); // cached
});

test('split sizes are exact, stratified by group; the seed redraws validation, never test', () => {
  const c = prepareSpamCorpus(CORPUS);
  const sizes = { 'easy-ham': 220, 'hard-ham': 25, spam: 100 };
  const idx = spamSplitIndices(c.groups);
  const per = (ix: Int32Array, g: string): number => Array.from(ix).filter((i) => c.groups[i] === g).length;
  for (const [g, n] of Object.entries(sizes)) {
    assert.is(per(idx.test, g), Math.round(0.1 * n), `test ${g}`);
    assert.is(per(idx.val, g), Math.round(0.1 * n), `val ${g}`);
    assert.is(per(idx.train, g), n - 2 * Math.round(0.1 * n), `train ${g}`);
    assert.ok(per(idx.test, g) > 0);
  }
  const all = [...idx.train, ...idx.val, ...idx.test].sort((a, b) => a - b);
  assert.equal(all, Array.from({ length: c.bodies.length }, (_, i) => i)); // a partition
  const seeded = spamSplitIndices(c.groups, 7);
  assert.equal(Array.from(seeded.test), Array.from(idx.test));
  assert.not.equal(Array.from(seeded.val).sort(), Array.from(idx.val).sort());
  assert.equal(Array.from(spamSplitIndices(c.groups, 7).val), Array.from(seeded.val));
  for (const [g, n] of Object.entries(sizes)) assert.is(per(seeded.val, g), Math.round(0.1 * n));
});

test('spam: [CLS] tokens [SEP] [PAD]..., labels 0/1, shapes, text info; the tokenizer saw train bodies only', () => {
  const ds = checkSplits('spam', buildSpamDataset(CORPUS, { text: TEXT }));
  assert.equal([ds.inputShape, ds.numClasses, ds.labelWidth], [[16], 2, 1]);
  assert.equal([ds.train.n, ds.val.n, ds.test.n], [275, 35, 35]); // 22 + 3 + 10 held out twice
  assert.is(ds.text!.seqLen, 16);
  assert.is(ds.text!.maskedPositions, 0);
  assert.is(ds.text!.vocab!.length, ds.text!.vocabSize);
  assert.ok(ds.text!.vocabSize <= 120);
  for (const s of [ds.train, ds.val, ds.test]) {
    for (let i = 0; i < s.n; i++) {
      const row = Array.from(s.x.subarray(i * 16, i * 16 + 16));
      assert.is(row[0], CLS_ID);
      const sep = row.indexOf(SEP_ID);
      assert.ok(sep > 1);
      assert.ok(row.slice(1, sep).every((id) => id >= FIRST_TOKEN_ID || id === 1));
      assert.ok(row.slice(sep + 1).every((id) => id === PAD_ID));
      assert.ok(s.y[i] === 0 || s.y[i] === 1);
    }
  }
  const c = prepareSpamCorpus(CORPUS);
  const tok = spamTokenizer(c, undefined, 120);
  assert.is(spamTokenizer(c, undefined, 120), tok); // cached per settings
  assert.not.equal(spamTokenizer(c, 3, 120).vocab, tok.vocab); // another training split, another vocabulary
  assert.is(buildSpamDataset(CORPUS, { text: TEXT }).text!.vocab, tok.vocab);
});

test('text options: defaults and one-line errors', () => {
  assert.equal(resolveTextOptions(), { seqLen: 64, vocabSize: 4000, maskedPositions: 10, copies: 2, mobyDick: false });
  assert.is(resolveTextOptions({ seqLen: 128 }).maskedPositions, 20);
  throwsUser(() => resolveTextOptions({ seqLen: 2 }), ['text.seqLen', '2']);
  throwsUser(() => resolveTextOptions({ seqLen: 8, maskedPositions: 7 }), ['text.maskedPositions', '[1, 6]']);
  throwsUser(() => resolveTextOptions({ copies: 0 }), ['text.copies']);
  throwsUser(() => resolveTextOptions({ mobyDick: 'yes' as unknown as boolean }), ['text.mobyDick']);
});

test('spam-mlm: labels are the original tokens at the positions, -1 in unused slots; copies mask differently', () => {
  const opts = { text: { ...TEXT, copies: 2 } };
  const cls = buildSpamDataset(CORPUS, opts);
  const mlm = checkSplits('spam-mlm', buildSpamMlmDataset(CORPUS, opts));
  const K = 3; // ceil(0.15 * 16)
  const W = 16 + K;
  assert.equal([mlm.inputShape, mlm.labelWidth, mlm.text!.maskedPositions, mlm.numClasses], [[W], K, K, cls.text!.vocabSize]);
  assert.equal([mlm.train.n, mlm.val.n, mlm.test.n], [2 * cls.train.n, cls.val.n, cls.test.n]);
  let differ = 0;
  for (const [m, c, copies] of [[mlm.train, cls.train, 2], [mlm.val, cls.val, 1], [mlm.test, cls.test, 1]] as const) {
    for (let r = 0; r < m.n; r++) {
      const orig = c.x.subarray((r % c.n) * 16, (r % c.n) * 16 + 16);
      const row = m.x.subarray(r * W, r * W + 16);
      const pos = Array.from(m.x.subarray(r * W + 16, (r + 1) * W));
      const lab = Array.from(m.y.subarray(r * K, (r + 1) * K));
      const used = lab.filter((l) => l >= 0).length;
      assert.ok(used >= 1, 'every body has a token: at least one masked position');
      for (let s = 0; s < K; s++) {
        if (s < used) {
          assert.ok(pos[s] >= 1 && (orig[pos[s]] >= FIRST_TOKEN_ID || orig[pos[s]] === 1), 'a body token, never [CLS]/[SEP]/[PAD]');
          assert.is(lab[s], orig[pos[s]]);
        } else assert.equal([pos[s], lab[s]], [0, -1]);
      }
      // outside the masked positions the row is the original
      for (let p = 0; p < 16; p++) if (!pos.slice(0, used).includes(p)) assert.is(row[p], orig[p]);
      if (copies === 2 && r < c.n) {
        const other = m.x.subarray((r + c.n) * W, (r + c.n) * W + W);
        if (Array.from(other).join() !== Array.from(m.x.subarray(r * W, (r + 1) * W)).join()) differ++;
      }
    }
  }
  assert.ok(differ > 0.8 * cls.train.n, `copies differ: ${differ}`);
  // the same options give the same rows (seeded masking)
  assert.equal(Array.from(buildSpamMlmDataset(CORPUS, opts).train.x), Array.from(mlm.train.x));
  // a batch of MLM rows carries K labels per row
  const batch = new Batcher(mlm.train, 8, new Rng(2)).next();
  assert.is(batch.y.length, 8 * K);
});

test('spam-mlm with extra texts: their token windows join the training rows only', () => {
  const opts = { text: { ...TEXT, copies: 2 } };
  const plain = buildSpamMlmDataset(CORPUS, opts);
  const tok = spamTokenizer(prepareSpamCorpus(CORPUS), undefined, 120);
  const extra = ['The free kernel patch is the release. '.repeat(10), '', 'Money now'];
  const windows = textWindows(tok, extra, 16);
  assert.equal(windows.map((w) => w.length).slice(-1), [tok.encode('Money now').length]);
  assert.ok(windows.every((w) => w.length >= 1 && w.length <= 14));
  assert.equal(windows.flat().slice(0, 28), tok.encode(extra[0]).slice(0, 28)); // consecutive windows
  const more = buildSpamMlmDataset(CORPUS, opts, extra);
  const bodies = plain.train.n / 2;
  assert.is(more.train.n, 2 * (bodies + windows.length));
  assert.equal([more.val.n, more.test.n], [plain.val.n, plain.test.n]);
  assert.equal(Array.from(more.val.x), Array.from(plain.val.x));
  // the first window's row is [CLS] its tokens [SEP] wherever not masked
  const W = 19;
  const row = Array.from(more.train.x.subarray(bodies * W, bodies * W + 16));
  const pos = Array.from(more.train.x.subarray(bodies * W + 16, bodies * W + W));
  assert.is(row[0], CLS_ID);
  assert.is(row[15], SEP_ID);
  for (let p = 1; p < 15; p++) if (!pos.includes(p)) assert.is(row[p], windows[0][p - 1]);
});

test('maskRow: about 15% of the tokens, 80% [MASK] / 10% random / 10% kept', () => {
  const r = new Rng(11);
  const vocab = 500;
  const seqLen = 64;
  const k = 10;
  const counts = { mask: 0, random: 0, kept: 0, tokens: 0, masked: 0 };
  const row = new Float32Array(seqLen);
  const pos = new Float32Array(k);
  const lab = new Float32Array(k);
  for (let t = 0; t < 4000; t++) {
    const len = 1 + r.int(seqLen - 2);
    row.fill(0);
    row[0] = CLS_ID;
    for (let p = 1; p <= len; p++) row[p] = FIRST_TOKEN_ID + 1 + r.int(vocab - FIRST_TOKEN_ID - 1);
    row[len + 1] = SEP_ID;
    const orig = row.slice();
    const m = maskRow(row, len, k, vocab, r, pos, lab);
    assert.is(m, Math.min(k, Math.max(1, Math.round(0.15 * len))));
    counts.tokens += len;
    counts.masked += m;
    for (let s = 0; s < m; s++) {
      const p = pos[s];
      assert.ok(p >= 1 && p <= len);
      assert.is(lab[s], orig[p]);
      if (row[p] === MASK_ID) counts.mask++;
      else if (row[p] === orig[p]) counts.kept++;
      else {
        assert.ok(row[p] >= FIRST_TOKEN_ID && row[p] < vocab);
        counts.random++;
      }
    }
    for (let s = m; s < k; s++) assert.equal([pos[s], lab[s]], [0, -1]);
    assert.is(row[0], CLS_ID);
    assert.is(row[len + 1], SEP_ID);
  }
  const share = (n: number): number => n / counts.masked;
  assert.ok(Math.abs(counts.masked / counts.tokens - 0.15) < 0.01, `masked ${counts.masked / counts.tokens}`);
  assert.ok(Math.abs(share(counts.mask) - 0.8) < 0.02, `mask ${share(counts.mask)}`);
  // a random draw equal to the original reads as kept (1 in ~500)
  assert.ok(Math.abs(share(counts.random) - 0.1) < 0.015, `random ${share(counts.random)}`);
  assert.ok(Math.abs(share(counts.kept) - 0.1) < 0.015, `kept ${share(counts.kept)}`);
  assert.is(maskRow(row, 0, k, vocab, r, pos, lab), 0);
  assert.equal(Array.from(lab), new Array(k).fill(-1));
});

test.run();
