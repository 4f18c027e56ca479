import { listDatasets } from '../data/registry.ts';
import { models } from '../nn/models.ts';
import { type OptionSpec, parse } from './args.ts';
import type { Command } from './commands.ts';

const jsonOnly: OptionSpec = { json: { type: 'boolean', help: 'print the list as JSON' } };

/** `lth models` and `lth datasets`. */
export const listCommands: Record<string, Command> = {
  models: {
    usage: 'models [--json]',
    summary: 'list the models',
    options: jsonOnly,
    examples: ['models', 'models --json'],
    async run(argv) {
      const { values } = parse('models', argv, this.options);
      const rows = Object.entries(models).map(([name, m]) => ({ name, dataset: m.dataset, description: m.description }));
      if (values.json) console.log(JSON.stringify(rows, null, 2));
      else for (const r of rows) console.log(`${r.name.padEnd(12)} ${r.dataset.padEnd(10)} ${r.description}`);
      return 0;
    },
  },
  datasets: {
    usage: 'datasets [--json]',
    summary: 'list the datasets and whether each is available here',
    options: jsonOnly,
    examples: ['datasets'],
    async run(argv) {
      const { values } = parse('datasets', argv, this.options);
      const rows = listDatasets();
      if (values.json) console.log(JSON.stringify(rows, null, 2));
      else for (const r of rows) console.log(`${r.name.padEnd(14)} ${(r.available ? 'available' : 'missing').padEnd(10)} ${r.description}`);
      return 0;
    },
  },
};
