import { Template } from '@huggingface/jinja';
import type { ChatMessage } from '@evolmm/core';

/** The Qwen2-VL / Qwen2.5-VL chat template, verbatim from the hub tokenizer_config.json (docs/runtime.md §3.5). */
export const QWEN_VL_CHAT_TEMPLATE =
  "{% set image_count = namespace(value=0) %}{% set video_count = namespace(value=0) %}{% for message in messages %}{% if loop.first and message['role'] != 'system' %}<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}<|im_start|>{{ message['role'] }}\n{% if message['content'] is string %}{{ message['content'] }}<|im_end|>\n{% else %}{% for content in message['content'] %}{% if content['type'] == 'image' or 'image' in content or 'image_url' in content %}{% set image_count.value = image_count.value + 1 %}{% if add_vision_id %}Picture {{ image_count.value }}: {% endif %}<|vision_start|><|image_pad|><|vision_end|>{% elif content['type'] == 'video' or 'video' in content %}{% set video_count.value = video_count.value + 1 %}{% if add_vision_id %}Video {{ video_count.value }}: {% endif %}<|vision_start|><|video_pad|><|vision_end|>{% elif 'text' in content %}{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>\n{% endif %}{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

/**
 * Renders messages with a chat template (`@huggingface/jinja`, docs/runtime.md §6). Image parts are passed as
 * `{type: 'image'}` only: the template needs the marker, not the pixels.
 */
export function renderChatTemplate(
  template: string | Template,
  messages: readonly ChatMessage[],
  opts: { addGenerationPrompt?: boolean; addVisionId?: boolean } = {},
): string {
  const t = typeof template === 'string' ? new Template(template) : template;
  const plain = messages.map((m) => ({
    role: m.role,
    content: typeof m.content === 'string' ? m.content : m.content.map((p) => (p.type === 'image' ? { type: 'image' } : { type: 'text', text: p.text })),
  }));
  return t.render({ messages: plain, add_generation_prompt: opts.addGenerationPrompt ?? true, add_vision_id: opts.addVisionId ?? false });
}
