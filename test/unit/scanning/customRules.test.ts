import { describe, expect, it } from 'vitest';
import { createScanner, parseCustomRules } from '../../../shared/scanning';

const acmeRule = {
  id: 'acme-api-token',
  title: 'Acme API token',
  severity: 'high',
  confidence: 'high',
  keywords: ['acme_'],
  pattern: '(?<secret>acme_[a-z0-9]{32})',
  remediation: 'Revoke it in the Acme console.',
};

describe('custom rules files', () => {
  it('add rules in the built-in format, with allowlists and disabled rules', () => {
    const custom = parseCustomRules({
      rules: [acmeRule],
      allowlist: { values: ['^acme_0{32}$'] },
      disabledRules: ['generic-secret-assignment'],
    });
    const scanner = createScanner({
      fingerprintKey: Buffer.alloc(32, 3),
      customRules: custom.rules,
      allowedValues: custom.allowedValues,
      disabledRules: custom.disabledRules,
    });
    const text = `ACME=acme_${'k7'.repeat(16)}\nACME=acme_${'0'.repeat(32)}\npassword = "Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB"`;
    expect(scanner.scanText(text, { path: 'x' }).map((finding) => [finding.ruleId, finding.line])).toEqual([['acme-api-token', 1]]);
    expect(scanner.catalogue.some((rule) => rule.id === 'acme-api-token')).toBe(true);
  });

  it('reject patterns that could backtrack, with the rule named', () => {
    expect(() => parseCustomRules({ rules: [{ ...acmeRule, pattern: '(a+)+$' }] }, 'rules.json')).toThrow(
      /rules\.json: rules\[0\] \(acme-api-token\)\.pattern: unbounded quantifier/,
    );
  });

  it('reject a rule without keywords and unknown fields', () => {
    expect(() => parseCustomRules({ rules: [{ ...acmeRule, keywords: [] }] })).toThrow(/at least one keyword/);
    expect(() => parseCustomRules({ rules: [{ ...acmeRule, colour: 'red' }] })).toThrow(/rules\.0/);
  });

  it('refuse a rule id that a built-in rule already uses', () => {
    const custom = parseCustomRules({ rules: [{ ...acmeRule, id: 'github-pat' }] });
    expect(() => createScanner({ fingerprintKey: Buffer.alloc(32), customRules: custom.rules })).toThrow(/'github-pat' is defined twice/);
  });
});
