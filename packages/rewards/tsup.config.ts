import { nodeLibrary } from '../../tsup.base.js';

export default nodeLibrary();
