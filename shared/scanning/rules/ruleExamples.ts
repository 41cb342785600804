import type { ExampleMaker } from '../types';
import { buildCommonAnnotatedKey } from '../validators/commonAnnotatedKey';
import { buildEntraClientSecret } from '../validators/entraClientSecret';
import { buildIdentifiableKey } from '../validators/identifiableKey';
import { buildLegacyAzureDevOpsPat } from '../validators/legacyAzureDevOpsPat';
import { withCrc32Base62Checksum } from '../validators/tokenChecksum';

const upper = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const lower = 'abcdefghijklmnopqrstuvwxyz';
const digits = '0123456789';

/**
 * The values rule examples are built from (RuleDefinition.examples): random from a seed, so a test
 * run is repeatable, with valid checksums where the format has one. Nothing here was ever issued by
 * a service; it exists so that no credential-shaped literal is committed next to a rule.
 */
export class SeededExampleMaker implements ExampleMaker {
  private state: number;

  constructor(seed = 0x5eed) {
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

  bytes(length: number): Uint8Array {
    return Uint8Array.from({ length }, () => this.next() & 0xff);
  }

  characters(alphabet: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[this.next() % alphabet.length];
    return out;
  }

  alphanumeric(length: number): string {
    // Each of the three classes at least once, so short examples pass character-class floors.
    if (length < 3) return this.characters(upper + lower + digits, length);
    const body = this.characters(upper + lower + digits, length - 3);
    return `${this.characters(upper, 1)}${body.slice(0, 2)}${this.characters(digits, 1)}${body.slice(2)}${this.characters(lower, 1)}`.slice(
      0,
      length,
    );
  }

  lowerAlphanumeric(length: number): string {
    return this.characters(lower + digits, length);
  }

  hex(length: number): string {
    return this.characters('0123456789abcdef', length);
  }

  base64(length: number): string {
    return Buffer.from(this.bytes(length)).toString('base64');
  }

  identifiableKey(length: number, signature: string, seed: string, urlSafe = false): string {
    return buildIdentifiableKey(this.bytes(length), signature, seed, urlSafe);
  }

  commonAnnotatedKey(provider: string): string {
    const middle = this.alphanumeric(1) + this.characters('ABCDEFGHIJKL', 1) + this.alphanumeric(16);
    return buildCommonAnnotatedKey(this.alphanumeric(52), provider, middle);
  }

  legacyAzureDevOpsPat(): string {
    return buildLegacyAzureDevOpsPat(this.bytes(28));
  }

  entraClientSecret(): string {
    const alphabet = `${upper}${lower}${digits}_-.~`;
    return buildEntraClientSecret(this.alphanumeric(3), this.characters(alphabet, 31));
  }

  crc32Token(prefix: string, bodyLength: number): string {
    return withCrc32Base62Checksum(prefix, this.alphanumeric(bodyLength));
  }

  guid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
  }
}
