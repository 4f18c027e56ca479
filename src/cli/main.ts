import { UserError } from '../util/errors.ts';
import { commands } from './commands.ts';
import { describeFsError, fsErrorOf } from './fs-errors.ts';
import { commandHelp, overview, wantsHelp } from './help.ts';

/**
 * Entry point of the `lth` command: dispatches to a subcommand. `lth <command> --help` (or -h,
 * or `lth help <command>`) prints that command's help, exit 0; user errors exit 2 with one line.
 */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
      process.stdout.write(overview(commands));
      return 0;
    }
    const helpOf = name === 'help' ? rest[0] : wantsHelp(rest) ? name : undefined;
    const cmdName = helpOf ?? name;
    const cmd = Object.hasOwn(commands, cmdName) ? commands[cmdName] : undefined;
    if (cmd === undefined) throw new UserError(`unknown command '${cmdName}': expected one of ${Object.keys(commands).join(', ')}`);
    if (helpOf !== undefined) {
      process.stdout.write(commandHelp(cmdName, cmd));
      return 0;
    }
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof UserError) {
      process.stderr.write(`lth: ${e.message}\n`);
      return 2;
    }
    // a file the user pointed at (or a place they cannot write) that no command caught: one line too
    const fe = fsErrorOf(e);
    if (fe !== undefined && fe.path !== undefined) {
      process.stderr.write(`lth: ${describeFsError(fe)}\n`);
      return 2;
    }
    throw e;
  }
}
