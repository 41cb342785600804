import { describe, expect, it } from 'vitest';
import { classicAzure } from '../../../shared/audit/checks/classicAzure';
import { clientSecret } from '../../../shared/audit/checks/clientSecret';
import { inactive } from '../../../shared/audit/checks/inactive';
import { insecureAuthScheme } from '../../../shared/audit/checks/insecureAuthScheme';
import { noApprovalOrBranchControl } from '../../../shared/audit/checks/noApprovalOrBranchControl';
import { openToAllPipelines } from '../../../shared/audit/checks/openToAllPipelines';
import { serviceConnectionChecks } from '../../../shared/audit/checks/registry';
import type { CheckOutcome, ServiceConnectionCheck } from '../../../shared/audit/checks/serviceConnectionCheck';
import { sharedAcrossProjects } from '../../../shared/audit/checks/sharedAcrossProjects';
import { subscriptionWideScope } from '../../../shared/audit/checks/subscriptionWideScope';
import type { RiskSeverity } from '../../../shared/risks/risk';
import {
  type AzureRmOptions,
  approvalCheck,
  azureRmEndpoint,
  branchControlCheck,
  businessHoursCheck,
  classicAzureEndpoint,
  genericEndpoint,
  type LoopbackServiceConnection,
} from '../../support/azureDevOps/serviceConnectionRoutes';
import { daysAgo, factsOf, healthyConnection } from './connectionFacts';

/**
 * Each check, table-driven, against connections built from the recorded Azure DevOps shapes:
 * at least one that passes and one that fails, and the severity and evidence of each failure.
 */

interface Case {
  behaviour: string;
  connection: LoopbackServiceConnection;
  createdAt?: string;
  expected: CheckOutcome['status'];
  severity?: RiskSeverity;
  /** The evidence text, when it matters to the case. */
  shown?: string | RegExp;
}

const id = 'a1b2c3d4-0000-4000-8000-000000000001';
const rgScope = '/subscriptions/1272a66f-e2e8-4e88-ab43-487409186c3f/resourcegroups/rg-web';

/** The healthy connection with its endpoint replaced and/or its other parts changed. */
function connection(change: Partial<LoopbackServiceConnection> = {}): LoopbackServiceConnection {
  return { ...healthyConnection(id), ...change };
}

const arm = (options: Partial<AzureRmOptions>) =>
  azureRmEndpoint({ id, name: 'web-deploy', scheme: 'WorkloadIdentityFederation', scopeLevel: 'Subscription', scope: rgScope, ...options });
const generic = (options: Partial<Parameters<typeof genericEndpoint>[0]> = {}) =>
  genericEndpoint({ id, name: 'artifact-server', ...options });

function table(check: ServiceConnectionCheck, cases: Case[]): void {
  it.each(cases)('$behaviour', (c) => {
    const outcome = check.evaluate(factsOf(c.connection, c.createdAt ? { createdAt: c.createdAt } : {}));
    expect(outcome.status).toBe(c.expected);
    if (outcome.status !== 'fail') return;
    if (c.severity) expect(outcome.failure.severity).toBe(c.severity);
    if (c.shown) expect(outcome.failure.shown).toMatch(c.shown);
  });
}

describe('the check registry', () => {
  it('runs the eight checks in the order of the ranking, each with its own id', () => {
    expect(serviceConnectionChecks.map((c) => c.id)).toEqual([
      'open-to-all-pipelines',
      'client-secret',
      'classic-azure',
      'subscription-wide-scope',
      'shared-across-projects',
      'inactive',
      'no-approval-or-branch-control',
      'insecure-auth-scheme',
    ]);
  });

  it('passes a connection with workload identity, a resource group scope, one pipeline, recent use and one project', () => {
    const outcomes = serviceConnectionChecks.map((check) => check.evaluate(factsOf(healthyConnection())).status);
    expect(outcomes.filter((status) => status === 'fail' || status === 'unevaluated')).toEqual([]);
  });
});

describe('open to all pipelines', () => {
  table(openToAllPipelines, [
    { behaviour: 'passes a connection authorised for one pipeline', connection: connection(), expected: 'pass' },
    {
      behaviour: 'passes a new connection whose permissions have no allPipelines entry',
      connection: connection({ allPipelines: undefined, pipelines: [] }),
      expected: 'pass',
    },
    {
      behaviour: 'fails, high, a narrow connection open to all pipelines',
      connection: connection({ allPipelines: true }),
      expected: 'fail',
      severity: 'high',
      shown: 'allPipelines.authorized = true',
    },
    {
      behaviour: 'fails, critical, a subscription-wide Azure connection open to all pipelines',
      connection: connection({ endpoint: arm({ scope: undefined }), allPipelines: true }),
      expected: 'fail',
      severity: 'critical',
      shown: 'allPipelines.authorized = true (subscription-wide Azure scope)',
    },
    {
      behaviour: 'is unevaluated when the permissions cannot be read',
      connection: connection({ refuse: { pipelinePermissions: 403 } }),
      expected: 'unevaluated',
    },
  ]);
});

describe('Azure Resource Manager with a client secret', () => {
  table(clientSecret, [
    { behaviour: 'passes workload identity federation', connection: connection(), expected: 'pass' },
    {
      behaviour: 'passes a managed identity',
      connection: connection({ endpoint: arm({ scheme: 'ManagedServiceIdentity' }) }),
      expected: 'pass',
    },
    {
      behaviour: 'passes a service principal with a certificate',
      connection: connection({ endpoint: arm({ scheme: 'ServicePrincipal', authenticationType: 'spnCertificate' }) }),
      expected: 'pass',
    },
    {
      behaviour: 'fails, high, a service principal with a client secret (spnKey)',
      connection: connection({ endpoint: arm({ scheme: 'ServicePrincipal', authenticationType: 'spnKey' }) }),
      expected: 'fail',
      severity: 'high',
      shown: 'authorization.scheme = ServicePrincipal, authorization.parameters.authenticationType = spnKey',
    },
    {
      behaviour: 'fails an older service principal that names no authentication type (a secret)',
      connection: connection({ endpoint: arm({ scheme: 'ServicePrincipal' }) }),
      expected: 'fail',
      shown: /authenticationType = \(not set\)$/,
    },
    { behaviour: 'does not concern other connection types', connection: connection({ endpoint: generic() }), expected: 'not-applicable' },
  ]);
});

describe('classic Azure connection', () => {
  table(classicAzure, [
    { behaviour: 'passes an Azure Resource Manager connection', connection: connection(), expected: 'pass' },
    { behaviour: 'passes a generic connection', connection: connection({ endpoint: generic() }), expected: 'pass' },
    {
      behaviour: 'fails, high, a classic connection with a management certificate',
      connection: connection({ endpoint: classicAzureEndpoint({ id, name: 'asm-legacy' }) }),
      expected: 'fail',
      severity: 'high',
      shown: 'type = Azure, authorization.scheme = Certificate',
    },
    {
      behaviour: 'fails a classic connection with credentials',
      connection: connection({ endpoint: classicAzureEndpoint({ id, name: 'asm-legacy', scheme: 'UsernamePassword' }) }),
      expected: 'fail',
      shown: /UsernamePassword/,
    },
  ]);
});

describe('subscription- or management-group-wide scope', () => {
  table(subscriptionWideScope, [
    { behaviour: 'passes a connection scoped to a resource group', connection: connection(), expected: 'pass' },
    {
      behaviour: 'passes a Machine Learning workspace connection',
      connection: connection({ endpoint: arm({ scopeLevel: 'AzureMLWorkspace', scope: undefined }) }),
      expected: 'pass',
    },
    {
      behaviour: 'passes a publish profile connection',
      connection: connection({ endpoint: arm({ scheme: 'PublishProfile', scope: undefined }) }),
      expected: 'pass',
    },
    {
      behaviour: 'fails, high, a subscription-wide connection Azure DevOps created',
      connection: connection({ endpoint: arm({ scope: undefined, creationMode: 'Automatic' }) }),
      expected: 'fail',
      severity: 'high',
      shown: 'data.scopeLevel = Subscription, authorization.parameters.scope = (not set), data.creationMode = Automatic',
    },
    {
      behaviour: 'fails, medium (to verify in Azure), a subscription-wide connection created manually',
      connection: connection({ endpoint: arm({ scope: undefined, creationMode: 'Manual' }) }),
      expected: 'fail',
      severity: 'medium',
    },
    {
      behaviour: 'fails, critical, a management group connection',
      connection: connection({ endpoint: arm({ scopeLevel: 'ManagementGroup', scope: undefined }) }),
      expected: 'fail',
      severity: 'critical',
      shown: /^data\.scopeLevel = ManagementGroup/,
    },
    { behaviour: 'does not concern other connection types', connection: connection({ endpoint: generic() }), expected: 'not-applicable' },
  ]);

  it('marks a manually created connection unverified: its real roles live in Azure', () => {
    const outcome = subscriptionWideScope.evaluate(factsOf(connection({ endpoint: arm({ scope: undefined, creationMode: 'Manual' }) })));
    expect(outcome.status === 'fail' && outcome.failure.verified).toBe(false);
  });
});

describe('shared across projects', () => {
  table(sharedAcrossProjects, [
    { behaviour: 'passes a connection of one project', connection: connection(), expected: 'pass' },
    {
      behaviour: 'fails, high, a connection shared with three projects, naming them',
      connection: connection({ endpoint: arm({ projects: ['web', 'billing', 'data'] }) }),
      expected: 'fail',
      severity: 'high',
      shown: 'serviceEndpointProjectReferences = 3 projects (web, billing, data)',
    },
  ]);
});

describe('not used for 180 days', () => {
  table(inactive, [
    { behaviour: 'passes a connection used yesterday', connection: connection(), expected: 'pass' },
    {
      behaviour: 'passes a connection last used 179 days ago',
      connection: connection({ executions: [{ finishTime: daysAgo(179) }] }),
      expected: 'pass',
    },
    {
      behaviour: 'passes a connection a pipeline is using right now',
      connection: connection({ executions: [{}, { finishTime: daysAgo(400) }] }),
      expected: 'pass',
    },
    {
      behaviour: 'fails, high, an Azure connection last used 181 days ago',
      connection: connection({ executions: [{ finishTime: daysAgo(181) }] }),
      expected: 'fail',
      severity: 'high',
      shown: `newest data.finishTime = ${daysAgo(181)} (181 days ago)`,
    },
    {
      behaviour: 'fails, medium, another connection last used 200 days ago',
      connection: connection({ endpoint: generic(), executions: [{ finishTime: daysAgo(200) }] }),
      expected: 'fail',
      severity: 'medium',
    },
    {
      behaviour: 'fails a connection never used whose age is unknown',
      connection: connection({ executions: [] }),
      expected: 'fail',
      shown: 'executionhistory = no records',
    },
    {
      behaviour: 'fails a connection never used and created 200 days ago',
      connection: connection({ endpoint: arm({ creationDate: daysAgo(200) }), executions: [] }),
      expected: 'fail',
      shown: `executionhistory = no records (created ${daysAgo(200).slice(0, 10)})`,
    },
    {
      behaviour: 'passes a connection never used that Azure DevOps says was created 10 days ago',
      connection: connection({ endpoint: arm({ creationDate: daysAgo(10) }), executions: [] }),
      expected: 'pass',
    },
    {
      behaviour: 'passes a connection never used that Vigil saw created today',
      connection: connection({ executions: [] }),
      createdAt: daysAgo(0),
      expected: 'pass',
    },
    {
      behaviour: 'is unevaluated when the execution history cannot be read',
      connection: connection({ refuse: { executionHistory: 403 } }),
      expected: 'unevaluated',
    },
  ]);
});

describe('no approval or branch control on a connection that reaches production', () => {
  const prod = arm({ name: 'contoso-prod-deploy' });
  table(noApprovalOrBranchControl, [
    { behaviour: 'does not concern a connection that does not reach production', connection: connection(), expected: 'not-applicable' },
    {
      behaviour: 'does not concern a production connection no pipeline may use yet',
      connection: connection({ endpoint: prod, pipelines: [], allPipelines: false }),
      expected: 'not-applicable',
    },
    {
      behaviour: 'fails, high, a production connection with no checks',
      connection: connection({ endpoint: prod }),
      expected: 'fail',
      severity: 'high',
      shown: 'Approval checks = 0, Branch control checks = 0 (reaches production: name mentions prod)',
    },
    {
      behaviour: 'fails a subscription-wide connection with no checks, whatever its name',
      connection: connection({ endpoint: arm({ scope: undefined }) }),
      expected: 'fail',
      shown: /reaches production: subscription-wide Azure scope/,
    },
    {
      behaviour: 'fails a production connection with only a business hours check',
      connection: connection({ endpoint: prod, checks: [businessHoursCheck(id)] }),
      expected: 'fail',
    },
    {
      behaviour: 'fails a production connection whose branch control allows every branch',
      connection: connection({ endpoint: prod, checks: [branchControlCheck(id, '*')] }),
      expected: 'fail',
      shown: /Branch control allowedBranches = \*/,
    },
    {
      behaviour: 'passes a production connection with an approval',
      connection: connection({ endpoint: prod, checks: [approvalCheck(id)] }),
      expected: 'pass',
    },
    {
      behaviour: 'passes a production connection with a branch control on main',
      connection: connection({
        endpoint: prod,
        checks: [businessHoursCheck(id), branchControlCheck(id, 'refs/heads/main, refs/heads/release/*')],
      }),
      expected: 'pass',
    },
    {
      behaviour: 'judges a connection open to all pipelines even with none listed',
      connection: connection({ endpoint: prod, pipelines: [], allPipelines: true }),
      expected: 'fail',
    },
    {
      behaviour: 'is unevaluated when the checks cannot be read',
      connection: connection({ endpoint: prod, refuse: { checks: 403 } }),
      expected: 'unevaluated',
    },
  ]);
});

describe('insecure authentication scheme for the type', () => {
  table(insecureAuthScheme, [
    {
      behaviour: 'fails, medium, a generic connection with a username and password over https (the recorded example)',
      connection: connection({ endpoint: generic() }),
      expected: 'fail',
      severity: 'medium',
      shown: 'authorization.scheme = UsernamePassword',
    },
    {
      behaviour: 'fails, high, a username and password sent to a plain http URL',
      connection: connection({ endpoint: generic({ url: 'http://jenkins.contoso.internal:8080' }) }),
      expected: 'fail',
      severity: 'high',
      shown: 'authorization.scheme = UsernamePassword, url scheme = http',
    },
    {
      behaviour: 'fails, high, a token sent to a plain http URL',
      connection: connection({ endpoint: generic({ type: 'externaltfs', scheme: 'Token', url: 'http://tfs.contoso.internal/tfs' }) }),
      expected: 'fail',
      severity: 'high',
    },
    {
      behaviour: 'passes a token over https',
      connection: connection({ endpoint: generic({ type: 'externalnpmregistry', scheme: 'Token', url: 'https://registry.npmjs.org' }) }),
      expected: 'pass',
    },
    {
      behaviour: 'passes an anonymous connection to an http URL',
      connection: connection({ endpoint: generic({ scheme: 'None', url: 'http://mirror.contoso.internal' }) }),
      expected: 'pass',
    },
    {
      behaviour: "fails, low, GitHub with a person's access token",
      connection: connection({ endpoint: generic({ type: 'github', scheme: 'PersonalAccessToken', url: 'https://github.com' }) }),
      expected: 'fail',
      severity: 'low',
    },
    {
      behaviour: 'passes GitHub through the Azure Pipelines app',
      connection: connection({ endpoint: generic({ type: 'github', scheme: 'InstallationToken', url: 'https://github.com' }) }),
      expected: 'pass',
    },
    { behaviour: 'leaves Azure Resource Manager to the client secret check', connection: connection(), expected: 'not-applicable' },
    {
      behaviour: 'leaves classic Azure to the classic check',
      connection: connection({ endpoint: classicAzureEndpoint({ id, name: 'asm' }) }),
      expected: 'not-applicable',
    },
  ]);
});
