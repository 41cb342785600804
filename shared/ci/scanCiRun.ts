import type { ScanRecord, UseCaseContext } from '../app';
import type { EventEnvelope } from '../events';
import { leakedSecretSighting, riskEvents, SightingRecorder } from '../risks';
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
  const asset = { ...run.asset, type: 'pipeline' as const };
  let logsScanned = 0;
  let bytesScanned = 0;
  let findings = 0;
  // Sightings are written while the scan goes on: a log full of secrets must not wait on one store round trip per finding.
  const recorder = new SightingRecorder(risks);
  for await (const { log, stream } of prefetchedLogs(
    provider.streamLogs(run, options.logId === undefined ? {} : { logId: options.logId }),
  )) {
    let logBytes = 0;
    const target = { path: `${run.label} / ${log.name}`, onProgress: (bytes: number) => (logBytes = bytes) };
    const evidenceUrl = log.url ?? run.webUrl;
    try {
      for await (const finding of scanner.scanStream(stream, target)) {
        findings++;
        const sightingId = `${run.key}:log:${log.id}:line:${finding.line}:${finding.fingerprint}`;
        await recorder.add(
          leakedSecretSighting(finding, {
            organization: options.organization,
            asset,
            ...(run.project ? { project: run.project } : {}),
            location: `${finding.path} line ${finding.line}`,
            ...(evidenceUrl ? { url: evidenceUrl } : {}),
            sightingId,
          }),
        );
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
  const record = options.toRecord
    ? options.toRecord(run, outcome)
    : (defaultRecord(provider.name, run, outcome, options.organization, options.logId) as unknown as R);
  await services.stores.scans.upsert(record);
  // A whole run (not one GitHub job) counts once towards its pipeline's day, for the overview's pipelines view.
  if (options.logId === undefined) await services.stores.pipelineDays.recordRun(options.organization, run, outcome);
  logger.info('ci run scanned', { provider: provider.name, run: run.key, logs: logsScanned, bytes: bytesScanned, findings });
  return record;
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
