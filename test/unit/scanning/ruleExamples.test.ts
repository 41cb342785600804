import { describe, expect, it } from 'vitest';
import { createScanner } from '../../../shared/scanning';
import { builtinRules } from '../../../shared/scanning/rules/builtinRules';
import { SeededExampleMaker } from '../../../shared/scanning/rules/ruleExamples';

/**
 * Every rule's own examples (RuleDefinition.examples): each positive, built at run time, must be
 * reported by that rule; each negative must not be. A rule can never silently stop matching.
 */
const scanner = createScanner({ fingerprintKey: Buffer.from('rule-examples-fingerprint-key-000'), minConfidence: 'low' });

/** Families whose every rule must carry examples (the Azure formats and the families issue 19 names as missed). */
const familiesThatMustHaveExamples = ['azure', 'aws', 'atlassian', 'vault', 'octopus', 'shippo', 'airtable', 'alibaba', 'generic'];

function ruleIdsIn(text: string, path = 'example.txt'): string[] {
  return scanner.scanText(text, { path }).map((finding) => finding.ruleId);
}

describe('the examples each rule carries', () => {
  const withExamples = builtinRules.filter((rule) => rule.examples !== undefined);

  it('exist for every rule of the Azure family and of the families the issue names as missed', () => {
    const missing = builtinRules
      .filter((rule) => familiesThatMustHaveExamples.includes(rule.family) && rule.examples === undefined)
      .map((rule) => rule.id);
    expect(missing).toEqual([]);
    console.info(`rule examples: ${withExamples.length} of ${builtinRules.length} rules carry their own examples`);
  });

  it.each(withExamples.map((rule) => [rule.id, rule] as const))('%s finds each of its positives', (_id, rule) => {
    const make = new SeededExampleMaker();
    const missed = (rule.examples?.positives ?? [])
      .map((build) => build(make))
      .filter((text) => !ruleIdsIn(text, rule.examples?.path).includes(rule.id))
      .map((text) => `${text.slice(0, 40)}… → ${ruleIdsIn(text, rule.examples?.path).join(', ') || 'nothing'}`);
    expect(rule.examples?.positives.length).toBeGreaterThan(0);
    expect(missed).toEqual([]);
  });

  it.each(withExamples.filter((rule) => (rule.examples?.negatives?.length ?? 0) > 0).map((rule) => [rule.id, rule] as const))(
    '%s reports none of its negatives',
    (_id, rule) => {
      const flagged = (rule.examples?.negatives ?? []).filter((text) => ruleIdsIn(text, rule.examples?.path).includes(rule.id));
      expect(flagged).toEqual([]);
    },
  );
});
