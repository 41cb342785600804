import type { RuleDefinition } from '../types';
import { assignment } from './patternParts';

/**
 * The catch-all: a value assigned to a name that says "secret" (`DB_PASSWORD=`, `"clientSecret":`,
 * `api_key:`). The name is judged in code (allowlists/secretNames.ts), so `tokenUrl`,
 * `secret_length` or `publicKey` do not count; an entropy floor and character-class check drop
 * words and filler. Specific rules win when both match the same text.
 */
export const genericRules: readonly RuleDefinition[] = [
  {
    id: 'generic-secret-assignment',
    family: 'generic',
    title: 'Secret assigned to a secret-named variable or setting',
    severity: 'high',
    confidence: 'medium',
    keywords: [
      'password',
      'passwd',
      'pwd',
      'passphrase',
      'secret',
      'token',
      'credential',
      'creds',
      'auth',
      'apikey',
      'api_key',
      'api-key',
      'accesskey',
      'access_key',
      'access-key',
      '_key',
      '-key',
      '.key',
      'key=',
      'key:',
      'key"',
      "key'",
      'bearer',
      '_pat',
    ],
    pattern: new RegExp(
      String.raw`(?<![\w.\-$])(?<name>\$?[A-Za-z_][\w.\-]{0,80})${assignment}(?<secret>[^\s"'\x60;,<>\\(){}[\]|]{8,512})`,
    ),
    anchor: 'name-around-keyword',
    validator: 'secret-name',
    minEntropy: 3,
    minCharacterClasses: 2,
    allowlist: { guids: false, hexDigests: false },
    generic: true,
    examples: {
      positives: [
        (make) => `DB_PASSWORD=${make.alphanumeric(10)}!${make.alphanumeric(6)}`,
        (make) => `  "clientSecret": "${make.alphanumeric(32)}",`,
        (make) => `private const string ApiKey = "${make.alphanumeric(32)}";`,
      ],
      negatives: [
        'password: changeme',
        'token_url = https://login.contoso.com/oauth2/token',
        'secret_length=32',
        'DB_PASSWORD=$(DB_PASSWORD)',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell or pipeline reference, which the rule must not report.
        'api_key: ${{ secrets.API_KEY }}',
        'publicKey = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE"',
        'azurerm_key_vault_secret.api_token: Refreshing state...',
        'body fields: "token", "grant_type", "client_info"',
      ],
    },
    remediation:
      'Rotate the secret, move it to a secret store (Key Vault, pipeline secret variables), and reference it by name instead of value.',
  },
];
