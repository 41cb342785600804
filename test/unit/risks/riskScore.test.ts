import { describe, expect, it } from 'vitest';
import { type RepositoryExposure, type ScoredRisk, scoreRepository } from '../../../shared/risks/riskScore';

const now = Date.parse('2026-11-20T10:00:00.000Z');
const day = 86_400_000;

let sequence = 0;
function risk(overrides: Partial<ScoredRisk> & { ageDays?: number } = {}): ScoredRisk {
  const { ageDays = 0, ...fields } = overrides;
  sequence++;
  return {
    id: `risk-${String(sequence).padStart(3, '0')}`,
    ruleId: 'github-pat',
    severity: 'critical',
    status: 'open',
    verified: true,
    firstSeenAt: new Date(now - ageDays * day).toISOString(),
    ...fields,
  };
}

const privateRepo: RepositoryExposure = { projectVisibility: 'private' };
const publicRepo: RepositoryExposure = { projectVisibility: 'public' };

describe('the risk score of a repository', () => {
  it.each<[string, ScoredRisk[], RepositoryExposure, number]>([
    ['no risks at all', [], privateRepo, 0],
    ['only resolved risks', [risk({ status: 'resolved' })], publicRepo, 0],
    ['one fresh, checksum-verified critical leak in a private project', [risk()], privateRepo, 63],
    ['the same leak in a public project', [risk()], publicRepo, 86],
    ['the same leak in a project visible to the whole organization', [risk()], { projectVisibility: 'organization' }, 71],
    ['the same leak when the visibility is not known (counted as private)', [risk()], { projectVisibility: 'unknown' }, 63],
    ['the same leak open for 90 days', [risk({ ageDays: 90 })], privateRepo, 78],
    ['the same leak open for a year (age counts up to 90 days)', [risk({ ageDays: 365 })], privateRepo, 78],
    ['an unverified critical finding of medium confidence', [risk({ verified: false })], privateRepo, 39],
    ['an unverified critical finding of low confidence', [risk({ verified: false, confidence: 'low' })], privateRepo, 23],
    ['a verified critical finding the scanner rated medium confidence', [risk({ confidence: 'medium' })], privateRepo, 53],
    ['one fresh high-severity verified leak', [risk({ severity: 'high' })], privateRepo, 39],
    ['one fresh medium-severity unverified finding', [risk({ severity: 'medium', verified: false })], privateRepo, 10],
    ['one fresh low-severity unverified finding', [risk({ severity: 'low', verified: false })], privateRepo, 2],
    ['two proven critical leaks', [risk(), risk()], privateRepo, 86],
    ['one proven critical leak with 5 known forks', [risk()], { projectVisibility: 'private', forks: 5 }, 78],
    ['one proven critical leak with 50 known forks (forks count up to 10)', [risk()], { projectVisibility: 'private', forks: 50 }, 86],
    [
      'thirty low-severity findings in a public project',
      Array.from({ length: 30 }, () => risk({ severity: 'low', verified: false })),
      publicRepo,
      78,
    ],
  ])('scores %s', (_case, risks, exposure, expected) => {
    expect(scoreRepository(risks, exposure, now).score).toBe(expected);
  });

  it('counts only open risks and says when it was computed', () => {
    const result = scoreRepository([risk(), risk({ status: 'resolved' }), risk({ severity: 'low', verified: false })], privateRepo, now);
    expect(result.openRisks).toBe(2);
    expect(result.computedAt).toBe('2026-11-20T10:00:00.000Z');
  });

  it('never passes 100, however many risks', () => {
    const many = Array.from({ length: 500 }, () => risk({ ageDays: 400 }));
    expect(scoreRepository(many, { projectVisibility: 'public', forks: 100 }, now).score).toBe(100);
  });

  it('rises with every risk added and with exposure', () => {
    const risks: ScoredRisk[] = [];
    let previous = 0;
    for (const severity of ['low', 'medium', 'high', 'critical'] as const) {
      risks.push(risk({ severity, verified: false }));
      const score = scoreRepository(risks, privateRepo, now).score;
      expect(score).toBeGreaterThan(previous);
      previous = score;
    }
    expect(scoreRepository(risks, publicRepo, now).score).toBeGreaterThan(previous);
  });

  it('explains the number: each risk with its terms, the exposure, and the total', () => {
    const result = scoreRepository([risk({ ageDays: 45, ruleId: 'azure-devops-pat' })], { projectVisibility: 'public', forks: 2 }, now);
    expect(result.factors).toEqual([
      {
        name: 'critical azure-devops-pat',
        value: 75,
        why: 'critical 40 × high confidence 1 × checksum verified 1.5 × open 45 day(s) 1.25',
      },
      { name: 'visibility', value: 2, why: 'the project is public: anyone can clone the repository' },
      { name: 'forks', value: 1.2, why: '2 known fork(s) copy its history (+10% each, up to 10)' },
      { name: 'total', value: 180, why: 'score = 100 × (1 − e^(−total/60)) = 95, total = risk points × exposure' },
    ]);
    expect(result.score).toBe(95);
  });

  it('lists the ten heaviest risks by name and sums the rest into one factor', () => {
    const risks = [
      ...Array.from({ length: 12 }, () => risk({ severity: 'low', verified: false })),
      risk({ severity: 'critical', ruleId: 'private-key' }),
    ];
    const names = scoreRepository(risks, privateRepo, now).factors.map((factor) => factor.name);
    expect(names[0]).toBe('critical private-key');
    expect(names.filter((name) => name === 'low github-pat')).toHaveLength(9);
    expect(names.slice(-3)).toEqual(['other risks', 'visibility', 'total']);
  });

  it('gives the worked example of docs/repositories.md: 92 in a public project, 72 in a private one', () => {
    const risks = [
      risk({ ruleId: 'github-pat', severity: 'critical', verified: true, ageDays: 30 }),
      risk({ ruleId: 'generic-api-key', severity: 'medium', verified: false, ageDays: 3 }),
    ];
    const result = scoreRepository(risks, publicRepo, now);
    expect(result.factors.map((factor) => [factor.name, factor.value])).toEqual([
      ['critical github-pat', 70],
      ['medium generic-api-key', 6.1],
      ['visibility', 2],
      ['total', 152.2],
    ]);
    expect(result.score).toBe(92);
    expect(scoreRepository(risks, privateRepo, now).score).toBe(72);
  });

  it('has no factors when nothing is open', () => {
    expect(scoreRepository([], publicRepo, now)).toEqual({ score: 0, openRisks: 0, factors: [], computedAt: '2026-11-20T10:00:00.000Z' });
  });
});
