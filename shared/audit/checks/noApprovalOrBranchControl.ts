import type { CheckConfigurationFacts, EndpointFacts } from '../endpointFacts';
import { productionReach } from '../productionReach';
import { fail, notApplicable, pass, type ServiceConnectionCheck, unreadable } from './serviceConnectionCheck';

/**
 * ADOScanner SC260 (the shared branch-control rule), notes §4 #5: a connection that reaches
 * production needs a human (an Approval check) or a protected branch (a Branch control check) in
 * front of it, or any branch's YAML can deploy. Only production-reaching connections are judged
 * (see productionReach); one that no pipeline may use yet is not, as checks only gate YAML runs.
 * A branch control that allows `*` or `refs/heads/*` controls nothing.
 */
export const noApprovalOrBranchControl: ServiceConnectionCheck = {
  id: 'no-approval-or-branch-control',
  title: 'Production service connection without an approval or branch control',
  evaluate(facts) {
    const reach = productionReach(facts.endpoint);
    if (!reach) return notApplicable();
    if (!facts.pipelinePermissions) return unreadable(facts, 'pipelinePermissions');
    if (!usableByPipelines(facts)) return notApplicable();
    if (!facts.checks) return unreadable(facts, 'checks');
    const approvals = facts.checks.filter((c) => c.kind === 'approval');
    const branchControls = facts.checks.filter((c) => c.kind === 'branch-control');
    if (approvals.length > 0 || branchControls.some((c) => !allowsAnyBranch(c))) return pass();
    const name = facts.endpoint.name;
    return fail({
      severity: 'high',
      field: 'checks',
      shown:
        branchControls.length > 0
          ? `Approval checks = 0, Branch control allowedBranches = * (reaches production: ${reach})`
          : `Approval checks = 0, Branch control checks = 0 (reaches production: ${reach})`,
      values: [reach, branchControls.length > 0 ? 'branch control allows any branch' : 'no approval, no branch control'],
      remediation: `Add a Branch control check on '${name}' (Service connections → ${name} → Approvals and checks) limited to refs/heads/main with 'Verify branch protection' on, and/or an Approval check with a named approver group.`,
    });
  },
};

/** Whether the check's question arises: some pipeline may use the connection. Also tells the fetcher whether to read the checks. */
export function needsCheckConfigurations(facts: Pick<EndpointFacts, 'endpoint' | 'pipelinePermissions'>): boolean {
  return productionReach(facts.endpoint) !== undefined && facts.pipelinePermissions !== undefined && usableByPipelines(facts);
}

function usableByPipelines(facts: Pick<EndpointFacts, 'pipelinePermissions'>): boolean {
  const permissions = facts.pipelinePermissions;
  return permissions !== undefined && (permissions.allPipelines || permissions.pipelineIds.length > 0);
}

function allowsAnyBranch(check: CheckConfigurationFacts): boolean {
  const branches = check.allowedBranches ?? [];
  return branches.length === 0 || branches.some((b) => b === '*' || b.toLowerCase() === 'refs/heads/*');
}
