import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/**
 * The demo's console alert channel: a signed-webhook alert channel (docs/architecture.md, alerts)
 * whose receiver is a loopback server in the demo's own process that checks each delivery's
 * Standard Webhooks signature and hands every alert to `onAlert` (the demo prints one line per alert).
 * Alerts carry only redacted previews, so printing them prints no secret.
 */
export interface ConsoleAlert {
  severity: string;
  headline: string;
  location: string;
  redacted: string;
}

export interface ConsoleAlertChannel {
  /** The URL to store as the channel's URL secret. */
  url: string;
  /** The `whsec_…` value to store as the channel's signing secret. */
  signingSecret: string;
  /** Alerts received so far (a digest counts each alert it holds). */
  readonly alerts: ConsoleAlert[];
  /** Deliveries refused for a bad signature (none expected). */
  readonly refused: number;
  close(): Promise<void>;
}

interface AlertPayload {
  type?: string;
  data?: Partial<ConsoleAlert> & { alerts?: Array<Partial<ConsoleAlert>>; headline?: string };
}

export async function startConsoleAlertChannel(onAlert: (alert: ConsoleAlert) => void = () => undefined): Promise<ConsoleAlertChannel> {
  const signingSecret = `whsec_${randomBytes(32).toString('base64')}`;
  const verifier = new Webhook(signingSecret);
  const alerts: ConsoleAlert[] = [];
  let refused = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let payload: AlertPayload;
      try {
        payload = verifier.verify(body, request.headers as Record<string, string>) as AlertPayload;
      } catch {
        refused++;
        response.writeHead(401).end();
        return;
      }
      const received = payload.type === 'risk.alert.batch' ? (payload.data?.alerts ?? []) : payload.data ? [payload.data] : [];
      for (const alert of received) {
        const line = {
          severity: String(alert.severity ?? 'notice'),
          headline: String(alert.headline ?? ''),
          location: String(alert.location ?? ''),
          redacted: String(alert.redacted ?? ''),
        };
        alerts.push(line);
        onAlert(line);
      }
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`,
    signingSecret,
    alerts,
    get refused() {
      return refused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
