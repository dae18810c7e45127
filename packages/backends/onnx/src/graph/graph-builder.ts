import onnxProto from 'onnx-proto';
import { f32ToF16 } from '@evolmm/qwen-vl';
import type { ExternalDataWriter } from './external-data.js';

// onnx-proto is CommonJS with one `onnx` namespace (docs/runtime.md §5).
export const onnx = onnxProto.onnx;
type ModelProto = InstanceType<typeof onnx.ModelProto>;
type TensorProto = InstanceType<typeof onnx.TensorProto>;
type NodeProto = InstanceType<typeof onnx.NodeProto>;
type ValueInfoProto = InstanceType<typeof onnx.ValueInfoProto>;
type AttributeProto = InstanceType<typeof onnx.AttributeProto>;
type GraphProto = InstanceType<typeof onnx.GraphProto>;

/** ONNX TensorProto.DataType values used here. */
export const DT = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, BOOL: 9, FLOAT16: 10 } as const;

export type Dim = number | string;

/** Attribute values: tagged so floats like 1.0 are not mistaken for ints. */
export type Attr = { i: number } | { f: number } | { ints: number[] } | { s: string } | { graph: GraphProto };

export interface GraphBuilderOptions {
  /**
   * Storage type of weights. fp16: FLOAT16 initializers cast to float32 in the graph. int8: linear layers become
   * com.microsoft MatMulNBits (8-bit blocks of 32 with a float scale each, symmetric); norms, biases and the embedding
   * table stay fp32. IO is float32 in every case.
   */
  weightDtype: 'fp32' | 'fp16' | 'int8';
  /**
   * int8 only: MatMulNBits accuracy_level. 4 (default) quantizes activations per block to int8 and uses the VNNI /
   * AVX2 integer kernels; 1 dequantizes and multiplies in fp32, exact but ~10× slower than an fp32 MatMul on CPU
   * (accuracy_level 0 is slower still; measured in this package's notes).
   */
  int8AccuracyLevel?: 1 | 4;
  /** When set, weights at least `externalMinBytes` long go to this external-data file instead of the model proto. */
  external?: ExternalDataWriter;
  /** Default 1024 bytes: tiny tensors stay inline as ONNX exporters do. */
  externalMinBytes?: number;
}

/**
 * A small imperative ONNX graph builder over onnx-proto (docs/runtime.md §5): `op()` appends a node and returns its
 * output names, constants are cached, weights become initializers (inline or external data).
 */
export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly constCache = new Map<string, string>();
  private counter = 0;
  private usesMsDomain = false;

  constructor(
    private readonly opts: GraphBuilderOptions,
    /** Prefix of fresh names: a branch's names must not repeat its parent's (ONNX outer-scope rule). */
    private readonly namePrefix = '',
  ) {}

  /** A fresh value name. */
  fresh(hint: string): string {
    return `${this.namePrefix}${hint}_${this.counter++}`;
  }

  /**
   * A subgraph for an `If` branch, built by `body` on a child builder whose nodes may read this graph's values by
   * name. Its weights and constants stay inline in the branch.
   */
  branch(name: string, body: (b: GraphBuilder) => void): GraphProto {
    const child = new GraphBuilder({ ...this.opts, external: undefined }, `${this.namePrefix}${name}/`);
    body(child);
    if (child.usesMsDomain) this.usesMsDomain = true;
    return onnx.GraphProto.create({ name, node: child.nodes, initializer: child.initializers, input: [], output: child.outputs });
  }

  input(name: string, dims: readonly Dim[], elemType: number = DT.FLOAT): string {
    this.inputs.push(valueInfo(name, dims, elemType));
    return name;
  }

  /** Declares `value` as graph output `name` (through an Identity so internal names stay free). */
  output(value: string, name: string, dims: readonly Dim[], elemType: number = DT.FLOAT): void {
    this.nodes.push(onnx.NodeProto.create({ opType: 'Identity', input: [value], output: [name], name: `out_${name}` }));
    this.outputs.push(valueInfo(name, dims, elemType));
  }

  /** Appends one node; returns its single output name. */
  op(opType: string, inputs: readonly string[], attrs: Record<string, Attr> = {}, hint?: string, domain = ''): string {
    return this.opN(opType, inputs, 1, attrs, hint, domain)[0];
  }

  opN(opType: string, inputs: readonly string[], nOut: number, attrs: Record<string, Attr> = {}, hint?: string, domain = ''): string[] {
    if (domain === 'com.microsoft') this.usesMsDomain = true;
    const out = Array.from({ length: nOut }, () => this.fresh(hint ?? opType.toLowerCase()));
    const attribute: AttributeProto[] = Object.entries(attrs).map(([name, a]) => {
      if ('i' in a) return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: a.i });
      if ('f' in a) return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f: a.f });
      if ('ints' in a) return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: a.ints });
      if ('graph' in a) return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.GRAPH, g: a.graph });
      return onnx.AttributeProto.create({
        name,
        type: onnx.AttributeProto.AttributeType.STRING,
        s: new TextEncoder().encode(a.s),
      });
    });
    this.nodes.push(onnx.NodeProto.create({ opType, domain, input: [...inputs], output: out, attribute, name: out[0] }));
    return out;
  }

  /** An int64 constant (cached). A scalar when `dims` is []. */
  i64(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const key = `i64:${dims.join(',')}:${values.join(',')}`;
    const hit = this.constCache.get(key);
    if (hit) return hit;
    const name = this.fresh('c_i64');
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.initializers.push(tensor(name, dims, DT.INT64, new Uint8Array(data.buffer)));
    this.constCache.set(key, name);
    return name;
  }

  /** A float32 constant (cached for small ones). Always inline. */
  f32(values: ArrayLike<number>, dims: readonly number[] = [values.length]): string {
    const small = values.length <= 16;
    const key = small ? `f32:${dims.join(',')}:${Array.from(values).join(',')}` : '';
    const hit = small ? this.constCache.get(key) : undefined;
    if (hit) return hit;
    const name = this.fresh('c_f32');
    const data = Float32Array.from(values);
    this.initializers.push(tensor(name, dims, DT.FLOAT, new Uint8Array(data.buffer)));
    if (small) this.constCache.set(key, name);
    return name;
  }

  /** A boolean constant. */
  bool(value: boolean): string {
    const key = `bool:${value}`;
    const hit = this.constCache.get(key);
    if (hit) return hit;
    const name = this.fresh('c_bool');
    this.initializers.push(tensor(name, [], DT.BOOL, new Uint8Array([value ? 1 : 0])));
    this.constCache.set(key, name);
    return name;
  }

  /**
   * A model weight as a float32 value. fp16 storage adds a Cast (ORT folds it at session creation, so this saves
   * disk, not compute). Large weights go to the external-data file when one is configured.
   */
  weight(name: string, dims: readonly number[], data: Float32Array): string {
    if (this.opts.weightDtype === 'fp16') {
      const half = f32ToF16(data);
      this.addInit(name, dims, DT.FLOAT16, new Uint8Array(half.buffer, half.byteOffset, half.byteLength));
      return this.op('Cast', [name], { to: { i: DT.FLOAT } }, `${name}_f32`);
    }
    this.addInit(name, dims, DT.FLOAT, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return name;
  }

  /**
   * x·Wᵀ for a linear weight W stored [out, in] (HF layout). fp32/fp16: MatMul with Wᵀ as an initializer.
   * int8: MatMulNBits, which reads W in its natural [out, in] row order, one byte per weight.
   */
  matmulWeight(x: string, name: string, w: Float32Array, inDim: number, outDim: number): string {
    if (this.opts.weightDtype !== 'int8') {
      const wt = new Float32Array(w.length);
      for (let r = 0; r < outDim; r++) for (let c = 0; c < inDim; c++) wt[c * outDim + r] = w[r * inDim + c];
      return this.op('MatMul', [x, this.weight(name, [inDim, outDim], wt)]);
    }
    const { blocks, scales, blockSize, nBlocks } = quantizeBlocks8(w, outDim, inDim);
    this.addInit(name, [outDim, nBlocks, blockSize], DT.UINT8, blocks);
    const scaleName = `${name}.scales`;
    this.addInit(scaleName, [outDim * nBlocks], DT.FLOAT, new Uint8Array(scales.buffer));
    return this.op(
      'MatMulNBits',
      [x, name, scaleName],
      { K: { i: inDim }, N: { i: outDim }, bits: { i: 8 }, block_size: { i: blockSize }, accuracy_level: { i: this.opts.int8AccuracyLevel ?? 4 } },
      undefined,
      'com.microsoft',
    );
  }

  private addInit(name: string, dims: readonly number[], dataType: number, bytes: Uint8Array): void {
    const ext = this.opts.external;
    if (ext && bytes.byteLength >= (this.opts.externalMinBytes ?? 1024)) {
      const { offset, length } = ext.write(bytes);
      this.initializers.push(
        onnx.TensorProto.create({
          name,
          dims: [...dims],
          dataType,
          dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
          externalData: [
            { key: 'location', value: ext.location },
            { key: 'offset', value: String(offset) },
            { key: 'length', value: String(length) },
          ],
        }),
      );
      return;
    }
    this.initializers.push(tensor(name, dims, dataType, bytes));
  }

  build(graphName: string, opsetVersion = 17): ModelProto {
    return onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'evolmm',
      opsetImport: [{ domain: '', version: opsetVersion }, ...(this.usesMsDomain ? [{ domain: 'com.microsoft', version: 1 }] : [])],
      graph: onnx.GraphProto.create({
        name: graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      }),
    });
  }
}

function valueInfo(name: string, dims: readonly Dim[], elemType: number): ValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

function tensor(name: string, dims: readonly number[], dataType: number, bytes: Uint8Array): TensorProto {
  return onnx.TensorProto.create({ name, dims: [...dims], dataType, rawData: bytes });
}

/** Serialises a model proto (inline weights must stay under protobuf's 2 GB limit: see external-data.ts). */
export function encodeModel(model: ModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/**
 * Symmetric 8-bit block quantization in MatMulNBits' layout: per output row, blocks of 32 inputs share a scale
 * max|w|/127; codes are round(w/scale) + 128 (MatMulNBits' default zero point for 8 bits). The last block of a row
 * is padded with the zero code when `inDim` is not a multiple of 32.
 */
export function quantizeBlocks8(w: Float32Array, outDim: number, inDim: number): { blocks: Uint8Array; scales: Float32Array; blockSize: number; nBlocks: number } {
  const blockSize = 32;
  const nBlocks = Math.ceil(inDim / blockSize);
  const blocks = new Uint8Array(outDim * nBlocks * blockSize).fill(128);
  const scales = new Float32Array(outDim * nBlocks);
  for (let o = 0; o < outDim; o++) {
    for (let b = 0; b < nBlocks; b++) {
      const lo = b * blockSize;
      const hi = Math.min(inDim, lo + blockSize);
      let mx = 0;
      for (let i = lo; i < hi; i++) mx = Math.max(mx, Math.abs(w[o * inDim + i]));
      const scale = mx > 0 ? mx / 127 : 1;
      scales[o * nBlocks + b] = scale;
      const base = (o * nBlocks + b) * blockSize - lo;
      for (let i = lo; i < hi; i++) blocks[base + i] = Math.max(0, Math.min(255, Math.round(w[o * inDim + i] / scale) + 128));
    }
  }
  return { blocks, scales, blockSize, nBlocks };
}
