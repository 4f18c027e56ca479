import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CLS_ID, FIRST_TOKEN_ID, MASK_ID, PAD_ID, preTokenize, SEP_ID, SPECIAL_TOKENS, trainWordPiece, UNK_ID, WordPiece } from '../../src/data/wordpiece.ts';
import { Rng } from '../../src/util/rng.ts';
import { throwsUser } from '../fixtures/user-error.ts';

/** A small corpus with frequent words, their inflections and punctuation. */
function corpus(): string[] {
  const words = ['the', 'cat', 'cats', 'sat', 'sitting', 'on', 'mat', 'mats', 'free', 'offer', 'offers', 'money', 'click', 'here', 'now', 'unsubscribe'];
  const rng = new Rng(5);
  return Array.from({ length: 300 }, () => Array.from({ length: 12 }, () => words[rng.int(words.length)]).join(' ') + (rng.next() < 0.5 ? '!' : '.'));
}

test('pre-tokenisation lowercases and splits punctuation off', () => {
  assert.equal(preTokenize('Hello, World!  $100 e-mail'), ['hello', ',', 'world', '!', '$', '100', 'e', '-', 'mail']);
});

test('special ids are fixed: 0 [PAD], 1 [UNK], 2 [CLS], 3 [SEP], 4 [MASK]', () => {
  const tok = trainWordPiece(corpus(), { vocabSize: 60 });
  assert.equal(tok.vocab.slice(0, 5), ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
  assert.equal([PAD_ID, UNK_ID, CLS_ID, SEP_ID, MASK_ID, FIRST_TOKEN_ID], [0, 1, 2, 3, 4, 5]);
  assert.equal(SPECIAL_TOKENS.map((t) => tok.id(t)), [0, 1, 2, 3, 4]);
  // special strings in text are ordinary characters, never the special ids
  assert.not.ok(tok.encode('[mask] [cls]').some((id) => id < FIRST_TOKEN_ID && id !== UNK_ID));
});

test('deterministic: same corpus and settings, same vocabulary, whatever the order of the texts', () => {
  const a = trainWordPiece(corpus(), { vocabSize: 80 });
  const b = trainWordPiece(corpus(), { vocabSize: 80 });
  const c = trainWordPiece(new Rng(9).shuffle(corpus()), { vocabSize: 80 });
  assert.equal(a.vocab, b.vocab);
  assert.equal(a.vocab, c.vocab);
  assert.is(new Set(a.vocab).size, a.vocab.length);
  assert.equal(trainWordPiece(corpus(), { vocabSize: 70 }).vocab, a.vocab.slice(0, 70)); // a smaller cap is a prefix
  // the cap holds; below it, training stops when every word is one piece
  const big = trainWordPiece(corpus(), { vocabSize: 4000 });
  assert.ok(big.vocab.length < 4000);
  for (const w of ['unsubscribe', 'sitting', 'offers']) assert.equal(big.tokenize(w), [w]);
});

test('known words round-trip; frequent words become one token; pieces join with ##', () => {
  const tok = trainWordPiece(corpus(), { vocabSize: 200 });
  const text = 'the cats sat on the mat. click here now!';
  const ids = tok.encode(text);
  assert.ok(ids.every((id) => id >= FIRST_TOKEN_ID));
  assert.is(tok.decode(ids), 'the cats sat on the mat . click here now !');
  assert.equal(tok.tokenize('the offer'), ['the', 'offer']);
  // a word never seen whole is spelled from pieces of the alphabet and merges
  const pieces = tok.tokenize('mattress');
  assert.ok(pieces.length > 1 && pieces.slice(1).every((p) => p.startsWith('##')), pieces.join(' '));
  assert.is(tok.decode(tok.encode('mattress')), 'mattress');
});

test('an unseen character makes its word [UNK]; long words too', () => {
  const tok = trainWordPiece(corpus(), { vocabSize: 100 });
  assert.equal(tok.encode('the ☃ cat'), [tok.id('the')!, UNK_ID, ...tok.encode('cat')]);
  assert.equal(tok.encode('caté'), [UNK_ID]);
  assert.equal(tok.encode('a'.repeat(101)), [UNK_ID]);
  assert.is(tok.decode([UNK_ID]), '[UNK]');
});

test('maxTokens keeps the first tokens only', () => {
  const tok = trainWordPiece(corpus(), { vocabSize: 100 });
  const all = tok.encode('the cat sat on the mat');
  assert.equal(tok.encode('the cat sat on the mat', 3), all.slice(0, 3));
  assert.equal(tok.encode('the cat', 0), []);
});

test('rebuilt from its vocabulary it encodes the same; bad vocabularies and sizes are user errors', () => {
  const tok = trainWordPiece(corpus(), { vocabSize: 100 });
  const again = new WordPiece([...tok.vocab]);
  assert.equal(again.encode('the cats offers money'), tok.encode('the cats offers money'));
  throwsUser(() => new WordPiece(['[PAD]', '[CLS]']), ['id 1', '[UNK]']);
  throwsUser(() => trainWordPiece(['x'], { vocabSize: 5 }), ['vocabulary size', '5']);
  throwsUser(() => trainWordPiece(['x'], { vocabSize: 10, minFrequency: 0 }), ['minFrequency']);
});

test.run();
