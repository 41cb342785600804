import { typeIs } from '../auditedEndpoint';
import { settingValue } from '../evidenceText';
import { fail, pass, type ServiceConnectionCheck } from './serviceConnectionCheck';

/**
 * ADOScanner SC150 (baseline), notes §4 #2: the classic `azure` type talks to Azure Service
 * Management with a management certificate or a user's credentials; both are long-lived secrets
 * with subscription-wide reach, and the platform behind it is retired.
 */
export const classicAzure: ServiceConnectionCheck = {
  id: 'classic-azure',
  title: 'Classic Azure service connection (management certificate or credentials)',
  evaluate({ endpoint }) {
    if (!typeIs(endpoint, 'azure')) return pass();
    const scheme = settingValue(endpoint.scheme);
    return fail({
      severity: 'high',
      field: 'type',
      shown: `type = ${settingValue(endpoint.type)}, authorization.scheme = ${scheme}`,
      values: ['azure', scheme],
      remediation: `Replace '${endpoint.name}' with an Azure Resource Manager connection that uses workload identity federation, move its pipelines to the new one, then delete '${endpoint.name}' and revoke its management certificate or credentials.`,
    });
  },
};
