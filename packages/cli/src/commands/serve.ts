import path from 'node:path';
import { EvolmmError } from '@evolmm/core';
import { intOpt, listOpt, stringOpt } from '../args.js';
import type { Command } from '../command.js';
import { writeLine } from '../io.js';
import { resolveModel } from '../models.js';
import { createServeApp } from '../serve/index.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve a model with an OpenAI-compatible API (/v1/chat/completions, /v1/models)',
  usage: '--model <spec> [--port 8000] [--host 127.0.0.1] [--allow-dir <dir>...]',
  description:
    'Safe by default: binds 127.0.0.1, reads image file paths only under --allow-dir, limits body size and image\n' +
    'pixels, answers bad requests with OpenAI-shaped 4xx errors, queues concurrent clients (429 when the queue is full).',
  positionals: [0, 0],
  options: {
    model: { type: 'string', short: 'm', description: 'model spec, e.g. tfjs:./models/tiny or onnx:./models/tiny-onnx' },
    port: { type: 'string', short: 'p', default: '8000', description: 'port (0 = any free port)' },
    host: { type: 'string', default: '127.0.0.1', description: 'interface to bind; anything but loopback exposes the model' },
    name: { type: 'string', description: 'model name clients send (default: the folder name)' },
    'allow-dir': { type: 'string', multiple: true, description: 'folder whose image files requests may reference by path' },
    concurrency: { type: 'string', default: '1', description: 'generations at once' },
    'max-queue': { type: 'string', default: '256', description: 'requests waiting before 429' },
    'max-body-bytes': { type: 'string', description: 'request body limit (default 20 MiB)' },
    'max-image-pixels': { type: 'string', description: 'image pixel limit (default 4096²)' },
    'api-key': { type: 'string', description: 'require this bearer token' },
    device: { type: 'string', description: 'backend device' },
  },
  examples: [
    'evolmm serve --model tfjs:./models/tiny --port 8000 --allow-dir ./images',
    'evolmm bench --model openai:http://127.0.0.1:8000/v1#tiny --benchmark chartqa-sample',
  ],
  async run({ io, values }) {
    const spec = stringOpt(values, 'model');
    if (!spec) throw new EvolmmError('INVALID_ARGUMENT', '--model is required, e.g. --model tfjs:./models/tiny');
    const device = stringOpt(values, 'device');
    const model = await resolveModel(spec, device ? { device, backend: device } : {});
    const host = stringOpt(values, 'host') ?? '127.0.0.1';
    const name = stringOpt(values, 'name') ?? path.basename(spec.replace(/^[a-z0-9-]+:/, '').replace(/[/\\]+$/, ''));
    const app = createServeApp({
      model,
      modelName: name,
      allowDirs: listOpt(values, 'allow-dir').map((d) => path.resolve(io.cwd, d)),
      concurrency: intOpt(values, 'concurrency', { min: 1 }),
      maxQueue: intOpt(values, 'max-queue', { min: 0 }),
      ...(intOpt(values, 'max-body-bytes', { min: 1 }) !== undefined ? { maxBodyBytes: intOpt(values, 'max-body-bytes', { min: 1 }) } : {}),
      ...(intOpt(values, 'max-image-pixels', { min: 1 }) !== undefined ? { maxImagePixels: intOpt(values, 'max-image-pixels', { min: 1 }) } : {}),
      ...(stringOpt(values, 'api-key') ? { apiKey: stringOpt(values, 'api-key') } : {}),
      log: (line: string) => writeLine(io.stderr, line),
    });
    if (!LOOPBACK.has(host)) writeLine(io.stderr, `warning: binding ${host} exposes the model to the network; use --api-key`);
    const addr = await app.listen(intOpt(values, 'port', { min: 0 }) ?? 8000, host);
    writeLine(io.stdout, `serving ${model.id} as '${name}' at ${addr.url} (OpenAI base URL); Ctrl-C stops`);
    await new Promise<void>((resolve) => {
      if (io.signal.aborted) resolve();
      else io.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await app.close();
    await model.dispose();
    return 0;
  },
};
