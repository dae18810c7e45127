// Machine limits measured in the same run (issue 10): fp32 matmul peak (tfjs wasm, onnxruntime MatMul) and memory
// read bandwidth (onnxruntime GEMV and ReduceSum over a buffer far larger than the caches, plus a plain JS sum).
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';

const onnx = onnxProto.onnx;
const FLOAT = 1;

function vi(name, dims) {
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({ elemType: FLOAT, shape: onnx.TensorShapeProto.create({ dim: dims.map((d) => onnx.TensorShapeProto.Dimension.create({ dimValue: d })) }) }),
    }),
  });
}

/** A one-node float model: inputs A, B (or just A) → Y. */
function oneNodeModel(opType, inputs, outDims, attrs = []) {
  const graph = onnx.GraphProto.create({
    name: opType,
    node: [onnx.NodeProto.create({ opType, input: inputs.map((i) => i.name), output: ['Y'], attribute: attrs })],
    input: inputs.map((i) => vi(i.name, i.dims)),
    output: [vi('Y', outDims)],
  });
  const model = onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], producerName: 'evolmm-bench-perf', graph });
  return onnx.ModelProto.encode(model).finish();
}

function randomF32(n, seed = 1) {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 4294967296 - 0.5;
  }
  return a;
}

async function bestOf(reps, f) {
  await f();
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await f();
    best = Math.min(best, performance.now() - t0);
  }
  return best / 1000;
}

async function session(bytes, threads) {
  return ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
}

/** onnxruntime fp32 MatMul n×n·n×n GFLOP/s with `threads` intra-op threads (best of 5). */
export async function ortMatmulPeak(threads = 2, n = 1024) {
  const s = await session(oneNodeModel('MatMul', [{ name: 'A', dims: [n, n] }, { name: 'B', dims: [n, n] }], [n, n]), threads);
  const feeds = { A: new ort.Tensor('float32', randomF32(n * n, 1), [n, n]), B: new ort.Tensor('float32', randomF32(n * n, 2), [n, n]) };
  const sec = await bestOf(5, () => s.run(feeds));
  await s.release();
  return (2 * n ** 3) / sec / 1e9;
}

/**
 * onnxruntime fp32 MatMul at the decoder's MLP shape (rows×896 · 896×4864) with the weight as an initializer, as
 * in an exported model: MLAS pre-packs it once at session creation. The 1024³ probe above feeds both operands and
 * pays the packing on every call, so it under-reports what the decoder's own matmuls reach (docs/performance.md).
 */
export async function ortMatmulPeakPrepacked(threads = 2, rows = 256, k = 896, n = 4864) {
  const weight = onnx.TensorProto.create({ name: 'W', dataType: FLOAT, dims: [k, n], rawData: new Uint8Array(randomF32(k * n, 6).buffer) });
  const graph = onnx.GraphProto.create({
    name: 'prepacked',
    node: [onnx.NodeProto.create({ opType: 'MatMul', input: ['A', 'W'], output: ['Y'] })],
    initializer: [weight],
    input: [vi('A', [rows, k])],
    output: [vi('Y', [rows, n])],
  });
  const model = onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], producerName: 'evolmm-bench-perf', graph });
  const s = await session(onnx.ModelProto.encode(model).finish(), threads);
  const feeds = { A: new ort.Tensor('float32', randomF32(rows * k, 7), [rows, k]) };
  const sec = await bestOf(10, () => s.run(feeds));
  await s.release();
  return (2 * rows * k * n) / sec / 1e9;
}

/** The fp32 matmul peak: the better of the two probes, with both recorded. */
export async function ortMatmulPeaks(threads = 2) {
  const square = await ortMatmulPeak(threads);
  const prepacked = await ortMatmulPeakPrepacked(threads);
  return { matmulGflops: Math.max(square, prepacked), matmulGflopsSquare: square, matmulGflopsPrepacked: prepacked };
}

/**
 * Read bandwidth, GB/s, best of the ways tried: a 5-row GEMV over a 256 MiB weight (what a 5-sample decode step
 * does), ReduceSum over 256 MiB, both in onnxruntime with `threads` threads.
 */
export async function ortBandwidth(threads = 2, mib = 256) {
  const K = 8192;
  const N = (mib * 1024 * 1024) / 4 / K;
  const W = randomF32(K * N, 3);
  const gemv = await session(oneNodeModel('MatMul', [{ name: 'A', dims: [5, K] }, { name: 'B', dims: [K, N] }], [5, N]), threads);
  const gFeeds = { A: new ort.Tensor('float32', randomF32(5 * K, 4), [5, K]), B: new ort.Tensor('float32', W, [K, N]) };
  const gemvSec = await bestOf(5, () => gemv.run(gFeeds));
  await gemv.release();
  const red = await session(
    oneNodeModel('ReduceSum', [{ name: 'A', dims: [K, N] }], [1, 1], [onnx.AttributeProto.create({ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 1 })]),
    threads,
  );
  const redSec = await bestOf(5, () => red.run({ A: new ort.Tensor('float32', W, [K, N]) }));
  await red.release();
  const bytes = W.byteLength;
  return { gemvGBs: bytes / gemvSec / 1e9, reduceSumGBs: bytes / redSec / 1e9, bytes };
}

/** Single-threaded JS streaming sum (a floor, not a peak: V8 does not vectorise it). */
export function jsBandwidth(mib = 256) {
  const a = randomF32((mib * 1024 * 1024) / 4, 5);
  let best = Infinity;
  let sink = 0;
  for (let r = 0; r < 4; r++) {
    const t0 = performance.now();
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let i = 0; i < a.length; i += 4) { s0 += a[i]; s1 += a[i + 1]; s2 += a[i + 2]; s3 += a[i + 3]; }
    sink += s0 + s1 + s2 + s3;
    if (r > 0) best = Math.min(best, performance.now() - t0);
  }
  return { GBs: a.byteLength / (best / 1000) / 1e9, sink };
}

/** tfjs fp32 matMul n×n GFLOP/s on the backend createTfjsBackend picks (wasm in Node without tfjs-node). */
export async function tfjsMatmulPeak(n = 1024) {
  const { createTfjsBackend } = await import('@evolmm/backend-tfjs');
  const backend = await createTfjsBackend({ backend: 'auto', log: false });
  const tf = backend.tf;
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  const sec = await bestOf(5, () => tf.matMul(a, b).data());
  tf.dispose([a, b]);
  return { backend: backend.name, gflops: (2 * n ** 3) / sec / 1e9 };
}
