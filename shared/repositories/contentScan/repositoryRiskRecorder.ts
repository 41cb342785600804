import type { AppServices } from '../../app';
import type { CommitAuthor, ScannedRepository } from '../../codeHosts';
import type { EventEnvelope } from '../../events';
import type { RiskStore, RiskTransition } from '../../risks';
import { leakedSecretSighting, type Risk, type RiskAsset, riskEvents, riskId } from '../../risks';
import type { Finding } from '../../scanning';
import { repositoryAssetId } from '../assets/asset';
import { refreshRiskScore } from '../assets/refreshRiskScore';
import { maxListedResults, type RepositoryFindingSummary } from './repositoryScanRecord';
import { repositorySightingId } from './sightingIds';

/**
 * Turns what a repository content scan finds into risks (docs/architecture.md, "State"): one risk per secret per
 * repository, identified by (organization, kind, rule, asset, fingerprint), so the same secret in
 * another file or commit is the same risk seen again. Each sighting is identified by (commit, path,
 * line, fingerprint): a redelivered event records nothing twice. Removing a secret in a later commit
 * resolves nothing — it stays in history until someone rotates it and resolves the risk.
 */
export interface FindingOrigin {
  commitId: string;
  author?: CommitAuthor;
}

export function repositoryRiskAsset(repository: ScannedRepository): RiskAsset {
  if (repository.host) return { ...repository.host.asset, type: 'repository' };
  return { id: repositoryAssetId(repository.id), name: `${repository.project}/${repository.name}`, type: 'repository' };
}

function lineUrlOf(repository: ScannedRepository, path: string, line: number, commitId: string): string | undefined {
  if (repository.host) return repository.host.fileLineUrl?.(path, line, commitId);
  return repository.webUrl ? fileLineUrl(repository.webUrl, path, line, commitId) : undefined;
}

/** The file at a line, at a commit, in the Azure DevOps web UI. */
export function fileLineUrl(webUrl: string, path: string, line: number, commitId: string): string {
  const url = new URL(webUrl);
  url.searchParams.set('path', `/${path}`);
  url.searchParams.set('version', `GC${commitId}`);
  url.searchParams.set('line', String(line));
  url.searchParams.set('lineEnd', String(line + 1));
  url.searchParams.set('lineStartColumn', '1');
  url.searchParams.set('lineEndColumn', '1');
  url.searchParams.set('_a', 'contents');
  return url.toString();
}

export { repositorySightingId } from './sightingIds';

/** The findings a scan lists in its document (bounded), whether or not they become risks. */
export class FindingSummaries {
  readonly list: RepositoryFindingSummary[] = [];
  truncated = false;

  constructor(
    private readonly organization: string,
    private readonly repository: ScannedRepository,
  ) {}

  add(
    finding: Finding,
    origin: FindingOrigin,
    extra: Pick<RepositoryFindingSummary, 'introduced' | 'onDiffLine'> = {},
  ): RepositoryFindingSummary {
    const url = lineUrlOf(this.repository, finding.path, finding.line, origin.commitId);
    const summary: RepositoryFindingSummary = {
      ruleId: finding.ruleId,
      title: finding.title,
      severity: finding.severity,
      confidence: finding.confidence,
      remediation: finding.remediation,
      path: finding.path,
      line: finding.line,
      column: finding.column,
      redacted: finding.redacted,
      fingerprint: finding.fingerprint,
      verified: finding.verified,
      commitId: origin.commitId,
      ...(origin.author ? { author: origin.author } : {}),
      riskId: riskId(this.organization, 'leaked-secret', finding.ruleId, repositoryRiskAsset(this.repository).id, finding.fingerprint),
      ...(url ? { url } : {}),
      ...extra,
    };
    if (this.list.length < maxListedResults) this.list.push(summary);
    else this.truncated = true;
    return summary;
  }
}

export class RepositoryRiskRecorder {
  readonly summaries: FindingSummaries;
  private readonly risks: RiskStore;
  private readonly asset: RiskAsset;
  /** The Azure DevOps project, for a repository there (none for GitHub and GitLab). */
  private readonly project: string | undefined;
  /** One announcement per risk per scan: the first sighting's transition (opened or reopened comes first). */
  private readonly transitions = new Map<string, { risk: Risk; transition: RiskTransition; sightingId: string }>();
  private opened = 0;

  constructor(
    private readonly services: AppServices,
    private readonly organization: string,
    repository: ScannedRepository,
  ) {
    this.summaries = new FindingSummaries(organization, repository);
    this.risks = services.stores.risks;
    this.asset = repositoryRiskAsset(repository);
    this.project = repository.host ? undefined : repository.project;
  }

  get risksOpened(): number {
    return this.opened;
  }

  async record(finding: Finding, origin: FindingOrigin): Promise<void> {
    const summary = this.summaries.add(finding, origin);
    const sightingId = repositorySightingId(origin.commitId, finding.path, finding.line, finding.fingerprint);
    const recorded = await this.risks.record(
      leakedSecretSighting(finding, {
        organization: this.organization,
        asset: this.asset,
        ...(this.project ? { project: this.project } : {}),
        location: `${finding.location === 'path' ? `${finding.path} (its name)` : `${finding.path}:${finding.line}`} @ ${origin.commitId.slice(0, 7)}`,
        ...(summary.url ? { url: summary.url } : {}),
        sightingId,
      }),
    );
    if (recorded.transition === 'opened') this.opened++;
    if (!this.transitions.has(recorded.risk.id)) this.transitions.set(recorded.risk.id, { ...recorded, sightingId });
  }

  /** Announce opened, reopened and seen-again risks to the work-item and alert queues, then refresh the repository's score. */
  async announce(cause: EventEnvelope): Promise<void> {
    for (const [queue, messages] of riskEvents(cause, [...this.transitions.values()], this.services.clock)) {
      await this.services.queue.send(queue, messages);
    }
    await refreshRiskScore(this.services, this.organization, this.asset.id);
  }
}
