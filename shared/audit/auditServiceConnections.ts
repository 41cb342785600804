import type { UseCaseContext } from '../app';
import { connectAzureDevOps } from '../devops';
import { PermanentError } from '../errors';
import type { EventEnvelope } from '../events';
import { isConflict, isPreconditionFailed, narrowed } from '../store';
import { type AuditedEndpoint, parseAuditedEndpoint } from './auditedEndpoint';
import { type AuditRecord, auditRecordId, projectAuditDue } from './auditRecord';
import { type AuditConnection, runAudit } from './runAudit';

export type { AuditRecord } from './auditRecord';

/**
 * `ms.vss-endpoint.endpoint-created` / `-updated`: re-fetch that service connection by id (the
 * payload is never trusted beyond its ids) and audit it. Auditing an unchanged connection again
 * opens nothing and announces nothing.
 */
export async function auditEndpointEvent(envelope: EventEnvelope, context: UseCaseContext): Promise<AuditRecord> {
  const { services, logger } = context;
  const endpointId = envelope.subject.endpointId === undefined ? '' : String(envelope.subject.endpointId);
  const project = envelope.project;
  if (!endpointId || !project) throw new PermanentError(`event '${envelope.id}' names no service connection id and project to audit`);

  const settings = await services.stores.organizations.get(envelope.organization);
  // No separate connection check: the endpoint request tells a credential failure apart, one call fewer.
  const client = await connectAzureDevOps(settings, { vault: services.vault, clock: services.clock, options: { logger, verify: false } });
  try {
    const requestsBefore = client.requestCount();
    const startedAt = new Date(services.clock.now()).toISOString();
    const endpoint = parseAuditedEndpoint(await client.serviceEndpoints.getServiceEndpoint(project, endpointId));
    const id = auditRecordId(project, endpointId);
    const previous = narrowed(await services.stores.scans.read(id, settings.organization), 'kind', 'audit');
    return await runAudit({
      envelope,
      context,
      client,
      record: newRecord(id, settings.organization, project, envelope, startedAt, endpointId),
      endpoints: [endpoint],
      requestsBefore,
      owed: previous?.pendingAnnouncements ?? [],
    });
  } finally {
    client.close();
  }
}

/**
 * After a build scan, with its already-open client: audit every service connection of the
 * build's project, unless the project was audited less than an hour ago (by `services.clock`) or
 * another worker is auditing it now. Returns undefined when it skipped.
 */
export async function auditProjectIfDue(
  envelope: EventEnvelope,
  context: UseCaseContext,
  client: AuditConnection,
): Promise<AuditRecord | undefined> {
  const { services, logger } = context;
  const project = envelope.project;
  if (!project) return undefined;
  const organization = client.organization;
  const scans = services.stores.scans;
  const id = auditRecordId(project);
  const now = services.clock.now();
  const previous = narrowed(await scans.read(id, organization), 'kind', 'audit');
  if (!projectAuditDue(previous, now)) {
    logger.debug('service connections audited recently; not again yet', { project, lastAudit: previous?.auditedAt ?? previous?.startedAt });
    return undefined;
  }
  const claim = newRecord(id, organization, project, envelope, new Date(now).toISOString());
  claim.pendingAnnouncements = previous?.pendingAnnouncements ?? [];
  try {
    // The etag makes the claim exclusive: of two builds finishing together, one audits.
    if (previous) await scans.replace(claim, { ifMatch: previous._etag });
    else await scans.create(claim);
  } catch (error) {
    if (isConflict(error) || isPreconditionFailed(error)) {
      logger.debug('another worker is auditing the service connections', { project });
      return undefined;
    }
    throw error;
  }
  const requestsBefore = client.requestCount();
  let endpoints: AuditedEndpoint[];
  try {
    endpoints = (await client.serviceEndpoints.listServiceEndpoints(project)).map(parseAuditedEndpoint);
  } catch (error) {
    // Give the claim back, so the next build audits instead of waiting for the claim to expire.
    await scans
      .upsert({
        ...claim,
        status: 'failed',
        apiCalls: client.requestCount() - requestsBefore,
        error: (error instanceof Error ? error.message : String(error)).slice(0, 500),
      })
      .catch(() => undefined);
    throw error;
  }
  return runAudit({ envelope, context, client, record: claim, endpoints, requestsBefore, owed: claim.pendingAnnouncements });
}

function newRecord(
  id: string,
  organization: string,
  project: string,
  envelope: EventEnvelope,
  startedAt: string,
  endpointId?: string,
): AuditRecord {
  return {
    id,
    organization,
    kind: 'audit',
    project,
    ...(endpointId ? { endpointId } : {}),
    trigger: envelope.type,
    status: 'running',
    endpointsAudited: 0,
    checksFailed: 0,
    checksUnevaluated: 0,
    risksOpened: 0,
    risksReopened: 0,
    apiCalls: 0,
    endpoints: [],
    pendingAnnouncements: [],
    startedAt,
    durationMs: 0,
  };
}
