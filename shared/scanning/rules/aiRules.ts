import type { RuleDefinition } from '../types';
import { keyedValue, prefixedToken } from './patternParts';

/** OpenAI, Anthropic, Hugging Face and other model-provider API keys. */
function aiKey(
  id: string,
  family: string,
  title: string,
  keywords: readonly string[],
  body: string,
  previewPrefix: number,
): RuleDefinition {
  return {
    id,
    family,
    title,
    severity: 'high',
    confidence: 'high',
    keywords,
    pattern: prefixedToken(body),
    minEntropy: 3.5,
    remediation: `Revoke the key in the ${title.replace(/ (?:API|admin|organization|access).*$/i, '')} console and create a new one scoped to the project that needs it.`,
    previewPrefix,
  };
}

export const aiRules: readonly RuleDefinition[] = [
  // "T3BlbkFJ" is "OpenAI" in base64: every OpenAI key format embeds it.
  aiKey(
    'openai-api-key',
    'openai',
    'OpenAI API key',
    ['t3blbkfj'],
    String.raw`sk-(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_\-]{20,200}T3BlbkFJ[A-Za-z0-9_\-]{20,200}`,
    8,
  ),
  // The fixed `AA` tail makes these formats specific enough to skip the typed-sequence check.
  {
    ...aiKey('anthropic-api-key', 'anthropic', 'Anthropic API key', ['sk-ant-api03'], String.raw`sk-ant-api03-[A-Za-z0-9_\-]{93}AA`, 13),
    placeholders: { repeatedCharacters: false, words: true },
  },
  {
    ...aiKey(
      'anthropic-admin-key',
      'anthropic',
      'Anthropic admin API key',
      ['sk-ant-admin01'],
      String.raw`sk-ant-admin01-[A-Za-z0-9_\-]{93}AA`,
      15,
    ),
    placeholders: { repeatedCharacters: false, words: true },
  },
  {
    ...aiKey('huggingface-access-token', 'huggingface', 'Hugging Face access token', ['hf_'], '(?<![A-Za-z0-9_\\-])hf_[A-Za-z]{34}', 3),
    minCharacterClasses: 2,
  },
  {
    ...aiKey(
      'huggingface-organization-token',
      'huggingface',
      'Hugging Face organization API token',
      ['api_org_'],
      'api_org_[A-Za-z]{34}',
      8,
    ),
    minCharacterClasses: 2,
  },
  aiKey('perplexity-api-key', 'perplexity', 'Perplexity API key', ['pplx-'], 'pplx-[A-Za-z0-9]{48}', 5),
  aiKey('groq-api-key', 'groq', 'Groq API key', ['gsk_'], 'gsk_[A-Za-z0-9]{52}', 4),
  aiKey('xai-api-key', 'xai', 'xAI API key', ['xai-'], 'xai-[A-Za-z0-9]{80}', 4),
  aiKey('replicate-api-token', 'replicate', 'Replicate API token', ['r8_'], 'r8_[A-Za-z0-9]{37}', 3),
  aiKey('openrouter-api-key', 'openrouter', 'OpenRouter API key', ['sk-or-v1-'], 'sk-or-v1-[a-f0-9]{64}', 9),
  {
    id: 'cohere-api-key',
    family: 'cohere',
    title: 'Cohere API key',
    severity: 'high',
    confidence: 'medium',
    keywords: ['cohere', 'co_api_key'],
    pattern: keyedValue('cohere|co_api_key', '[A-Za-z0-9]{40}'),
    minEntropy: 3.5,
    remediation: 'Delete the key in the Cohere dashboard (API keys).',
  },
  {
    id: 'mistral-api-key',
    family: 'mistral',
    title: 'Mistral AI API key',
    severity: 'high',
    confidence: 'medium',
    keywords: ['mistral'],
    pattern: keyedValue('mistral', '[A-Za-z0-9]{32}'),
    minEntropy: 3.5,
    remediation: 'Revoke the key in the Mistral console (API keys).',
  },
];
