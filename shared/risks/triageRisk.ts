import type { Clock } from '../clock';
import type { QueueSender } from '../queue';
import { acceptanceEnded } from './risk';
import { triageEvents } from './riskEvents';
import { type RiskStore, type TriageRequest, type TriageResult, vigilActor } from './riskStore';

export interface TriageDependencies {
  risks: RiskStore;
  queue: Pick<QueueSender, 'send'>;
  clock: Clock;
}

/**
 * Changes a risk's status for a person or a system acting on their behalf — the command line
 * (`vigil risks resolve|accept|false-positive|reopen`), a work item, a pull request comment
 * (`/vigil false-positive`, `/vigil accept`) — and announces it with `risk.changed` (subject
 * `{ riskId, transition, source }`), which the work-item sync and the alerts hear.
 *
 *   await triageRisk(services.stores.risks ... , 'contoso', riskId,
 *     { status: 'false-positive', reason: 'a test fixture', by: 'Dana', source: 'pull-request', reference: 'pull request 7', key: 'pr:7:comment:3' });
 *
 * Compare-then-act: a risk already in that status is left alone and nothing is announced. With a
 * `key` (the comment or revision the request came from) the same request made twice is recognised
 * and announced again under the same event id, which the queue drops: a caller that crashed
 * between the change and the announcement loses nothing by running again.
 * Throws RiskNotFoundError (permanent) when there is no such risk, PermanentError for a request
 * without a reason or with an end date in the past.
 */
export async function triageRisk(
  deps: TriageDependencies,
  organization: string,
  riskId: string,
  request: TriageRequest,
): Promise<TriageResult> {
  const result = await deps.risks.triage(organization, riskId, request);
  const transition = result.applied ? result.transition : result.repeat;
  if (transition) {
    for (const [queue, messages] of triageEvents(result.risk, transition, deps.clock)) await deps.queue.send(queue, messages);
  }
  return result;
}

/**
 * Reopens the organization's accepted risks whose acceptance has ended (the nightly
 * reconciliation runs it; a sighting of such a risk reopens it too). Returns the ids reopened.
 */
export async function reopenEndedAcceptances(deps: TriageDependencies, organization: string): Promise<string[]> {
  const reopened: string[] = [];
  for (const risk of await deps.risks.list({ organization, status: 'accepted' })) {
    if (!acceptanceEnded(risk, deps.clock.now())) continue;
    const result = await triageRisk(deps, organization, risk.id, {
      status: 'open',
      reason: `the acceptance ended on ${risk.triage?.until ?? 'its end date'}`,
      by: vigilActor,
      source: 'expiry',
      key: `expiry:${risk.triage?.until ?? ''}`,
      onlyFrom: ['accepted'],
    });
    if (result.applied) reopened.push(risk.id);
  }
  return reopened;
}
