import type { ScanRecord, UseCaseContext } from '../app';
import type { EventEnvelope } from '../events';
import { OrganizationNotFoundError } from '../organizations';
import { leakedSecretSighting, riskEvents, SightingRecorder } from '../risks';
import type { Finding } from '../scanning';
import { recordScan } from '../telemetry';
import { skippedByTrigger, type TriggerRule } from '../triggers';
import type { SecretVerifier } from '../verification';
import { buildLogScanner } from './buildScanner';
import { prefetchedLogs } from './prefetchedLogs';
import type { CiProvider, CiRun, CiRunRef } from './providers/ciProvider';

/** What one scan of a run read and found: never a secret. */
export interface CiRunScanOutcome {
  logsScanned: number;
  bytesScanned: number;
  findings: number;
  risksOpened: number;
  durationMs: number;
  scannedAt: string;
  /** Set when a trigger rule said not to scan this run's logs: `skipped by trigger rule 'nightly'`. */
  skipped?: string;
}

/** The `scans` document of a run scanned through a provider (Azure Pipelines keeps its own BuildScanRecord). */
export interface CiRunScanRecord extends CiRunScanOutcome {
  id: string;
  organization: string;
  kind: 'build';
  provider: string;
  project?: string;
  repository?: string;
  runId: string;
  runNumber: string;
  pipeline: string;
  /** Set when only one log (a GitHub job) was scanned. */
  logId?: string;
}

export interface CiRunScanOptions<R extends ScanRecord> {
  /** The event that asked for the scan: risk events chain from it. */
  cause: EventEnvelope;
  /** The organization findings are filed under (its settings made the provider). */
  organization: string;
  /** Scan just this log (a GitHub job) rather than the whole run. */
  logId?: string;
  /** The organization's trigger rules (docs/trigger-rules.md): a run they skip is recorded as skipped, its logs never read. */
  triggerRules?: readonly TriggerRule[];
  /** Shape of the stored `scans` document; default CiRunScanRecord. */
  toRecord?: (run: CiRun, outcome: CiRunScanOutcome) => R;
}

/**
 * Scan one CI run through its provider: re-fetch the run by id (a payload is never trusted beyond
 * ids), stream each log through the engine one at a time, record each finding as a sighting of a
 * risk on the run's pipeline asset, announce opened and reopened risks, and store a scan record.
 *
 * Idempotent: a sighting id is derived from (run, log, line, fingerprint), so a second scan of the
 * same run counts nothing twice, and the risk events it re-sends carry the ids the first one used.
 */
export async function scanCiRun<R extends ScanRecord = CiRunScanRecord>(
  provider: CiProvider,
  ref: CiRunRef,
  { services, logger }: Pick<UseCaseContext, 'services' | 'logger'>,
  options: CiRunScanOptions<R>,
): Promise<R> {
  const started = services.clock.now();
  const risks = services.stores.risks;
  const scanner = buildLogScanner(services.config);
  const run = await provider.getRun(ref);
  const skipped = skippedByTrigger(
    options.triggerRules,
    {
      work: 'build',
      ...(run.branch ? { branch: run.branch } : {}),
      ...(run.project || run.repository ? { project: run.project ?? namespaceOf(run.repository ?? '') } : {}),
      ...(run.repository ? { repository: run.repository } : {}),
      pipeline: run.pipeline.name,
    },
    logger,
    { provider: provider.name, run: run.key },
  );
  if (skipped) return await store(provider.name, run, { ...emptyOutcome(services.clock.now(), started), skipped }, options, services);
  const asset = { ...run.asset, type: 'pipeline' as const };
  let logsScanned = 0;
  let bytesScanned = 0;
  let findings = 0;
  // Sightings are written while the scan goes on: a log full of secrets must not wait on one store round trip per finding.
  const recorder = new SightingRecorder(risks);
  const verifier = await verifierFor(services, options.organization);
  for await (const { log, stream } of prefetchedLogs(
    provider.streamLogs(run, options.logId === undefined ? {} : { logId: options.logId }),
  )) {
    let logBytes = 0;
    const target = { path: `${run.label} / ${log.name}`, onProgress: (bytes: number) => (logBytes = bytes) };
    const evidenceUrl = log.url ?? run.webUrl;
    const record = (finding: Finding) => {
      const sightingId = `${run.key}:log:${log.id}:line:${finding.line}:${finding.fingerprint}`;
      return recorder.add(
        leakedSecretSighting(finding, {
          organization: options.organization,
          asset,
          ...(run.project ? { project: run.project } : {}),
          location: `${finding.path} line ${finding.line}`,
          ...(evidenceUrl ? { url: evidenceUrl } : {}),
          sightingId,
        }),
      );
    };
    try {
      if (verifier) {
        // Verified per log: its findings wait for their checks, then are recorded with what they said.
        const found: Finding[] = [];
        for await (const finding of scanner.scanStream(stream, { ...target, secretSink: verifier.sink })) found.push(finding);
        for (const finding of await verifier.verify(found)) await record(finding);
        findings += found.length;
      } else {
        for await (const finding of scanner.scanStream(stream, target)) {
          findings++;
          await record(finding);
        }
      }
    } finally {
      // A failure mid-log must not leave the socket open until the peer gives up.
      if (!stream.readableEnded) stream.destroy();
    }
    logsScanned++;
    bytesScanned += logBytes;
  }
  const transitions = await recorder.drain();
  for (const [queue, messages] of riskEvents(options.cause, transitions, services.clock)) await services.queue.send(queue, messages);
  const outcome: CiRunScanOutcome = {
    logsScanned,
    bytesScanned,
    findings,
    risksOpened: transitions.filter((t) => t.transition === 'opened').length,
    durationMs: services.clock.now() - started,
    scannedAt: new Date(services.clock.now()).toISOString(),
  };
  const record = await store(provider.name, run, outcome, options, services);
  recordScan('build-log', bytesScanned, outcome.durationMs);
  // A whole run (not one GitHub job) counts once towards its pipeline's day, for the overview's pipelines view.
  if (options.logId === undefined) await services.stores.pipelineDays.recordRun(options.organization, run, outcome);
  logger.info('ci run scanned', { provider: provider.name, run: run.key, logs: logsScanned, bytes: bytesScanned, findings });
  return record;
}

async function store<R extends ScanRecord>(
  provider: string,
  run: CiRun,
  outcome: CiRunScanOutcome,
  options: CiRunScanOptions<R>,
  services: UseCaseContext['services'],
): Promise<R> {
  const record = options.toRecord
    ? options.toRecord(run, outcome)
    : (defaultRecord(provider, run, outcome, options.organization, options.logId) as unknown as R);
  await services.stores.scans.upsert(record);
  return record;
}

function emptyOutcome(now: number, started: number): CiRunScanOutcome {
  return {
    logsScanned: 0,
    bytesScanned: 0,
    findings: 0,
    risksOpened: 0,
    durationMs: now - started,
    scannedAt: new Date(now).toISOString(),
  };
}

/** A GitHub owner or GitLab group path: the repository path without its last part. */
function namespaceOf(repository: string): string {
  return repository.includes('/') ? repository.slice(0, repository.lastIndexOf('/')) : repository;
}

function defaultRecord(
  provider: string,
  run: CiRun,
  outcome: CiRunScanOutcome,
  organization: string,
  logId: string | undefined,
): CiRunScanRecord {
  return {
    // Store ids may not hold '/', '\', '?' or '#' (Cosmos DB), and a run key may come from an extra provider.
    id: `${provider}:${run.key}${logId === undefined ? '' : `:log:${logId}`}`.replace(/[/\\?#]/g, '_'),
    organization,
    kind: 'build',
    provider,
    ...(run.project ? { project: run.project } : {}),
    ...(run.repository ? { repository: run.repository } : {}),
    runId: run.id,
    runNumber: run.number,
    pipeline: run.asset.name,
    ...(logId === undefined ? {} : { logId }),
    ...outcome,
  };
}

/** A verifier for this organization's scans when its settings enable verification (off by default). */
async function verifierFor(services: UseCaseContext['services'], organization: string): Promise<SecretVerifier | undefined> {
  const settings = await services.stores.organizations.get(organization).catch((error: unknown) => {
    if (error instanceof OrganizationNotFoundError) return undefined;
    throw error;
  });
  if (settings?.verification?.enabled !== true) return undefined;
  const { createSecretVerifier, verificationEndpointsFromEnvironment } = await import('../verification/index.js');
  return createSecretVerifier({ endpoints: verificationEndpointsFromEnvironment(services.config.environment) });
}
