import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createScanner, type Finding, type Scanner } from '../../../shared/scanning';
import { type LayoutCase, loadLayoutCorpus } from '../../support/scanning/layoutCorpus';

/**
 * Credentials as real files hold them (test/fixtures/layouts/, secrets generated at run time):
 * recall and negatives flagged per family, at the default confidence. A positive counts as found
 * when a finding of its family is on its line, or the finding of a pair names that line for its
 * other half. Corpus families `azure-*` are found by the `azure` rules; `generic` by any rule.
 */
interface FamilyScore {
  secrets: number;
  found: number;
  negatives: number;
  flagged: number;
  missed: string[];
  flaggedLines: string[];
}

let scanner: Scanner;
const scores = new Map<string, FamilyScore>();

function accepts(corpusFamily: string, finding: Finding): boolean {
  if (corpusFamily === 'generic') return true;
  const family = scanner.catalogue.find((rule) => rule.id === finding.ruleId)?.family;
  return corpusFamily.startsWith('azure') ? family === 'azure' : family === corpusFamily;
}

function score(entry: LayoutCase): void {
  const result = scores.get(entry.family) ?? { secrets: 0, found: 0, negatives: 0, flagged: 0, missed: [], flaggedLines: [] };
  scores.set(entry.family, result);
  const findings = scanner.scanText(entry.text, { path: entry.file.replace(/^(?:positive|negative)\//, '') });
  const textLines = entry.text.split('\n');
  for (const line of entry.lines) {
    if (entry.expected === 'secret') {
      result.secrets++;
      const found = findings.some((finding) => accepts(entry.family, finding) && (finding.line === line || finding.pair?.line === line));
      if (found) result.found++;
      else result.missed.push(`${entry.file}:${line}`);
    } else {
      result.negatives++;
      const flagged = findings.filter((finding) => finding.line === line);
      if (flagged.length > 0) {
        result.flagged++;
        result.flaggedLines.push(
          `${entry.file}:${line} ${flagged.map((f) => f.ruleId).join(',')}  ${textLines[line - 1].trim().slice(0, 60)}`,
        );
      }
    }
  }
}

beforeAll(() => {
  scanner = createScanner({ fingerprintKey: Buffer.from('layout-corpus-fingerprint-key-000') });
  for (const entry of loadLayoutCorpus(join(__dirname, '../../fixtures/layouts'))) score(entry);
  const rows = [...scores.entries()].map(
    ([family, s]) => `  ${family.padEnd(28)} recall ${s.found}/${s.secrets}  negatives flagged ${s.flagged}/${s.negatives}`,
  );
  const misses = [...scores.values()].flatMap((s) => [
    ...s.missed.map((m) => `  missed ${m}`),
    ...s.flaggedLines.map((f) => `  flagged ${f}`),
  ]);
  console.info(['layout corpus (per family):', ...rows, ...misses].join('\n'));
});

describe('the corpus of real layouts', () => {
  it('covers the Azure formats and the families the issue names as missed', () => {
    const families = [...scores.keys()];
    for (const family of ['aws', 'atlassian', 'vault', 'octopus', 'shippo', 'airtable', 'alibaba', 'generic'])
      expect(families).toContain(family);
    expect(families.filter((family) => family.startsWith('azure')).length).toBeGreaterThanOrEqual(10);
  });

  it('finds at least 95% of the secrets of every family', () => {
    const below = [...scores.entries()]
      .filter(([, s]) => s.secrets > 0 && s.found / s.secrets < 0.95)
      .map(([family, s]) => `${family}: ${s.found}/${s.secrets} (missed ${s.missed.join(' ')})`);
    expect(below).toEqual([]);
  });

  it('flags at most 5% of the negatives of every family', () => {
    const above = [...scores.entries()]
      .filter(([, s]) => s.negatives > 0 && s.flagged / s.negatives > 0.05)
      .map(([family, s]) => `${family}: ${s.flagged}/${s.negatives} (${s.flaggedLines.join(' | ')})`);
    expect(above).toEqual([]);
  });
});
