import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SeededExampleMaker } from '../../../shared/scanning/rules/ruleExamples';

/**
 * The corpus of real layouts (test/fixtures/layouts/): files written the way people write
 * credentials (Kubernetes secrets, Jenkins credentials.xml, web.config, .npmrc, Terraform, C#...)
 * with `{{generator}}` placeholders filled at run time, so no secret is committed.
 *
 * - `positive/<family>/<file>`: every placeholder of a secret generator is a secret that must be
 *   reported on its line (or be the other half of a pair reported with a secret).
 * - `negative/<family>/<file>`: every non-blank line is a case that must report nothing.
 *   Placeholders there fill in non-secrets (hashes, GUIDs, base64 of text, versions).
 *
 * `{{base64:generator}}` is the base64 of what the generator makes (Kubernetes `data:`).
 */
const make = new SeededExampleMaker(0x1a7e);
const base64Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const words = ['orders', 'billing', 'contoso', 'fabrikam', 'payments', 'reports', 'inventory', 'northwind', 'tailspin', 'woodgrove'];

/** Generators of secrets: their placeholders are expected findings. */
export const secretGenerators: Record<string, () => string> = {
  'azure-storage-key': () => make.identifiableKey(64, '+ASt', 'Default0'),
  'azure-legacy-account-key': () => make.base64(64),
  'azure-cosmos-key': () => make.identifiableKey(64, 'ACDb', 'MastRW00'),
  'azure-acr-key': () => drawn(() => make.identifiableKey(39, '+ACR', 'ACRDflt0'), /^[A-Za-z0-9+/]{42}\+ACR[A-D]/),
  'azure-search-key': () => drawn(() => make.identifiableKey(39, 'AzSe', 'PAdmin00'), /^[A-Za-z0-9]{42}AzSe[A-D][A-Za-z0-9]{5}$/),
  'azure-apim-key': () => make.identifiableKey(64, 'APIM', 'Tenant00'),
  'azure-function-key': () => make.identifiableKey(40, 'AzFu', 'Functi00', true),
  'azure-service-bus-key': () => make.identifiableKey(32, '+ASb', 'Manage00'),
  'azure-event-hubs-key': () => make.identifiableKey(32, '+AEh', 'Send0000'),
  'azure-relay-key': () => make.identifiableKey(32, '+ARm', 'Listen00'),
  'azure-batch-key': () => make.identifiableKey(64, '+ABa', 'AbAcct00'),
  'azure-event-grid-key': () => make.identifiableKey(32, 'AZEG', 'Default0'),
  'azure-redis-key': () => make.identifiableKey(32, 'AzCa', 'Access00'),
  'azure-legacy-shared-key': () => make.base64(32),
  'azure-app-config-secret': () => make.base64(32),
  'azure-ai-key': () => make.commonAnnotatedKey('ACOG'),
  'entra-client-secret': () => make.entraClientSecret(),
  'ado-pat': () => make.commonAnnotatedKey('AZDO'),
  'ado-pat-legacy': () => make.legacyAzureDevOpsPat(),
  'aws-access-key-id': () => `AKIA${make.characters('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`,
  'aws-secret-access-key': () => make.characters(base64Alphabet, 40),
  'atlassian-api-token': () => `ATATT3${make.characters(`${base64Alphabet.slice(0, 62)}_-`, 186)}`,
  'atlassian-legacy-token': () => make.alphanumeric(24),
  'vault-token': () => `hvs.${make.alphanumeric(91)}`,
  'vault-legacy-token': () => `s.${make.alphanumeric(24)}`,
  'octopus-api-key': () => `API-${make.characters('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 26)}`,
  'shippo-token': () => `shippo_live_${make.hex(40)}`,
  'airtable-pat': () => `pat${make.alphanumeric(14)}.${make.hex(64)}`,
  'alibaba-access-key-id': () => `LTAI${make.alphanumeric(20)}`,
  'alibaba-access-key-secret': () => make.alphanumeric(30),
  password: () => `${make.alphanumeric(9)}${make.characters('!#%&*+-.=?@^_', 1)}${make.alphanumeric(7)}`,
  'generic-token': () => make.alphanumeric(32),
};

/** Generators of non-secrets: names, ids and random-looking values that are not credentials. */
export const plainGenerators: Record<string, () => string> = {
  guid: () => make.guid(),
  'account-name': () =>
    `${make.characters('abcdefghijklmnopqrstuvwxyz', 1)}${words[make.hex(1).charCodeAt(0) % words.length]}${make.characters('0123456789', 3)}`,
  'user-name': () => `${words[make.hex(1).charCodeAt(0) % words.length]}-deploy`,
  sha1: () => make.hex(40),
  sha256: () => make.hex(64),
  'sha512-integrity': () => `sha512-${make.base64(64)}`,
  version: () => `${make.characters('123456789', 1)}.${make.characters('0123456789', 2)}.${make.characters('0123456789', 4)}`,
  semver: () =>
    `${make.characters('123456789', 1)}.${make.characters('0123456789', 2)}.${make.characters('0123456789', 1)}-beta.${make.characters('0123456789', 2)}+build.${make.characters('0123456789', 4)}`,
  'base64-user-agent': () =>
    Buffer.from(
      `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${make.characters('0123456789', 3)}.0.0.0 Safari/537.36`,
    ).toString('base64'),
  'base64-text': () => Buffer.from(`${words.join(' ')} ${make.alphanumeric(6)} report generated for the quarter`).toString('base64'),
  'resource-name': () => `rg-${words[make.hex(1).charCodeAt(0) % words.length]}-prod-westeurope-${make.characters('0123456789', 3)}`,
  'build-id': () => `${make.characters('0123456789', 8)}`,
  'container-digest': () => `sha256:${make.hex(64)}`,
  'cert-thumbprint': () => make.hex(40).toUpperCase(),
};

function drawn(generate: () => string, fits: RegExp): string {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const value = generate();
    if (fits.test(value)) return value;
  }
  throw new Error(`no generated value fits ${fits}`);
}

export interface LayoutCase {
  family: string;
  file: string;
  text: string;
  /** 1-based lines that hold an expected secret (positives), or that must stay silent (negatives). */
  lines: number[];
  expected: 'secret' | 'nothing';
}

const placeholder = /\{\{(base64:)?([a-z0-9-]+)\}\}/g;

function fill(template: string, where: string): { text: string; secretLines: number[] } {
  const secretLines = new Set<number>();
  const lines = template.split('\n').map((line, index) =>
    line.replace(placeholder, (_whole, encoded: string | undefined, name: string) => {
      const isSecret = Object.hasOwn(secretGenerators, name);
      if (!isSecret && !Object.hasOwn(plainGenerators, name)) throw new Error(`${where}: unknown generator {{${name}}}`);
      if (isSecret) secretLines.add(index + 1);
      const value = (isSecret ? secretGenerators[name] : plainGenerators[name])();
      return encoded ? Buffer.from(value).toString('base64') : value;
    }),
  );
  return { text: lines.join('\n'), secretLines: [...secretLines] };
}

export function loadLayoutCorpus(root: string): LayoutCase[] {
  const cases: LayoutCase[] = [];
  for (const expected of ['secret', 'nothing'] as const) {
    const folder = join(root, expected === 'secret' ? 'positive' : 'negative');
    for (const family of readdirSync(folder).sort()) {
      for (const file of readdirSync(join(folder, family)).sort()) {
        const where = `${expected === 'secret' ? 'positive' : 'negative'}/${family}/${file}`;
        const { text, secretLines } = fill(readFileSync(join(folder, family, file), 'utf8'), where);
        const lines =
          expected === 'secret'
            ? secretLines
            : text
                .split('\n')
                .map((line, index) => (line.trim() === '' ? 0 : index + 1))
                .filter((line) => line > 0);
        if (expected === 'secret' && lines.length === 0) throw new Error(`${where} has no secret placeholder`);
        cases.push({ family, file: where, text, lines, expected });
      }
    }
  }
  return cases;
}
