import { describe, expect, it } from 'vitest';
import { KeywordAutomaton } from '../../../shared/scanning/keywordAutomaton';
import { findKeywordHits } from '../../../shared/scanning/keywordHits';
import { SecretFactory } from '../../support/scanning/syntheticSecrets';

/** Every (keyword, end) occurrence, found the slow and obvious way. */
function naiveHits(keywords: readonly string[], text: string): string[] {
  const lower = text.toLowerCase();
  const hits: string[] = [];
  for (let end = 1; end <= lower.length; end++) {
    keywords.forEach((keyword, index) => {
      if (end >= keyword.length && lower.slice(end - keyword.length, end) === keyword.toLowerCase()) hits.push(`${index}@${end}`);
    });
  }
  return hits.sort();
}

describe('the keyword prefilter', () => {
  const keywords = ['token', 'ken', 'api_key', 'key', 'ghp_', 'xoxb-', 'password', 'pass', 'a', 'JQQJ9'];
  const automaton = new KeywordAutomaton(keywords);

  it('finds every occurrence of every keyword in one pass, overlapping ones included, whatever the case', () => {
    const text = 'TOKEN=x api_KEY: ghp_abc passPASSWORD xoxb-1 token\nAkey JQQJ9 tokenken';
    const found: string[] = [];
    automaton.findAll(text, (keyword, end) => found.push(`${keyword}@${end}`));
    expect(found.sort()).toEqual(naiveHits(keywords, text));
  });

  it('agrees with a naive search on random text', () => {
    const factory = new SecretFactory(51);
    const text = factory.characters('abcdekmnoptswyxAKOPTW_-=:J9Q \n', 20_000);
    const found: string[] = [];
    automaton.findAll(text, (keyword, end) => found.push(`${keyword}@${end}`));
    expect(found.sort()).toEqual(naiveHits(keywords, text));
  });

  it('finds the same hits over a large block with its four-lane stepping as one lane does', () => {
    const factory = new SecretFactory(52);
    const lines: string[] = [];
    for (let i = 0; i < 4000; i++) lines.push(factory.characters('abcdekmnoptswyx_-=: ', 40 + factory.below(60)));
    const block = Buffer.from(`${lines.join('\n')}\n`, 'latin1');
    const pairs = findKeywordHits(automaton, block, 0, block.length);
    const viaLanes = [];
    for (let i = 0; i < pairs.length; i += 2) viaLanes.push(`${pairs[i]}@${pairs[i + 1]}`);
    const expected: string[] = [];
    automaton.findAll(block.toString('latin1'), (keyword, end) => expected.push(`${keyword}@${end}`));
    expect(block.length).toBeGreaterThan(64 * 1024);
    expect(viaLanes).toEqual(expected);
  });

  it('never lets a keyword span two lines', () => {
    const found: string[] = [];
    automaton.findAll('tok\nen pass\nword', (keyword, end) => found.push(`${keywords[keyword]}@${end}`));
    expect(found).not.toContain('token@6');
    expect(found).not.toContain('password@16');
  });
});
