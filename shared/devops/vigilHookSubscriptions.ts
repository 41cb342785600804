import type { ServiceHookSubscription } from './hookSubscriptionsClient';

// The service hook subscriptions Vigil asks Azure DevOps for (`vigil hooks subscribe`, and the demo
// against the simulator): which events, and the Web Hooks subscription that posts each to the webhook.

/** The events Vigil subscribes to (the event table, shared/app/eventRoutes.ts, and work items for the sync); all published by `tfs`. */
export const vigilHookEvents = [
  { eventType: 'build.complete', resourceVersion: '2.0' },
  { eventType: 'git.push', resourceVersion: '1.0' },
  { eventType: 'git.pullrequest.created', resourceVersion: '1.0' },
  { eventType: 'git.pullrequest.updated', resourceVersion: '1.0' },
  // Replies on pull requests: `/vigil false-positive` and `/vigil accept` triage from the pull request.
  { eventType: 'ms.vss-code.git-pullrequest-comment-event', resourceVersion: '2.0' },
  // The inventory follows repositories between its nightly runs.
  { eventType: 'git.repo.created', resourceVersion: '1.0-preview.1' },
  { eventType: 'git.repo.renamed', resourceVersion: '1.0-preview.1' },
  { eventType: 'git.repo.statuschanged', resourceVersion: '1.0-preview.1' },
  { eventType: 'git.repo.deleted', resourceVersion: '1.0-preview.1' },
  // The work-item sync follows people's changes, deletions and restores (docs/work-items.md).
  { eventType: 'workitem.updated', resourceVersion: '1.0' },
  { eventType: 'workitem.deleted', resourceVersion: '1.0' },
  { eventType: 'workitem.restored', resourceVersion: '1.0' },
  { eventType: 'ms.vss-endpoint.endpoint-created', resourceVersion: '1.0-preview.1' },
  { eventType: 'ms.vss-endpoint.endpoint-updated', resourceVersion: '1.0-preview.1' },
] as const;

export type VigilHookEvent = (typeof vigilHookEvents)[number];

/** Web Hooks, an HTTP request with Basic auth: the consumer of every subscription Vigil makes. */
export const vigilSubscriptionConsumer = {
  publisherId: 'tfs',
  consumerId: 'webHooks',
  consumerActionId: 'httpRequest',
  basicAuthUsername: 'vigil',
} as const;

/**
 * How much of the resource Azure DevOps puts in each delivery (`resourceDetailsToSend`). Vigil
 * re-fetches everything it acts on by id, so Minimal is enough; All only adds bytes and personal data
 * passing through the webhook; None sends no resource, so no ids: every delivery is parked.
 */
export const resourceDetailsChoices = ['all', 'minimal', 'none'] as const;
export type ResourceDetails = (typeof resourceDetailsChoices)[number];
/** The subscription Vigil wants for one event of one project: Basic auth with the hook secret, no messages. */
export function vigilHookSubscription(
  event: VigilHookEvent,
  projectId: string,
  target: { url: string; resourceDetails: ResourceDetails },
  hookSecret: string,
): ServiceHookSubscription {
  const { publisherId, consumerId, consumerActionId, basicAuthUsername } = vigilSubscriptionConsumer;
  return {
    publisherId,
    eventType: event.eventType,
    resourceVersion: event.resourceVersion,
    consumerId,
    consumerActionId,
    publisherInputs: { projectId },
    // No messages (notes 3): Vigil reads ids only.
    consumerInputs: {
      url: target.url,
      basicAuthUsername,
      messagesToSend: 'none',
      detailedMessagesToSend: 'none',
      resourceDetailsToSend: target.resourceDetails,
      basicAuthPassword: hookSecret,
    },
  };
}
