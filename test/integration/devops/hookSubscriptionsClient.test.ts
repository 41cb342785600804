import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../shared/errors';
import { rejection, useLoopbackAzureDevOps } from '../../support/azureDevOps/loopbackConnection';

/** The hook subscriptions client against the loopback Azure DevOps. */
const { server, connect } = useLoopbackAzureDevOps();

describe('the hook subscriptions client against the loopback Azure DevOps', () => {
  it('creates, lists, replaces and deletes service hook subscriptions', async () => {
    const ado = await server();
    const client = (await connect(ado)).hookSubscriptions;
    const created = await client.createServiceHookSubscription({
      publisherId: 'tfs',
      eventType: 'build.complete',
      resourceVersion: '1.0-preview.1',
      consumerId: 'webHooks',
      consumerActionId: 'httpRequest',
      publisherInputs: { projectId: '6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c' },
      consumerInputs: { url: 'https://vigil.example/api/hooks/azure-devops' },
    });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.url).toBe(`${ado.url}/_apis/hooks/subscriptions/${created.id}`);
    expect(await client.listServiceHookSubscriptions({ eventType: 'build.complete' })).toHaveLength(1);
    expect(await client.listServiceHookSubscriptions({ eventType: 'git.push' })).toHaveLength(0);
    const replaced = await client.replaceServiceHookSubscription(created.id ?? '', {
      ...created,
      consumerInputs: { url: 'https://vigil.example/v2' },
    });
    expect(replaced.consumerInputs?.url).toBe('https://vigil.example/v2');
    await client.deleteServiceHookSubscription(created.id ?? '');
    expect(await client.listServiceHookSubscriptions()).toHaveLength(0);
    const again = await rejection(client.deleteServiceHookSubscription(created.id ?? ''));
    expect(again).toBeInstanceOf(PermanentError);
  });
});
