import { routeOnQueue } from '../../shared/app/eventRoutes';
import type { AppServices } from '../../shared/app/services';
import { loadUseCase } from '../../shared/app/useCases';
import type { EventEnvelope } from '../../shared/events/envelope';
import type { QueueName } from '../../shared/queue/names';

/**
 * Runs the use case the event table names for an envelope on a queue, directly (no idempotency
 * record, no settlement), and returns what it returned: for tests that check a use case's result.
 */
export async function runRoutedUseCase(queue: QueueName, envelope: EventEnvelope, services: AppServices): Promise<unknown> {
  const route = routeOnQueue(queue, envelope);
  if (!route) throw new Error(`the event table sends ${envelope.source} '${envelope.type}' to no use case on '${queue}'`);
  const useCase = await loadUseCase(route.useCase);
  return useCase(envelope, { services, logger: services.logger, functionName: route.useCase });
}
