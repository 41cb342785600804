import { typeIs } from '../auditedEndpoint';
import { dayMs, fail, pass, type ServiceConnectionCheck, unreadable } from './serviceConnectionCheck';

export const inactiveAfterDays = 180;

/**
 * ADOScanner SC210 (baseline; 180 days), notes §4 #11: a connection nobody uses still holds a
 * credential and a role, and nobody would notice it being misused. High for Azure connections.
 * A connection that is running now passes; one that was never used fails, unless it is known to
 * be younger than 180 days (Azure DevOps' `creationDate`, or the endpoint-created event).
 */
export const inactive: ServiceConnectionCheck = {
  id: 'inactive',
  title: `Service connection not used for ${inactiveAfterDays} days`,
  evaluate(facts) {
    const usage = facts.usage;
    if (!usage) return unreadable(facts, 'executionHistory');
    if (usage.inUse) return pass();
    const threshold = inactiveAfterDays * dayMs;
    const { endpoint } = facts;
    const severity = typeIs(endpoint, 'azurerm') || typeIs(endpoint, 'azure') ? 'high' : 'medium';
    const remove = `Delete '${endpoint.name}' if it is no longer needed, with the credential and role assignments of its identity; if it is, find out why it has not run.`;
    if (usage.newestFinishTime) {
      const idleMs = facts.now - Date.parse(usage.newestFinishTime);
      if (idleMs <= threshold) return pass();
      return fail({
        severity,
        field: 'executionhistory',
        shown: `newest data.finishTime = ${usage.newestFinishTime} (${Math.floor(idleMs / dayMs)} days ago)`,
        values: [usage.newestFinishTime],
        remediation: `'${endpoint.name}' has not been used since ${usage.newestFinishTime.slice(0, 10)}. ${remove}`,
      });
    }
    const createdAt = endpoint.creationDate ?? facts.createdAt;
    if (createdAt && facts.now - Date.parse(createdAt) <= threshold) return pass();
    return fail({
      severity,
      field: 'executionhistory',
      shown: `executionhistory = no records${createdAt ? ` (created ${createdAt.slice(0, 10)})` : ''}`,
      values: ['never used'],
      remediation: `'${endpoint.name}' has never been used. ${remove}`,
    });
  },
};
