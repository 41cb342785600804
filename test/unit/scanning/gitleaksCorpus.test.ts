import { beforeAll, describe, expect, it } from 'vitest';
import { createScanner, type Finding, type Scanner } from '../../../shared/scanning';
import { type CorpusCase, loadGitleaksCorpus } from '../../support/scanning/gitleaksCorpus';

/**
 * gitleaks' own rule test cases as an independent recall / false-positive corpus. Scanned at the
 * default confidence threshold (medium), one case at a time, like gitleaks checks them.
 *
 * - A true positive is found when a finding of the matching family is reported; "found by any rule"
 *   also counts a secret that a more specific rule reported (an OpenAI key inside a curl header).
 * - A false positive is flagged when a finding of the matching family is reported. Cases whose text
 *   is also a true positive of another gitleaks rule (a Cloudflare global key listed as a negative
 *   of the Cloudflare API-token rule) are real secrets and are left out.
 */
interface FamilyScore {
  truePositives: number;
  foundByFamily: number;
  foundByAnyRule: number;
  falsePositives: number;
  flagged: number;
}

const mustBePerfect = /^(?:azure-|github-|npm-|slack-)/;

let scanner: Scanner;
let cases: CorpusCase[];
const scores = new Map<string, FamilyScore>();

function familyOf(finding: Finding): string {
  return scanner.catalogue.find((rule) => rule.id === finding.ruleId)?.family ?? 'unknown';
}

beforeAll(() => {
  scanner = createScanner({ fingerprintKey: Buffer.from('corpus-test-fingerprint-key-0000') });
  ({ cases } = loadGitleaksCorpus());
  const truePositiveTexts = new Map<string, string>();
  for (const entry of cases) if (entry.expected === 'secret') truePositiveTexts.set(entry.text, entry.gitleaksRule);
  for (const entry of cases) {
    const score = scores.get(entry.gitleaksRule) ?? {
      truePositives: 0,
      foundByFamily: 0,
      foundByAnyRule: 0,
      falsePositives: 0,
      flagged: 0,
    };
    scores.set(entry.gitleaksRule, score);
    const findings = scanner.scanText(entry.text, { path: entry.path });
    const relevant = entry.families === 'any' ? findings : findings.filter((finding) => entry.families.includes(familyOf(finding)));
    if (entry.expected === 'secret') {
      score.truePositives++;
      if (relevant.length > 0) score.foundByFamily++;
      if (findings.length > 0) score.foundByAnyRule++;
    } else {
      const otherRule = truePositiveTexts.get(entry.text);
      if (otherRule !== undefined && otherRule !== entry.gitleaksRule) continue;
      score.falsePositives++;
      if (relevant.length > 0) score.flagged++;
    }
  }
  const total = (pick: (score: FamilyScore) => number) => [...scores.values()].reduce((sum, score) => sum + pick(score), 0);
  const rows = [...scores.entries()]
    .filter(([, score]) => score.truePositives > 0 || score.flagged > 0)
    .map(
      ([rule, score]) =>
        `  ${rule.padEnd(44)} found ${score.foundByFamily}/${score.truePositives}  flagged ${score.flagged}/${score.falsePositives}`,
    );
  console.info(
    [
      'gitleaks corpus (per gitleaks rule: true positives found by the family / false positives flagged):',
      ...rows,
      `  overall: recall ${total((s) => s.foundByAnyRule)}/${total((s) => s.truePositives)} (by family ${total((s) => s.foundByFamily)}), false positives ${total((s) => s.flagged)}/${total((s) => s.falsePositives)}`,
    ].join('\n'),
  );
});

describe('the gitleaks corpus', () => {
  it('finds at least 90% of all true positives', () => {
    const truePositives = [...scores.values()].reduce((sum, score) => sum + score.truePositives, 0);
    const found = [...scores.values()].reduce((sum, score) => sum + score.foundByAnyRule, 0);
    expect(truePositives).toBeGreaterThan(1000);
    expect(found / truePositives).toBeGreaterThanOrEqual(0.9);
  });

  it('flags at most 3% of the false-positive cases', () => {
    const falsePositives = [...scores.values()].reduce((sum, score) => sum + score.falsePositives, 0);
    const flagged = [...scores.values()].reduce((sum, score) => sum + score.flagged, 0);
    expect(falsePositives).toBeGreaterThan(300);
    expect(flagged / falsePositives).toBeLessThanOrEqual(0.03);
  });

  it('finds every Azure, GitHub, npm and Slack case and flags none of their negatives', () => {
    const imperfect = [...scores.entries()]
      .filter(([rule]) => mustBePerfect.test(rule))
      .filter(([, score]) => score.foundByFamily < score.truePositives || score.flagged > 0)
      .map(
        ([rule, score]) => `${rule}: found ${score.foundByFamily}/${score.truePositives}, flagged ${score.flagged}/${score.falsePositives}`,
      );
    expect(imperfect).toEqual([]);
    const slackCases = [...scores.entries()]
      .filter(([rule]) => rule.startsWith('slack-'))
      .reduce((sum, [, score]) => sum + score.truePositives, 0);
    expect(slackCases).toBeGreaterThan(200);
  });

  it('has a rule of ours for every gitleaks rule family with true positives', () => {
    const ourFamilies = new Set(scanner.catalogue.map((rule) => rule.family));
    const missing = [
      ...new Set(cases.filter((entry) => entry.expected === 'secret' && entry.families !== 'any').flatMap((entry) => entry.families)),
    ].filter((family) => !ourFamilies.has(family));
    expect(missing).toEqual([]);
  });
});
