import { createHash, createHmac, randomUUID } from 'node:crypto';
import { testHookSecrets } from './testHost';

/** Posts deliveries the way each source signs them, with the test secrets. */
export interface Delivery {
  status: number;
  body: Record<string, unknown>;
}

export async function post(url: string, body: string | Buffer, headers: Record<string, string>): Promise<Delivery> {
  const response = await fetch(url, { method: 'POST', headers, body });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export function azureDevOpsHeaders(secret = testHookSecrets.VIGIL_HOOK_SECRET_AZURE_DEVOPS): Record<string, string> {
  return { 'content-type': 'application/json; charset=utf-8', authorization: `Basic ${Buffer.from(`vigil:${secret}`).toString('base64')}` };
}

export function githubHeaders(event: string, body: string, options: { secret?: string; delivery?: string } = {}): Record<string, string> {
  const secret = options.secret ?? testHookSecrets.VIGIL_HOOK_SECRET_GITHUB;
  return {
    'content-type': 'application/json',
    'x-github-event': event,
    'x-github-delivery': options.delivery ?? randomUUID(),
    'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
  };
}

export function gitlabHeaders(body: string, options: { secret?: string; uuid?: string } = {}): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-gitlab-token': options.secret ?? testHookSecrets.VIGIL_HOOK_SECRET_GITLAB,
    'x-gitlab-event-uuid': options.uuid ?? createHash('sha256').update(body).digest('hex').slice(0, 32),
  };
}
