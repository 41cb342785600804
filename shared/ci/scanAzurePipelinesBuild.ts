import { connectAzureDevOps } from '../devops/azureDevOpsClient';
import type { EventEnvelope } from '../events/envelope';
import { PermanentError } from '../errors';
import { OrganizationDirectory } from '../organizations/organizationDirectory';
import type { OrganizationSettings } from '../organizations/organizationSettings';
import type { Risk } from '../risks/risk';
import { RiskStore, type RiskTransition } from '../risks/riskStore';
import type { UseCaseContext } from '../runtime/queueTrigger';
import { buildLogScanner } from './buildScanner';
import { riskEvents } from './riskEvents';

/** The `scans` document of one build: what was read and what was found, never a secret. */
export interface BuildScanRecord {
  id: string;
  organization: string;
  kind: 'build';
  project: string;
  buildId: number;
  buildNumber: string;
  pipeline: string;
  logsScanned: number;
  bytesScanned: number;
  findings: number;
  risksOpened: number;
  durationMs: number;
  scannedAt: string;
}

/**
 * A finished Azure Pipelines build: re-fetch it by id (the payload is never trusted beyond ids),
 * stream every log through the engine, record each finding as a sighting of a risk, store a scan
 * record, and announce opened and reopened risks to the work-item and alert queues.
 */
export async function scanAzurePipelinesBuild(envelope: EventEnvelope, { services, logger }: UseCaseContext): Promise<BuildScanRecord> {
  const started = services.clock.now();
  const buildId = Number(envelope.subject.buildId ?? envelope.subject.runId);
  const project = envelope.project;
  if (!Number.isInteger(buildId) || !project) throw new PermanentError(`event '${envelope.id}' names no build id and project to scan`);

  const settings = await new OrganizationDirectory(services.store.container<OrganizationSettings>('organizations'), services.clock).get(envelope.organization);
  // No separate connection check: the build request itself tells a credential failure apart, one call fewer per build.
  const client = await connectAzureDevOps(settings, { vault: services.vault, clock: services.clock, options: { logger, verify: false } });
  const risks = new RiskStore(services.store.container<Risk>('risks'), services.clock);
  const scanner = buildLogScanner(services.config);
  try {
    const build = await client.getBuild(project, buildId);
    const pipeline = { id: `pipeline:${project}:${build.definition?.id ?? 'unknown'}`, name: build.definition?.name ?? `build ${buildId}`, type: 'pipeline' as const };
    const buildNumber = build.buildNumber ?? String(buildId);
    const webUrl = (build._links as { web?: { href?: string } } | undefined)?.web?.href;
    const logs = await client.listBuildLogs(project, buildId);
    let bytesScanned = 0;
    let findings = 0;
    const transitions: Array<{ risk: Risk; transition: RiskTransition; sightingId: string }> = [];
    for (const log of logs) {
      if (log.id === undefined) continue;
      const stream = await client.streamBuildLog(project, buildId, log.id);
      let logBytes = 0;
      const target = { path: `build ${buildNumber} / log ${log.id}`, onProgress: (bytes: number) => (logBytes = bytes) };
      for await (const finding of scanner.scanStream(stream, target)) {
        findings++;
        const sightingId = `build:${buildId}:log:${log.id}:line:${finding.line}:${finding.fingerprint}`;
        const recorded = await risks.record({
          organization: settings.organization,
          kind: 'leaked-secret',
          ruleId: finding.ruleId,
          title: finding.title,
          severity: finding.severity,
          asset: pipeline,
          fingerprint: finding.fingerprint,
          verified: finding.verified,
          evidence: { location: `${finding.path} line ${finding.line}`, redacted: finding.redacted, ...(webUrl ? { url: webUrl } : {}) },
          remediation: finding.remediation,
          sightingId,
        });
        transitions.push({ ...recorded, sightingId });
      }
      bytesScanned += logBytes;
    }
    for (const [queue, messages] of riskEvents(envelope, transitions, services.clock)) await services.queue.send(queue, messages);
    const record: BuildScanRecord = {
      id: `build:${project}:${buildId}`,
      organization: settings.organization,
      kind: 'build',
      project,
      buildId,
      buildNumber,
      pipeline: pipeline.name,
      logsScanned: logs.length,
      bytesScanned,
      findings,
      risksOpened: transitions.filter((t) => t.transition === 'opened').length,
      durationMs: services.clock.now() - started,
      scannedAt: new Date(services.clock.now()).toISOString(),
    };
    await services.store.container<BuildScanRecord>('scans').upsert(record);
    logger.info('build scanned', { buildId, logs: logs.length, bytes: bytesScanned, findings });
    return record;
  } finally {
    client.close();
  }
}
