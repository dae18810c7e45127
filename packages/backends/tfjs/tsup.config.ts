import { nodeLibrary } from '../../../tsup.base.js';

// step-worker is the entry of the data-parallel worker threads (data-parallel.ts loads it by URL).
export default nodeLibrary({ entry: ['src/index.ts', 'src/step-worker.ts'], dts: { entry: 'src/index.ts' } });
