#!/usr/bin/env node
import { processIo } from './io.js';
import { COMMANDS } from './commands/index.js';
import { main } from './main.js';

// First Ctrl-C asks the running command to stop at a safe point (it aborts the signal); a second one exits now.
const controller = new AbortController();
let interrupts = 0;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    process.stderr.write(`\n${sig === 'SIGINT' ? 'Ctrl-C' : sig}: stopping after the current step (press again to quit now)\n`);
    controller.abort(new Error(`received ${sig}`));
  });
}

process.exitCode = await main(process.argv.slice(2), processIo(controller.signal), COMMANDS);
