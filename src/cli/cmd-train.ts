import { createBackend } from '../backend/index.ts';
import { loadDataset } from '../data/registry.ts';
import { makeOptimizer } from '../optim/optimizer.ts';
import { lrSchedule } from '../optim/schedule.ts';
import { UserError } from '../util/errors.ts';
import { buildNetwork } from '../train/setup.ts';
import { train } from '../train/trainer.ts';
import { Rng } from '../util/rng.ts';
import { intFlag, numFlag, parse } from './args.ts';
import type { Command } from './commands.ts';
import { ProgressBar } from './progress.ts';

/** `lth train`: trains one dense network and reports its accuracy and speed. */
export const trainCommand: Command = {
  usage: 'train --model M --dataset D [--iterations N] [--seed S] [--backend wasm|js|tfjs-wasm] [--width W] [--optimizer adam|sgd --momentum 0.9 --weight-decay 1e-4] [--milestones 80000,120000 --gamma 0.1 --warmup N] [--crop 4 --flip] [--normalize true|feature|channel] [--json]',
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
      width: { type: 'string' },
      optimizer: { type: 'string', default: 'adam' },
      momentum: { type: 'string' },
      'weight-decay': { type: 'string' },
      milestones: { type: 'string' },
      gamma: { type: 'string' },
      warmup: { type: 'string' },
      crop: { type: 'string' },
      flip: { type: 'boolean', default: false },
      normalize: { type: 'string' },
      'eval-batch-size': { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    const iterations = intFlag(values, 'iterations', 3000, 1);
    const seed = intFlag(values, 'seed', 1, 0);
    const batchSize = intFlag(values, 'batch-size', 60, 1);
    const evalEvery = intFlag(values, 'eval-every', 100, 1);
    const lr = numFlag(values, 'lr', 1.2e-3);
    const dropout = numFlag(values, 'dropout', 0);
    const widthMultiplier = numFlag(values, 'width', 1);
    const kind = String(values.optimizer);
    if (kind !== 'adam' && kind !== 'sgd') throw new UserError(`--optimizer: expected adam or sgd, got '${kind}'`);
    const weightDecay = numFlag(values, 'weight-decay', 0);
    const milestones = typeof values.milestones === 'string' ? values.milestones.split(',').map((m) => intFlag({ milestones: m }, 'milestones', 0, 1)) : [];
    const schedule = lrSchedule({ lr, milestones, gamma: numFlag(values, 'gamma', 0.1), warmupIterations: intFlag(values, 'warmup', 0, 0) });
    const normalize = values.normalize === undefined ? false : values.normalize === 'true' ? true : String(values.normalize);
    if (normalize !== false && normalize !== true && normalize !== 'feature' && normalize !== 'channel') {
      throw new UserError(`--normalize: expected true, feature or channel, got '${normalize}'`);
    }
    const augment = { crop: intFlag(values, 'crop', 0, 0), flip: Boolean(values.flip) };
    const b = await createBackend(String(values.backend), { fallback: true }); // no lth.wasm / no SIMD: tfjs-wasm, with a warning
    const data = await loadDataset(String(values.dataset), { normalize, splitSeed: seed }); // as `lth run`'s default valSplit: 'seeded'
    const rng = new Rng(seed);
    const net = buildNetwork(b, String(values.model), data, rng.split('init'), { dropout, widthMultiplier });
    const opt = makeOptimizer(b, net.params, kind === 'adam' ? { kind, lr, weightDecay } : { kind, lr, momentum: numFlag(values, 'momentum', 0), weightDecay });
    const bar = new ProgressBar(iterations, `train ${values.model}`, process.stderr, !values.json);
    const gen = train(b, net.model, net.params, opt, data, { iterations, batchSize, evalEvery, lr: schedule, augment, evalBatchSize: intFlag(values, 'eval-batch-size', 1000, 1) }, { data: rng.split('data'), dropout: rng.split('dropout') });
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
    if (res.diverged) {
      // Not a user-input error (exit 2): the settings ran, and training blew up.
      const { iteration, loss } = res.diverged;
      if (values.json) console.log(JSON.stringify({ model: values.model, dataset: data.name, backend: b.name, seed, iterations, batchSize, diverged: { iteration, loss: String(loss) } }));
      process.stderr.write(`lth: diverged at iteration ${iteration} (loss ${loss}); lower the learning rate\n`);
      return 1;
    }
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
