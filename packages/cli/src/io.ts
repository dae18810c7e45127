/** Where a command writes and what it knows about the terminal. Injected so commands are testable. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Aborted on SIGINT/SIGTERM so long commands stop cleanly (checkpoints stay valid). */
  readonly signal: AbortSignal;
}

export function processIo(signal: AbortSignal): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env, signal };
}

export function writeLine(stream: NodeJS.WritableStream, line = ''): void {
  stream.write(`${line}\n`);
}
