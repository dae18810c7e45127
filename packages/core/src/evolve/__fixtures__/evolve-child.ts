/** Child process of the kill/resume test: node child.mjs <out> <images> <fresh|resume>. */
import { runKillScenario } from './kill-run.js';

const [out, images, mode] = process.argv.slice(2);
await runKillScenario({ out, images, resume: mode === 'resume', stepDelayMs: 3, saveDelayMs: 40 });
process.stdout.write('done\n');
