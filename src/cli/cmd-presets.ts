import { existsSync } from 'node:fs';
import { branchList } from '../experiment/branches/registry.ts';
import { experimentSchema } from '../experiment/config.ts';
import { presetConfig, presets } from '../experiment/presets.ts';
import { writeReport } from '../experiment/report/report.ts';
import type { Field } from '../experiment/schema.ts';
import { UserError } from '../util/errors.ts';
import { parse } from './args.ts';
import type { Command } from './commands.ts';

/** `lth presets`, `lth config` and `lth report`. */
export const presetCommands: Record<string, Command> = {
  presets: {
    usage: 'presets [--json]',
    summary: 'list the presets with their full settings',
    options: { json: { type: 'boolean', help: 'print every preset\'s resolved config as JSON' } },
    examples: ['presets', 'presets --json'],
    async run(argv) {
      const { values } = parse('presets', argv, this.options);
      const all = Object.fromEntries(Object.entries(presets).map(([n, p]) => [n, { description: p.description, config: presetConfig(n) }]));
      if (values.json) {
        console.log(JSON.stringify(all, null, 2));
        return 0;
      }
      for (const [n, p] of Object.entries(all)) {
        const c = p.config;
        console.log(`${n}\n  ${p.description}`);
        console.log(`  model ${c.model}, dataset ${c.dataset}, ${c.iterations} iterations, batch ${c.batchSize}, ${c.optimizer.kind} lr ${c.optimizer.lr}, eval every ${c.evalEvery}`);
        const rates = c.pruning.strategy === 'global' ? `global ${c.pruning.rate}` : Object.entries(c.pruning.rates).map(([k, v]) => `${k} ${v}`).join(', ');
        console.log(`  pruning ${c.pruning.schedule} ${c.pruning.rounds} rounds (${rates}), rewind to iteration ${c.pruning.rewindIteration}; branches ${c.branches.join(', ')}; ${c.trials} trial(s)\n`);
      }
      return 0;
    },
  },
  config: {
    usage: 'config',
    summary: 'print every config field with its default and meaning, and every branch',
    options: {},
    examples: ['config'],
    async run(argv) {
      parse('config', argv, this.options);
      const walk = (schema: Record<string, Field<unknown>>, prefix: string): void => {
        for (const [k, f] of Object.entries(schema)) {
          const nested = (f as unknown as { schema?: Record<string, Field<unknown>> }).schema;
          if (nested) walk(nested, `${prefix}${k}.`);
          else console.log(`${(prefix + k).padEnd(26)} ${JSON.stringify(f.default).padEnd(32)} ${f.help}`);
        }
      };
      walk(experimentSchema as unknown as Record<string, Field<unknown>>, '');
      // what each branch does, from the branch registry (the specs describe themselves)
      console.log('\nbranches (the config\'s "branches" list):');
      for (const b of branchList) console.log(`  ${b.name.padEnd(12)} ${b.description}${b.section ? ` [settings: ${b.section.key}]` : ''}`);
      return 0;
    },
  },
  report: {
    usage: 'report <run-dir>',
    summary: 'regenerate report.html and the SVG plots of a run',
    options: {},
    examples: ['report runs/quick'],
    async run(argv) {
      const { positionals } = parse('report', argv, this.options);
      if (positionals.length !== 1) throw new UserError('lth report: expected one run directory');
      if (!existsSync(positionals[0])) throw new UserError(`lth report: no such run directory: ${positionals[0]}`);
      for (const f of writeReport(positionals[0])) console.log(f);
      return 0;
    },
  },
};
