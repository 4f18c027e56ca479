import type { OptionSpec } from './args.ts';
import type { Command } from './commands.ts';

/** The help flags every command answers (main dispatch handles them, before the command parses). */
export const HELP_FLAGS = ['--help', '-h'];

/** Whether argv asks for help: `--help` or `-h` before a `--` that ends the flags. */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((a) => HELP_FLAGS.includes(a));
}

// One row per flag: `  -s, --name ARG   meaning [default: x]`.
function flagRows(options: OptionSpec): [string, string][] {
  const rows: [string, string][] = Object.entries(options).map(([name, f]) => {
    const left = `${f.short ? `-${f.short}, ` : '    '}--${name}${f.type === 'string' ? ` ${f.arg ?? 'VALUE'}` : ''}`;
    const def = f.default !== undefined && f.default !== false ? ` [default: ${f.default}]` : '';
    return [left, `${f.help ?? ''}${def}`];
  });
  rows.push(['-h, --help', 'show this help']);
  return rows;
}

/** The help text of one command: summary, usage, every flag with its meaning, examples. */
export function commandHelp(name: string, cmd: Command): string {
  const rows = flagRows(cmd.options);
  const width = Math.min(32, Math.max(...rows.map(([l]) => l.length)) + 2);
  const flags = rows.map(([l, r]) => (l.length + 2 > width ? `  ${l}\n  ${' '.repeat(width)}${r}` : `  ${l.padEnd(width)}${r}`));
  return [
    `lth ${name}: ${cmd.summary}`,
    '',
    'Usage:',
    `  lth ${cmd.usage}`,
    '',
    'Flags:',
    ...flags,
    '',
    cmd.examples.length > 1 ? 'Examples:' : 'Example:',
    ...cmd.examples.map((e) => `  lth ${e}`),
    '',
  ].join('\n');
}

/** The overview `lth help` prints: every command's usage and summary. */
export function overview(commands: Record<string, Command>): string {
  const lines = Object.values(commands).map((c) => `  lth ${c.usage}\n      ${c.summary}`);
  return `lth — lottery ticket experiments on WebAssembly SIMD\n\nUsage:\n${lines.join('\n')}\n\n'lth <command> --help' (or 'lth help <command>') shows a command's flags and an example.\n`;
}
