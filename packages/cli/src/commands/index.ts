import type { Command } from '../command.js';
import { benchCommand } from './bench.js';
import { demoCommand } from './demo.js';
import { evolveCommand } from './evolve.js';
import { exportOnnxCommand } from './export-onnx.js';
import { generateCommand } from './generate.js';
import { makeCheckpointCommand } from './make-checkpoint.js';
import { reportCommand } from './report.js';
import { scoreCommand } from './score.js';
import { serveCommand } from './serve.js';
import { sftCommand } from './sft.js';

/** Every subcommand, in the order `evolmm --help` lists them. */
export const COMMANDS: readonly Command[] = [
  demoCommand,
  evolveCommand,
  sftCommand,
  benchCommand,
  scoreCommand,
  reportCommand,
  generateCommand,
  exportOnnxCommand,
  makeCheckpointCommand,
  serveCommand,
];
