import type { ChatMessage, ImageInput } from '@evolmm/core';

/** The system message lmms-eval's Qwen2.5-VL wrapper sends (docs/benchmarks.md §4). */
export const QWEN_SYSTEM_PROMPT = 'You are a helpful assistant.';

/**
 * One user turn with the image(s) first, then the text, as lmms-eval's Qwen2.5-VL wrapper builds it; a literal
 * `<image>` in the text is removed (`<image1>` is not). `system: null` leaves the system turn out.
 */
export function qwenMessages(images: readonly ImageInput[], text: string, system: string | null = QWEN_SYSTEM_PROMPT): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (system !== null) messages.push({ role: 'system', content: system });
  messages.push({
    role: 'user',
    content: [...images.map((image) => ({ type: 'image' as const, image })), { type: 'text' as const, text: text.replaceAll('<image>', '') }],
  });
  return messages;
}
