import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { AzureDevOpsServer } from './azureDevOpsServer';
import { recordedShapesDir } from './recordedShapes';
import { postServiceHook, resourceContainers } from './serviceHookDelivery';

/**
 * The simulator's service hooks: an event is delivered to every Web Hooks subscription the
 * simulator holds for its event type and project (those `vigil hooks subscribe` made), as Azure
 * DevOps posts it: the recorded Minimal-details envelope (test/fixtures/azure-devops/service-hooks/minimal/)
 * with a new delivery id, the subscription's id, `resourceContainers` naming this organization,
 * the caller's resource, and Basic auth with the subscription's user name and password.
 */
export interface EmittedHook {
  eventType: string;
  subscriptionId: string;
  status: number;
}

export class ServiceHookEmitter {
  readonly deliveries: EmittedHook[] = [];

  constructor(private readonly server: AzureDevOpsServer) {}

  /** Delivers one event; returns what each subscription's webhook answered (none when nothing is subscribed). */
  async emit(eventType: string, projectId: string, resource: Record<string, unknown>): Promise<EmittedHook[]> {
    const sample = recordedEnvelope(eventType);
    const subscribed = this.server
      .hookSubscriptions()
      .filter(
        (s) =>
          s.eventType === eventType &&
          s.status !== 'disabledByUser' &&
          (s.publisherInputs as Record<string, string> | undefined)?.projectId === projectId,
      );
    const answers: EmittedHook[] = [];
    for (const subscription of subscribed) {
      const inputs = (subscription.consumerInputs ?? {}) as Record<string, string>;
      const subscriptionId = String(subscription.id);
      const payload = {
        ...sample,
        subscriptionId,
        notificationId: this.deliveries.length + 1,
        id: randomUUID(),
        eventType,
        resource,
        resourceContainers: resourceContainers(this.server.url, projectId),
        createdDate: new Date().toISOString(),
      };
      const { status } = await postServiceHook(
        { url: inputs.url, secret: inputs.basicAuthPassword ?? '', username: inputs.basicAuthUsername, subscriptionId },
        payload,
      );
      const delivery = { eventType, subscriptionId, status };
      this.deliveries.push(delivery);
      answers.push(delivery);
    }
    return answers;
  }
}

function recordedEnvelope(eventType: string): Record<string, unknown> {
  const file = path.join(recordedShapesDir('service-hooks'), 'minimal', `${eventType}.json`);
  const { resource: _resource, ...envelope } = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  return envelope;
}
