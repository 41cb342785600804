import { createHash } from 'node:crypto';
import type { UseCase } from '../app';
import { queuesFor } from '../app';
import { PermanentError } from '../errors';
import type { AnnouncedRisk, RecordedSighting, Risk, RiskAsset, RiskSighting } from '../risks';
import { riskEvents, riskId, SightingRecorder, triageEvents } from '../risks';
import { isConflict, narrowed } from '../store';
import type { CiContext } from './ciContext';
import { sarifAsset } from './sarifAsset';
import { type SarifFinding, streamedSarifFindings } from './sarifFindings';
import { SarifLogSyntaxError } from './sarifLogSplitter';
import { hostRepositoryOf, sarifPullRequestScan } from './sarifPullRequestScan';
import type { SarifScanRecord } from './sarifScanRecord';
import { StreamedSarifLog } from './streamedSarifLog';

/** How many new risks are recorded between two announcements. */
const announceEvery = 1_000;

/**
 * `ci:sarif.uploaded` (subject `{ uploadId }`), on the build-scan queue: read the upload's chunks,
 * record each result as a sighting of a `code-finding` or `dependency-vulnerability` risk of the
 * repository (one risk per tool, rule and location fingerprint; the sighting is keyed by the upload,
 * so a redelivered event counts nothing twice), resolve the risks the previous upload of the same
 * tool and branch reported and this one does not, announce what changed (`risk.opened`,
 * `risk.changed`: alerts and work items follow as for Vigil's own findings), write the `sarif` scan
 * record and delete the upload. docs/ci-results.md.
 */
export const recordSarifResults: UseCase = async (envelope, { services, logger }) => {
  const started = services.clock.now();
  const uploadId = String(envelope.subject.uploadId ?? '');
  const upload = await services.stores.sarifUploads.open(envelope.organization, uploadId);
  if (!upload) {
    logger.info('the SARIF upload is gone (handled already, or expired); nothing to do', { uploadId });
    return { recorded: false, why: 'the upload is gone: handled already or expired' };
  }
  // The log is read a result at a time out of its chunks, never whole: a 10 MB log parsed at once, with the collector's
  // headroom over it, made this handler's peak memory (docs/performance.md, bench:sarif). The intake validated the log
  // with the schema before storing it, so its results are trusted as they come.
  const log = new StreamedSarifLog(upload.bytes());
  const { context } = upload;
  // The intake names the tool in the context; older uploads fall back to the first run's, read before its first result.
  const toolName = () => context.tool ?? log.firstTool ?? 'unknown';
  const inventory =
    context.source === 'azure-devops'
      ? await services.stores.repositories.list({ organization: envelope.organization, project: context.project })
      : [];
  const { project, ...asset } = sarifAsset(context, inventory);
  const location = (path?: string, line?: number) =>
    `${path ? `${path}${line ? `:${line}` : ''}` : toolName()} @ ${context.commit.slice(0, 7)}${context.branch ? ` (${context.branch})` : ''}`;

  const recorder = new SightingRecorder(services.stores.risks);
  // Announce (`risk.opened`, `risk.changed`) a batch at a time as risks are recorded: 20,000 results must not
  // hold 20,000 recorded risks and 40,000 events at once (peak memory, bench:sarif). Each risk is in one batch only:
  // `reported` keeps a result that appears twice in the log to one sighting.
  // Until then, only what an announcement reads of each recorded risk is kept (not the whole stored risk): a thousand
  // whole risks outlived the collector's young generation and, promoted, grew the heap (bench:sarif).
  let opened = 0;
  let toAnnounce: Array<{ risk: AnnouncedRisk; transition: RecordedSighting['transition']; sightingId: string }> = [];
  const keep = (recorded: RecordedSighting[]) => {
    for (const { risk, transition, sightingId } of recorded) {
      const { id, organization, kind, severity, occurrences } = risk;
      toAnnounce.push({ risk: { id, organization, kind, severity, occurrences }, transition, sightingId });
    }
  };
  const announce = async () => {
    const batch = toAnnounce;
    toAnnounce = [];
    opened += batch.filter((entry) => entry.transition === 'opened').length;
    for (const [queue, messages] of riskEvents(envelope, batch, services.clock)) {
      for (let i = 0; i < messages.length; i += 500) await services.queue.send(queue, messages.slice(i, i + 500));
    }
  };
  const reported = new Set<string>();
  const onPullRequest: Array<{ finding: SarifFinding; riskId: string }> = [];
  let results = 0;
  for await (const finding of storedFindings(log, uploadId)) {
    results++;
    const id = riskId(envelope.organization, finding.kind, finding.ruleId, asset.id, finding.fingerprint);
    // The same finding twice in one log (two runs of one tool) is one sighting.
    if (reported.has(id)) continue;
    reported.add(id);
    if (context.pullRequest) onPullRequest.push({ finding, riskId: id });
    const sighting: RiskSighting = {
      organization: envelope.organization,
      kind: finding.kind,
      ruleId: finding.ruleId,
      title: finding.title,
      severity: finding.severity,
      asset,
      ...(project ? { project } : {}),
      fingerprint: finding.fingerprint,
      verified: false,
      evidence: {
        location: location(finding.path, finding.line),
        redacted: finding.redacted,
        ...(context.runUrl ? { url: context.runUrl } : finding.helpUri ? { url: finding.helpUri } : {}),
      },
      remediation: finding.remediation,
      tool: finding.tool,
      ...(finding.advisories.length > 0 ? { tags: finding.advisories } : {}),
      sightingId: `sarif:${uploadId}:${finding.fingerprint}`,
    };
    await recorder.add(sighting);
    keep(recorder.takeRecorded());
    if (reported.size % announceEvery === 0) await announce();
  }
  await recorder.drain();
  keep(recorder.takeRecorded());
  await announce();
  const tool = toolName();

  const resolved = context.branch
    ? await resolveGone(services, envelope.organization, recordIdOf(asset.id, tool, context.branch), reported, tool, context)
    : [];
  for (const risk of resolved) {
    for (const [queue, messages] of triageEvents(risk, 'resolved', services.clock)) await services.queue.send(queue, messages);
  }

  if (context.branch) {
    const record: SarifScanRecord = {
      id: recordIdOf(asset.id, tool, context.branch),
      organization: envelope.organization,
      kind: 'sarif',
      tool,
      branch: context.branch,
      assetId: asset.id,
      repository: asset.name,
      ...(project ? { project } : {}),
      commitId: context.commit,
      uploadId,
      ...(context.pullRequest ? { pullRequest: context.pullRequest } : {}),
      ...(context.runUrl ? { runUrl: context.runUrl } : {}),
      results,
      riskIds: [...reported],
      risksOpened: opened,
      risksResolved: resolved.length,
      durationMs: services.clock.now() - started,
      scannedAt: new Date(services.clock.now()).toISOString(),
    };
    await services.stores.scans.upsert(record);
  }
  const posted = context.pullRequest
    ? await publishOnPullRequest(services, logger, {
        organization: envelope.organization,
        uploadId,
        context: { ...context, pullRequest: context.pullRequest },
        tool,
        asset,
        ...(project ? { project } : {}),
        findings: onPullRequest,
        risksOpened: opened,
        started,
      })
    : undefined;
  await services.stores.sarifUploads.delete(envelope.organization, uploadId);
  const outcome = {
    recorded: true,
    tool,
    results,
    risks: reported.size,
    opened,
    resolved: resolved.length,
    ...(posted ? { pullRequest: posted } : {}),
  };
  logger.info('SARIF results recorded', { uploadId, ...outcome });
  return outcome;
};

/**
 * The upload names a pull request: its results go on it, on the tool's own channel (docs/ci-results.md,
 * "On the pull request"), through the publisher Vigil's own pull request scans use — a `pull-request`
 * scan record and `scan.completed`, both keyed by the upload.
 */
async function publishOnPullRequest(
  services: Parameters<UseCase>[1]['services'],
  logger: Parameters<UseCase>[1]['logger'],
  input: {
    organization: string;
    uploadId: string;
    context: CiContext & { pullRequest: number };
    tool: string;
    asset: RiskAsset;
    project?: string;
    findings: Array<{ finding: SarifFinding; riskId: string }>;
    risksOpened: number;
    started: number;
  },
): Promise<{ scanId: string } | { skipped: string }> {
  const host = hostRepositoryOf(input.context, input.asset);
  if ('why' in host) {
    logger.warn('SARIF results not posted on the pull request', { pullRequest: input.context.pullRequest, why: host.why });
    return { skipped: host.why };
  }
  // Only the channel's naming rule, not the code host adapters and their clients.
  const { channelOf } = await import('../codeHosts/publicationChannel.js');
  const { redactedText } = await import('../summaries/index.js');
  const { record, event } = sarifPullRequestScan({
    ...input,
    channel: channelOf(input.tool),
    hostRepositoryId: host.repositoryId,
    now: services.clock.now(),
    durationMs: services.clock.now() - input.started,
    // What goes on a pull request is checked once more by Vigil's engine: a secret in a result's message, a title or a rule id never reaches a comment.
    redact: redactedText,
  });
  // Written once: the publisher stores it again placed on the diff (which lines the pull request adds), and a
  // redelivered upload must not put back the unplaced one a `/vigil` reply would then be answered from.
  await services.stores.scans.create(record).catch((error: unknown) => {
    if (!isConflict(error)) throw error;
  });
  for (const queue of queuesFor(event)) await services.queue.send(queue, [{ messageId: event.id, body: event }]);
  return { scanId: record.id };
}

/** The stored log's findings; a log that is not what the intake stored cannot be recorded by retrying. */
async function* storedFindings(log: StreamedSarifLog, uploadId: string): AsyncGenerator<SarifFinding> {
  try {
    yield* streamedSarifFindings(log.results());
  } catch (error) {
    if (error instanceof SarifLogSyntaxError || error instanceof SyntaxError) {
      throw new PermanentError(`upload '${uploadId}' is not a SARIF 2.1.0 log: ${error.message}`);
    }
    throw error;
  }
}

/** One record per (asset, tool, branch); Cosmos ids may not hold '/'. */
function recordIdOf(assetId: string, tool: string, branch: string): string {
  return `sarif:${createHash('sha256').update([assetId, tool.toLowerCase(), branch].join('\u0000')).digest('base64url').slice(0, 32)}`;
}

/** Resolves the open risks the previous upload for this tool and branch reported and this one does not. */
async function resolveGone(
  services: Parameters<UseCase>[1]['services'],
  organization: string,
  recordId: string,
  reported: ReadonlySet<string>,
  tool: string,
  context: { commit: string; branch?: string },
): Promise<Risk[]> {
  const previous = narrowed(await services.stores.scans.read(recordId, organization), 'kind', 'sarif');
  if (!previous) return [];
  const resolved: Risk[] = [];
  for (const id of previous.riskIds) {
    if (reported.has(id)) continue;
    const result = await services.stores.risks
      .triage(organization, id, {
        status: 'resolved',
        reason: `no longer reported by ${tool} on ${context.branch} (commit ${context.commit.slice(0, 7)})`,
        by: 'Vigil',
        source: 'scan',
        onlyFrom: ['open'],
        key: `sarif:${context.commit}:${tool}`,
      })
      .catch((error: unknown) => {
        if (error instanceof Error && error.name === 'RiskNotFoundError') return undefined;
        throw error;
      });
    if (result?.applied) resolved.push(result.risk);
  }
  return resolved;
}
