import { createRequire } from 'node:module';

// Read at run time so the printed version is the published package's, not a build-time constant.
const require = createRequire(import.meta.url);
export const VERSION: string = (require('../package.json') as { version: string }).version;
