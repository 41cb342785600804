import type { AzureDevOpsTransport } from './azureDevOpsTransport';

/** A service hook subscription as `_apis/hooks/subscriptions` takes and returns it. */
export interface ServiceHookSubscription {
  id?: string;
  url?: string;
  publisherId: string;
  eventType: string;
  resourceVersion?: string;
  consumerId: string;
  consumerActionId: string;
  publisherInputs?: Record<string, string>;
  consumerInputs?: Record<string, string>;
  status?: string;
  [field: string]: unknown;
}

export interface ServiceHookSubscriptionFilter {
  publisherId?: string;
  eventType?: string;
  consumerId?: string;
  consumerActionId?: string;
}

/** The organization's service hook subscriptions (`_apis/hooks/subscriptions`): what feeds Vigil's webhook. */
export interface HookSubscriptionsClient {
  listServiceHookSubscriptions(filter?: ServiceHookSubscriptionFilter): Promise<ServiceHookSubscription[]>;
  createServiceHookSubscription(subscription: ServiceHookSubscription): Promise<ServiceHookSubscription>;
  replaceServiceHookSubscription(id: string, subscription: ServiceHookSubscription): Promise<ServiceHookSubscription>;
  deleteServiceHookSubscription(id: string): Promise<void>;
}

export function createHookSubscriptionsClient(transport: AzureDevOpsTransport): HookSubscriptionsClient {
  const path = (id?: string) => (id === undefined ? '_apis/hooks/subscriptions' : `_apis/hooks/subscriptions/${encodeURIComponent(id)}`);
  return {
    async listServiceHookSubscriptions(filter = {}) {
      const query: Record<string, string> = {};
      for (const [key, value] of Object.entries(filter)) if (value) query[key] = value;
      const list = await transport.call({ resource: 'service hook subscriptions' }, () =>
        transport.getJson<{ value?: ServiceHookSubscription[] }>(path(), query),
      );
      return list.value ?? [];
    },

    createServiceHookSubscription: (subscription) =>
      transport.call({ resource: `a service hook subscription for '${subscription.eventType}'`, idempotent: false }, () =>
        transport.postJson<ServiceHookSubscription>(path(), {}, subscription),
      ),

    replaceServiceHookSubscription: (id, subscription) =>
      transport.call({ resource: `service hook subscription ${id}` }, () =>
        transport.putJson<ServiceHookSubscription>(path(id), {}, { ...subscription, id }),
      ),

    deleteServiceHookSubscription: (id) =>
      transport.call({ resource: `service hook subscription ${id}` }, () => transport.deleteResource(path(id))),
  };
}
