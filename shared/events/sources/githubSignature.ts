/**
 * `@octokit/webhooks-methods` ships only as an ES module with no `require` export condition, so
 * this CommonJS build loads it with a dynamic import (TypeScript keeps `import()` as is under
 * `module: node20`), once per process.
 */
type WebhookMethods = typeof import('@octokit/webhooks-methods');

let loading: Promise<WebhookMethods> | undefined;

function webhookMethods(): Promise<WebhookMethods> {
  return (loading ??= import('@octokit/webhooks-methods'));
}

/** `X-Hub-Signature-256` of a payload: `sha256=<hex HMAC>`. */
export async function signGitHubPayload(secret: string, payload: string): Promise<string> {
  return (await webhookMethods()).sign(secret, payload);
}

/** Constant-time check of an `X-Hub-Signature-256` header against the raw payload. */
export async function verifyGitHubSignature(secret: string, payload: string, signature: string): Promise<boolean> {
  return (await webhookMethods()).verify(secret, payload, signature);
}
