import { UserError } from '../util/errors.ts';
import { commands } from './commands.ts';

/** Entry point of the `lth` command: dispatches to a subcommand; user errors exit 2. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return 0;
  }
  const cmd = Object.hasOwn(commands, name) ? commands[name] : undefined;
  try {
    if (cmd === undefined) throw new UserError(`unknown command '${name}': expected one of ${Object.keys(commands).join(', ')}`);
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof UserError) {
      process.stderr.write(`lth: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

function usage(): string {
  const lines = Object.values(commands).map((c) => `  lth ${c.usage}\n      ${c.summary}`);
  return `lth — lottery ticket experiments on WebAssembly SIMD\n\nUsage:\n${lines.join('\n')}\n`;
}
