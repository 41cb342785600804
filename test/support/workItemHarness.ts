import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AppServices, createAppServices } from '../../shared/app/services';
import { handleQueueMessage } from '../../shared/azureFunctions/queueTrigger';
import { loadConfig } from '../../shared/config';
import type { WorkItemsClient } from '../../shared/devops/workItemsClient';
import type { EventEnvelope } from '../../shared/events/envelope';
import { createLogger } from '../../shared/logging/logger';
import type { OrganizationSettings } from '../../shared/organizations/organizationSettings';
import type { QueueName } from '../../shared/queue/names';
import type { Risk } from '../../shared/risks/risk';
import { riskEvents } from '../../shared/risks/riskEvents';
import type { RiskSighting, RiskTransition } from '../../shared/risks/riskStore';
import { createEnvironmentVault } from '../../shared/vault/environmentVault';
import { type WorkItemLink, withSyncSession } from '../../shared/workitems';
import { linkOfRisk } from '../../shared/workitems/workItemLink';
import { pullWorkItem, pushRisk, type SyncOutcome } from '../../shared/workitems/workItemSync';
import { connectionDataRoutes, type LoopbackIdentity } from './azureDevOps/identities';
import { WorkItemRoutes, type WorkItemRoutesOptions } from './azureDevOps/workItemRoutes';
import type { WorkItemProject } from './azureDevOps/workItemStore';
import { type AzureDevOpsServer, type RecordedCall, startAzureDevOpsServer } from './azureDevOpsServer';
import { ManualClock } from './manualClock';

/**
 * What the work-item sync tests share: a loopback Azure DevOps with Azure Boards (the real
 * azure-devops-node-api transport talks to it), Vigil's embedded store and queue on a manual
 * clock that the loopback's work item dates follow too, an organization with the sync on, and
 * helpers to record sightings, run the sync as the queue would, and drain what it emits.
 */
export const vigil: LoopbackIdentity = {
  id: 'dddddddd-0000-4000-8000-00000000abcd',
  displayName: 'Vigil Service',
  uniqueName: 'vigil-svc@contoso.example',
};

export interface HarnessOptions {
  projects?: WorkItemProject[];
  workItems?: Partial<OrganizationSettings['workItems']>;
  routes?: Omit<WorkItemRoutesOptions, 'projects' | 'identity' | 'now'>;
  alertChannel?: { urlSecret: string; url: string; signingSecret?: { name: string; value: string } };
}

export interface WorkItemHarness {
  devops: AzureDevOpsServer;
  boards: WorkItemRoutes;
  services: AppServices;
  clock: ManualClock;
  /** Records a sighting and returns the risk and its transition (nothing is enqueued). */
  see(sighting: RiskSighting): Promise<{ risk: Risk; transition: RiskTransition }>;
  /** Runs the outbound sync for a risk as the queue would (`risk.opened` / `risk.changed`), optionally wrapping the client. */
  push(
    risk: Risk,
    options?: { eventId?: string; wrapClient?: (client: WorkItemsClient) => WorkItemsClient; project?: string },
  ): Promise<SyncOutcome | { skipped: string }>;
  /** Runs the inbound sync for a work item event. */
  pull(workItemId: number, event?: 'updated' | 'deleted' | 'restored', rev?: number): Promise<SyncOutcome | { skipped: string }>;
  /** Handles every message waiting on `queue` (and what they enqueue) with the real queue trigger; returns their envelopes. */
  drain(queue?: QueueName): Promise<EventEnvelope[]>;
  link(risk: Risk): Promise<WorkItemLink | undefined>;
  /** Calls to the work item API (and connectionData) since the last `resetCalls`. */
  witCalls(): RecordedCall[];
  resetCalls(): void;
  close(): Promise<void>;
}

export const pat = `test-pat-${randomBytes(12).toString('hex')}`;

export async function startWorkItemHarness(options: HarnessOptions = {}): Promise<WorkItemHarness> {
  const clock = new ManualClock(Date.parse('2026-11-20T10:00:00.000Z'));
  const projects = options.projects ?? [{ name: 'Web', process: 'Agile' as const, areaPaths: ['Web\\Security'] }];
  const boards = new WorkItemRoutes({ projects, identity: vigil, now: () => new Date(clock.now()), ...options.routes });
  const devops = await startAzureDevOpsServer({
    organization: 'contoso',
    pat,
    projects: projects.map((p) => ({ name: p.name, ...(p.id ? { id: p.id } : {}) })),
    extensions: [connectionDataRoutes(vigil), boards],
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-workitems-'));
  const env: Record<string, string> = { VIGIL_DATA_DIR: dataDir, VIGIL_SECRET_ADO_PAT_CONTOSO: pat };
  if (options.alertChannel) {
    env[`VIGIL_SECRET_${options.alertChannel.urlSecret.toUpperCase().replace(/-/g, '_')}`] = options.alertChannel.url;
    if (options.alertChannel.signingSecret)
      env[`VIGIL_SECRET_${options.alertChannel.signingSecret.name.toUpperCase().replace(/-/g, '_')}`] =
        options.alertChannel.signingSecret.value;
  }
  const services = await createAppServices(loadConfig(env), {
    clock,
    vault: createEnvironmentVault(env),
    logger: createLogger({ level: 'error', sink: { write: () => undefined } }),
  });
  await services.stores.organizations.add('contoso', {
    azureDevOps: { url: devops.url, auth: { mode: 'pat', tokenSecret: 'ado-pat-contoso' } },
    workItems: { workItemType: 'Bug', stateMapping: {}, enabled: true, ...options.workItems },
    ...(options.alertChannel
      ? {
          alertChannels: [
            {
              type: 'webhook' as const,
              urlSecret: options.alertChannel.urlSecret,
              ...(options.alertChannel.signingSecret ? { signingSecret: options.alertChannel.signingSecret.name } : {}),
            },
          ],
        }
      : {}),
  });
  let callsFrom = 0;
  const harness: WorkItemHarness = {
    devops,
    boards,
    services,
    clock,
    see: (sighting) => services.stores.risks.record(sighting),
    async push(risk, pushOptions = {}) {
      const session = await withSyncSession(
        services,
        'contoso',
        services.logger,
        (ctx) =>
          pushRisk(ctx, risk, {
            id: pushOptions.eventId ?? `risk:${risk.id}:test`,
            ...(pushOptions.project ? { project: pushOptions.project } : {}),
          }),
        pushOptions.wrapClient ? { wrapClient: pushOptions.wrapClient } : {},
      );
      return session.ran ? session.value : { skipped: session.why };
    },
    async pull(workItemId, event = 'updated', rev) {
      const session = await withSyncSession(services, 'contoso', services.logger, (ctx) => pullWorkItem(ctx, workItemId, event, rev));
      return session.ran ? session.value : { skipped: session.why };
    },
    async drain(queue = 'workitem-sync') {
      const handled: EventEnvelope[] = [];
      for (let round = 0; round < 50; round++) {
        const messages = await services.queue.receive(queue, { maxMessages: 100, lockDurationMs: 60_000 });
        if (messages.length === 0) return handled;
        for (const message of messages) {
          handled.push(message.body as EventEnvelope);
          await handleQueueMessage(
            {
              functionName: queue === 'alerts' ? 'sendAlert' : 'syncWorkItem',
              queue,
              body: message.body,
              messageId: message.messageId,
              deliveryCount: 1,
            },
            services,
          );
          await services.queue.complete(message);
        }
      }
      throw new Error(`${queue} did not drain`);
    },
    link: (risk) => linkOfRisk(services.stores.workItemLinks, risk),
    witCalls: () => devops.calls.slice(callsFrom).filter((c) => c.path.includes('/_apis/wit/') || c.path.endsWith('/_apis/connectionData')),
    resetCalls: () => void (callsFrom = devops.calls.length),
    async close() {
      await services.close();
      await devops.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** The envelope a scan would emit for a recorded sighting (for tests that enqueue it themselves). */
export function riskEnvelope(recorded: { risk: Risk; transition: RiskTransition }, sightingId: string, clock: ManualClock): EventEnvelope {
  const cause: EventEnvelope = {
    id: `cause:${sightingId}`,
    source: 'vigil',
    type: 'test',
    organization: recorded.risk.organization,
    subject: {},
    receivedAt: new Date(clock.now()).toISOString(),
  };
  const messages = riskEvents(cause, [{ ...recorded, sightingId }], clock).get('workitem-sync') ?? [];
  return messages[0].body as EventEnvelope;
}
