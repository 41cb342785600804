import type { EventEnvelope } from '../events/envelope';
import type { Logger } from '../logging/logger';
import type { AppServices } from './services';

export interface UseCaseContext {
  services: AppServices;
  logger: Logger;
  functionName: string;
}

/**
 * What a queue function runs for one event: gets a validated envelope, does its work, throws typed
 * errors (shared/errors.ts) that the binding turns into redelivery, a reschedule or a parked message.
 * It knows nothing of the host that called it (docs/architecture.md, "The shape").
 */
export type UseCase = (envelope: EventEnvelope, context: UseCaseContext) => Promise<unknown>;
