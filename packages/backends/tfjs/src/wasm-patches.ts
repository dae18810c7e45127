import * as tf from '@tensorflow/tfjs';

/**
 * Kernel gaps of @tensorflow/tfjs-backend-wasm 4.22.0 (docs/runtime.md §1.4). Only (1) needs a kernel; the others
 * are avoided by construction in this package:
 *  (2) gather with batchDims is wrong on wasm → we only gather with flat indices;
 *  (3) Conv3D gradients are wrong → the patch embed is a matMul;
 *  (4) no stopGradient → the loss head has a hand-written gradient instead (head-loss.ts);
 *  (5) boolean ops on the gradient path → masks are built in JS, outside the tape;
 *  (6) StridedSlice has no gradient → we use slice.
 */
let patched = false;

/** Registers `UnsortedSegmentSum` on wasm (the gradient of `tf.gather`), once per process. */
export function patchWasmKernels(): void {
  if (patched) return;
  patched = true;
  const existing = tf.getKernelsForBackend('wasm').some((k) => k.kernelName === 'UnsortedSegmentSum');
  if (existing) return;
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      // The wasm backend object is untyped here; it exposes readSync/makeOutput/typedArrayFromHeap.
      const b = backend as unknown as {
        readSync(id: unknown): ArrayLike<number>;
        makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
        typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array;
      };
      const x = inputs.x as tf.TensorInfo;
      const segmentIds = inputs.segmentIds as tf.TensorInfo;
      const numSegments = attrs!.numSegments as number;
      const xv = b.readSync(x.dataId);
      const sv = b.readSync(segmentIds.dataId);
      const tail = x.shape.slice(segmentIds.shape.length);
      const inner = tail.reduce((a, c) => a * c, 1);
      const out = b.makeOutput([numSegments, ...tail], x.dtype);
      const o = b.typedArrayFromHeap(out);
      o.fill(0);
      for (let i = 0; i < sv.length; i++) {
        const s = sv[i];
        if (s < 0 || s >= numSegments) continue;
        const src = i * inner;
        const dst = s * inner;
        for (let j = 0; j < inner; j++) o[dst + j] += xv[src + j];
      }
      return out;
    },
  });
}
