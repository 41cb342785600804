import { describe, expect, it } from 'vitest';
import { compileRules } from '../../../shared/scanning/compiledRules';
import { builtinRules } from '../../../shared/scanning/rules/builtinRules';
import type { RuleDefinition } from '../../../shared/scanning/types';

describe('compiled rules', () => {
  const compiled = compileRules(builtinRules);

  it('keep every field of each rule definition, with the same value', () => {
    compiled.rules.forEach(({ definition }, index) => {
      const original = builtinRules[index];
      for (const [field, value] of Object.entries(original))
        expect(definition[field as keyof RuleDefinition], `${original.id}.${field}`).toBe(value);
    });
  });

  it('give every definition the same fields in the same order (one object shape for the per-line checks)', () => {
    const shapes = new Set(compiled.rules.map(({ definition }) => Object.keys(definition).join(',')));
    expect(shapes.size).toBe(1);
  });

  it('do the same for custom rules', () => {
    const custom: RuleDefinition = {
      id: 'acme-token',
      family: 'acme',
      title: 'Acme token',
      severity: 'high',
      confidence: 'high',
      keywords: ['acme_'],
      pattern: /(?<secret>acme_[a-z0-9]{32})/,
      remediation: 'Revoke it.',
      minEntropy: 3,
    };
    const withCustom = compileRules([...builtinRules, custom]);
    const definition = withCustom.rules[withCustom.rules.length - 1].definition;
    expect(definition.id).toBe('acme-token');
    expect(definition.minEntropy).toBe(3);
    expect(Object.keys(definition)).toEqual(Object.keys(compiled.rules[0].definition));
  });
});
