import { type Command, Option } from 'commander';
import { failureKindOf, messageOf } from '../../errors';
import {
  effectiveWorkItemSettings,
  type LinkStatus,
  linkWorkItem,
  type ReconcileReport,
  reconcileOrganization,
  relinkRisk,
  retryWorkItemSync,
  unlinkRisk,
  type WorkItemLink,
  withSyncSession,
} from '../../workitems';
import { printJson, withServices } from '../cliServices';
import { parsePositiveInteger } from '../options';
import { UsageError } from '../usageError';
import { findRisk } from './riskLookup';

const linkStatuses: LinkStatus[] = ['claimed', 'linked', 'broken', 'unlinked'];

/** `vigil workitems` (docs/work-items.md): the links between risks and Azure Boards work items, and their repair. */
export function registerWorkItemsCommand(program: Command): void {
  const workitems = program
    .command('workitems')
    .description('risk ⇄ Azure Boards work item links: list, link by hand, reconcile, retry after fixing the settings');

  workitems
    .command('list')
    .description('the links between risks and work items')
    .option('--org <name>', 'only this organization')
    .addOption(new Option('--status <status>', 'only links in this state').choices(linkStatuses))
    .option('--json', 'print {"links":[{organization,risk,group,workItemId,url,status,state,project,syncedStatus,syncedAt,note}]}')
    .action(async (options: { org?: string; status?: LinkStatus; json?: boolean }) => {
      await withServices(async (services) => {
        const links = await services.stores.workItemLinks.list(options.org?.toLowerCase(), options.status);
        const rows = links.map(publicLink);
        if (options.json) return printJson({ links: rows });
        if (rows.length === 0) return void process.stderr.write('no work item links\n');
        for (const r of rows) {
          const what = r.risk ?? `${r.group?.ruleId} in ${r.group?.assetId}`;
          process.stdout.write(
            `${r.organization}  ${r.workItemId !== null ? `#${r.workItemId}` : '-'}  ${r.status.padEnd(8)}  ${r.state ?? '-'}  ${r.project}  ${what}${r.note ? `  (${r.note})` : ''}\n`,
          );
        }
      });
    });

  workitems
    .command('link')
    .description("link a risk to an existing work item: Vigil's tags are added to it and it follows the risk from then on")
    .argument('<risk>', 'the risk id (or a unique start of it)')
    .argument('<workItemId>', 'the work item id', parsePositiveInteger)
    .option('--org <name>', 'the organization (searched in all when absent)')
    .action(async (riskId: string, workItemId: number, options: { org?: string }) => {
      await withServices(async (services) => {
        const risk = await findRisk(services, riskId, options.org);
        await linkWorkItem(services, risk, workItemId, services.logger);
        process.stdout.write(`risk ${risk.id} linked to work item #${workItemId}\n`);
      });
    });

  workitems
    .command('unlink')
    .description('take the link away: nothing is synced or created for the risk any more; the work item is left as it is')
    .argument('<risk>', 'the risk id (or a unique start of it)')
    .option('--org <name>', 'the organization (searched in all when absent)')
    .action(async (riskId: string, options: { org?: string }) => {
      await withServices(async (services) => {
        const risk = await findRisk(services, riskId, options.org);
        const link = await unlinkRisk(services, risk);
        process.stdout.write(`risk ${risk.id} unlinked${link.workItemId ? ` from work item #${link.workItemId}` : ''}\n`);
      });
    });

  workitems
    .command('relink')
    .description(
      'link a risk again after its work item was deleted or it was unlinked: to the given work item, else the one with its marker tag, else a new one',
    )
    .argument('<risk>', 'the risk id (or a unique start of it)')
    .argument('[workItemId]', 'the work item to link to', parsePositiveInteger)
    .option('--org <name>', 'the organization (searched in all when absent)')
    .action(async (riskId: string, workItemId: number | undefined, options: { org?: string }) => {
      await withServices(async (services) => {
        const risk = await findRisk(services, riskId, options.org);
        const outcome = await relinkRisk(services, risk, workItemId, services.logger);
        const id = 'workItemId' in outcome ? outcome.workItemId : undefined;
        process.stdout.write(
          `risk ${risk.id}: ${outcome.action}${id ? ` (work item #${id})` : ''}${'why' in outcome && outcome.why ? `: ${outcome.why}` : ''}\n`,
        );
      });
    });

  workitems
    .command('retry')
    .description('after fixing the settings: clear a failing sync and put the messages parked while it failed back on the queue')
    .option('--org <name>', 'only this organization (default: every failing one)')
    .action(async (options: { org?: string }) => {
      await withServices(async (services) => {
        const results = await retryWorkItemSync(services, options.org);
        if (results.length === 0) return void process.stdout.write('no work-item sync is failing\n');
        for (const r of results)
          process.stdout.write(
            `${r.organization}: ${r.cleared ? 'failing mark cleared' : 'was not failing'}, ${r.replayed} parked message(s) replayed\n`,
          );
      });
    });

  workitems
    .command('reconcile')
    .description('compare every linked risk with its work item and repair drift in the direction of the newer change, in this process')
    .option('--org <name>', 'only this organization (default: every one with the sync on)')
    .option('--dry-run', 'report what would change, change nothing')
    .option(
      '--json',
      'print {"reports":[{organization,dryRun,links,checked,unchanged,pushed,pulled,broken,relinked,recovered,created,reopenedAcceptances,orphans,duplicates,failures,actions,apiCalls,seconds}]}',
    )
    .action(async (options: { org?: string; dryRun?: boolean; json?: boolean }) => {
      await withServices(async (services) => {
        const organizations = options.org
          ? [(await services.stores.organizations.get(options.org)).organization]
          : (await services.stores.organizations.list()).filter((o) => effectiveWorkItemSettings(o).enabled).map((o) => o.organization);
        if (organizations.length === 0) throw new UsageError('no organization has work-item sync on (vigil orgs work-items NAME --enable)');
        const reports: ReconcileReport[] = [];
        let failed: 'failure' | 'configuration' | undefined;
        for (const organization of organizations) {
          try {
            const session = await withSyncSession(services, organization, services.logger, (ctx) =>
              reconcileOrganization(ctx, { dryRun: options.dryRun === true, runId: `cli:${new Date(services.clock.now()).toISOString()}` }),
            );
            if (!session.ran) {
              process.stderr.write(`${organization}: ${session.why}\n`);
              continue;
            }
            reports.push(session.value);
            if (!options.json) process.stdout.write(describeReport(session.value));
          } catch (error) {
            const configuration = failureKindOf(error) === 'configuration';
            failed = configuration && failed !== 'failure' ? 'configuration' : 'failure';
            process.stderr.write(`${organization}: ${configuration ? (error as Error).message : messageOf(error)}\n`);
          }
        }
        if (options.json) printJson({ reports });
        // Exit 2 when only the settings are wrong (as for any configuration error), 1 for any other failure.
        if (failed) process.exitCode = failed === 'configuration' ? 2 : 1;
      });
    });
}

function publicLink(link: WorkItemLink) {
  return {
    organization: link.organization,
    risk: link.subject.kind === 'risk' ? link.subject.riskId : null,
    group: link.subject.kind === 'group' ? { assetId: link.subject.assetId, ruleId: link.subject.ruleId } : null,
    workItemId: link.workItemId ?? null,
    url: link.workItemUrl ?? null,
    status: link.status,
    state: link.state ?? null,
    project: link.project,
    syncedStatus: link.syncedStatus ?? null,
    syncedAt: link.syncedAt ?? null,
    note: link.note ?? null,
  };
}

function describeReport(report: ReconcileReport): string {
  const lines = [
    `${report.organization}${report.dryRun ? ' (dry run: nothing changed)' : ''}: ${report.links} link(s), ${report.checked} checked, ${report.unchanged} in step, ` +
      `${report.pushed} work item(s) ${report.dryRun ? 'to update' : 'updated'}, ${report.pulled} risk(s) ${report.dryRun ? 'to update' : 'updated'}, ` +
      `${report.broken} deleted, ${report.relinked} restored, ${report.recovered} recovered, ${report.created} ${report.dryRun ? 'to create' : 'created'}, ` +
      `${report.reopenedAcceptances} acceptance(s) ended; ${report.apiCalls} Azure DevOps call(s) in ${report.seconds}s`,
    ...report.actions.map(
      (a) =>
        `  ${a.action}${a.workItemId ? ` #${a.workItemId}` : ''}${a.riskId ? ` risk ${a.riskId}` : ''}${a.detail ? `: ${a.detail}` : ''}`,
    ),
    ...(report.orphans.length
      ? [`  tagged vigil but linked to no risk (left alone): ${report.orphans.map((id) => `#${id}`).join(', ')}`]
      : []),
    ...report.duplicates.map((d) => `  #${d.workItemId} carries the marker of the risk linked to #${d.linkedWorkItemId} (left alone)`),
    ...report.failures.map((f) => `  failed${f.workItemId ? ` #${f.workItemId}` : ''}${f.riskId ? ` risk ${f.riskId}` : ''}: ${f.reason}`),
  ];
  return `${lines.join('\n')}\n`;
}
