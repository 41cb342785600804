import type { ExampleMaker, RuleDefinition } from '../types';
import { keyedValue, prefixedToken } from './patternParts';

/** OpenAI, Anthropic, Hugging Face and other model-provider API keys. */
function aiKey(
  id: string,
  family: string,
  title: string,
  keywords: readonly string[],
  body: string,
  previewPrefix: number,
  example: (make: ExampleMaker) => string,
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
    examples: { positives: [(make) => `API_KEY=${example(make)}`, (make) => `client = Client(api_key="${example(make)}")`] },
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
    (make) => `sk-proj-${make.alphanumeric(74)}T3BlbkFJ${make.alphanumeric(74)}`,
  ),
  // The fixed `AA` tail makes these formats specific enough to skip the typed-sequence check.
  {
    ...aiKey(
      'anthropic-api-key',
      'anthropic',
      'Anthropic API key',
      ['sk-ant-api03'],
      String.raw`sk-ant-api03-[A-Za-z0-9_\-]{93}AA`,
      13,
      (make) => `sk-ant-api03-${make.alphanumeric(93)}AA`,
    ),
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
      (make) => `sk-ant-admin01-${make.alphanumeric(93)}AA`,
    ),
    placeholders: { repeatedCharacters: false, words: true },
  },
  {
    ...aiKey(
      'huggingface-access-token',
      'huggingface',
      'Hugging Face access token',
      ['hf_'],
      '(?<![A-Za-z0-9_\\-])hf_[A-Za-z]{34}',
      3,
      (make) => `hf_${make.characters('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', 34)}`,
    ),
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
      (make) => `api_org_${make.characters('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', 34)}`,
    ),
    minCharacterClasses: 2,
  },
  aiKey(
    'perplexity-api-key',
    'perplexity',
    'Perplexity API key',
    ['pplx-'],
    'pplx-[A-Za-z0-9]{48}',
    5,
    (make) => `pplx-${make.alphanumeric(48)}`,
  ),
  aiKey('groq-api-key', 'groq', 'Groq API key', ['gsk_'], 'gsk_[A-Za-z0-9]{52}', 4, (make) => `gsk_${make.alphanumeric(52)}`),
  aiKey('xai-api-key', 'xai', 'xAI API key', ['xai-'], 'xai-[A-Za-z0-9]{80}', 4, (make) => `xai-${make.alphanumeric(80)}`),
  aiKey(
    'replicate-api-token',
    'replicate',
    'Replicate API token',
    ['r8_'],
    'r8_[A-Za-z0-9]{37}',
    3,
    (make) => `r8_${make.alphanumeric(37)}`,
  ),
  aiKey(
    'openrouter-api-key',
    'openrouter',
    'OpenRouter API key',
    ['sk-or-v1-'],
    'sk-or-v1-[a-f0-9]{64}',
    9,
    (make) => `sk-or-v1-${make.hex(64)}`,
  ),
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
