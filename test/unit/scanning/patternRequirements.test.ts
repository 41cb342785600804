import { describe, expect, it } from 'vitest';
import { hasLiteral, hasRun, patternRequirements } from '../../../shared/scanning/patternRequirements';
import { builtinRules } from '../../../shared/scanning/rules/builtinRules';
import { SeededExampleMaker } from '../../../shared/scanning/rules/ruleExamples';

/**
 * What every match of a pattern must hold (patternRequirements.ts): the keyword gate skips a line
 * that lacks it without decoding the line, so a requirement read wrongly would lose findings.
 */
const bytesOf = (text: string) => Buffer.from(text, 'latin1');
const characters = (table: Uint8Array) =>
  Array.from(table.keys())
    .filter((code) => table[code] === 1)
    .map((code) => String.fromCharCode(code))
    .join('');
const literalText = (literal: readonly Uint8Array[]) => literal.map((table) => characters(table)).join('|');

describe('what a pattern requires of a line', () => {
  it('reads the longest mandatory run and literal: a Vault token needs `s.` and 24 letters or digits', () => {
    const { run, literal } = patternRequirements(/(?<![A-Za-z0-9_.-])(?<secret>s\.[A-Za-z0-9]{24})(?![A-Za-z0-9_-])/);
    expect(run?.length).toBe(24);
    expect(characters(run?.bytes ?? new Uint8Array(256))).toBe('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz');
    expect(literalText(literal ?? [])).toBe('s|.');
  });

  it('reads classes written with escapes (`\\w`, `\\s`) and negated classes', () => {
    const { run } = patternRequirements(/key=(?<secret>[^\s"']{20,})/);
    const accepted = characters(run?.bytes ?? new Uint8Array(256));
    expect(accepted).toContain('a');
    expect(accepted).not.toContain(' ');
    expect(accepted).not.toContain('"');
    expect(patternRequirements(/(?<secret>[\w.-]{16})/).run?.bytes[0x2e]).toBe(1);
  });

  it('takes both cases under the `i` flag', () => {
    expect(literalText(patternRequirements(/apim/i).literal ?? [])).toBe('Aa|Pp|Ii|Mm');
  });

  it('requires nothing that sits in an alternation or an optional group', () => {
    expect(patternRequirements(/(?:abc|def)(?:[a-z]{30})?x/)).toEqual({ run: null, literal: null });
    expect(patternRequirements(/abc|[a-z]{30}/)).toEqual({ run: null, literal: null });
  });

  it('holds on every positive example of every rule', () => {
    const make = new SeededExampleMaker();
    const broken: string[] = [];
    for (const rule of builtinRules) {
      const { run, literal } = patternRequirements(rule.pattern);
      for (const build of rule.examples?.positives ?? []) {
        const text = bytesOf(build(make));
        const runHolds = run === null || hasRun(text, 0, text.length, run.bytes, run.length);
        const literalHolds = literal === null || hasLiteral(text, 0, text.length, literal);
        if (!runHolds || !literalHolds) broken.push(rule.id);
      }
    }
    expect(broken).toEqual([]);
  });
});

describe('looking for a run on a line', () => {
  const letters = new Uint8Array(256);
  for (let code = 0x61; code <= 0x7a; code++) letters[code] = 1;
  const found = (text: string, length = 5) => hasRun(bytesOf(text), 0, text.length, letters, length);

  it('finds a run at the start, in the middle and at the end', () => {
    expect(found('abcde---')).toBe(true);
    expect(found('--abcde--')).toBe(true);
    expect(found('-----abcde')).toBe(true);
  });

  it('does not take runs that are one short, or two short runs with a gap, for one', () => {
    expect(found('abcd-abcd-abcd')).toBe(false);
    expect(found('ab-cd-ef-gh')).toBe(false);
    expect(found('')).toBe(false);
  });

  it('stays within the range it is given', () => {
    const text = bytesOf('---abcdefgh---');
    expect(hasRun(text, 0, 6, letters, 5)).toBe(false);
    expect(hasRun(text, 3, 8, letters, 5)).toBe(true);
  });
});
