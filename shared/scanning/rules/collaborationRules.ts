import type { ExampleMaker, RuleDefinition } from '../types';
import { prefixedToken } from './patternParts';

/** Slack, Discord, Microsoft Teams, Telegram and other messaging and work-tracking services. */
const revokeSlack = 'Revoke the token in the Slack app settings (OAuth & Permissions → Revoke, or rotate), and purge the leak.';

function slackRule(
  id: string,
  title: string,
  keywords: readonly string[],
  body: string,
  example: (make: ExampleMaker) => string,
  minEntropy = 2.5,
): RuleDefinition {
  return {
    id,
    family: 'slack',
    title,
    severity: 'critical',
    confidence: 'high',
    keywords,
    pattern: prefixedToken(body),
    minEntropy,
    // Slack's sample tokens repeat digits in their numeric ids; the fixed layout is evidence enough.
    placeholders: { repeatedCharacters: false, words: true },
    remediation: revokeSlack,
    previewPrefix: 5,
    examples: {
      positives: [
        (make) => `SLACK_TOKEN=${example(make)}`,
        (make) => `curl -H "Authorization: Bearer ${example(make)}" https://slack.com/api/auth.test`,
      ],
    },
  };
}

export const collaborationRules: readonly RuleDefinition[] = [
  slackRule(
    'slack-bot-token',
    'Slack bot token',
    ['xoxb-'],
    String.raw`xoxb-[0-9]{10,13}-[0-9]{10,13}-[A-Za-z0-9]{20,40}`,
    (make) => `xoxb-${make.characters('0123456789', 12)}-${make.characters('0123456789', 13)}-${make.alphanumeric(24)}`,
  ),
  slackRule(
    'slack-legacy-bot-token',
    'Slack legacy bot token',
    ['xoxb-'],
    String.raw`xoxb-[0-9]{8,14}-[A-Za-z0-9]{18,26}`,
    (make) => `xoxb-${make.characters('0123456789', 10)}-${make.alphanumeric(24)}`,
  ),
  slackRule(
    'slack-user-token',
    'Slack user token',
    ['xoxp-', 'xoxe-'],
    String.raw`xox[pe]-[0-9]{10,13}-[0-9]{10,13}-[0-9]{10,13}-[A-Za-z0-9]{28,34}`,
    (make) =>
      `xoxp-${make.characters('0123456789', 12)}-${make.characters('0123456789', 12)}-${make.characters('0123456789', 12)}-${make.alphanumeric(32)}`,
  ),
  slackRule(
    'slack-app-token',
    'Slack app-level token',
    ['xapp-'],
    String.raw`xapp-\d-[A-Z0-9]{9,14}-\d{10,16}-[a-z0-9]{40,80}`,
    (make) =>
      `xapp-1-${make.characters('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 11)}-${make.characters('0123456789', 13)}-${make.lowerAlphanumeric(64)}`,
  ),
  slackRule(
    'slack-config-access-token',
    'Slack configuration access token',
    ['xoxe.xox'],
    String.raw`xoxe\.xox[bp]-\d-[A-Za-z0-9]{160,170}`,
    (make) => `xoxe.xoxp-1-${make.alphanumeric(163)}`,
  ),
  slackRule(
    'slack-config-refresh-token',
    'Slack configuration refresh token',
    ['xoxe-'],
    String.raw`xoxe-\d-[A-Za-z0-9]{140,150}`,
    (make) => `xoxe-1-${make.alphanumeric(146)}`,
  ),
  slackRule(
    'slack-legacy-token',
    'Slack legacy token',
    ['xoxo-', 'xoxs-'],
    String.raw`xox[os]-\d{1,16}-\d{1,16}-\d{1,16}-[a-fA-F0-9]{8,64}`,
    (make) =>
      `xoxs-${make.characters('0123456789', 10)}-${make.characters('0123456789', 10)}-${make.characters('0123456789', 10)}-${make.hex(64)}`,
  ),
  slackRule(
    'slack-legacy-workspace-token',
    'Slack legacy workspace token',
    ['xoxa-', 'xoxr-'],
    String.raw`xox[ar]-(?:\d-)?[0-9a-zA-Z]{8,48}(?:-[0-9a-zA-Z]{1,48}){0,4}`,
    (make) => `xoxa-2-${make.alphanumeric(40)}`,
  ),
  {
    id: 'slack-webhook-url',
    family: 'slack',
    title: 'Slack incoming webhook URL',
    severity: 'high',
    confidence: 'high',
    keywords: ['hooks.slack.com'],
    pattern: /hooks\.slack\.com\/(?:services|workflows|triggers)\/(?<secret>[A-Za-z0-9+/_-]{43,80})(?![A-Za-z0-9+/_-])/,
    minEntropy: 3,
    remediation: 'Regenerate the webhook URL in the Slack app (Incoming Webhooks) and store it as a secret.',
    examples: {
      positives: [
        (make) =>
          `SLACK_WEBHOOK=https://hooks.slack.com/services/T${make.characters('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 8)}/B${make.characters('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 10)}/${make.alphanumeric(24)}`,
      ],
    },
  },
  {
    id: 'discord-bot-token',
    family: 'discord',
    title: 'Discord bot token',
    severity: 'high',
    confidence: 'medium',
    keywords: ['discord'],
    pattern: /(?<![A-Za-z0-9_\-.])(?<secret>[MNO][A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38})(?![A-Za-z0-9_-])/,
    minEntropy: 3.5,
    remediation: 'Reset the bot token in the Discord developer portal.',
  },
  {
    id: 'discord-webhook-url',
    family: 'discord',
    title: 'Discord webhook URL',
    severity: 'medium',
    confidence: 'high',
    keywords: ['discord.com/api/webhooks', 'discordapp.com/api/webhooks'],
    pattern: /discord(?:app)?\.com\/api\/webhooks\/\d{17,20}\/(?<secret>[A-Za-z0-9_-]{60,68})(?![A-Za-z0-9_-])/,
    remediation: 'Delete the webhook in the Discord channel settings and create a new one.',
    examples: {
      positives: [
        (make) => `DISCORD_WEBHOOK=https://discord.com/api/webhooks/${make.characters('0123456789', 18)}/${make.alphanumeric(68)}`,
      ],
    },
  },
  {
    id: 'teams-workflow-webhook-url',
    family: 'microsoft-teams',
    title: 'Microsoft Teams / Power Automate workflow URL with signature',
    severity: 'medium',
    confidence: 'high',
    keywords: ['logic.azure.com', 'api.powerplatform.com', 'powerautomate.com'],
    pattern:
      /https:\/\/[A-Za-z0-9.-]{1,120}(?:logic\.azure\.com|api\.powerplatform\.com|powerautomate\.com)[^\s"'<>]{0,400}[?&]sig=(?<secret>[A-Za-z0-9_\-%]{40,60})/,
    remediation:
      'Regenerate the flow trigger URL (re-save the "When a Teams webhook request is received" trigger) and keep it in a secret store.',
  },
  {
    id: 'telegram-bot-token',
    family: 'telegram',
    title: 'Telegram bot token',
    severity: 'high',
    confidence: 'medium',
    keywords: ['telegram', 'api.telegram.org/bot'],
    pattern: /(?<![A-Za-z0-9])(?<secret>\d{8,10}:AA[A-Za-z0-9_-]{33})(?![A-Za-z0-9_-])/,
    remediation: 'Revoke the token with @BotFather (/revoke).',
    examples: {
      positives: [(make) => `TELEGRAM_BOT_TOKEN=${make.characters('123456789', 10)}:AA${make.alphanumeric(33)}`],
    },
  },
  {
    id: 'atlassian-api-token',
    family: 'atlassian',
    title: 'Atlassian API token',
    severity: 'high',
    confidence: 'high',
    keywords: ['ATATT3'],
    pattern: prefixedToken(String.raw`ATATT3[A-Za-z0-9_\-=]{186}`),
    minEntropy: 3.5,
    remediation: 'Revoke the token at id.atlassian.com (Security → API tokens).',
    previewPrefix: 6,
    examples: {
      positives: [
        (make) => `JIRA_API_TOKEN=ATATT3${make.characters('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-', 186)}`,
      ],
    },
  },
  {
    id: 'atlassian-legacy-api-token',
    family: 'atlassian',
    title: 'Atlassian (Jira / Confluence) API token',
    severity: 'high',
    confidence: 'medium',
    keywords: ['jira', 'confluence', 'atlassian'],
    pattern:
      /(?<![A-Za-z0-9])(?:jira|confluence|atlassian)[\w.-]{0,40}\\?["'\x60]?[ \t]{0,5}(?:[:?.]{0,3}=>?|:)[ \t]{0,5}\\?["'\x60]?(?<secret>[A-Za-z0-9]{24})(?![A-Za-z0-9_-])/i,
    minEntropy: 3.5,
    remediation: 'Revoke the token at id.atlassian.com (Security → API tokens).',
    examples: {
      positives: [(make) => `jira_api_token: ${make.alphanumeric(24)}`, (make) => `CONFLUENCE_TOKEN="${make.alphanumeric(24)}"`],
      negatives: ['jira_url: https://contoso.atlassian.net/browse/OPS-1234'],
    },
  },
  {
    id: 'notion-api-token',
    family: 'notion',
    title: 'Notion integration token',
    severity: 'high',
    confidence: 'high',
    keywords: ['ntn_'],
    pattern: prefixedToken(String.raw`ntn_[0-9]{11}[A-Za-z0-9]{35}`),
    minEntropy: 3.5,
    minCharacterClasses: 3,
    remediation: 'Refresh the integration secret in Notion (Settings → Integrations).',
    previewPrefix: 4,
    examples: {
      positives: [(make) => `NOTION_TOKEN=ntn_${make.characters('0123456789', 11)}${make.alphanumeric(35)}`],
    },
  },
  {
    id: 'linear-api-key',
    family: 'linear',
    title: 'Linear API key',
    severity: 'high',
    confidence: 'high',
    keywords: ['lin_api_'],
    pattern: prefixedToken('lin_api_[A-Za-z0-9]{40}'),
    remediation: 'Revoke the key in Linear (Settings → API).',
    previewPrefix: 8,
    examples: {
      positives: [(make) => `LINEAR_API_KEY=lin_api_${make.alphanumeric(40)}`],
    },
  },
];
