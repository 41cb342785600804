import type { UseCaseContext } from '../app';
import type { AzureDevOpsConnection } from '../devops';
import type { EventEnvelope } from '../events';
import { riskEvents } from '../risks';
import { narrowed } from '../store';
import type { AuditedEndpoint } from './auditedEndpoint';
import { type AuditRecord, maxEndpointSummaries, type PendingAnnouncement } from './auditRecord';
import { evaluateEndpoint } from './evaluateEndpoint';
import { fetchEndpointFacts } from './fetchEndpointFacts';
import { type RecordedFinding, recordAuditFindings } from './recordAuditFindings';
import { serviceConnectionAssetId } from './serviceConnectionAsset';

/** What an audit needs of a connection: its service connections, and the request count its `scans` record keeps. */
export type AuditConnection = Pick<AzureDevOpsConnection, 'organization' | 'requestCount' | 'serviceEndpoints'>;

export interface AuditRun {
  envelope: EventEnvelope;
  context: UseCaseContext;
  client: AuditConnection;
  /** The record as written when the audit began (a claim, for a project); it is completed in place. */
  record: AuditRecord;
  endpoints: AuditedEndpoint[];
  /** `client.requestCount()` when the audit began: its `scans` record counts the requests since. */
  requestsBefore: number;
  /** Events a previous run of the same audit recorded but may not have sent. */
  owed: PendingAnnouncement[];
}

const endpointCreated = 'ms.vss-endpoint.endpoint-created';

/**
 * Audits the given connections: facts → checks → risks, keeps their assets current, writes the
 * `scans` record, and announces the risks it opened or reopened (never those already counted).
 * On failure the record is left `failed` with any events still owed, so the next run settles them.
 */
export async function runAudit(run: AuditRun): Promise<AuditRecord> {
  const { envelope, context, client, endpoints, requestsBefore } = run;
  const { services, logger } = context;
  const { organization, project } = run.record;
  const scans = services.stores.scans;
  const assets = services.stores.assets;
  const risks = services.stores.risks;
  const started = Date.parse(run.record.startedAt);
  let record: AuditRecord = { ...run.record, pendingAnnouncements: [...run.owed] };
  // Owed events are kept in the record as soon as a risk is opened, so a crash later cannot lose them.
  const owe = async (fresh: RecordedFinding[]) => {
    const known = new Set(record.pendingAnnouncements.map((p) => `${p.riskId} ${p.sightingId}`));
    const added = fresh
      .filter((f) => !known.has(`${f.risk.id} ${f.sightingId}`))
      .map((f) => ({ riskId: f.risk.id, transition: f.transition as PendingAnnouncement['transition'], sightingId: f.sightingId }));
    record = { ...record, pendingAnnouncements: [...record.pendingAnnouncements, ...added] };
    // Without the per-connection list: this write is the outbox, and a big project would rewrite a big list each time.
    await scans.upsert({ ...record, endpoints: [] });
  };
  try {
    const announce: RecordedFinding[] = [];
    for (const endpoint of endpoints) {
      const now = services.clock.now();
      const assetId = serviceConnectionAssetId(endpoint.id);
      const asset = narrowed(await assets.read(assetId, organization), 'type', 'service-connection');
      const createdAt =
        endpoint.creationDate ??
        asset?.createdAt ??
        (envelope.type === endpointCreated && String(envelope.subject.endpointId) === endpoint.id ? envelope.receivedAt : undefined);
      const facts = await fetchEndpointFacts(client.serviceEndpoints, project, endpoint, { now, ...(createdAt ? { createdAt } : {}) });
      const audit = evaluateEndpoint(facts);
      const recorded = await recordAuditFindings(risks, organization, audit, project, now);
      const fresh = recorded.filter((r) => r.transition === 'opened' || r.transition === 'reopened' || r.transition === 'resolved');
      if (fresh.length > 0) {
        announce.push(...fresh);
        await owe(fresh);
      }
      await assets.upsert({
        id: assetId,
        organization,
        type: 'service-connection',
        endpointId: endpoint.id,
        name: endpoint.name,
        connectionType: endpoint.type,
        ...(endpoint.scheme ? { authorizationScheme: endpoint.scheme } : {}),
        project,
        projects: endpoint.projects.map((p) => p.name),
        ...(createdAt ? { createdAt } : {}),
        firstSeenAt: asset?.firstSeenAt ?? new Date(now).toISOString(),
        lastAuditedAt: new Date(now).toISOString(),
        failedChecks: audit.findings.map((f) => f.checkId),
      });
      record.endpointsAudited++;
      record.checksFailed += audit.findings.length;
      record.checksUnevaluated += audit.unevaluated.length;
      record.risksOpened += recorded.filter((r) => r.transition === 'opened').length;
      record.risksReopened += recorded.filter((r) => r.transition === 'reopened').length;
      record.risksResolved = (record.risksResolved ?? 0) + recorded.filter((r) => r.transition === 'resolved').length;
      if (record.endpoints.length < maxEndpointSummaries) {
        record.endpoints.push({
          id: endpoint.id,
          name: endpoint.name,
          type: endpoint.type,
          failed: audit.findings.map((f) => f.checkId),
          unevaluated: audit.unevaluated.map((u) => u.checkId),
        });
      }
    }
    for (const owed of run.owed) {
      if (announce.some((a) => a.sightingId === owed.sightingId && a.risk.id === owed.riskId)) continue;
      const risk = await risks.get(organization, owed.riskId);
      if (risk) announce.push({ risk, transition: owed.transition, sightingId: owed.sightingId });
    }

    const finished = services.clock.now();
    const done = {
      apiCalls: client.requestCount() - requestsBefore,
      durationMs: finished - started,
      auditedAt: new Date(finished).toISOString(),
    };
    if (announce.length > 0) {
      record = { ...record, ...done, status: 'announcing' };
      await scans.upsert(record);
      for (const [queue, messages] of riskEvents(envelope, announce, services.clock)) await services.queue.send(queue, messages);
    }
    record = { ...record, ...done, status: 'completed', pendingAnnouncements: [] };
    delete record.error;
    await scans.upsert(record);
    logger.info('service connections audited', {
      project,
      endpoints: record.endpointsAudited,
      checksFailed: record.checksFailed,
      risksOpened: record.risksOpened,
      apiCalls: record.apiCalls,
    });
    return record;
  } catch (error) {
    const failed: AuditRecord = {
      ...record,
      status: 'failed',
      apiCalls: client.requestCount() - requestsBefore,
      durationMs: services.clock.now() - started,
      error: (error instanceof Error ? error.message : String(error)).slice(0, 500),
    };
    await scans
      .upsert(failed)
      .catch((writeError: unknown) => logger.warn('could not record the failed audit', { error: String(writeError) }));
    throw error;
  }
}
