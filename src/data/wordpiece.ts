/**
 * A small WordPiece tokenizer: trained here on a corpus, then greedy longest-match encoding as
 * BERT does. Pure (no file system) and deterministic: the same texts and options give the same
 * vocabulary, whatever the machine, so it runs in a browser as in Node.
 *
 * Pre-tokenisation (`preTokenize`): lowercase, then words are runs of letters, digits and
 * combining marks; every other non-space character (punctuation, symbols) is a word of its own.
 *
 * Training (`trainWordPiece`), on the words of the corpus counted once each with their
 * frequency:
 *  1. the special tokens, ids 0..4: [PAD] [UNK] [CLS] [SEP] [MASK];
 *  2. the alphabet: every character seen at least `minCharFrequency` times (default 10) as a
 *     word start `c`, or as a continuation `##c` (counted separately), most frequent first;
 *  3. pieces learned by pair merges (as byte-pair encoding does): each word is a sequence of
 *     symbols (its characters at first); the adjacent pair that occurs most often over the
 *     corpus (ties: the pair of smaller symbol ids, i.e. the more frequent characters or
 *     earlier merges) is merged into one symbol everywhere and the
 *     merged piece joins the vocabulary; repeated until the vocabulary holds `vocabSize` entries
 *     or no pair occurs `minFrequency` times (default 2).
 * A word longer than `maxWordChars`, or holding a character outside the alphabet, takes no part
 * in the merges.
 *
 * Encoding (`encode`): each word is split greedily into the longest vocabulary piece from its
 * start, then the longest `##` piece from there, and so on; a word that cannot be split so
 * (a character outside the alphabet) or is longer than `maxWordChars` becomes one [UNK], as in
 * BERT.
 */
import { UserError } from '../util/errors.ts';

/** The special tokens, by id. */
export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;
export const PAD_ID = 0;
export const UNK_ID = 1;
export const CLS_ID = 2;
export const SEP_ID = 3;
export const MASK_ID = 4;
/** The first id of an ordinary (non-special) token. */
export const FIRST_TOKEN_ID = SPECIAL_TOKENS.length;

/** The default vocabulary cap, and the largest allowed (BERT's is 30522). */
export const DEFAULT_VOCAB_SIZE = 4000;
export const MAX_VOCAB_SIZE = 32768;

/** Options of `trainWordPiece`. */
export interface WordPieceOptions {
  /** Largest vocabulary, special tokens included (default 4000). */
  vocabSize?: number;
  /** Least count of a merged pair to enter the vocabulary (default 2). */
  minFrequency?: number;
  /**
   * Least count of a character (as a word start, or inside words) to enter the alphabet
   * (default 10): rarer characters (stray bytes, scripts the corpus barely holds) make their
   * words [UNK] instead of taking vocabulary slots from pieces.
   */
  minCharFrequency?: number;
  /** Longer words become [UNK] (default 100, BERT's). */
  maxWordChars?: number;
}

const WORD = /[\p{L}\p{N}\p{M}]+|[^\s\p{L}\p{N}\p{M}]/gu;

/** Splits `text` into words and single punctuation or symbol characters, lowercased. */
export function preTokenize(text: string): string[] {
  return Array.from(text.matchAll(WORD), (m) => m[0].toLowerCase());
}

/** A trained (or rebuilt) WordPiece vocabulary with its encoder. */
export class WordPiece {
  /** Token strings by id; continuation pieces start with '##'. */
  readonly vocab: readonly string[];
  readonly maxWordChars: number;
  private readonly ids: Map<string, number>;
  private readonly memo = new Map<string, readonly number[]>();

  /** Rebuilds a tokenizer from a vocabulary (ids 0..4 must be the special tokens). */
  constructor(vocab: readonly string[], maxWordChars = 100) {
    SPECIAL_TOKENS.forEach((t, i) => {
      if (vocab[i] !== t) throw new UserError(`WordPiece vocabulary: id ${i} must be ${t}, got ${JSON.stringify(vocab[i])}`);
    });
    this.vocab = vocab;
    this.maxWordChars = maxWordChars;
    this.ids = new Map(vocab.map((t, i) => [t, i]));
    if (this.ids.size !== vocab.length) throw new UserError('WordPiece vocabulary: a token appears twice');
  }

  get size(): number {
    return this.vocab.length;
  }

  /** The id of a token string, or undefined. */
  id(token: string): number | undefined {
    return this.ids.get(token);
  }

  /** The ids of `text` (no [CLS]/[SEP]), at most `maxTokens` of them (the first; reading stops there). */
  encode(text: string, maxTokens = Infinity): number[] {
    const out: number[] = [];
    if (maxTokens <= 0) return out;
    for (const m of text.matchAll(WORD)) {
      for (const id of this.encodeWord(m[0].toLowerCase())) {
        out.push(id);
        if (out.length >= maxTokens) return out;
      }
    }
    return out;
  }

  /** The token strings of `text`. */
  tokenize(text: string): string[] {
    return this.encode(text).map((i) => this.vocab[i]);
  }

  /** Text from ids: '##' pieces join the previous token, special tokens other than [UNK] are dropped. */
  decode(ids: ArrayLike<number>): string {
    let s = '';
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k];
      if (id !== UNK_ID && id < FIRST_TOKEN_ID) continue;
      const t = this.vocab[id] ?? SPECIAL_TOKENS[UNK_ID];
      s += t.startsWith('##') ? t.slice(2) : (s === '' ? '' : ' ') + t;
    }
    return s;
  }

  /** Greedy longest-match pieces of one pre-tokenised word. */
  encodeWord(word: string): readonly number[] {
    const hit = this.memo.get(word);
    if (hit) return hit;
    const ids = this.splitWord(word);
    if (this.memo.size < 200_000) this.memo.set(word, ids);
    return ids;
  }

  private splitWord(word: string): number[] {
    const chars = Array.from(word);
    if (chars.length > this.maxWordChars) return [UNK_ID];
    const pieces: number[] = [];
    for (let start = 0; start < chars.length; ) {
      let found = -1;
      let end = chars.length;
      for (; end > start; end--) {
        const piece = (start > 0 ? '##' : '') + chars.slice(start, end).join('');
        const id = this.ids.get(piece);
        if (id !== undefined && id >= FIRST_TOKEN_ID) {
          found = id;
          break;
        }
      }
      if (found < 0) return [UNK_ID];
      pieces.push(found);
      start = end;
    }
    return pieces;
  }
}

/** Trains a vocabulary on `texts` (see the file comment). Deterministic; pure. */
export function trainWordPiece(texts: Iterable<string>, opts: WordPieceOptions = {}): WordPiece {
  const vocabSize = opts.vocabSize ?? DEFAULT_VOCAB_SIZE;
  const minFrequency = opts.minFrequency ?? 2;
  const minCharFrequency = opts.minCharFrequency ?? 10;
  const maxWordChars = opts.maxWordChars ?? 100;
  if (!Number.isInteger(vocabSize) || vocabSize <= FIRST_TOKEN_ID || vocabSize > MAX_VOCAB_SIZE) {
    throw new UserError(`vocabulary size must be an integer in [${FIRST_TOKEN_ID + 1}, ${MAX_VOCAB_SIZE}], got ${vocabSize}`);
  }
  for (const [name, v] of [['minFrequency', minFrequency], ['minCharFrequency', minCharFrequency]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new UserError(`WordPiece ${name} must be an integer >= 1, got ${v}`);
  }

  // Words and their counts.
  const counts = new Map<string, number>();
  for (const text of texts) for (const w of preTokenize(text)) counts.set(w, (counts.get(w) ?? 0) + 1);
  // Sorted, so that nothing below depends on the order of the corpus.
  const words = [...counts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

  // The alphabet: initial and continuation characters by frequency.
  const symCount = new Map<string, number>();
  for (const [w, c] of words) {
    const chars = Array.from(w);
    if (chars.length > maxWordChars) continue;
    chars.forEach((ch, i) => {
      const s = i === 0 ? ch : '##' + ch;
      symCount.set(s, (symCount.get(s) ?? 0) + c);
    });
  }
  const vocab: string[] = [...SPECIAL_TOKENS];
  const alphabet = [...symCount.entries()].filter(([, c]) => c >= minCharFrequency).sort(byCountThenString);
  for (const [s] of alphabet.slice(0, vocabSize - vocab.length)) vocab.push(s);

  // Words as sequences of symbol ids (indices into `vocab`), for the merges; a word with an
  // out-of-alphabet character stays out. A pair (a, b) is the number a * PAIR + b.
  const symbolId = new Map(vocab.map((t, i) => [t, i]));
  const seqs: number[][] = [];
  const freq: number[] = [];
  for (const [w, c] of words) {
    const chars = Array.from(w);
    if (chars.length < 2 || chars.length > maxWordChars) continue;
    const seq = chars.map((ch, i) => symbolId.get(i === 0 ? ch : '##' + ch) ?? -1);
    if (seq.includes(-1)) continue;
    seqs.push(seq);
    freq.push(c);
  }

  const PAIR = 1 << 15; // more symbols than MAX_VOCAB_SIZE; pair numbers stay small integers
  const pairCount = new Map<number, number>();
  // Words that held a pair at some time (may repeat, may be stale: checked when used).
  const pairWords = new Map<number, number[]>();
  const heap = new PairHeap();
  // `before` records the count a pair had before the current merge touched it.
  // A word joins a pair's list when it gains the pair: at the start, and later only for pairs
  // holding the newly merged symbol `fresh` (its other pairs it held before).
  const addPairs = (wi: number, sign: 1 | -1, before: Map<number, number>, fresh = -1): void => {
    const seq = seqs[wi];
    for (let i = 0; i + 1 < seq.length; i++) {
      const key = seq[i] * PAIR + seq[i + 1];
      const old = pairCount.get(key) ?? 0;
      if (!before.has(key)) before.set(key, old);
      pairCount.set(key, old + sign * freq[wi]);
      if (sign > 0 && (fresh < 0 || seq[i] === fresh || seq[i + 1] === fresh)) {
        const list = pairWords.get(key);
        if (list) list.push(wi);
        else pairWords.set(key, [wi]);
      }
    }
  };
  const seen = new Int32Array(seqs.length);
  let mergeNo = 0;
  const initial = new Map<number, number>();
  for (let wi = 0; wi < seqs.length; wi++) addPairs(wi, 1, initial);
  for (const key of initial.keys()) heap.push(pairCount.get(key)!, key);

  while (vocab.length < vocabSize) {
    const top = heap.pop();
    if (!top) break;
    const [count, key] = top;
    const current = pairCount.get(key) ?? 0;
    if (current !== count) {
      // Stale: the heap gets an entry only when a count rises, so a fallen count goes back in.
      if (current > 0 && current < count) heap.push(current, key);
      continue;
    }
    if (count < minFrequency) break;
    const a = Math.floor(key / PAIR);
    const b = key % PAIR;
    const mergedText = vocab[a] + vocab[b].slice(2);
    let merged = symbolId.get(mergedText);
    if (merged === undefined) {
      merged = vocab.length;
      symbolId.set(mergedText, merged);
      vocab.push(mergedText);
    }
    // The result depends on no order below: pair counts are sums and the heap orders totally.
    const touched = new Map<number, number>();
    mergeNo++;
    for (const wi of pairWords.get(key)!) {
      const seq = seqs[wi];
      if (seen[wi] === mergeNo || !hasPair(seq, a, b)) continue; // a repeat, or a word that lost the pair earlier
      seen[wi] = mergeNo;
      addPairs(wi, -1, touched);
      const next: number[] = [];
      for (let i = 0; i < seq.length; i++) {
        if (i + 1 < seq.length && seq[i] === a && seq[i + 1] === b) {
          next.push(merged);
          i++;
        } else next.push(seq[i]);
      }
      seqs[wi] = next;
      addPairs(wi, 1, touched, merged);
    }
    pairWords.delete(key);
    for (const [k, old] of touched) {
      const c = pairCount.get(k)!;
      if (c <= 0) {
        pairCount.delete(k);
        pairWords.delete(k);
      } else if (c > old) heap.push(c, k);
    }
  }
  return new WordPiece(vocab, maxWordChars);
}

function hasPair(seq: readonly number[], a: number, b: number): boolean {
  for (let i = 0; i + 1 < seq.length; i++) if (seq[i] === a && seq[i + 1] === b) return true;
  return false;
}

function byCountThenString(a: [string, number], b: [string, number]): number {
  return b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
}

/** A max-heap of (count, pair) with ties broken by the smaller pair number (entries may be stale; the caller checks). */
class PairHeap {
  private counts: number[] = [];
  private keys: number[] = [];

  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    let i = this.counts.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  pop(): [number, number] | undefined {
    const n = this.counts.length;
    if (n === 0) return undefined;
    const top: [number, number] = [this.counts[0], this.keys[0]];
    this.swap(0, n - 1);
    this.counts.pop();
    this.keys.pop();
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < n - 1 && this.before(l, best)) best = l;
      if (r < n - 1 && this.before(r, best)) best = r;
      if (best === i) break;
      this.swap(i, best);
      i = best;
    }
    return top;
  }

  private before(i: number, j: number): boolean {
    return this.counts[i] > this.counts[j] || (this.counts[i] === this.counts[j] && this.keys[i] < this.keys[j]);
  }

  private swap(i: number, j: number): void {
    [this.counts[i], this.counts[j]] = [this.counts[j], this.counts[i]];
    [this.keys[i], this.keys[j]] = [this.keys[j], this.keys[i]];
  }
}
