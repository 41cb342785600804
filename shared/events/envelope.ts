import { z } from 'zod';

/** `ci`: results a CI step posted to `POST /api/hooks/ci` (docs/ci-results.md). */
export const eventSources = ['azure-devops', 'github', 'gitlab', 'ci', 'vigil'] as const;
export type EventSource = (typeof eventSources)[number];
export const webhookSources = ['azure-devops', 'github', 'gitlab'] as const;
export type WebhookSource = (typeof webhookSources)[number];

/** What travels on a queue (docs/architecture.md, "The event envelope"): identifiers only, never the payload. */
export const EventEnvelopeSchema = z.object({
  id: z.string().min(1).max(512),
  source: z.enum(eventSources),
  type: z.string().min(1).max(200),
  organization: z.string().min(1).max(200),
  project: z.string().min(1).max(200).optional(),
  subject: z.record(z.string(), z.union([z.string(), z.number()])),
  receivedAt: z.iso.datetime({ offset: true }),
  attempt: z.number().int().min(0).optional(),
  /** The webhook delivery (or timer or CLI request) that started the chain this event belongs to: `vigil trace` follows it. */
  rootDeliveryId: z.string().min(1).max(512).optional(),
  /** The event whose handler emitted this one. */
  causationId: z.string().min(1).max(512).optional(),
});

export type EventEnvelope = z.infer<typeof EventEnvelopeSchema>;

export function isWebhookSource(value: string): value is WebhookSource {
  return (webhookSources as readonly string[]).includes(value);
}
