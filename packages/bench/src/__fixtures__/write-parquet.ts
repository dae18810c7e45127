/**
 * A minimal Parquet writer for tests (hyparquet only reads). It writes what the Hugging Face releases of ChartQA,
 * MathVista and MATH-V use: optional UTF-8 strings, binary, int64, double, structs (the image struct
 * {bytes, path}, MathVista's metadata) and 3-level lists (list<string>), uncompressed PLAIN pages, one row group.
 * Written from the Parquet format spec (Thrift compact protocol, Dremel repetition/definition levels).
 */
import fs from 'node:fs';

export type Field =
  | { name: string; kind: 'string' | 'binary' | 'int64' | 'double' }
  | { name: string; kind: 'struct'; fields: Field[] }
  | { name: string; kind: 'list'; element: Field };

// ---------- Thrift compact protocol ----------
class Thrift {
  bytes: number[] = [];
  private last: number[] = [0];
  varint(n: bigint | number) {
    let v = BigInt(n);
    while (v >= 0x80n) {
      this.bytes.push(Number((v & 0x7fn) | 0x80n));
      v >>= 7n;
    }
    this.bytes.push(Number(v));
  }
  zigzag(n: bigint | number) {
    const v = BigInt(n);
    this.varint(v >= 0n ? v << 1n : (-v << 1n) - 1n);
  }
  header(id: number, type: number) {
    const delta = id - this.last[this.last.length - 1];
    if (delta > 0 && delta <= 15) this.bytes.push((delta << 4) | type);
    else {
      this.bytes.push(type);
      this.zigzag(id);
    }
    this.last[this.last.length - 1] = id;
  }
  i32(id: number, v: number) {
    this.header(id, 5);
    this.zigzag(v);
  }
  i64(id: number, v: number | bigint) {
    this.header(id, 6);
    this.zigzag(v);
  }
  str(id: number, s: string) {
    this.header(id, 8);
    const b = Buffer.from(s, 'utf8');
    this.varint(b.length);
    this.bytes.push(...b);
  }
  listHeader(id: number, elemType: number, size: number) {
    this.header(id, 9);
    if (size < 15) this.bytes.push((size << 4) | elemType);
    else {
      this.bytes.push(0xf0 | elemType);
      this.varint(size);
    }
  }
  beginStruct(id?: number) {
    if (id !== undefined) this.header(id, 12);
    this.last.push(0);
  }
  endStruct() {
    this.bytes.push(0);
    this.last.pop();
  }
}

// ---------- schema ----------
interface Leaf {
  path: string[];
  nodes: Field[];
  maxDef: number;
  maxRep: number;
  kind: 'string' | 'binary' | 'int64' | 'double';
}

function leavesOf(field: Field, path: string[], nodes: Field[], def: number, rep: number, out: Leaf[]) {
  const p = [...path, field.name];
  const n = [...nodes, field];
  if (field.kind === 'struct') for (const f of field.fields) leavesOf(f, p, n, def + 1, rep, out);
  else if (field.kind === 'list') leavesOf(field.element, [...p, 'list'], n, def + 2, rep + 1, out);
  else out.push({ path: p, nodes: n, maxDef: def + 1, maxRep: rep, kind: field.kind });
}

function writeSchema(t: Thrift, field: Field) {
  t.beginStruct();
  const physical = { string: 6, binary: 6, int64: 2, double: 5 } as const;
  if (field.kind === 'struct') {
    t.i32(3, 1);
    t.str(4, field.name);
    t.i32(5, field.fields.length);
    t.endStruct();
    for (const f of field.fields) writeSchema(t, f);
    return;
  }
  if (field.kind === 'list') {
    t.i32(3, 1);
    t.str(4, field.name);
    t.i32(5, 1);
    t.i32(6, 3); // converted_type LIST
    t.endStruct();
    t.beginStruct();
    t.i32(3, 2); // REPEATED
    t.str(4, 'list');
    t.i32(5, 1);
    t.endStruct();
    writeSchema(t, field.element);
    return;
  }
  t.i32(1, physical[field.kind]);
  t.i32(3, 1); // OPTIONAL
  t.str(4, field.name);
  if (field.kind === 'string') t.i32(6, 0); // converted_type UTF8
  t.endStruct();
}

function countSchema(field: Field): number {
  if (field.kind === 'struct') return 1 + field.fields.reduce((a, f) => a + countSchema(f), 0);
  if (field.kind === 'list') return 2 + countSchema(field.element);
  return 1;
}

// ---------- shredding ----------
interface Entry {
  rep: number;
  def: number;
  value?: unknown;
}

function shred(value: unknown, leaf: Leaf, i: number, rep: number, def: number, repDepth: number, out: Entry[]) {
  const node = leaf.nodes[i];
  if (value === null || value === undefined) {
    out.push({ rep, def });
    return;
  }
  const d = def + 1;
  if (node.kind === 'struct') {
    const child = leaf.nodes[i + 1];
    shred((value as Record<string, unknown>)[child.name], leaf, i + 1, rep, d, repDepth, out);
  } else if (node.kind === 'list') {
    const list = value as unknown[];
    if (list.length === 0) {
      out.push({ rep, def: d });
      return;
    }
    list.forEach((el, j) => shred(el, leaf, i + 1, j === 0 ? rep : repDepth + 1, d + 1, repDepth + 1, out));
  } else out.push({ rep, def: d, value });
}

function levels(values: number[], maxLevel: number): Buffer {
  const width = Math.ceil(Math.log2(maxLevel + 1));
  const bytes: number[] = [];
  for (const v of values) {
    // one RLE run per value: header = count << 1, then the value in ceil(width/8) bytes
    bytes.push(1 << 1);
    for (let k = 0; k < Math.ceil(width / 8); k++) bytes.push((v >> (8 * k)) & 0xff);
  }
  const len = Buffer.alloc(4);
  len.writeUInt32LE(bytes.length);
  return Buffer.concat([len, Buffer.from(bytes)]);
}

function plain(kind: Leaf['kind'], values: unknown[]): Buffer {
  const parts: Buffer[] = [];
  for (const v of values) {
    if (kind === 'int64') {
      const b = Buffer.alloc(8);
      b.writeBigInt64LE(BigInt(v as number));
      parts.push(b);
    } else if (kind === 'double') {
      const b = Buffer.alloc(8);
      b.writeDoubleLE(v as number);
      parts.push(b);
    } else {
      const data = typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v as Uint8Array);
      const len = Buffer.alloc(4);
      len.writeUInt32LE(data.length);
      parts.push(len, data);
    }
  }
  return Buffer.concat(parts);
}

/** Writes `rows` (plain objects) with the given top-level fields to `file`. */
export function writeParquet(file: string, fields: Field[], rows: Record<string, unknown>[]): void {
  const leaves: Leaf[] = [];
  for (const f of fields) leavesOf(f, [], [], 0, 0, leaves);
  const chunks: Buffer[] = [Buffer.from('PAR1')];
  let offset = 4;
  const columnMeta: { leaf: Leaf; offset: number; size: number; numValues: number }[] = [];
  for (const leaf of leaves) {
    const entries: Entry[] = [];
    for (const row of rows) shred(row[leaf.nodes[0].name], leaf, 0, 0, 0, 0, entries);
    const body = Buffer.concat([
      leaf.maxRep > 0 ? levels(entries.map((e) => e.rep), leaf.maxRep) : Buffer.alloc(0),
      levels(entries.map((e) => e.def), leaf.maxDef),
      plain(leaf.kind, entries.filter((e) => e.def === leaf.maxDef).map((e) => e.value)),
    ]);
    const h = new Thrift();
    h.beginStruct();
    h.i32(1, 0); // DATA_PAGE
    h.i32(2, body.length);
    h.i32(3, body.length);
    h.beginStruct(5);
    h.i32(1, entries.length);
    h.i32(2, 0); // PLAIN
    h.i32(3, 3); // RLE
    h.i32(4, 3);
    h.endStruct();
    h.endStruct();
    const page = Buffer.concat([Buffer.from(h.bytes), body]);
    columnMeta.push({ leaf, offset, size: page.length, numValues: entries.length });
    chunks.push(page);
    offset += page.length;
  }
  const t = new Thrift();
  t.beginStruct();
  t.i32(1, 1);
  t.listHeader(2, 12, 1 + fields.reduce((a, f) => a + countSchema(f), 0));
  t.beginStruct();
  t.str(4, 'schema');
  t.i32(5, fields.length);
  t.endStruct();
  for (const f of fields) writeSchema(t, f);
  t.i64(3, rows.length);
  t.listHeader(4, 12, 1);
  t.beginStruct();
  t.listHeader(1, 12, columnMeta.length);
  const physical = { string: 6, binary: 6, int64: 2, double: 5 } as const;
  for (const c of columnMeta) {
    t.beginStruct();
    t.i64(2, c.offset);
    t.beginStruct(3);
    t.i32(1, physical[c.leaf.kind]);
    t.listHeader(2, 5, 2);
    t.zigzag(0);
    t.zigzag(3);
    t.listHeader(3, 8, c.leaf.path.length);
    for (const p of c.leaf.path) {
      const b = Buffer.from(p, 'utf8');
      t.varint(b.length);
      t.bytes.push(...b);
    }
    t.i32(4, 0); // UNCOMPRESSED
    t.i64(5, c.numValues);
    t.i64(6, c.size);
    t.i64(7, c.size);
    t.i64(9, c.offset);
    t.endStruct();
    t.endStruct();
  }
  t.i64(2, offset - 4);
  t.i64(3, rows.length);
  t.endStruct();
  t.endStruct();
  const footer = Buffer.from(t.bytes);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(footer.length);
  chunks.push(footer, len, Buffer.from('PAR1'));
  fs.writeFileSync(file, Buffer.concat(chunks));
}
