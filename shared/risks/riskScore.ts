import type { RepositoryAsset, RepositoryRiskScore } from '../repositories';
import type { Confidence } from '../scanning';
import type { Risk, RiskSeverity } from './risk';

/**
 * A repository's risk score (docs/repositories.md, "Risk score"): every open risk earns points
 * from its severity, the confidence of the finding, whether a checksum proved the token real and
 * how long it has been open; the sum is multiplied by how exposed the repository is (project
 * visibility, known forks) and mapped onto 0–100 by a saturating curve, so many small risks come
 * close to, but never pass, what one proven critical leak in a public project scores. Every term
 * is returned as a factor so `vigil repos list` and the docs can explain the number.
 */

/** What the score reads of a risk. `confidence` is the finding's when the risk carries it. */
export type ScoredRisk = Pick<Risk, 'id' | 'ruleId' | 'severity' | 'status' | 'verified' | 'firstSeenAt'> & { confidence?: Confidence };

export interface RepositoryExposure {
  projectVisibility: RepositoryAsset['projectVisibility'];
  /** Known forks; absent when Azure DevOps did not say (then forks play no part). */
  forks?: number;
}

export const severityWeights: Record<RiskSeverity, number> = { critical: 40, high: 20, medium: 8, low: 2 };
export const confidenceFactors: Record<Confidence, number> = { high: 1, medium: 0.75, low: 0.4 };
/** A checksum-verified token is a real token of that format, not a look-alike. */
export const verifiedFactor = 1.5;
/** Age adds up to +50 % over the first 90 days: a leak open longer has had longer to be found and used. */
export const ageCapDays = 90;
export const maxAgeBonus = 0.5;
export const visibilityFactors: Record<RepositoryExposure['projectVisibility'], number> = {
  public: 2,
  organization: 1.25,
  private: 1,
  unknown: 1,
};
/** Each known fork is another copy of the history: +10 % each, up to 10 forks. */
export const forkStep = 0.1;
export const forkCap = 10;
/** The points at which the score reaches 63 (1 − 1/e): one fresh, proven critical leak in a private project. */
export const scale = 60;
/** Risks listed one by one among the factors; the rest are summed into one. */
const listedRisks = 10;

const dayMs = 86_400_000;

export function scoreRepository(risks: readonly ScoredRisk[], exposure: RepositoryExposure, now: number): RepositoryRiskScore {
  const open = risks.filter((risk) => risk.status === 'open');
  const computedAt = new Date(now).toISOString();
  if (open.length === 0) return { score: 0, openRisks: 0, factors: [], computedAt };

  const scored = open
    .map((risk) => ({ risk, ...riskPoints(risk, now) }))
    .sort((a, b) => b.points - a.points || a.risk.id.localeCompare(b.risk.id));
  const factors: RepositoryRiskScore['factors'] = scored.slice(0, listedRisks).map(({ risk, points, why }) => ({
    name: `${risk.severity} ${risk.ruleId}`,
    value: round2(points),
    why,
  }));
  const rest = scored.slice(listedRisks);
  if (rest.length > 0) {
    factors.push({
      name: 'other risks',
      value: round2(sum(rest.map((r) => r.points))),
      why: `${rest.length} more open risk(s), each scored the same way`,
    });
  }

  const visibility = visibilityFactors[exposure.projectVisibility];
  factors.push({ name: 'visibility', value: visibility, why: visibilityReason(exposure.projectVisibility) });
  let exposureFactor = visibility;
  if (exposure.forks !== undefined) {
    const forks = 1 + forkStep * Math.min(Math.max(exposure.forks, 0), forkCap);
    exposureFactor *= forks;
    factors.push({
      name: 'forks',
      value: round2(forks),
      why: `${exposure.forks} known fork(s) copy its history (+${forkStep * 100}% each, up to ${forkCap})`,
    });
  }

  const total = sum(scored.map((s) => s.points)) * exposureFactor;
  const score = Math.round(100 * (1 - Math.exp(-total / scale)));
  factors.push({
    name: 'total',
    value: round2(total),
    why: `score = 100 × (1 − e^(−total/${scale})) = ${score}, total = risk points × exposure`,
  });
  return { score, openRisks: open.length, factors, computedAt };
}

function riskPoints(risk: ScoredRisk, now: number): { points: number; why: string } {
  const severity = severityWeights[risk.severity];
  // Risks recorded before findings carried a confidence: a checksum proves it, otherwise the scanner's default.
  const confidence = risk.confidence ?? (risk.verified ? 'high' : 'medium');
  const confidenceFactor = confidenceFactors[confidence];
  const verified = risk.verified ? verifiedFactor : 1;
  const firstSeen = Date.parse(risk.firstSeenAt);
  const days = Number.isNaN(firstSeen) ? 0 : Math.max(0, Math.floor((now - firstSeen) / dayMs));
  const age = 1 + (maxAgeBonus * Math.min(days, ageCapDays)) / ageCapDays;
  const points = severity * confidenceFactor * verified * age;
  const why =
    `${risk.severity} ${severity} × ${confidence} confidence ${confidenceFactor} × ` +
    `${risk.verified ? `checksum verified ${verifiedFactor}` : 'not checksum verified 1'} × open ${days} day(s) ${round2(age)}`;
  return { points, why };
}

function visibilityReason(visibility: RepositoryExposure['projectVisibility']): string {
  switch (visibility) {
    case 'public':
      return 'the project is public: anyone can clone the repository';
    case 'organization':
      return 'the project is visible to the whole organization';
    case 'private':
      return 'the project is private';
    default:
      return 'the project visibility is not known: counted as private';
  }
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
