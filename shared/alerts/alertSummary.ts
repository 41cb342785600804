import type { AppServices } from '../app';
import type { Logger } from '../logging';
import type { OrganizationSettings } from '../organizations';
import type { Risk } from '../risks';
import { summaryWriterFor, writeSummary } from '../summaries';

/** Longest summary on top of an alert digest: Teams and Slack show a few lines before "see more". */
export const digestSummaryMaxLength = 600;

/**
 * A few sentences on top of a digest of several risks (docs/pull-requests.md, "Written
 * summaries"), from the organization's summary writer, given each risk's redacted evidence only.
 * A single alert already says everything about its one risk, so it gets none.
 */
export async function digestSummary(
  settings: OrganizationSettings,
  risks: readonly Risk[],
  services: Pick<AppServices, 'vault'>,
  logger: Logger,
): Promise<string | undefined> {
  if (risks.length < 2) return undefined;
  const written = await writeSummary(
    await summaryWriterFor(settings.summaries, services),
    {
      subject: 'alert-digest',
      context: `${risks.length} new or reopened risks in organization ${settings.organization}`,
      findings: risks.map((risk) => ({
        title: risk.title,
        ruleId: risk.ruleId,
        severity: risk.severity,
        redacted: risk.evidence.redacted,
        where: risk.evidence.location,
        asset: risk.asset.name,
      })),
      maxLength: digestSummaryMaxLength,
    },
    logger,
  );
  return written.text;
}
