import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

/**
 * A loopback Azure OpenAI resource for the real `openai` package's AzureOpenAI client: it answers
 * `POST /openai/deployments/{deployment}/chat/completions?api-version=…` in the shape of Microsoft's
 * published example (test/fixtures/azure-openai/chat_completions.json) with the text a test sets,
 * and records every request (path, query, body, and which credential came: `api-key` or a bearer
 * token, never its value). An unknown deployment is 404 `DeploymentNotFound`, a missing or wrong
 * credential 401, a request without `api-version` 404, as Azure answers. A test can make it
 * refuse (HTTP status), hold its answer back (`content_filter`), answer empty, or never answer
 * (`hang`: the request stays open until the client gives up or the server closes).
 */
export interface ModelRequest {
  deployment: string;
  apiVersion: string | null;
  /** `api-key`, `bearer`, or none. */
  credential: 'api-key' | 'bearer' | 'none';
  /** The request body as received. */
  body: string;
  /** The messages, parsed. */
  messages: Array<{ role: string; content: string }>;
}

export type ModelBehaviour =
  | { kind: 'answer'; text: string }
  | { kind: 'refuse'; status: 400 | 401 | 403 | 429 | 500 | 503 }
  | { kind: 'content-filter' }
  | { kind: 'empty' }
  | { kind: 'hang' };

export interface AzureOpenAiServerOptions {
  deployment: string;
  /** The key the `api-key` header must carry; or `bearerToken` for a managed identity's token. */
  apiKey?: string;
  bearerToken?: string;
}

export interface AzureOpenAiServer {
  /** The resource endpoint to configure (`https://NAME.openai.azure.com` in Azure). */
  readonly endpoint: string;
  readonly requests: ModelRequest[];
  behave(behaviour: ModelBehaviour): void;
  close(): Promise<void>;
}

const example = (
  JSON.parse(readFileSync(path.resolve(__dirname, '../fixtures/azure-openai/chat_completions.json'), 'utf8')) as {
    responses: { 200: { body: Record<string, unknown> & { choices: Array<Record<string, unknown>> } } };
  }
).responses[200].body;

export async function startAzureOpenAiServer(options: AzureOpenAiServerOptions): Promise<AzureOpenAiServer> {
  const requests: ModelRequest[] = [];
  let behaviour: ModelBehaviour = { kind: 'answer', text: 'A summary.' };
  let answered = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://loopback');
      const body = Buffer.concat(chunks).toString('utf8');
      const match = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/.exec(url.pathname);
      const apiKey = req.headers['api-key'];
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      let messages: ModelRequest['messages'] = [];
      try {
        messages = (JSON.parse(body) as { messages?: ModelRequest['messages'] }).messages ?? [];
      } catch {
        // recorded as sent
      }
      if (match) {
        requests.push({
          deployment: decodeURIComponent(match[1]),
          apiVersion: url.searchParams.get('api-version'),
          credential: apiKey ? 'api-key' : bearer ? 'bearer' : 'none',
          body,
          messages,
        });
      }
      if (!match || req.method !== 'POST' || !url.searchParams.get('api-version'))
        return send(res, 404, { error: { code: '404', message: 'Resource not found' } });
      const authorised =
        (options.apiKey !== undefined && apiKey === options.apiKey) ||
        (options.bearerToken !== undefined && bearer === options.bearerToken);
      if (!authorised)
        return send(res, 401, {
          error: { code: '401', message: 'Access denied due to invalid subscription key or wrong API endpoint.' },
        });
      if (decodeURIComponent(match[1]) !== options.deployment)
        return send(res, 404, { error: { code: 'DeploymentNotFound', message: 'The API deployment for this resource does not exist.' } });
      const now = behaviour;
      if (now.kind === 'hang') return; // never answered: the client's time-out or close() ends it
      if (now.kind === 'refuse')
        return send(
          res,
          now.status,
          { error: { code: String(now.status), message: 'refused by the loopback model' } },
          now.status === 429 ? { 'retry-after': '1' } : {},
        );
      answered++;
      const choice = {
        ...example.choices[0],
        finish_reason: now.kind === 'content-filter' ? 'content_filter' : 'stop',
        message: { role: 'assistant', content: now.kind === 'answer' ? now.text : now.kind === 'empty' ? '' : null },
      };
      return send(res, 200, { ...example, id: `chatcmpl-loopback-${answered}`, choices: [choice] });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    behave: (next) => {
      behaviour = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}
