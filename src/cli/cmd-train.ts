import { createBackend } from '../backend/index.ts';
import { loadDataset } from '../data/registry.ts';
import { makeOptimizer } from '../optim/optimizer.ts';
import { buildNetwork } from '../train/setup.ts';
import { train } from '../train/trainer.ts';
import { Rng } from '../util/rng.ts';
import { intFlag, numFlag, parse } from './args.ts';
import type { Command } from './commands.ts';
import { ProgressBar } from './progress.ts';

/** `lth train`: trains one dense network and reports its accuracy and speed. */
export const trainCommand: Command = {
  usage: 'train --model M --dataset D [--iterations N] [--seed S] [--backend wasm|js] [--json]',
  summary: 'train one network (Adam, the paper\'s LeNet settings by default)',
  async run(argv) {
    const { values } = parse('train', argv, {
      model: { type: 'string', default: 'lenet300' },
      dataset: { type: 'string', default: 'mnist' },
      iterations: { type: 'string' },
      seed: { type: 'string' },
      backend: { type: 'string', default: 'wasm' },
      'batch-size': { type: 'string' },
      lr: { type: 'string' },
      'eval-every': { type: 'string' },
      dropout: { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    const iterations = intFlag(values, 'iterations', 3000, 1);
    const seed = intFlag(values, 'seed', 1, 0);
    const batchSize = intFlag(values, 'batch-size', 60, 1);
    const evalEvery = intFlag(values, 'eval-every', 100, 1);
    const lr = numFlag(values, 'lr', 1.2e-3);
    const dropout = numFlag(values, 'dropout', 0);
    const b = await createBackend(String(values.backend));
    const data = await loadDataset(String(values.dataset));
    const rng = new Rng(seed);
    const net = buildNetwork(b, String(values.model), data, rng.split('init'), { dropout });
    const opt = makeOptimizer(b, net.params, { kind: 'adam', lr });
    const bar = new ProgressBar(iterations, `train ${values.model}`, process.stderr, !values.json);
    const gen = train(b, net.model, net.params, opt, data, { iterations, batchSize, evalEvery, lr: () => lr }, { data: rng.split('data'), dropout: rng.split('dropout') });
    let status = '';
    let r = gen.next();
    while (!r.done) {
      const ev = r.value;
      if (ev.kind === 'eval') status = `val loss ${ev.record.valLoss.toFixed(4)} test acc ${(ev.record.testAccuracy * 100).toFixed(2)}%`;
      bar.update(ev.kind === 'eval' ? ev.record.iteration : ev.iteration, status);
      r = gen.next();
    }
    bar.done();
    const res = r.value;
    const out = {
      model: values.model,
      dataset: data.name,
      backend: b.name,
      seed,
      iterations,
      batchSize,
      testAccuracy: res.final.testAccuracy,
      valLoss: res.final.valLoss,
      valAccuracy: res.final.valAccuracy,
      earlyStopIteration: res.earlyStop.iteration,
      testAccuracyAtEarlyStop: res.earlyStop.testAccuracy,
      stepsPerSecond: res.stepsPerSecond,
      seconds: res.seconds,
    };
    if (values.json) {
      console.log(JSON.stringify(out));
    } else {
      console.log(`${out.model} on ${out.dataset} (${out.backend}), ${iterations} iterations, seed ${seed}`);
      console.log(`  test accuracy ${(out.testAccuracy * 100).toFixed(2)}%  val loss ${out.valLoss.toFixed(4)}`);
      console.log(`  early stop at iteration ${out.earlyStopIteration}: test accuracy ${(out.testAccuracyAtEarlyStop * 100).toFixed(2)}%`);
      console.log(`  ${out.stepsPerSecond.toFixed(0)} steps/s, ${out.seconds.toFixed(1)} s in all`);
    }
    return 0;
  },
};
