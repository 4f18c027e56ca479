import { benchCommand } from './cmd-bench.ts';
import { exportCommand } from './cmd-export.ts';
import { inferCommand } from './cmd-infer.ts';
import { instabilityCommand } from './cmd-instability.ts';
import { listCommands } from './cmd-list.ts';
import { presetCommands } from './cmd-presets.ts';
import { runCommand } from './cmd-run.ts';
import { trainCommand } from './cmd-train.ts';

/** A subcommand of `lth`. */
export interface Command {
  usage: string;
  summary: string;
  /** Runs it; returns the process exit code. UserErrors are reported by main. */
  run(argv: string[]): Promise<number>;
}

/** Every subcommand by name. */
export const commands: Record<string, Command> = {
  train: trainCommand,
  run: runCommand,
  instability: instabilityCommand,
  ...presetCommands,
  bench: benchCommand,
  export: exportCommand,
  infer: inferCommand,
  ...listCommands,
};
