import { userInfo } from 'node:os';
import { type Command, Option } from 'commander';
import { printable } from '../../logging';
import type { TriageRequest } from '../../risks';
import { type Risk, type RiskStatus, reconcileAllRiskTotals, riskDetailView, riskListView, riskStatuses, triageRisk } from '../../risks';
import { linkOfRisk } from '../../workitems';
import { printJson, withServices } from '../cliServices';
import { exitCodes, UsageError } from '../usageError';
import { findRisk } from './riskLookup';

interface ListOptions {
  org?: string;
  status?: string;
  asset?: string;
  json?: boolean;
}

interface TriageOptions {
  org?: string;
  reason?: string;
  by?: string;
  until?: string;
  json?: boolean;
}

/** `vigil risks` (docs/architecture.md, "The `vigil` command"; docs/work-items.md, "The risk lifecycle"): what Vigil found, redacted, and its triage. */
export function registerRisksCommand(program: Command): void {
  const risks = program
    .command('risks')
    .description('risks Vigil found: leaked secrets and risky service connections (redacted), and their triage');
  risks
    .command('list')
    .description('list risks, most recently seen first')
    .option('--org <name>', 'only this organization')
    .addOption(new Option('--status <status>', 'only risks with this status').choices(riskStatuses))
    .option('--asset <id>', 'only this asset (repository, pipeline or service connection id)')
    .option(
      '--json',
      'print {"risks":[{id,organization,kind,ruleId,severity,status,asset,occurrences,firstSeenAt,lastSeenAt,evidence:{location,redacted}}]}',
    )
    .action(async (options: ListOptions) => {
      await withServices(async (services) => {
        const found = await services.stores.risks.list({
          organization: options.org?.toLowerCase(),
          status: options.status,
          assetId: options.asset,
        });
        if (options.json) return printJson({ risks: found.map(riskListView) });
        if (found.length === 0) return void process.stderr.write('no risks\n');
        for (const r of found) {
          process.stdout.write(
            printable`${r.severity.padEnd(8)} ${r.status.padEnd(14)} ${r.organization}  ${r.asset.name}  ${r.ruleId}  ${r.evidence.redacted}  x${r.occurrences}  ${r.evidence.location}  ${r.id}\n`,
          );
        }
      });
    });

  risks
    .command('show')
    .description('one risk: what was found where (redacted), its status, who changed it and why, and its work item')
    .argument('<id>', 'the risk id (or a unique start of it) from vigil risks list')
    .option('--org <name>', 'the organization (searched in all when absent)')
    .option('--json', 'print {"risk":{...,"triage","history"},"workItem":{id,url,state,project}|null}')
    .action(async (id: string, options: { org?: string; json?: boolean }) => {
      await withServices(async (services) => {
        const risk = await findRisk(services, id, options.org);
        const link = await linkOfRisk(services.stores.workItemLinks, risk);
        if (options.json) {
          return printJson(
            riskDetailView(
              risk,
              link?.workItemId
                ? {
                    id: link.workItemId,
                    url: link.workItemUrl ?? null,
                    state: link.state ?? null,
                    project: link.project,
                    link: link.status,
                  }
                : null,
            ),
          );
        }
        process.stdout.write(describeRisk(risk, link));
      });
    });

  risks
    .command('rebuild-totals')
    .description(
      "reconcile the overview's running risk totals with the risks themselves now, writing only what drifted (the hourly riskTotalsTimer does the same)",
    )
    .option('--org <name>', 'only this organization (default: every organization Vigil knows)')
    .option('--json', 'print {"rebuilt":[{organization,risks,corrected,counts,outcome,attempts}]}')
    .action(async (options: { org?: string; json?: boolean }) => {
      await withServices(async (services) => {
        // The same reconciliation the hourly riskTotalsTimer runs: only documents that differ are written.
        const rebuilt = await reconcileAllRiskTotals(services, { organization: options.org });
        if (rebuilt.some((r) => r.outcome === 'deferred')) process.exitCode = exitCodes.failure;
        if (options.json) return printJson({ rebuilt });
        for (const r of rebuilt) {
          const what =
            r.outcome === 'unchanged'
              ? 'already matched them'
              : r.outcome === 'corrected'
                ? `corrected ${String(r.corrected)} document(s), ${String(r.counts)} count(s)`
                : 'left to the next run: risk writes kept moving them (run it again)';
          process.stdout.write(printable`${r.organization}: totals checked against ${String(r.risks)} risk(s): ${what}\n`);
        }
      });
    });

  const triage = (name: string, status: RiskStatus, description: string, extra?: (command: Command) => Command): void => {
    let command = risks
      .command(name)
      .description(description)
      .argument('<id>', 'the risk id (or a unique start of it)')
      .option('--org <name>', 'the organization (searched in all when absent)')
      .option('--by <name>', 'who is making the change (default: your user name)')
      .option('--json', 'print {"risk":{...},"changed":true|false,"why"?}');
    command =
      status === 'open'
        ? command.option('--reason <text>', 'why (default: "reopened from the command line")')
        : command.requiredOption('--reason <text>', 'why, kept with the risk');
    (extra ? extra(command) : command).action(async (id: string, options: TriageOptions) => {
      if (options.until !== undefined && status !== 'accepted') throw new UsageError('--until applies to vigil risks accept only');
      const until = options.until === undefined ? undefined : parseDate(options.until);
      await withServices(async (services) => {
        const risk = await findRisk(services, id, options.org);
        const request: TriageRequest = {
          status,
          reason: options.reason ?? 'reopened from the command line',
          by: options.by ?? currentUser(),
          source: 'cli',
          ...(until ? { until } : {}),
        };
        const result = await triageRisk(
          { risks: services.stores.risks, queue: services.queue, clock: services.clock },
          risk.organization,
          risk.id,
          request,
        );
        if (options.json)
          return printJson({ risk: riskListView(result.risk), changed: result.applied, ...(result.applied ? {} : { why: result.why }) });
        if (!result.applied) return void process.stdout.write(`unchanged: ${result.why}\n`);
        const ends = result.risk.triage?.until ? ` until ${result.risk.triage.until.slice(0, 10)}` : '';
        process.stdout.write(`risk ${risk.id} is now ${result.risk.status}${ends}\n`);
      });
    });
  };
  triage('resolve', 'resolved', 'mark a risk fixed (the secret rotated, the setting changed); it reopens when seen again');
  triage('accept', 'accepted', 'accept a risk for a while; it stays accepted while seen again, and reopens when the acceptance ends', (c) =>
    c.option('--until <date>', 'when the acceptance ends, YYYY-MM-DD (default: 90 days from now)'),
  );
  triage(
    'false-positive',
    'false-positive',
    'mark a finding as not a risk (a test fixture, a revoked example); it stays so while seen again',
  );
  triage('reopen', 'open', 'open a resolved, accepted or false-positive risk again');
}

function parseDate(text: string): string {
  const time = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (!Number.isFinite(time)) throw new UsageError(`--until '${text.slice(0, 40)}' is not a date (YYYY-MM-DD)`);
  return new Date(time).toISOString();
}

function currentUser(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

function describeRisk(risk: Risk, link: Awaited<ReturnType<typeof linkOfRisk>>): string {
  const lines = [
    `risk ${risk.id}`,
    `  ${risk.severity} ${risk.kind}: ${risk.title} (${risk.ruleId})`,
    `  status        ${risk.status}${risk.triage?.until && risk.status === 'accepted' ? ` until ${risk.triage.until.slice(0, 10)}` : ''}`,
    `  organization  ${risk.organization}${risk.project ? `  project ${risk.project}` : ''}`,
    `  asset         ${risk.asset.name} (${risk.asset.type} ${risk.asset.id})`,
    `  found         ${risk.evidence.redacted}  at ${risk.evidence.location}${risk.evidence.url ? `  ${risk.evidence.url}` : ''}`,
    `  seen          ${risk.occurrences} time(s), first ${risk.firstSeenAt}, last ${risk.lastSeenAt}`,
    `  what to do    ${risk.remediation}`,
  ];
  for (const change of [...(risk.history ?? []), ...(risk.triage ? [risk.triage] : [])]) {
    lines.push(
      `  ${change.at}  ${change.status.padEnd(14)} by ${change.by} (${change.source}${change.reference ? `, ${change.reference}` : ''}): ${change.reason}`,
    );
  }
  if (link?.workItemId)
    lines.push(
      `  work item     #${link.workItemId} ${link.state ?? ''} (${link.status})${link.workItemUrl ? `  ${link.workItemUrl}` : ''}`,
    );
  else if (link) lines.push(`  work item     ${link.status}`);
  return `${lines.join('\n')}\n`;
}
