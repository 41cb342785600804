import type { Command } from 'commander';
import { traceDelivery, traceText } from '../../journeys';
import { printable } from '../../logging';
import { deliveriesRetentionDays } from '../../store';
import { printJson, withServices } from '../cliServices';
import { exitCodes } from '../usageError';

/** Said when an id is unknown: what ids look like and where to find one. */
export const deliveryIdHint = [
  'a delivery id is the one the sender shows for the delivery:',
  "  Azure DevOps: <subscriptionId>:<id> from the payload (the service hook's History shows the request), or <eventType>:<id> without a subscription id",
  "  GitHub: the X-GitHub-Delivery header (the webhook's Recent Deliveries)",
  "  GitLab: the X-Gitlab-Event-UUID header (the webhook's Recent events)",
  'recent ones are listed by `vigil status`; deliveries refused before they proved their sender are only counted;',
  `a delivery and its journey are kept ${deliveriesRetentionDays} days after their last write (locally and in Azure), then expire: an older one is no longer recorded`,
].join('\n');

/** `vigil trace DELIVERY_ID` (docs/operations.md, "Follow one delivery"): a delivery's journey from the store. */
export function registerTraceCommand(program: Command): void {
  program
    .command('trace')
    .description(
      "show what happened to one delivery: the webhook's answer, each handler run (time, outcome, reason) and the events it emitted, recursively",
    )
    .argument('<delivery-id>', 'the delivery id (X-GitHub-Delivery, X-Gitlab-Event-UUID, Azure DevOps <subscription>:<id>) or an event id')
    .option(
      '--json',
      'print {"deliveryId","asked"?,"webhook"?:{source,type,organization,receivedAt,outcome,status,queues,reason,duplicates},"journey"?:{eventId,type,queues,runs:[{functionName,queue,attempt,deliveryCount,enqueuedAt,startedAt,endedAt,durationMs,waitedMs,outcome,reason}],emitted:[…]}}',
    )
    .action(async (id: string, options: { json?: boolean }) => {
      await withServices(async (services) => {
        const trace = await traceDelivery(services.stores, id);
        if (!trace) {
          process.stderr.write(printable`vigil: no delivery or event '${id}' is recorded\n`);
          process.stderr.write(`${deliveryIdHint}\n`);
          process.exitCode = exitCodes.failure;
          return;
        }
        if (options.json) printJson(trace);
        else process.stdout.write(traceText(trace));
      });
    });
}
