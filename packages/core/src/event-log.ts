import fs from 'node:fs';
import path from 'node:path';
import { EvolmmError } from './errors.js';

/**
 * An append-only JSONL file that never keeps a half-written line. Each record is written with one `write` call
 * and fsync'd; on open, a trailing partial line (a crash mid-write) is cut off, so the file always ends with a
 * complete line. Readers skip a trailing partial line the same way.
 */
export class JsonlWriter<T = unknown> {
  private fd: number;
  private sync = true;
  readonly file: string;

  private constructor(file: string, fd: number) {
    this.file = file;
    this.fd = fd;
  }

  /**
   * Opens (creating it if needed) for appending. `keepLines` truncates the file to its first N complete lines,
   * which is how a resumed run drops the events written after its last checkpoint.
   */
  static open<T = unknown>(file: string, options: { keepLines?: number; sync?: boolean } = {}): JsonlWriter<T> {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (fs.existsSync(file)) {
      const buf = fs.readFileSync(file);
      let end = buf.lastIndexOf(0x0a) + 1; // keep up to the last newline
      if (options.keepLines !== undefined) {
        let seen = 0;
        end = 0;
        for (let i = 0; i < buf.length && seen < options.keepLines; i++) {
          if (buf[i] === 0x0a) {
            seen++;
            end = i + 1;
          }
        }
      }
      if (end !== buf.length) fs.truncateSync(file, end);
    }
    const writer = new JsonlWriter<T>(file, fs.openSync(file, 'a'));
    writer.sync = options.sync ?? true;
    return writer;
  }

  append(record: T): void {
    if (this.fd < 0) throw new EvolmmError('IO', `event log ${this.file} is closed`);
    const line = JSON.stringify(record);
    if (line === undefined || line.includes('\n')) {
      throw new EvolmmError('INVALID_ARGUMENT', 'an event log record must be a JSON-serialisable object');
    }
    fs.writeSync(this.fd, line + '\n');
    if (this.sync) fs.fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }
}

/**
 * Reads every complete line of a JSONL file. A trailing line without its newline is ignored (it may be half
 * written); a malformed complete line is an error that names the line.
 */
export function readJsonl<T = unknown>(file: string): T[] {
  if (!fs.existsSync(file)) throw new EvolmmError('NOT_FOUND', `no such file: ${file}`);
  const text = fs.readFileSync(file, 'utf8');
  const end = text.lastIndexOf('\n');
  if (end < 0) return [];
  const out: T[] = [];
  const lines = text.slice(0, end).split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    try {
      out.push(JSON.parse(lines[i]) as T);
    } catch (cause) {
      throw new EvolmmError('IO', `${file}:${i + 1} is not valid JSON: ${(cause as Error).message}`, { cause });
    }
  }
  return out;
}
