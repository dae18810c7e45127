export { keywordReward } from './keyword-reward.js';
export type { KeywordRewardOptions } from './keyword-reward.js';
