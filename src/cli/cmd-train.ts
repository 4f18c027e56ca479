import { createBackend } from '../backend/index.ts';
import { loadDataset } from '../data/registry.ts';
import { makeOptimizer } from '../optim/optimizer.ts';
import { lrSchedule } from '../optim/schedule.ts';
import { buildNetwork } from '../train/setup.ts';
import { train } from '../train/trainer.ts';
import { Rng } from '../util/rng.ts';
import { augmentSchema as experimentAugment, experimentSchema as E, optimizerSchema as O } from '../experiment/config.ts';
import { type OptionSpec, fieldFlag, fieldOption, parse } from './args.ts';
import type { Command } from './commands.ts';
import { ProgressBar } from './progress.ts';

/** The flags of `lth train`: the numeric ones carry their config field's help and range. */
const trainFlags: OptionSpec = {
  model: { type: 'string', arg: 'M', default: 'lenet300', help: 'model name (see lth models)' },
  dataset: { type: 'string', arg: 'D', default: 'mnist', help: 'dataset name (see lth datasets)' },
  iterations: fieldOption(E.iterations, 'N', 'training iterations [default: 3000]'),
  seed: fieldOption(E.seed, 'S', 'seed of init, batch order and dropout [default: 1]'),
  backend: { type: 'string', arg: 'B', default: 'wasm', help: 'compute backend: wasm, js or tfjs-wasm' },
  threads: fieldOption(E.threads, 'N', 'kernel threads on the wasm backend (results do not depend on it) [default: 0, every core]'),
  'batch-size': fieldOption(E.batchSize, 'N', 'minibatch size [default: 60]'),
  lr: fieldOption(O.lr, 'LR', 'learning rate [default: 0.0012]'),
  'eval-every': fieldOption(E.evalEvery, 'N', 'evaluate on validation and test every N iterations [default: 100]'),
  dropout: fieldOption(E.dropout, 'P', 'dropout probability on hidden layers [default: 0]'),
  width: fieldOption(E.widthMultiplier, 'W', 'multiplies hidden widths [default: 1]'),
  optimizer: { ...fieldOption(O.kind, 'adam|sgd', 'optimizer'), default: 'adam' },
  momentum: fieldOption(O.momentum, 'M', 'SGD momentum [default: 0]'),
  'weight-decay': fieldOption(O.weightDecay, 'WD', 'L2 weight decay [default: 0]'),
  milestones: fieldOption(O.milestones, 'I,I,...', 'iterations after which the learning rate is multiplied by gamma'),
  gamma: fieldOption(O.gamma, 'G', 'learning-rate decay factor at each milestone [default: 0.1]'),
  warmup: fieldOption(O.warmupIterations, 'N', 'linear learning-rate warmup iterations [default: 0]'),
  crop: fieldOption(experimentAugment.crop, 'PX', 'random crop: zero padding in pixels before cropping back [default: 0]'),
  flip: { type: 'boolean', default: false, help: 'random horizontal flip' },
  normalize: fieldOption(E.normalize, 'MODE', 'standardise with training-split statistics: true, feature, channel or false [default: false]'),
  'eval-batch-size': fieldOption(E.evalBatchSize, 'N', 'rows per evaluation forward pass [default: 1000]'),
  json: { type: 'boolean', default: false, help: 'no progress bar; print the result as JSON' },
};

/** `lth train`: trains one dense network and reports its accuracy and speed. */
export const trainCommand: Command = {
  usage: 'train --model M --dataset D [--iterations N] [--seed S] [--backend wasm|js|tfjs-wasm] [--threads N] [--width W] [--optimizer adam|sgd --momentum 0.9 --weight-decay 1e-4] [--milestones 80000,120000 --gamma 0.1 --warmup N] [--crop 4 --flip] [--normalize true|feature|channel] [--json]',
  summary: 'train one network (Adam, the paper\'s LeNet settings by default)',
  options: trainFlags,
  examples: ['train --model lenet300 --dataset mnist --iterations 3000', 'train --model conv2 --dataset synthetic --width 0.25 --optimizer sgd --lr 0.05 --momentum 0.9 --iterations 200'],
  async run(argv) {
    const { values } = parse('train', argv, this.options);
    // each value is checked by its config field: the same ranges as a config file's
    const iterations = fieldFlag(values, 'iterations', E.iterations, 3000);
    const seed = fieldFlag(values, 'seed', E.seed);
    const batchSize = fieldFlag(values, 'batch-size', E.batchSize);
    const evalEvery = fieldFlag(values, 'eval-every', E.evalEvery);
    const lr = fieldFlag(values, 'lr', O.lr);
    const dropout = fieldFlag(values, 'dropout', E.dropout);
    const widthMultiplier = fieldFlag(values, 'width', E.widthMultiplier);
    const kind = fieldFlag(values, 'optimizer', O.kind);
    const weightDecay = fieldFlag(values, 'weight-decay', O.weightDecay);
    const momentum = fieldFlag(values, 'momentum', O.momentum);
    const milestones = fieldFlag(values, 'milestones', O.milestones);
    const schedule = lrSchedule({ lr, milestones, gamma: fieldFlag(values, 'gamma', O.gamma), warmupIterations: fieldFlag(values, 'warmup', O.warmupIterations) });
    const normalize = fieldFlag(values, 'normalize', E.normalize);
    const augment = { crop: fieldFlag(values, 'crop', experimentAugment.crop), flip: Boolean(values.flip) };
    const threads = fieldFlag(values, 'threads', E.threads);
    const b = await createBackend(String(values.backend), { fallback: true, threads }); // no lth.wasm / no SIMD: tfjs-wasm, with a warning
    const data = await loadDataset(String(values.dataset), { normalize, splitSeed: seed }); // as `lth run`'s default valSplit: 'seeded'
    const rng = new Rng(seed);
    const net = buildNetwork(b, String(values.model), data, rng.split('init'), { dropout, widthMultiplier });
    const opt = makeOptimizer(b, net.params, kind === 'adam' ? { kind, lr, weightDecay } : { kind, lr, momentum, weightDecay });
    const bar = new ProgressBar(iterations, `train ${values.model}`, process.stderr, !values.json);
    const gen = train(b, net.model, net.params, opt, data, { iterations, batchSize, evalEvery, lr: schedule, augment, evalBatchSize: fieldFlag(values, 'eval-batch-size', E.evalBatchSize), model: String(values.model) }, { data: rng.split('data'), dropout: rng.split('dropout') });
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
