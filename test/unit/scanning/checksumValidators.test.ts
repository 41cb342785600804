import { describe, expect, it } from 'vitest';
import { createScanner } from '../../../shared/scanning';
import { isValidCommonAnnotatedKey } from '../../../shared/scanning/validators/commonAnnotatedKey';
import { buildIdentifiableKey, isValidIdentifiableKey } from '../../../shared/scanning/validators/identifiableKey';
import { marvin32 } from '../../../shared/scanning/validators/marvin32';
import { hasValidCrc32Base62Checksum } from '../../../shared/scanning/validators/tokenChecksum';
import { SecretFactory } from '../../support/scanning/syntheticSecrets';

/** Changes one character in the random part, keeping the format (a look-alike with a wrong checksum). */
function mutate(token: string, at: number): string {
  const replacement = token[at] === 'A' ? 'B' : 'A';
  return `${token.slice(0, at)}${replacement}${token.slice(at + 1)}`;
}

const scanner = createScanner({ fingerprintKey: Buffer.from('validator-test-fingerprint-key-0') });
const rulesFound = (text: string) => scanner.scanText(text, { path: 'build.log' }).map((finding) => finding.ruleId);

describe('GitHub and npm tokens', () => {
  const factory = new SecretFactory(11);

  it('accept tokens whose last six characters are the CRC32 of the body in base62', () => {
    for (const prefix of ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'] as const) {
      const token = factory.gitHubToken(prefix);
      expect(hasValidCrc32Base62Checksum(token, 4)).toBe(true);
    }
    expect(hasValidCrc32Base62Checksum(factory.npmToken(), 4)).toBe(true);
  });

  it('reject a token with one character changed', () => {
    const token = factory.gitHubToken();
    expect(hasValidCrc32Base62Checksum(mutate(token, 10), 4)).toBe(false);
    expect(hasValidCrc32Base62Checksum(mutate(factory.npmToken(), 20), 4)).toBe(false);
  });

  it('are reported as verified, and look-alikes with a bad checksum are not reported', () => {
    const token = factory.gitHubToken();
    const [finding] = scanner.scanText(`export GH_TOKEN=${token}`, { path: 'env.sh' });
    expect(finding).toMatchObject({ ruleId: 'github-pat', verified: true, confidence: 'high' });
    expect(rulesFound(`export GH_TOKEN=${mutate(token, 12)}`)).not.toContain('github-pat');
    expect(rulesFound(`npm_token=${mutate(factory.npmToken(), 8)}`)).not.toContain('npm-access-token');
  });

  it('keep a bad-checksum token at low confidence when unverified tokens are asked for', () => {
    const lenient = createScanner({ fingerprintKey: Buffer.alloc(32, 1), includeUnverified: true, minConfidence: 'low' });
    const [finding] = lenient.scanText(`token ${mutate(factory.gitHubToken(), 9)}`, { path: 'x' }).filter((f) => f.ruleId === 'github-pat');
    expect(finding).toMatchObject({ ruleId: 'github-pat', verified: false, confidence: 'low' });
  });
});

describe('Azure common annotated keys (new Azure DevOps PATs)', () => {
  const factory = new SecretFactory(12);

  it('accept an 84-character key whose Marvin32 checksum (seed "Default0") matches', () => {
    const pat = factory.azureDevOpsPat();
    expect(pat).toHaveLength(84);
    expect(pat.slice(52, 57)).toBe('JQQJ9');
    expect(pat.slice(76, 80)).toBe('AZDO');
    expect(isValidCommonAnnotatedKey(pat)).toBe(true);
  });

  it('reject a key with one character changed in its random part or its checksum', () => {
    const pat = factory.azureDevOpsPat();
    expect(isValidCommonAnnotatedKey(mutate(pat, 5))).toBe(false);
    expect(isValidCommonAnnotatedKey(mutate(pat, 82))).toBe(false);
  });

  it('report a valid PAT as a verified Azure DevOps PAT and drop a look-alike', () => {
    const pat = factory.azureDevOpsPat();
    expect(scanner.scanText(`AZURE_DEVOPS_EXT_PAT=${pat}`, { path: 'x' })).toEqual([
      expect.objectContaining({ ruleId: 'azure-devops-pat', verified: true, severity: 'critical' }),
    ]);
    expect(rulesFound(`AZURE_DEVOPS_EXT_PAT=${mutate(pat, 30)}`)).not.toContain('azure-devops-pat');
  });
});

describe('Azure identifiable keys', () => {
  const factory = new SecretFactory(13);

  it('accept 88-character storage keys and 44-character Service Bus keys with their signature and checksum', () => {
    const storage = factory.azureStorageKey();
    expect(storage).toHaveLength(88);
    expect(storage.slice(76, 80)).toBe('+ASt');
    expect(isValidIdentifiableKey(storage, '+ASt', ['Default0'])).toBe(true);
    const serviceBus = factory.azureServiceBusKey();
    expect(serviceBus).toHaveLength(44);
    expect(isValidIdentifiableKey(serviceBus, '+ASb', ['Send0000', 'Listen00', 'Manage00'])).toBe(true);
  });

  it('reject a key checked with another seed, signature, or with a changed byte', () => {
    const storage = factory.azureStorageKey();
    expect(isValidIdentifiableKey(storage, '+ASt', ['Listen00'])).toBe(false);
    expect(isValidIdentifiableKey(storage, 'ACDb', ['Default0'])).toBe(false);
    expect(isValidIdentifiableKey(mutate(storage, 3), '+ASt', ['Default0'])).toBe(false);
  });

  it('report identifiable keys as verified findings of their service', () => {
    const text = [
      `AccountKey=${factory.azureStorageKey()}`,
      `SharedAccessKey=${factory.azureServiceBusKey()}`,
      `x-functions-key: ${factory.azureFunctionKey()}`,
      `cosmos key ${buildIdentifiableKey(factory.bytes(64), 'ACDb', 'MastRW00')}`,
    ].join('\n');
    const findings = scanner.scanText(text, { path: 'x' });
    expect(findings.map((finding) => [finding.ruleId, finding.verified])).toEqual([
      ['azure-storage-account-key', true],
      ['azure-service-bus-key', true],
      ['azure-function-key', true],
      ['azure-cosmosdb-key', true],
    ]);
  });

  it('drops a storage-key look-alike whose checksum fails', () => {
    const forged = mutate(factory.azureStorageKey(), 10);
    expect(rulesFound(`key: ${forged}`)).toEqual([]);
  });
});

describe('Marvin32', () => {
  it('depends on every byte and on the seed', () => {
    const data = Buffer.from('identifiable secret bytes');
    const reference = marvin32(data, 'Default0');
    expect(marvin32(Buffer.from('identifiable secret byteS'), 'Default0')).not.toBe(reference);
    expect(marvin32(data, 'Default1')).not.toBe(reference);
    for (let length = 0; length < 8; length++) expect(Number.isInteger(marvin32(data.subarray(0, length), 'Default0'))).toBe(true);
  });
});
