import { ZodError } from 'zod';
import type { ServiceEndpointsClient } from '../devops';
import { failureKindOf } from '../errors';
import type { AuditedEndpoint } from './auditedEndpoint';
import { needsCheckConfigurations } from './checks/noApprovalOrBranchControl';
import { checkConfigurationFacts, type EndpointFacts, type FactSource, pipelinePermissionFacts, usageFacts } from './endpointFacts';

/**
 * Reads what the checks need about one connection: its pipeline permissions, its newest
 * execution, and (only when the approval check applies) its checks, i.e. two or three calls. A
 * part Azure DevOps refuses for good (403: the identity lacks that permission) is recorded as
 * unreadable, so one missing permission costs the checks that need it, not the whole audit;
 * transient failures and credential failures are thrown, to be retried or fixed.
 */
export async function fetchEndpointFacts(
  client: ServiceEndpointsClient,
  project: string,
  endpoint: AuditedEndpoint,
  options: { now: number; createdAt?: string },
): Promise<EndpointFacts> {
  const facts: EndpointFacts = {
    endpoint,
    now: options.now,
    unreadable: {},
    ...(options.createdAt ? { createdAt: options.createdAt } : {}),
  };
  const read = async <Raw, T>(source: FactSource, call: () => Promise<Raw>, parse: (raw: Raw) => T): Promise<T | undefined> => {
    let raw: Raw;
    try {
      raw = await call();
    } catch (error) {
      if (failureKindOf(error) !== 'permanent') throw error;
      facts.unreadable[source] = error instanceof Error ? error.message : String(error);
      return undefined;
    }
    try {
      return parse(raw);
    } catch (error) {
      if (!(error instanceof ZodError)) throw error;
      // An answer of another shape will not change on a retry: the checks that need it say so.
      facts.unreadable[source] =
        `unexpected ${source} answer: ${error.issues[0]?.path.join('.') || '(body)'}: ${error.issues[0]?.message ?? 'invalid'}`;
      return undefined;
    }
  };
  facts.pipelinePermissions = await read(
    'pipelinePermissions',
    () => client.getPipelinePermissionsForEndpoint(project, endpoint.id),
    pipelinePermissionFacts,
  );
  facts.usage = await read('executionHistory', () => client.listServiceEndpointExecutions(project, endpoint.id, 1), usageFacts);
  if (needsCheckConfigurations(facts)) {
    facts.checks = await read('checks', () => client.listCheckConfigurations(project, 'endpoint', endpoint.id), checkConfigurationFacts);
  }
  return facts;
}
