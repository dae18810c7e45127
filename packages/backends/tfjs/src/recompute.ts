import * as tf from '@tensorflow/tfjs';
import { restoreRng } from '@evolmm/core';
import type { QwenTextConfig } from '@evolmm/qwen-vl';
import { decoderLayer, type DecoderRun, type LayerKV } from './decoder.js';
import { DropoutSource, LORA_PROJECTIONS, moduleKey, type LoraAdapter, type LoraModule } from './lora.js';
import type { DecoderLayerWeights } from './weights.js';

type CustomOp = (...inputs: tf.Tensor[]) => tf.Tensor;

/**
 * Activation recomputation for one decoder layer (issue 10): a custom-gradient op whose forward runs off the tape
 * (tfjs records no inner ops of a custom op), so only the layer's inputs and its packed outputs stay alive; the
 * backward re-runs the layer on a fresh tape and takes the vector-Jacobian product. Inputs are the hidden states,
 * the shared prefix K/V and this layer's LoRA matrices, so gradients reach all of them. The dropout stream is
 * rewound to the same state, so the recomputed masks equal the forward ones.
 */
export function recomputedLayer(
  x: tf.Tensor3D,
  lw: DecoderLayerWeights,
  layer: number,
  run: DecoderRun,
  cfg: QwenTextConfig,
): { x: tf.Tensor3D; kv: LayerKV } {
  const lora = run.lora;
  const projs = lora ? LORA_PROJECTIONS.filter((p) => lora.modules.has(moduleKey(layer, p))) : [];
  const prefix = run.prefix?.[layer];
  const past = run.past?.[layer];
  // Everything the backward re-run reads must be an input: tensors made in the forward scope (rope tables,
  // earlier layers' outputs) are disposed by then unless the op saves them.
  const inputs: tf.Tensor[] = [x, run.cos, run.sin];
  if (prefix) inputs.push(prefix.k, prefix.v);
  if (past) inputs.push(past.k, past.v);
  for (const p of projs) {
    const m = lora!.modules.get(moduleKey(layer, p))!;
    inputs.push(m.a, m.b);
  }
  const dropState = run.dropout ? run.dropout.rng.state() : null;

  const body = (ins: tf.Tensor[], dropout: DropoutSource | undefined): tf.Tensor[] => {
    let i = 0;
    const xx = ins[i++] as tf.Tensor3D;
    const cos = ins[i++] as tf.Tensor2D;
    const sin = ins[i++] as tf.Tensor2D;
    const pre: LayerKV[] = [];
    const pst: LayerKV[] = [];
    if (prefix) pre[layer] = { k: ins[i++] as tf.Tensor4D, v: ins[i++] as tf.Tensor4D };
    if (past) pst[layer] = { k: ins[i++] as tf.Tensor4D, v: ins[i++] as tf.Tensor4D };
    let l2: LoraAdapter | undefined;
    if (lora) {
      const modules = new Map<string, LoraModule>();
      for (const p of projs) modules.set(moduleKey(layer, p), { a: ins[i++] as tf.Variable, b: ins[i++] as tf.Variable });
      l2 = { ...lora, modules };
    }
    const r = decoderLayer(xx, lw, layer, { ...run, x: xx, cos, sin, prefix: prefix ? pre : undefined, past: past ? pst : undefined, lora: l2, dropout, recompute: false }, cfg);
    return [r.x, r.kv.k, r.kv.v];
  };

  let shapes: number[][] = [];
  const op = tf.customGrad(((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args.pop() as tf.GradSaveFunc;
    const ins = args as tf.Tensor[];
    save(ins);
    const outs = body(ins, run.dropout);
    shapes = outs.map((o) => o.shape);
    return {
      value: tf.concat(outs.map((o) => o.reshape([-1]))),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const parts = tf.split(dy, shapes.map((s) => s.reduce((a, b) => a * b, 1)));
        const dropout = dropState ? new DropoutSource(run.dropout!.p, restoreRng(dropState)) : undefined;
        // A gradient computed inside a backward pass replaces the engine's active tape and clears it when done
        // (tfjs 4.22 engine.gradients); the outer backward still needs its tape to free its saved tensors.
        const state = (tf.engine() as unknown as { state: { activeTape: unknown } }).state;
        const outerTape = state.activeTape;
        try {
          return tf.grads((...again: tf.Tensor[]) => {
            const outs2 = body(again, dropout);
            return tf.addN(outs2.map((o, k) => tf.sum(tf.mul(o, parts[k].reshape(o.shape)))));
          })(saved);
        } finally {
          state.activeTape = outerTape;
        }
      },
    };
  }) as unknown as (...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[] }) as unknown as CustomOp;

  const packed = op(...inputs);
  const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
  const [px, pk, pv] = tf.split(packed, sizes);
  return {
    x: px.reshape(shapes[0]) as tf.Tensor3D,
    kv: { k: pk.reshape(shapes[1]) as tf.Tensor4D, v: pv.reshape(shapes[2]) as tf.Tensor4D },
  };
}
