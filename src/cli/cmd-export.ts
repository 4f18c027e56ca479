import { dirname, resolve } from 'node:path';
import { writeFileAtomic } from '../experiment/io/atomic.ts';
import { csrShape, encodeSparseModel, hasWeight, specDensity } from '../infer/format.ts';
import { sparseSpecFromRun } from '../infer/export.ts';
import { onnxModelFromRun } from '../infer/onnx.ts';
import { UserError } from '../util/errors.ts';
import { intFlag, parse } from './args.ts';
import type { Command } from './commands.ts';
import { checkOutFile, withOutput } from './fs-errors.ts';

const FORMATS = ['lth', 'onnx'] as const;

/** `lth export`: writes one trained ticket of a run directory as a compact sparse model (model.lth) or an ONNX model. */
export const exportCommand: Command = {
  usage: 'export <run-dir> --round R [--trial T] [--branch B] [--format lth|onnx] --out FILE [--json]',
  summary: 'save a trained ticket as a compact sparse model (CSR: mask + surviving weights) or as ONNX',
  options: {
    round: { type: 'string', arg: 'R', help: 'pruning round whose trained network to save (required; 0 is the dense network)' },
    trial: { type: 'string', arg: 'T', help: 'trial to take it from [default: 0]' },
    branch: { type: 'string', arg: 'B', default: 'ticket', help: 'branch to take it from (ticket, reinit, randomPrune, ...)' },
    format: { type: 'string', arg: 'F', help: 'lth (model.lth: CSR, runs on lth/edge) or onnx (standard ONNX, opset 13, pruned weights as zeros) [default: onnx for an --out ending in .onnx, else lth]' },
    out: { type: 'string', arg: 'FILE', help: 'the model file to write (required), e.g. model.lth or model.onnx' },
    json: { type: 'boolean', default: false, help: 'print a JSON summary of the saved model' },
  },
  examples: ['export runs/quick --round 10 --out lenet-10.lth', 'export runs/quick --round 10 --format onnx --out lenet-10.onnx'],
  async run(argv) {
    const { values, positionals } = parse('export', argv, this.options);
    if (positionals.length !== 1) throw new UserError(`lth export: expected one run directory, got ${positionals.length}`);
    if (values.round === undefined) throw new UserError('lth export: --round is required');
    if (values.out === undefined) throw new UserError('lth export: --out is required (e.g. --out model.lth)');
    const format = values.format === undefined ? (String(values.out).toLowerCase().endsWith('.onnx') ? 'onnx' : 'lth') : String(values.format);
    if (!(FORMATS as readonly string[]).includes(format)) throw new UserError(`lth export: --format must be one of ${FORMATS.join(', ')}, got '${format}'`);
    checkOutFile('--out', String(values.out), format === 'onnx' ? 'model.onnx' : 'model.lth');
    const opts = { round: intFlag(values, 'round', 0, 0), trial: intFlag(values, 'trial', 0, 0), branch: String(values.branch) };
    const { spec, bytes } = format === 'onnx' ? onnxModelFromRun(positionals[0], opts) : ((s) => ({ spec: s, bytes: encodeSparseModel(s) }))(sparseSpecFromRun(positionals[0], opts));
    const out = resolve(String(values.out));
    await withOutput('--out', out, () => writeFileAtomic(out, bytes), dirname(out));
    const summary = {
      out,
      format,
      bytes: bytes.length,
      model: spec.model,
      density: specDensity(spec),
      layers: spec.layers.filter(hasWeight).map((l) => ({ name: l.name, kind: l.kind, shape: csrShape(l), nonzeros: l.values.length })),
      ...spec.info,
    };
    if (values.json) {
      console.log(JSON.stringify(summary));
    } else {
      console.log(`${out}: ${spec.model}, ${(summary.density * 100).toFixed(2)}% of weights, ${(bytes.length / 1024).toFixed(1)} KiB`);
      for (const l of summary.layers) console.log(`  ${l.name.padEnd(8)} ${l.kind.padEnd(6)} [${l.shape.join(', ')}]  ${l.nonzeros} nonzeros`);
    }
    return 0;
  },
};
