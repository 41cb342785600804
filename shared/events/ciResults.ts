import type { HttpRequest } from '@azure/functions';
import type { AppServices } from '../app';
import { queuesFor } from '../app';
import { RequestBodyTooLargeError } from '../azureFunctions';
import { failureKindOf } from '../errors';
import { OrganizationNotFoundError, type OrganizationSettings } from '../organizations';
import type { CiContext } from '../sarif';
import type { EventEnvelope } from './envelope';
import type { WebhookResponse } from './receiveWebhook';
import { secretsEqual } from './sources/constantTime';
import { WebhookRejection } from './webhookErrors';

/**
 * `POST /api/hooks/ci` (docs/ci-results.md): a CI step posts a SARIF 2.1.0 log with its context.
 * In order, each refusal a 4xx that enqueues nothing:
 *  1. the organization named in the query string must be in `vigil orgs` (looked up before the token,
 *     so a flood of requests naming made-up organizations costs store reads, never vault calls, which
 *     Key Vault throttles for every caller);
 *  2. the token (`Authorization: Bearer …`) must be the organization's CI token (vault secret
 *     `ci-token-<org>`, compared in constant time) — checked from the query string and the headers,
 *     before a byte of the body is read; then the organization must be set up for the platform and
 *     (Azure DevOps) know the repository from its inventory;
 *  3. the body, read as a stream up to 10 MB, must be JSON and a SARIF 2.1.0 log (422 names the JSON
 *     path of the first error).
 * Then the log is stored in chunks (`sarifUploads`) and a small `ci:sarif.uploaded` event is enqueued.
 * A failure of ours is a 503 with Retry-After, which `vigil ci report` retries.
 */
export const maxSarifBodyBytes = 10 * 1024 * 1024;

export async function handleCiResults(request: HttpRequest, services: AppServices): Promise<WebhookResponse> {
  try {
    return await accept(request, services);
  } catch (error) {
    if (!(error instanceof WebhookRejection)) throw error;
    const body: Record<string, unknown> = { error: error.code, message: error.message };
    if (error.field !== undefined) body.field = error.field;
    return { status: error.status, body, headers: error.status === 503 ? { 'retry-after': '10' } : undefined };
  }
}

async function accept(request: HttpRequest, services: AppServices): Promise<WebhookResponse> {
  const { CiContextSchema, ciTokenSecretName } = await import('../sarif/ciContext.js');
  const presented = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '')?.[1];
  if (!presented)
    throw new WebhookRejection(401, 'unauthorized', 'missing credentials: send the CI token as "Authorization: Bearer TOKEN"');

  const parsed = CiContextSchema.safeParse(Object.fromEntries(request.query.entries()));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.map(String).join('.');
    throw new WebhookRejection(422, 'invalid_context', `query parameter '${field}': ${issue.message}`, field);
  }
  const context = parsed.data;
  const settings = await organizationOf(services, context.organization);
  const secretName = ciTokenSecretName(context.organization);
  const expected = await services.vault.getSecret(secretName).catch((error: unknown) => {
    services.logger.error('could not read the CI token; answering 503', { organization: context.organization, error });
    throw unavailable('could not verify the token right now; retry later');
  });
  if (expected === undefined) {
    throw new WebhookRejection(
      401,
      'unauthorized',
      `CI results are not configured for organization '${context.organization}' (set secret '${secretName}': vigil secrets set ${secretName})`,
    );
  }
  if (!secretsEqual(presented, expected)) throw new WebhookRejection(401, 'unauthorized', 'missing or wrong credentials');

  await checkRepository(services, settings, context);

  const contentType = request.headers.get('content-type') ?? '';
  if (!/^application\/([\w.+-]*\+)?json\s*(;|$)/i.test(contentType)) {
    throw new WebhookRejection(
      415,
      'unsupported_media_type',
      `content type must be application/json or application/sarif+json (got '${contentType || 'none'}')`,
    );
  }
  if (Number(request.headers.get('content-length') ?? '0') > maxSarifBodyBytes) throw tooLarge();
  const body = await readLimited(request, maxSarifBodyBytes);

  // Checked a result at a time, never parsed whole: the intake's memory stays flat in the log's size (bench:sarif).
  const { checkSarifBody } = await import('../sarif/sarifBody.js');
  const validation = checkSarifBody(body);
  if ('notJson' in validation) {
    throw new WebhookRejection(400, 'invalid_json', 'body is not valid JSON (send the SARIF 2.1.0 log itself)');
  }
  if (!validation.ok) {
    throw new WebhookRejection(422, 'invalid_sarif', `not a SARIF 2.1.0 log: ${validation.path}: ${validation.message}`, validation.path);
  }
  const { results } = validation;
  const withTool: CiContext = { ...context, tool: context.tool ?? validation.firstTool ?? 'unknown' };

  const { uploadIdOf } = await import('../sarif/sarifUploads.js');
  const uploadId = uploadIdOf(withTool, body);
  const receivedAt = new Date(services.clock.now()).toISOString();
  const chunks = await services.stores.sarifUploads.put(uploadId, withTool, body, receivedAt).catch((error: unknown) => {
    services.logger.error('could not store the SARIF upload; answering 503', { uploadId, error });
    throw unavailable('could not store the results; retry later');
  });
  const envelope: EventEnvelope = {
    id: `ci:${uploadId}`,
    source: 'ci',
    type: 'sarif.uploaded',
    organization: context.organization,
    ...(context.project ? { project: context.project } : {}),
    subject: { uploadId, chunks, results },
    receivedAt,
  };
  const queues = queuesFor(envelope);
  try {
    await Promise.all(queues.map((queue) => services.queue.send(queue, [{ messageId: envelope.id, body: envelope }])));
  } catch (error) {
    services.logger.error('enqueue failed; answering 503 so the CI retries', { id: envelope.id, error });
    throw unavailable('could not enqueue the results; retry later');
  }
  services.logger.info('SARIF results accepted', { id: envelope.id, organization: context.organization, tool: withTool.tool, results });
  return { status: 202, body: { id: envelope.id, uploadId, results, tool: withTool.tool, queues } };
}

async function organizationOf(services: AppServices, organization: string): Promise<OrganizationSettings> {
  try {
    return await services.stores.organizations.get(organization);
  } catch (error) {
    if (error instanceof OrganizationNotFoundError) throw new WebhookRejection(404, 'unknown_organization', error.message, 'organization');
    if (failureKindOf(error) === 'transient') throw unavailable('could not read the organization right now; retry later');
    throw new WebhookRejection(
      422,
      'invalid_organization',
      `organization '${organization}' has settings Vigil cannot read (vigil orgs show ${organization})`,
    );
  }
}

/** The platform must be set up for the organization, and an Azure DevOps repository known to its inventory. */
async function checkRepository(services: AppServices, settings: OrganizationSettings, context: CiContext): Promise<void> {
  const name = settings.organization;
  if (context.source === 'github' && !settings.github) {
    throw new WebhookRejection(
      404,
      'unknown_repository',
      `organization '${name}' has no GitHub settings (vigil orgs add ${name} --github-token-secret SECRET)`,
      'source',
    );
  }
  if (context.source === 'gitlab' && !settings.gitlab) {
    throw new WebhookRejection(
      404,
      'unknown_repository',
      `organization '${name}' has no GitLab settings (vigil orgs add ${name} --gitlab-url URL --gitlab-token-secret SECRET)`,
      'source',
    );
  }
  if (context.source !== 'azure-devops') return;
  if (!settings.azureDevOps) {
    throw new WebhookRejection(
      404,
      'unknown_repository',
      `organization '${name}' has no Azure DevOps settings (vigil orgs add ${name} --azure-devops-url URL)`,
      'source',
    );
  }
  const repositories = await services.stores.repositories.list({ organization: name, project: context.project }).catch(() => {
    throw unavailable('could not read the repository inventory right now; retry later');
  });
  const wanted = context.repository.toLowerCase();
  const known = repositories.some(
    (repository) =>
      repository.repositoryId.toLowerCase() === (context.repositoryId ?? '').toLowerCase() || repository.name.toLowerCase() === wanted,
  );
  if (!known) {
    throw new WebhookRejection(
      404,
      'unknown_repository',
      `no repository '${context.project}/${context.repository}' in organization '${name}' (check the name, or take the inventory: vigil repos inventory --org ${name})`,
      'repository',
    );
  }
}

/** Reads the body as it streams in, stopping at `limit` bytes: a caller cannot make the host hold more. */
async function readLimited(request: HttpRequest, limit: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  try {
    // Each read of `body` is a new stream over the one body: take it once.
    const stream = request.body;
    if (!stream) return Buffer.alloc(0);
    for await (const part of stream) {
      size += part.byteLength;
      if (size > limit) throw tooLarge();
      // A view, not a copy: the host may hand the whole body over as one piece, and a 10 MB log copied twice was
      // 20 MB more to hold at once (bench:sarif).
      parts.push(Buffer.from(part.buffer, part.byteOffset, part.byteLength));
    }
  } catch (error) {
    if (error instanceof WebhookRejection) throw error;
    // The local host stops reading past the function's limit, and past its bound on bytes in flight.
    if (error instanceof RequestBodyTooLargeError) throw tooLarge();
    if (failureKindOf(error) === 'throttled') throw unavailable((error as Error).message);
    throw error;
  }
  return parts.length === 1 ? parts[0] : Buffer.concat(parts, size);
}

function tooLarge(): WebhookRejection {
  return new WebhookRejection(413, 'payload_too_large', `a SARIF log is limited to ${maxSarifBodyBytes} bytes (10 MB)`);
}

function unavailable(message: string): WebhookRejection {
  return new WebhookRejection(503, 'unavailable', message);
}
