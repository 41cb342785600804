import type { EventEnvelope, WebhookSource } from '../envelope';

export interface HeaderReader {
  get(name: string): string | null;
}

/** What a source's payload says, before routing: the envelope fields it can vouch for. */
export type Extracted = Pick<EventEnvelope, 'organization' | 'subject'> & { project?: string };

export interface IdentifiedDelivery {
  /** Idempotency key of the delivery (docs/architecture.md, "The event envelope"). */
  id: string;
  /** The source's own event name. */
  type: string;
}

/** One webhook source: how it proves who it is, and how its payloads become envelopes. */
export interface SourceAdapter {
  readonly source: WebhookSource;
  /**
   * True when the secret itself travels in a header (Azure DevOps, GitLab), so `authenticate` can be
   * asked before the body is read (with an empty body); false when it signs the body (GitHub).
   */
  readonly authenticatesFromHeaders: boolean;
  /** True when the request carries `secret` (compared in constant time). */
  authenticate(headers: HeaderReader, rawBody: Buffer, secret: string): Promise<boolean>;
  /** The organization the payload (as it arrived, unvalidated) names, if any: whose hook secret the delivery must carry. */
  organizationOf(payload: Record<string, unknown>): string | undefined;
  /** Delivery id and event type; throws WebhookRejection when the request can't be identified. */
  identify(headers: HeaderReader, payload: Record<string, unknown>, rawBody: Buffer): IdentifiedDelivery;
  /** Extractors for the event types Vigil routes; a type without one is ignored. */
  readonly extractors: Record<string, (payload: Record<string, unknown>) => Extracted>;
}
