import { describe, expect, it } from 'vitest';
import { patternSafetyProblem } from '../../../shared/scanning/patternSafety';
import { builtinRules } from '../../../shared/scanning/rules/builtinRules';

describe('linear-time patterns', () => {
  it('holds every built-in rule to bounded quantifiers without backreferences or heavy nesting', () => {
    const problems = builtinRules.flatMap((rule) => {
      const problem = patternSafetyProblem(rule.pattern.source);
      return problem ? [`${rule.id}: ${problem}`] : [];
    });
    expect(problems).toEqual([]);
  });

  it.each([
    ['(a+)+b', 'unbounded'],
    ['[a-z]*x', 'unbounded'],
    ['x{3,}', 'unbounded'],
    ['(?<word>ab)\\k<word>', 'backreference'],
    ['(a)\\1', 'backreference'],
    ['(?:[a-z]{1,100}){1,1000}', 'nested repetition'],
  ])('rejects %s', (source, reason) => {
    expect(patternSafetyProblem(source)).toContain(reason);
  });

  it.each(['ghp_[A-Za-z0-9]{36}', '(?:-[0-9]{1,8}){0,4}', '(?<![A-Z])AKIA[A-Z2-7]{16}', '[\\[\\]{}*+]{1,3}x'])('accepts %s', (source) => {
    expect(patternSafetyProblem(source)).toBeUndefined();
  });

  it('gives every rule at least one keyword for the prefilter', () => {
    expect(builtinRules.filter((rule) => rule.keywords.length === 0).map((rule) => rule.id)).toEqual([]);
  });
});
