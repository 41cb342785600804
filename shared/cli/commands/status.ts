import type { Command } from 'commander';
import { printable } from '../../logging';
import { statusReport } from '../../overview';
import { printJson, withServices } from '../cliServices';

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description(
      'show queue depths (active, scheduled, dead-lettered), delivery counts (accepted, ignored, parked, refused) and failing work-item syncs',
    )
    .option('--json', 'print {"queues":{...},"deliveries":{...},"workItemSync":{"failing":[{organization,reason,since}]}}')
    .action(async (options: { json?: boolean }) => {
      await withServices(async (services) => {
        const report = await statusReport(services);
        const { queues, deliveries } = report;
        const failing = report.workItemSync.failing;
        if (options.json) return printJson(report);
        const rows = Object.entries(queues).map(
          ([name, c]) =>
            `  ${name.padEnd(14)} ${String(c.active).padStart(7)} ${String(c.scheduled).padStart(10)} ${String(c.deadLettered).padStart(14)}`,
        );
        const recent = await services.stores.deliveries.query({
          where: { outcome: 'accepted' },
          orderBy: { field: 'receivedAt', descending: true },
          limit: 5,
        });
        process.stdout.write(
          [
            `queues (${services.config.queueBackend})  active  scheduled  dead-lettered`,
            ...rows,
            `deliveries (${services.config.storeBackend}): ${deliveries.accepted} accepted, ${deliveries.ignored} ignored, ${deliveries.parked} parked, ${deliveries.refused} refused`,
            ...(recent.items.length > 0 ? ['recent:'] : []),
            ...recent.items
              .flatMap((d) => (d.outcome === 'refused' ? [] : [d]))
              .map((d) => printable`  ${d.receivedAt}  ${d.source}  ${d.type}  ${d.eventId} -> ${d.queues.join(', ')}`),
            ...failing.map((f) => printable`work-item sync FAILING for ${f.organization} since ${f.since}: ${f.reason}`),
            '',
          ].join('\n'),
        );
      });
    });
}
