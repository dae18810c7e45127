import { createCheckpoint } from '@evolmm/qwen-vl';
await createCheckpoint('/tmp/evolmm-bench-0.5b-6l', { preset: '0.5b', dtype: 'BF16', text: { numHiddenLayers: 6 } });
console.log('ok');
