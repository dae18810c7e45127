import * as tf from '@tensorflow/tfjs';

/**
 * Kernel gaps of @tensorflow/tfjs-backend-wasm 4.22.0 (docs/runtime.md §1.4). (1) needs a kernel; the others
 * are avoided by construction in this package:
 *  (2) gather with batchDims is wrong on wasm → we only gather with flat indices;
 *  (3) Conv3D gradients are wrong → the patch embed is a matMul;
 *  (4) no stopGradient → the loss head has a hand-written gradient instead (head-loss.ts);
 *  (5) boolean ops on the gradient path → masks are built in JS, outside the tape;
 *  (6) StridedSlice has no gradient → we use slice.
 */
let patched = false;

/** The parts of the (untyped) wasm backend object the patches use. */
interface WasmBackendLike {
  readSync(id: unknown): ArrayLike<number>;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/**
 * Registers `UnsortedSegmentSum` on wasm (the gradient of `tf.gather`) and a `Slice` that copies only the slice,
 * once per process.
 */
export function patchWasmKernels(): void {
  if (patched) return;
  patched = true;
  patchSlice();
  const existing = tf.getKernelsForBackend('wasm').some((k) => k.kernelName === 'UnsortedSegmentSum');
  if (existing) return;
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const b = backend as unknown as WasmBackendLike;
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

/**
 * tfjs-backend-wasm 4.22's `Slice` starts with `readSync(x)`, which copies the **whole input** out of the wasm heap
 * into a new JS buffer, whatever the slice size. Slicing a 64-row block of the 0.5B model's 545 MB tied embedding
 * therefore copied 545 MB per call: a kernel profile of one LoRA step (tf.profile, 0.5B shape) put 210 s of its
 * 250 s in Slice. This kernel reads the input through a view of the heap and copies only the sliced elements, one
 * contiguous innermost run at a time. Strings and complex numbers keep the original kernel.
 */
function patchSlice(): void {
  const original = tf.getKernel('Slice', 'wasm');
  if (!original) return;
  tf.unregisterKernel('Slice', 'wasm');
  tf.registerKernel({
    kernelName: 'Slice',
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      if (x.dtype !== 'float32' && x.dtype !== 'int32' && x.dtype !== 'bool') return original.kernelFunc(args);
      const b = args.backend as unknown as WasmBackendLike;
      const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, args.attrs!.begin as number[], args.attrs!.size as number[]);
      const out = b.makeOutput(size, x.dtype);
      if (size.some((d) => d === 0)) return out;
      // Views taken after makeOutput: an allocation can grow the heap, which detaches earlier views.
      const src = b.typedArrayFromHeap(x);
      const dst = b.typedArrayFromHeap(out);
      copySlice(src, x.shape, dst, begin, size);
      return out;
    },
  });
}

/** dst = src[begin : begin + size] for a row-major src of `shape` (any rank). Exported for tests. */
export function copySlice(
  src: Float32Array | Int32Array | Uint8Array,
  shape: readonly number[],
  dst: Float32Array | Int32Array | Uint8Array,
  begin: readonly number[],
  size: readonly number[],
): void {
  const rank = shape.length;
  if (rank === 0) {
    dst[0] = src[0];
    return;
  }
  const strides = new Array<number>(rank).fill(1);
  for (let d = rank - 2; d >= 0; d--) strides[d] = strides[d + 1] * shape[d + 1];
  // Merge trailing dimensions that are taken whole into one contiguous run.
  let inner = rank - 1;
  let run = size[rank - 1];
  while (inner > 0 && size[inner] === shape[inner] && begin[inner] === 0) {
    inner--;
    run *= size[inner];
  }
  const idx = new Array<number>(inner).fill(0); // odometer over the dimensions before `inner`
  let base = 0;
  for (let d = 0; d <= inner; d++) base += begin[d] * strides[d];
  const rows = size.slice(0, inner).reduce((a, c) => a * c, 1);
  for (let r = 0, o = 0; r < rows; r++, o += run) {
    let off = base;
    for (let d = 0; d < inner; d++) off += idx[d] * strides[d];
    dst.set(src.subarray(off, off + run), o);
    for (let d = inner - 1; d >= 0; d--) {
      if (++idx[d] < size[d]) break;
      idx[d] = 0;
    }
  }
}
