import { azureScopeBreadth } from '../azureScope';
import { fail, pass, type ServiceConnectionCheck, unreadable } from './serviceConnectionCheck';

/**
 * ADOScanner SC190/SC230, notes §4 #1: `allPipelines.authorized` lets every pipeline in the
 * project, including one anyone with pipeline-create rights writes tomorrow, deploy with the
 * connection. Critical when that connection reaches a whole subscription or management group.
 */
export const openToAllPipelines: ServiceConnectionCheck = {
  id: 'open-to-all-pipelines',
  title: 'Service connection open to all pipelines',
  evaluate(facts) {
    const permissions = facts.pipelinePermissions;
    if (!permissions) return unreadable(facts, 'pipelinePermissions');
    if (!permissions.allPipelines) return pass();
    const breadth = azureScopeBreadth(facts.endpoint);
    return fail({
      severity: breadth ? 'critical' : 'high',
      field: 'pipelinePermissions.allPipelines.authorized',
      shown: `allPipelines.authorized = true${breadth ? ` (${breadth}-wide Azure scope)` : ''}`,
      values: ['allPipelines.authorized=true', `azureScope=${breadth ?? 'narrow'}`],
      remediation: `Restrict pipeline permissions on '${facts.endpoint.name}' (Project settings → Service connections → ${facts.endpoint.name} → Security → Pipeline permissions → Restrict permission) and authorise only the pipelines that deploy with it.`,
    });
  },
};
