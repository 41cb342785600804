import type { UseCase } from '../../app';
import { refreshRiskScore } from './refreshRiskScore';

export interface ScoreRefreshOutcome {
  riskId: string;
  /** The repository asset whose score was recomputed, or why none was. */
  refreshed: string | 'risk not found' | 'not a repository risk';
}

/**
 * `risk.changed` from a person (accepted, marked a false positive or reopened on the command line,
 * in a work item or on a pull request, or an acceptance that ended): the risk's repository score is
 * recomputed at once, so the score a security team reads follows their triage instead of waiting for
 * the repository's next scan. Scans refresh the score themselves, so only triage changes are routed
 * here (shared/app/eventRoutes.ts). Recomputing is idempotent: nothing is written when the score and
 * its reasons are the same, so a redelivered event changes nothing.
 */
export const refreshScoreAfterTriage: UseCase = async (envelope, { services, logger }): Promise<ScoreRefreshOutcome> => {
  const riskId = String(envelope.subject.riskId ?? '');
  const risk = riskId ? await services.stores.risks.get(envelope.organization, riskId) : undefined;
  if (!risk) return { riskId, refreshed: 'risk not found' };
  if (risk.asset.type !== 'repository') return { riskId, refreshed: 'not a repository risk' };
  await refreshRiskScore(services, risk.organization, risk.asset.id);
  logger.info('repository score refreshed after triage', { riskId, assetId: risk.asset.id, transition: envelope.subject.transition });
  return { riskId, refreshed: risk.asset.id };
};
