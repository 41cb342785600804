import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { connectAzureDevOps } from '../../devops';
import type { EventEnvelope } from '../../events';
import { printable } from '../../logging';
import { OrganizationNotFoundError } from '../../organizations';
import type { ContentScanProgress, FullScanOutcome, RepositoryScanRecord } from '../../repositories';
import { printJson, withServices } from '../cliServices';
import { decodeArgumentPart, exitCodes, UsageError } from '../usageError';

/**
 * `vigil repos scan ORG/PROJECT/REPO`: a full content scan of a repository's default branch, run
 * here and now with the same code the `repo-scan` queue runs (risks recorded, risk events queued,
 * `scans` document written). Progress on stderr; a summary, or the scan document with `--json`,
 * on stdout. Exit 0 when nothing is found, 1 when secrets are found, 2 on usage or configuration errors.
 */
interface ReposScanOptions {
  json?: boolean;
}

export function registerReposScanCommand(repos: Command): void {
  repos
    .command('scan')
    .description("scan a repository's default branch for leaked secrets now, in this process; exit 1 when any are found")
    .argument('<repository>', 'ORG/PROJECT/REPO, as in dev.azure.com/ORG/PROJECT/_git/REPO')
    .option(
      '--json',
      'print the scan document: {id,kind,repository,commitId,branch,filesScanned,filesSkipped,skipped,bytesScanned,findings,risksOpened,results,...}',
    )
    .action(async (target: string, options: ReposScanOptions) => {
      const { organization, project, repository } = parseTarget(target);
      process.exitCode = await withServices(async (services) => {
        const directory = services.stores.organizations;
        const settings = await directory.get(organization).catch((error: unknown) => {
          if (error instanceof OrganizationNotFoundError) throw new UsageError(error.message);
          throw error;
        });
        const client = await connectAzureDevOps(settings, { vault: services.vault, clock: services.clock });
        const progress = new ProgressLine();
        try {
          const cause: EventEnvelope = {
            id: `cli:repos-scan:${randomUUID()}`,
            source: 'vigil',
            type: 'repository.scan-requested',
            organization: settings.organization,
            project,
            subject: { repositoryId: repository, reason: 'on-demand' },
            receivedAt: new Date(services.clock.now()).toISOString(),
          };
          // Loaded on use: the scan brings the engine and the zip thread, which other commands never need.
          const { scanDefaultBranch } = await import('../../repositories/fullScan/fullContentScan.js');
          const outcome = await scanDefaultBranch(client.git, services, {
            organization: settings.organization,
            project,
            repository,
            reason: 'on-demand',
            cause,
            onProgress: (scanned) => progress.update(scanned),
          });
          progress.clear();
          return report(outcome, options);
        } finally {
          progress.clear();
          client.close();
        }
      });
    });
}

function parseTarget(target: string): { organization: string; project: string; repository: string } {
  const parts = target.split('/');
  if (parts.length !== 3 || parts.some((part) => part.trim() === '')) {
    throw new UsageError(`expected ORG/PROJECT/REPO (e.g. contoso/web/api), got '${target}'`);
  }
  const [organization, project, repository] = parts.map((part) => decodeArgumentPart(part.trim(), 'ORG/PROJECT/REPO'));
  return { organization: organization.toLowerCase(), project, repository };
}

function report(outcome: FullScanOutcome, options: ReposScanOptions): number {
  if (outcome.status === 'not-scanned') {
    if (options.json) printJson({ scanned: false, repository: outcome.repository, why: outcome.why });
    else process.stdout.write(printable`${outcome.repository}: not scanned: ${outcome.why}\n`);
    return exitCodes.ok;
  }
  const { record } = outcome;
  if (options.json) printJson(record);
  else process.stdout.write(summaryText(record));
  return record.findings > 0 ? exitCodes.findings : exitCodes.ok;
}

function summaryText(record: RepositoryScanRecord): string {
  const skipped = Object.entries(record.skipped)
    .sort(([a, x], [b, y]) => y.count - x.count || a.localeCompare(b))
    .map(([reason, files]) => `${reason} ${files.count}`)
    .join(', ');
  const lines = [
    printable`scanned ${record.repository} at ${record.branch ?? 'the default branch'} (${record.commitId.slice(0, 7)}): ${record.filesScanned} files, ${megabytes(record.bytesScanned)} MB`,
    `skipped ${record.filesSkipped} files${skipped ? ` (${skipped})` : ''}`,
    `${record.findings} finding${record.findings === 1 ? '' : 's'}, ${record.risksOpened} new risk${record.risksOpened === 1 ? '' : 's'}`,
    ...record.results.map((r) => printable`  ${r.severity.padEnd(8)} ${r.ruleId}  ${r.path}:${r.line}  ${r.redacted}`),
    ...(record.resultsTruncated
      ? [`  ... and ${record.findings - record.results.length} more (vigil risks list --asset repository:${record.repositoryId})`]
      : []),
  ];
  return `${lines.join('\n')}\n`;
}

function megabytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}

/** `scanning: 1234 files, 56.7 MB, 2 findings` on an interactive stderr, redrawn at most five times a second. */
class ProgressLine {
  private readonly enabled = process.stderr.isTTY === true;
  private lastDrawnAt = 0;
  private drawn = false;

  update(progress: ContentScanProgress): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDrawnAt < 200) return;
    this.lastDrawnAt = now;
    const findings = `${progress.findings} finding${progress.findings === 1 ? '' : 's'}`;
    process.stderr.write(
      `\r\x1b[2Kscanning: ${progress.filesScanned} files, ${megabytes(progress.bytesScanned)} MB, ${progress.filesSkipped} skipped, ${findings}`,
    );
    this.drawn = true;
  }

  clear(): void {
    if (this.drawn) process.stderr.write('\r\x1b[2K');
    this.drawn = false;
  }
}
