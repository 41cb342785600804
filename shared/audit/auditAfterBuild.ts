import type { UseCaseContext } from '../app';
import { connectAzureDevOps } from '../devops';
import type { EventEnvelope } from '../events';
import type { OrganizationSettings } from '../organizations';
import { type AuditRecord, auditProjectIfDue } from './auditServiceConnections';

/**
 * The hourly audit sweep that follows a build scan. The build's findings are already recorded and
 * announced by then, so a failing audit is logged, not thrown: redelivering the build would scan
 * its logs again for nothing, and the next build of the project retries the audit (its `scans`
 * record keeps any announcements still owed).
 */
export async function auditAfterBuild(
  envelope: EventEnvelope,
  context: UseCaseContext,
  settings: OrganizationSettings,
): Promise<AuditRecord | undefined> {
  const { services, logger } = context;
  try {
    const client = await connectAzureDevOps(settings, { vault: services.vault, clock: services.clock, options: { logger, verify: false } });
    try {
      return await auditProjectIfDue(envelope, context, client);
    } finally {
      client.close();
    }
  } catch (error) {
    logger.warn('service connection audit after the build failed; the next build of the project retries it', {
      project: envelope.project,
      reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
    return undefined;
  }
}
