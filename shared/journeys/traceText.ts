import { printable } from '../logging';
import type { DeliveryTrace, TraceEvent, TraceRun, TraceWebhook } from './traceDelivery';

/**
 * `vigil trace` for a terminal: one line per hop, in order, indented under the event that caused
 * it, with what to do next where a hop stopped (a parked message, an event still queued).
 */
export function traceText(trace: DeliveryTrace): string {
  const lines: string[] = [];
  if (trace.asked) lines.push(printable`event ${trace.asked} belongs to delivery ${trace.deliveryId}`);
  const { webhook } = trace;
  lines.push(
    webhook
      ? printable`delivery ${trace.deliveryId}: ${webhook.source} ${webhook.type}${webhook.organization ? printable` for ${webhook.organization}` : ''}`
      : printable`${trace.deliveryId}: no webhook delivery recorded (an event started by a timer or the CLI)`,
  );
  if (webhook) lines.push(...webhookLines(webhook));
  if (trace.journey) lines.push(...eventLines(trace.journey, '  ', false));
  return `${lines.join('\n')}\n`;
}

function webhookLines(webhook: TraceWebhook): string[] {
  const at = `  ${webhook.receivedAt}  webhook`;
  const lines: string[] = [];
  switch (webhook.outcome) {
    case 'accepted':
      lines.push(printable`${at} accepted, enqueued on ${webhook.queues.join(', ')}`);
      break;
    case 'ignored':
      lines.push(printable`${at} ignored (202, nothing enqueued): ${webhook.reason ?? ''}`);
      break;
    case 'parked':
      lines.push(
        printable`${at} parked (202, nothing enqueued): ${webhook.reason ?? ''}`,
        "      see `vigil dlq list` for the payload's shape",
      );
      break;
    case 'refused':
      lines.push(printable`${at} refused ${webhook.status ?? ''}: ${webhook.reason ?? ''}`);
      break;
  }
  if (webhook.duplicates) {
    lines.push(
      printable`      delivered again ${webhook.duplicates} time(s), last at ${webhook.lastDuplicateAt ?? '?'}: answered duplicate, nothing enqueued`,
    );
  }
  return lines;
}

function eventLines(event: TraceEvent, indent: string, header: boolean): string[] {
  const lines: string[] = [];
  if (header) {
    const scheduled = event.scheduledFor ? printable` (scheduled for ${event.scheduledFor})` : '';
    lines.push(printable`${indent}-> ${event.type} ${event.eventId} on ${event.queues.join(', ')}${scheduled}`);
    indent += '   ';
  }
  for (const run of event.runs) lines.push(...runLines(run, indent));
  const ran = new Set(event.runs.map((run) => run.queue));
  const waiting = event.queues.filter((queue) => !ran.has(queue));
  if (waiting.length > 0) {
    lines.push(
      printable`${indent}no handler run recorded on ${waiting.join(', ')} yet: still queued (\`vigil status\`), dead-lettered (\`vigil dlq list\`), or dropped as a duplicate of an earlier event with the same id`,
    );
  }
  for (const child of event.emitted) lines.push(...eventLines(child, `${indent}  `, true));
  if (event.notListed) lines.push(printable`${indent}  (and ${event.notListed} more emitted events not listed)`);
  return lines;
}

function runLines(run: TraceRun, indent: string): string[] {
  const waited = run.waitedMs === undefined ? '' : `, ${duration(run.waitedMs)} after enqueue`;
  const attempt = run.attempt > 0 ? `, attempt ${run.attempt + 1}` : '';
  const delivery = run.deliveryCount > 1 ? `, delivery ${run.deliveryCount}` : '';
  const head = printable`${indent}${run.startedAt}  ${run.functionName} on ${run.queue}${attempt}${delivery}: ${run.outcome} in ${duration(run.durationMs)}${waited}`;
  const lines = [run.reason ? printable`${head}: ${run.reason}` : head];
  if (run.outcome === 'parked')
    lines.push(
      printable`${indent}  see \`vigil dlq list --queue ${run.queue}\`; \`vigil dlq replay\` puts it back once the cause is fixed`,
    );
  if (run.outcome === 'dead-lettered')
    lines.push(printable`${indent}  dead-lettered after ${run.deliveryCount} deliveries: see \`vigil dlq list --queue ${run.queue}\``);
  return lines;
}

function duration(ms: number): string {
  return ms < 1_000 ? `${ms} ms` : `${(ms / 1_000).toFixed(2)} s`;
}
