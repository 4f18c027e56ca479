// `lth <command> --help`, `-h` and `lth help <command>`: usage, every flag with its meaning and
// an example, exit 0, for every command in the registry.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { commands } from '../../src/cli/commands.ts';
import { wantsHelp } from '../../src/cli/help.ts';
import { assertUserError, lthInProcess, lthSpawn } from '../fixtures/cli.ts';

test('every command answers --help and -h with usage, flags with meanings and an example, exit 0', async () => {
  for (const [name, cmd] of Object.entries(commands)) {
    assert.ok(cmd.examples.length > 0, `${name} declares an example`);
    for (const [flag, spec] of Object.entries(cmd.options)) assert.ok(spec.help && spec.help.length > 0, `lth ${name} --${flag} has a help line`);
    for (const argv of [[name, '--help'], [name, '-h'], ['help', name], [name, 'some-positional', '--json', '--help']]) {
      const r = await lthInProcess(...argv);
      assert.is(r.code, 0, `lth ${argv.join(' ')}: ${r.stderr}`);
      assert.is(r.stderr, '', `lth ${argv.join(' ')} writes nothing to stderr`);
      assert.ok(r.stdout.includes(`lth ${cmd.usage}`), `lth ${argv.join(' ')} prints the usage`);
      for (const ex of cmd.examples) assert.ok(r.stdout.includes(`lth ${ex}`), `lth ${argv.join(' ')} prints the example ${ex}`);
      for (const flag of Object.keys(cmd.options)) assert.match(r.stdout, new RegExp(`--${flag}\\b.*\\S`), `lth ${argv.join(' ')} lists --${flag}`);
      assert.match(r.stdout, /-h, --help/);
    }
  }
});

test('help lines name the config ranges the flags check', async () => {
  const r = await lthInProcess('train', '--help');
  assert.match(r.stdout, /--dropout P\s+dropout probability.*\[0, 1\)/);
  assert.match(r.stdout, /--seed S\s+.*\[0, 4294967295\]/);
});

test('--help after -- is a positional, not a help request; unknown commands still fail', async () => {
  assert.ok(wantsHelp(['x', '--help']));
  assert.not.ok(wantsHelp(['--', '--help']));
  assertUserError(await lthInProcess('help', 'frobnicate'), ["unknown command 'frobnicate'"]);
  assertUserError(await lthInProcess('frobnicate', '--help'), ["unknown command 'frobnicate'"]);
});

test('the real process: lth train --help and lth run -h exit 0 with the example', () => {
  for (const argv of [['train', '--help'], ['run', '-h']]) {
    const r = lthSpawn(...argv);
    assert.is(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(`lth ${commands[argv[0]].examples[0]}`), r.stdout);
  }
});

test.run();
