import fs from 'node:fs';
import { JsonlWriter, readJsonl } from '@evolmm/core';
import type { BenchCacheRecord } from './types.js';

/**
 * The outputs already produced, one JSONL line per item. Opening repairs a truncated last line (a run killed
 * mid-write; core JsonlWriter), then loads every complete line; later lines win over earlier ones with the same key.
 */
export class OutputCache {
  private readonly records = new Map<string, BenchCacheRecord>();
  private constructor(private readonly writer: JsonlWriter<BenchCacheRecord>) {}

  static open(file: string): OutputCache {
    const writer = JsonlWriter.open<BenchCacheRecord>(file);
    const cache = new OutputCache(writer);
    if (fs.existsSync(file)) {
      for (const r of readJsonl<BenchCacheRecord>(file)) {
        if (r && r.v === 1 && typeof r.key === 'string' && typeof r.output === 'string') cache.records.set(r.key, r);
      }
    }
    return cache;
  }

  get file(): string {
    return this.writer.file;
  }

  get size(): number {
    return this.records.size;
  }

  get(key: string): BenchCacheRecord | undefined {
    return this.records.get(key);
  }

  /** Appends and fsyncs one record, so it survives a crash right after. */
  put(record: BenchCacheRecord): void {
    this.writer.append(record);
    this.records.set(record.key, record);
  }

  close(): void {
    this.writer.close();
  }
}
