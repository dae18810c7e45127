import { nodeLibrary } from '../../tsup.base.js';

export default nodeLibrary({ entry: ['src/index.ts', 'src/bin.ts'], dts: { entry: 'src/index.ts' } });
