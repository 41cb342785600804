import { parseAuditedEndpoint } from '../../../shared/audit/auditedEndpoint';
import { needsCheckConfigurations } from '../../../shared/audit/checks/noApprovalOrBranchControl';
import { checkConfigurationFacts, type EndpointFacts, pipelinePermissionFacts, usageFacts } from '../../../shared/audit/endpointFacts';
import {
  azureRmEndpoint,
  executionHistoryAnswer,
  type LoopbackServiceConnection,
  pipelinePermissionsAnswer,
} from '../../support/azureDevOps/serviceConnectionRoutes';

/** The manual clock's default instant: every "days ago" in these tests counts back from it. */
export const auditNow = Date.parse('2026-11-20T10:00:00.000Z');

export const daysAgo = (days: number) => new Date(auditNow - days * 86_400_000).toISOString();

/**
 * The facts the audit would fetch about a loopback connection: the same answers the loopback
 * serves, through the same parsers, without HTTP. A refused part is unreadable, as it would be.
 */
export function factsOf(connection: LoopbackServiceConnection, extra: { createdAt?: string } = {}): EndpointFacts {
  const facts: EndpointFacts = { endpoint: parseAuditedEndpoint(connection.endpoint), now: auditNow, unreadable: {}, ...extra };
  if (connection.refuse?.pipelinePermissions) facts.unreadable.pipelinePermissions = `HTTP ${connection.refuse.pipelinePermissions}`;
  else facts.pipelinePermissions = pipelinePermissionFacts(pipelinePermissionsAnswer(connection));
  if (connection.refuse?.executionHistory) facts.unreadable.executionHistory = `HTTP ${connection.refuse.executionHistory}`;
  else facts.usage = usageFacts(executionHistoryAnswer(connection).slice(0, 1));
  if (needsCheckConfigurations(facts)) {
    if (connection.refuse?.checks) facts.unreadable.checks = `HTTP ${connection.refuse.checks}`;
    else facts.checks = checkConfigurationFacts(connection.checks ?? []);
  }
  return facts;
}

/** A connection that passes every check: workload identity, one resource group, one pipeline, used yesterday, one project. */
export function healthyConnection(id = 'a1b2c3d4-0000-4000-8000-000000000001'): LoopbackServiceConnection {
  return {
    endpoint: azureRmEndpoint({
      id,
      name: 'web-deploy',
      scheme: 'WorkloadIdentityFederation',
      scopeLevel: 'Subscription',
      scope: '/subscriptions/1272a66f-e2e8-4e88-ab43-487409186c3f/resourcegroups/rg-web',
    }),
    allPipelines: false,
    pipelines: [12],
    executions: [{ finishTime: daysAgo(1) }],
  };
}
