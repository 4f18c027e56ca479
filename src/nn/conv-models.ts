/**
 * The paper's convolutional networks, built from conv-layers.ts (registered by name in
 * models.ts). Every channel and hidden width is scaled by `widthMultiplier` (rounded, at least
 * 1) so the same architecture fits a CPU; `dropout` > 0 puts a Dropout before every fully
 * connected layer (the paper's dropout variants of Conv-2/4/6 use 0.5).
 *
 *   conv2/4/6  Frankle & Carbin Fig. 2: pairs of 3x3 'same' convs (64, 128, 256) with bias and
 *              ReLU, a 2x2 max-pool after each pair, then fc 256-256-classes. No BatchNorm.
 *   vgg19      the CIFAR VGG-19 of the paper / open_lth: 3x3 convs 64,64,M,128,128,M,256x4,M,
 *              512x4,M,512x4, each conv + BatchNorm + ReLU (no conv bias), global average
 *              pool, fc to classes (on 32x32 input the last plane is 2x2, as in open_lth).
 *   resnet20   the paper's "Resnet-18" for CIFAR (He et al.'s ResNet-20): 3x3 conv 16 + BN +
 *              ReLU, three stages of three BasicBlocks (16, 32, 64 filters; stride 2 entering
 *              stages 2 and 3; 1x1 conv + BN shortcuts there), global average pool, fc.
 */
import type { Backend } from '../backend/backend.ts';
import { UserError } from '../util/errors.ts';
import { BasicBlock, BatchNorm2d, Conv2d, Flatten, GlobalAvgPool, MaxPool2d, Unflatten } from './conv-layers.ts';
import { Dropout, Linear, Sequential } from './layers.ts';
import type { ModelOptions, ModelSpec } from './models.ts';
import type { Module } from './module.ts';

/** [C, H, W] of the data, or a UserError naming the model. */
function imageShape(model: string, shape: readonly number[]): [number, number, number] {
  if (shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new UserError(`model ${model} needs image data of shape [channels, height, width], got [${shape.join(', ')}]`);
  }
  return [shape[0], shape[1], shape[2]];
}

/** Scales a width by the multiplier: round(c * m), at least 1. */
function scaled(c: number, o: ModelOptions): number {
  return Math.max(1, Math.round(c * (o.widthMultiplier ?? 1)));
}

/**
 * The fully connected head over `sizes` (input, hidden..., classes): [Dropout] fc ReLU ...
 * [Dropout] fc. Layers are fc1, fc2, ..., or plain "fc" when there is only the output layer.
 */
function head(b: Backend, sizes: number[], dropout: number): Module[] {
  const layers: Module[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    if (dropout > 0) layers.push(new Dropout(dropout));
    const name = sizes.length === 2 ? 'fc' : `fc${i + 1}`;
    layers.push(new Linear(b, name, sizes[i], sizes[i + 1], i + 2 < sizes.length));
  }
  return layers;
}

/** Conv-2/4/6: `stages` pairs of convs (widths per stage), each pair followed by a max-pool. */
export function convNet(b: Backend, model: string, o: ModelOptions, stages: number[], fc: number[]): Sequential {
  const [c, h, w] = imageShape(model, o.inputShape);
  const layers: Module[] = [new Unflatten([c, h, w])];
  let channels = c, height = h, width = w, k = 0;
  for (const width0 of stages) {
    const out = scaled(width0, o);
    for (let j = 0; j < 2; j++) layers.push(new Conv2d(b, `conv${++k}`, j === 0 ? channels : out, out, 3, { relu: true }));
    layers.push(new MaxPool2d(2));
    channels = out;
    height = Math.floor(height / 2);
    width = Math.floor(width / 2);
    if (height < 1 || width < 1) throw new UserError(`model ${model}: input [${o.inputShape.join(', ')}] is too small for ${stages.length} 2x2 max-pools`);
  }
  layers.push(new Flatten());
  layers.push(...head(b, [channels * height * width, ...fc.map((f) => scaled(f, o)), o.numClasses], o.dropout ?? 0));
  return new Sequential(layers);
}

/** VGG-19 (CIFAR): 'M' is a 2x2 max-pool, numbers are conv widths. */
const VGG19 = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512] as const;

/** VGG-19 with BatchNorm, global average pool and one fc layer. */
export function vgg19(b: Backend, o: ModelOptions): Sequential {
  const [c, h, w] = imageShape('vgg19', o.inputShape);
  const layers: Module[] = [new Unflatten([c, h, w])];
  let channels = c, size = Math.min(h, w), k = 0;
  for (const item of VGG19) {
    if (item === 'M') {
      layers.push(new MaxPool2d(2));
      size = Math.floor(size / 2);
      if (size < 1) throw new UserError(`model vgg19: input [${o.inputShape.join(', ')}] is too small for its four 2x2 max-pools`);
      continue;
    }
    const out = scaled(item, o);
    k++;
    layers.push(new Conv2d(b, `conv${k}`, channels, out, 3, { padding: 1, bias: false }), new BatchNorm2d(b, `bn${k}`, out, true));
    channels = out;
  }
  layers.push(new GlobalAvgPool(), ...head(b, [channels, o.numClasses], o.dropout ?? 0));
  return new Sequential(layers);
}

/** ResNet-20 for CIFAR (the paper's "Resnet-18"). */
export function resnet20(b: Backend, o: ModelOptions): Sequential {
  const [c, h, w] = imageShape('resnet20', o.inputShape);
  const widths = [16, 32, 64].map((f) => scaled(f, o));
  const layers: Module[] = [
    new Unflatten([c, h, w]),
    new Conv2d(b, 'conv', c, widths[0], 3, { padding: 1, bias: false }),
    new BatchNorm2d(b, 'bn', widths[0], true),
  ];
  let channels = widths[0];
  widths.forEach((out, s) => {
    for (let k = 0; k < 3; k++) {
      layers.push(new BasicBlock(b, `stage${s + 1}.block${k}`, channels, out, s > 0 && k === 0 ? 2 : 1));
      channels = out;
    }
  });
  layers.push(new GlobalAvgPool(), ...head(b, [channels, o.numClasses], o.dropout ?? 0));
  return new Sequential(layers);
}

/** The registry entries (models.ts adds one line per model). */
export const convModelSpecs = {
  conv2: {
    description: 'Conv-2: conv 64,64, pool, fc 256-256-10; 3x3 convs, ReLU (Frankle & Carbin Fig. 2)',
    dataset: 'cifar10',
    build: (b, o) => convNet(b, 'conv2', o, [64], [256, 256]),
  },
  conv4: {
    description: 'Conv-4: conv 64,64, pool, 128,128, pool, fc 256-256-10 (Frankle & Carbin Fig. 2)',
    dataset: 'cifar10',
    build: (b, o) => convNet(b, 'conv4', o, [64, 128], [256, 256]),
  },
  conv6: {
    description: 'Conv-6: conv 64,64, pool, 128,128, pool, 256,256, pool, fc 256-256-10 (Frankle & Carbin Fig. 2)',
    dataset: 'cifar10',
    build: (b, o) => convNet(b, 'conv6', o, [64, 128, 256], [256, 256]),
  },
  vgg19: {
    description: 'VGG-19 (CIFAR): 16 3x3 convs 64-512 with BatchNorm, 4 max-pools, global avg pool, fc 10',
    dataset: 'cifar10',
    build: (b, o) => vgg19(b, o),
  },
  resnet20: {
    description: 'ResNet-20 (the paper\'s "Resnet-18"): 3 stages x 3 basic blocks, 16/32/64 filters, BatchNorm, global avg pool, fc 10',
    dataset: 'cifar10',
    build: (b, o) => resnet20(b, o),
  },
} satisfies Record<string, ModelSpec>;
