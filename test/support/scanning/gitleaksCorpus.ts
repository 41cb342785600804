import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * Loads the copy of gitleaks' rule test cases in test/fixtures/gitleaks/ and says which of our
 * rule families answers for each gitleaks rule. A case counts as found when a finding of one of
 * those families is reported (for gitleaks' generic rule, any finding).
 */
const pathCase = z.object({ path: z.string(), text: z.string() });
const corpusSchema = z.object({
  commit: z.string(),
  rules: z.array(
    z.object({
      id: z.string(),
      tps: z.array(z.string()),
      fps: z.array(z.string()),
      tps_with_path: z.array(pathCase).optional(),
      fps_with_path: z.array(pathCase).optional(),
    }),
  ),
});

export interface CorpusCase {
  gitleaksRule: string;
  families: readonly string[] | 'any';
  text: string;
  path: string;
  expected: 'secret' | 'no-secret';
}

/** gitleaks rule id prefix → our family, where the names differ. */
const familyOverrides: ReadonlyArray<[RegExp, readonly string[] | 'any']> = [
  [/^1password-/, ['1password']],
  [/^azure-ad-client-secret$/, ['azure']],
  [/^cisco-meraki-/, ['meraki']],
  [/^curl-auth-header$/, ['curl', 'http-auth']],
  [/^curl-auth-user$/, ['curl']],
  [/^gcp-/, ['google']],
  [/^generic-api-key$/, 'any'],
  [/^hashicorp-/, ['hashicorp']],
  [/^jwt/, ['jwt']],
  [/^kubernetes-secret-yaml$/, ['kubernetes']],
  [/^nuget-config-password$/, ['nuget']],
  [/^octopus-deploy-/, ['octopus']],
  [/^private-key$/, ['private-key']],
  [/^pkcs12-file$/, ['pkcs12']],
  [/^sumologic-/, ['sumologic']],
];

export function familiesFor(gitleaksRule: string): readonly string[] | 'any' {
  for (const [pattern, families] of familyOverrides) if (pattern.test(gitleaksRule)) return families;
  return [gitleaksRule.split('-')[0]];
}

export const corpusDirectory = join(__dirname, '..', '..', 'fixtures', 'gitleaks');

export function loadGitleaksCorpus(): { commit: string; cases: CorpusCase[] } {
  const corpus = corpusSchema.parse(JSON.parse(readFileSync(join(corpusDirectory, 'gitleaks-cases.json'), 'utf8')));
  const cases: CorpusCase[] = [];
  for (const rule of corpus.rules) {
    const families = familiesFor(rule.id);
    for (const text of rule.tps) cases.push({ gitleaksRule: rule.id, families, text, path: 'example.txt', expected: 'secret' });
    for (const text of rule.fps) cases.push({ gitleaksRule: rule.id, families, text, path: 'example.txt', expected: 'no-secret' });
    for (const { path, text } of rule.tps_with_path ?? []) cases.push({ gitleaksRule: rule.id, families, text, path, expected: 'secret' });
    for (const { path, text } of rule.fps_with_path ?? [])
      cases.push({ gitleaksRule: rule.id, families, text, path, expected: 'no-secret' });
  }
  return { commit: corpus.commit, cases };
}
