import type { DeliveryOutcome } from '../telemetry';
import { telemetry } from '../telemetry';
import type { WebhookResponse } from './receiveWebhook';

/** What `vigil.deliveries` counts an answer as: a parked delivery was accepted (an operator sees it in `vigil dlq`). */
export function deliveryOutcome(response: WebhookResponse): DeliveryOutcome {
  if (response.status >= 300) return 'refused';
  if (response.body.duplicate === true) return 'duplicate';
  if (typeof response.body.ignored === 'string') return 'ignored';
  return 'accepted';
}

/**
 * The webhook's server span, the root of a delivery's trace (or the Functions host's invocation's
 * child, given its `traceparent`), and the delivery counted by source, outcome and status.
 */
export function tracedDelivery(
  source: string,
  hostTraceparent: string | undefined,
  receive: () => Promise<WebhookResponse>,
): Promise<WebhookResponse> {
  // Only the known sources become a label: a path segment from outside must not mint metric series.
  const label = source === 'azure-devops' || source === 'github' || source === 'gitlab' || source === 'ci' ? source : 'unknown';
  return telemetry().inSpan(
    'POST /api/hooks/{source}',
    {
      kind: 'server',
      parent: hostTraceparent,
      attributes: { 'http.request.method': 'POST', 'http.route': '/api/hooks/{source}', 'vigil.source': label },
    },
    async (span) => {
      const response = await receive();
      const outcome = deliveryOutcome(response);
      const id = typeof response.body.id === 'string' ? response.body.id : undefined;
      span.setAttributes({ 'http.response.status_code': response.status, 'vigil.delivery.outcome': outcome, 'vigil.delivery.id': id });
      if (response.status >= 500) span.fail(`answered ${response.status}`);
      telemetry().count('vigil.deliveries', 1, { source: label, outcome, status: response.status });
      return response;
    },
  );
}
