import type { OptionSpec } from './args.ts';
import { benchCommand } from './cmd-bench.ts';
import { exportCommand } from './cmd-export.ts';
import { inferCommand } from './cmd-infer.ts';
import { instabilityCommand } from './cmd-instability.ts';
import { listCommands } from './cmd-list.ts';
import { presetCommands } from './cmd-presets.ts';
import { runCommand } from './cmd-run.ts';
import { statusCommand } from './cmd-status.ts';
import { trainCommand } from './cmd-train.ts';
import { workerCommand } from './cmd-worker.ts';

/** A subcommand of `lth`: what `lth help` lists and `lth <command> --help` prints, and its body. */
export interface Command {
  usage: string;
  summary: string;
  /** Its flags with a one-line meaning each; run() parses argv with them. */
  options: OptionSpec;
  /** Example command lines, without the leading `lth ` (help prints them). */
  examples: string[];
  /** Runs it; returns the process exit code. UserErrors are reported by main. */
  run(argv: string[]): Promise<number>;
}

/** Every subcommand by name. */
export const commands: Record<string, Command> = {
  train: trainCommand,
  run: runCommand,
  worker: workerCommand,
  status: statusCommand,
  instability: instabilityCommand,
  ...presetCommands,
  bench: benchCommand,
  export: exportCommand,
  infer: inferCommand,
  ...listCommands,
};
