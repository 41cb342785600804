import { schemeIs, typeIs } from '../auditedEndpoint';
import { settingValue } from '../evidenceText';
import { fail, notApplicable, pass, type ServiceConnectionCheck } from './serviceConnectionCheck';

/**
 * ADOScanner SC110/SC200, notes §4 #2: an Azure Resource Manager connection with scheme
 * `ServicePrincipal` authenticates with a client secret (`authenticationType` `spnKey`, or unset
 * on older connections) that can be copied and used from anywhere until it expires. Workload
 * identity federation and managed identity hold no secret; a certificate (`spnCertificate`) is
 * accepted as the notes do.
 */
export const clientSecret: ServiceConnectionCheck = {
  id: 'client-secret',
  title: 'Azure service connection authenticates with a client secret',
  evaluate({ endpoint }) {
    if (!typeIs(endpoint, 'azurerm')) return notApplicable();
    if (!schemeIs(endpoint, 'ServicePrincipal')) return pass();
    if (endpoint.authenticationType?.toLowerCase() === 'spncertificate') return pass();
    const authenticationType = settingValue(endpoint.authenticationType);
    return fail({
      severity: 'high',
      field: 'authorization.parameters.authenticationType',
      shown: `authorization.scheme = ServicePrincipal, authorization.parameters.authenticationType = ${authenticationType}`,
      values: ['ServicePrincipal', authenticationType],
      remediation: `Convert '${endpoint.name}' to workload identity federation (Project settings → Service connections → ${endpoint.name} → Edit → Convert), then delete the client secret from its Entra app registration.`,
    });
  },
};
