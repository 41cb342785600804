import { buildCommonAnnotatedKey, buildIdentifiableKey, withCrc32Base62Checksum } from '../scanning';

/**
 * Synthetic credentials for tests and the benchmark, generated at run time from a seed so no
 * credential-shaped literal is ever committed. They have the right format (and valid checksums
 * where the format has one) but were never issued by anyone.
 */
export class SecretFactory {
  private state: number;

  constructor(seed = 1) {
    this.state = seed >>> 0 || 1;
  }

  /** xorshift32: small, fast and deterministic. */
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }

  below(limit: number): number {
    return this.next() % limit;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }

  characters(alphabet: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[this.below(alphabet.length)];
    return out;
  }

  alphanumeric(length: number): string {
    return this.characters('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', length);
  }

  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.below(256);
    return out;
  }

  gitHubToken(prefix: 'ghp_' | 'gho_' | 'ghu_' | 'ghs_' | 'ghr_' = 'ghp_'): string {
    return withCrc32Base62Checksum(prefix, this.alphanumeric(30));
  }

  npmToken(): string {
    return withCrc32Base62Checksum('npm_', this.alphanumeric(30));
  }

  /** A new-format (84-character) Azure DevOps PAT with a valid Marvin32 checksum. */
  azureDevOpsPat(): string {
    const middle = this.alphanumeric(1) + this.characters('ABCDEFGHIJKL', 1) + this.alphanumeric(16);
    return buildCommonAnnotatedKey(this.alphanumeric(52), 'AZDO', middle);
  }

  /** A legacy 52-character Azure DevOps PAT (lower-case base32, no checksum). */
  legacyAzureDevOpsPat(): string {
    return this.characters('abcdefghijklmnopqrstuvwxyz234567', 52);
  }

  azureStorageKey(): string {
    return buildIdentifiableKey(this.bytes(64), '+ASt', 'Default0');
  }

  azureServiceBusKey(): string {
    return buildIdentifiableKey(this.bytes(32), '+ASb', 'Send0000');
  }

  azureFunctionKey(): string {
    return buildIdentifiableKey(this.bytes(40), 'AzFu', 'Functi00', true);
  }

  entraClientSecret(): string {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
    return `${this.characters(alphabet, 3)}8Q~${this.characters(alphabet, 34)}`;
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
