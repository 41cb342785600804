import { SeededExampleMaker } from '../scanning';

/**
 * Synthetic credentials for tests, the benchmark and the demo, generated at run time from a seed so no
 * credential-shaped literal is ever committed. They have the right format (and valid checksums where
 * the format has one, from the same maker the rules' own examples use) but were never issued by anyone.
 */
export class SecretFactory extends SeededExampleMaker {
  constructor(seed = 1) {
    super(seed);
  }

  below(limit: number): number {
    return this.next() % limit;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }

  gitHubToken(prefix: 'ghp_' | 'gho_' | 'ghu_' | 'ghs_' | 'ghr_' = 'ghp_'): string {
    return this.crc32Token(prefix, 30);
  }

  npmToken(): string {
    return this.crc32Token('npm_', 30);
  }

  /** A new-format (84-character) Azure DevOps PAT with a valid Marvin32 checksum. */
  azureDevOpsPat(): string {
    return this.commonAnnotatedKey('AZDO');
  }

  azureStorageKey(): string {
    return this.identifiableKey(64, '+ASt', 'Default0');
  }

  azureServiceBusKey(): string {
    return this.identifiableKey(32, '+ASb', 'Send0000');
  }

  azureFunctionKey(): string {
    return this.identifiableKey(40, 'AzFu', 'Functi00', true);
  }

  awsAccessKeyId(): string {
    return `AKIA${this.characters('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`;
  }

  awsSecretAccessKey(): string {
    return this.characters('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+', 40);
  }

  slackBotToken(): string {
    return `xoxb-${this.characters('0123456789', 12)}-${this.characters('0123456789', 13)}-${this.alphanumeric(24)}`;
  }

  slackWebhookUrl(): string {
    return `https://hooks.slack.com/services/T${this.characters('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 8)}/B${this.characters('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 10)}/${this.alphanumeric(24)}`;
  }

  stripeLiveKey(): string {
    return `sk_live_${this.alphanumeric(32)}`;
  }

  gitLabToken(): string {
    return `glpat-${this.characters('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-', 20)}`;
  }

  jwt(): string {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    return `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ sub: this.alphanumeric(12), iat: 1700000000 + this.below(1000) })}.${Buffer.from(this.bytes(32)).toString('base64url')}`;
  }

  password(): string {
    return `${this.alphanumeric(10)}!${this.characters('0123456789', 3)}${this.alphanumeric(6)}`;
  }

  /** A PEM block with a random body: shaped like a key, not a key. */
  privateKeyPem(label = 'RSA PRIVATE KEY'): string[] {
    const body = Buffer.from(this.bytes(600)).toString('base64');
    const lines = [`-----BEGIN ${label}-----`];
    for (let i = 0; i < body.length; i += 64) lines.push(body.slice(i, i + 64));
    lines.push(`-----END ${label}-----`);
    return lines;
  }
}

/** `2024-05-01T10:00:00.1234567Z ` — the prefix Azure Pipelines puts on every log line. */
export function pipelineTimestamp(second: number): string {
  const s = String(second % 60).padStart(2, '0');
  const m = String(Math.floor(second / 60) % 60).padStart(2, '0');
  return `2024-05-01T10:${m}:${s}.${String(1234567 + second).slice(-7)}Z `;
}
