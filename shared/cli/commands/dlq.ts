import { type Command, Option } from 'commander';
import type { AppServices } from '../../app';
import { printable } from '../../logging';
import {
  type FailedMessageFilter,
  type FailedMessageStores,
  isQueueName,
  listFailedMessages,
  purgeFailedMessages,
  type QueueName,
  queueNames,
  replayFailedMessages,
} from '../../queue';
import { printJson, withServices } from '../cliServices';
import { UsageError } from '../usageError';

interface DlqOptions {
  queue?: string;
  json?: boolean;
  yes?: boolean;
}

export function registerDlqCommand(program: Command): void {
  const dlq = program
    .command('dlq')
    .description('messages that failed for good: dead-lettered by the queue or parked by a handler, with their reasons');
  const queueOption = () => new Option('-q, --queue <name>', `only this queue (${queueNames.join(', ')})`);

  dlq
    .command('list')
    .description('list failed messages, oldest first')
    .addOption(queueOption())
    .option('--json', 'print {"messages":[{queue,kind,messageId,type,reason,description,shape,deliveryCount,failedAt}]}')
    .action(async (options: DlqOptions) => {
      await withServices(async (services) => {
        const messages = await listFailedMessages(storesOf(services), filterOf(options, []));
        if (options.json) return printJson({ messages });
        if (messages.length === 0) return void process.stdout.write('no failed messages\n');
        for (const m of messages) {
          process.stdout.write(
            printable`${m.failedAt}  ${m.queue}  ${m.kind}  ${m.messageId}${m.type ? printable`  (${m.type})` : ''}  deliveries=${m.deliveryCount}\n    ${m.reason}${m.description ? printable`: ${m.description}` : ''}\n`,
          );
          if (m.shape)
            process.stdout.write(
              `    payload shape (field names and types, no values):\n${m.shape.map((path) => `      ${path}\n`).join('')}`,
            );
        }
      });
    });

  dlq
    .command('replay')
    .description('put failed messages back on their queues (all of them, or those with the given message ids)')
    .argument('[messageId...]', 'message ids from `vigil dlq list`')
    .addOption(queueOption())
    .action(async (messageIds: string[], options: DlqOptions) => {
      await withServices(async (services) => {
        const result = await replayFailedMessages(storesOf(services), filterOf(options, messageIds));
        process.stdout.write(`replayed ${result.replayed} message(s)\n`);
        for (const skipped of result.unreplayable) {
          process.stdout.write(printable`  not replayed: ${skipped.queue} ${skipped.messageId}: ${skipped.reason} (purge it instead)\n`);
        }
      });
    });

  dlq
    .command('purge')
    .description('delete failed messages for good (all of them, or those with the given message ids)')
    .argument('[messageId...]', 'message ids from `vigil dlq list`')
    .addOption(queueOption())
    .option('-y, --yes', 'confirm: purged messages cannot be recovered')
    .action(async (messageIds: string[], options: DlqOptions) => {
      if (!options.yes) throw new UsageError('purge deletes messages for good; add --yes to confirm');
      await withServices(async (services) => {
        const purged = await purgeFailedMessages(storesOf(services), filterOf(options, messageIds));
        process.stdout.write(`purged ${purged} message(s)\n`);
      });
    });
}

function filterOf(options: DlqOptions, messageIds: string[]): FailedMessageFilter {
  if (options.queue !== undefined && !isQueueName(options.queue)) {
    throw new UsageError(`unknown queue '${options.queue}' (expected one of ${queueNames.join(', ')})`);
  }
  const queues: QueueName[] = options.queue ? [options.queue as QueueName] : [...queueNames];
  return { queues, messageIds };
}

function storesOf(services: AppServices): FailedMessageStores {
  return { queue: services.queue, parked: services.stores.parked, clock: services.clock };
}
