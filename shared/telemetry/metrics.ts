/**
 * The metrics Vigil records, by name (docs/operations.md lists them with the queries over them). In
 * Application Insights they land in `customMetrics`, their attributes in `customDimensions`.
 * Attributes are ids and outcomes only: never a secret, a token or a payload.
 */
export const counters = {
  'vigil.deliveries': { unit: '1', description: 'webhook deliveries by source, outcome and HTTP status' },
  'vigil.scan.bytes': { unit: 'By', description: 'bytes scanned for secrets, by kind of scan' },
  'vigil.risks.changes': { unit: '1', description: 'risks opened, changed, resolved or reopened, by kind and severity' },
  'vigil.alerts': { unit: '1', description: 'alerts sent or failed, by channel type' },
  'vigil.workitems.writes': { unit: '1', description: 'work items created, updated or closed' },
  'vigil.pullrequest.statuses': { unit: '1', description: 'pull request statuses posted, by platform' },
  'vigil.devops.throttled': { unit: '1', description: 'Azure DevOps answers that asked Vigil to slow down (429, 503)' },
  'vigil.risks.totals_corrected': { unit: '1', description: 'risk total documents rewritten because they had drifted from the risks' },
} as const;

export const histograms = {
  'vigil.queue.lag': { unit: 'ms', description: 'time from enqueue to the handler starting, by queue' },
  'vigil.handler.duration': { unit: 'ms', description: 'queue handler run time, by function and outcome' },
  'vigil.scan.throughput': { unit: 'MBy/s', description: 'scan throughput, by kind of scan' },
  'vigil.devops.throttle_delay': { unit: 'ms', description: 'delay Azure DevOps asked for and Vigil honoured' },
} as const;

export type CounterName = keyof typeof counters;
export type HistogramName = keyof typeof histograms;

/** The outcome a queue handler's run is recorded with (`vigil.handler.duration`). */
export type HandlerOutcome = 'completed' | 'rescheduled' | 'parked' | 'dead-lettered' | 'failed';
/** The outcome a webhook delivery is counted with (`vigil.deliveries`). */
export type DeliveryOutcome = 'accepted' | 'duplicate' | 'ignored' | 'refused';
