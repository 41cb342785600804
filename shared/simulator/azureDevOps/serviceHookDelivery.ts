/**
 * How the loopback Azure DevOps delivers a service hook: the way a Web Hooks subscription
 * (`consumerId: webHooks`, `consumerActionId: httpRequest`) posts an event — JSON, Basic auth with
 * any user name and the hook secret as the password, the subscription's extra `httpHeaders` —
 * and the `resourceContainers` real deliveries carry, with the organization's `baseUrl`.
 */
export interface ServiceHookTarget {
  /** The webhook URL, e.g. the local host's `…/api/hooks/azure-devops`. */
  url: string;
  /** The subscription's Basic-auth password: the hook secret. */
  secret: string;
  /** The Basic-auth user name (any; default 'vigil'). */
  username?: string;
  /** The subscription's `httpHeaders`. */
  headers?: Record<string, string>;
  /** Sent as `subscriptionId` (default: a fixed GUID per event type, as one subscription per event type gives). */
  subscriptionId?: string;
}

export async function postServiceHook(target: ServiceHookTarget, payload: unknown): Promise<{ status: number; responseBody: string }> {
  const credentials = Buffer.from(`${target.username ?? 'vigil'}:${target.secret}`).toString('base64');
  const response = await fetch(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Basic ${credentials}`, ...(target.headers ?? {}) },
    body: JSON.stringify(payload),
  });
  return { status: response.status, responseBody: await response.text() };
}

export function resourceContainers(orgUrl: string, projectId: string) {
  const baseUrl = `${orgUrl}/`;
  return {
    collection: { id: 'bbbbbbbb-0000-4000-8000-000000000002', baseUrl },
    account: { id: 'bbbbbbbb-0000-4000-8000-000000000004', baseUrl },
    project: { id: projectId, baseUrl },
  };
}
