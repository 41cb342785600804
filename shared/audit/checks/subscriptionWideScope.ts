import { typeIs } from '../auditedEndpoint';
import { azureScopeBreadth } from '../azureScope';
import { settingValue } from '../evidenceText';
import { fail, notApplicable, pass, type ServiceConnectionCheck } from './serviceConnectionCheck';

/**
 * ADOScanner SC120 (baseline), notes §4 #3: an Azure Resource Manager connection scoped to a
 * management group, or to a subscription with no resource group, lets any pipeline that may use
 * it change everything there. Critical for a management group. A `Manual` connection's real
 * roles live in Azure, where Vigil does not look: it is reported at medium, unverified.
 */
export const subscriptionWideScope: ServiceConnectionCheck = {
  id: 'subscription-wide-scope',
  title: 'Azure service connection scoped to a whole subscription or management group',
  evaluate({ endpoint }) {
    if (!typeIs(endpoint, 'azurerm')) return notApplicable();
    const breadth = azureScopeBreadth(endpoint);
    if (!breadth) return pass();
    const manual = endpoint.creationMode?.toLowerCase() === 'manual';
    const scopeLevel = settingValue(endpoint.scopeLevel);
    const creationMode = settingValue(endpoint.creationMode);
    const narrow = `Scope '${endpoint.name}' to the resource group(s) it deploys to and remove its identity's role assignments on the ${breadth === 'management-group' ? 'management group' : 'subscription'}.`;
    return fail({
      severity: breadth === 'management-group' ? 'critical' : manual ? 'medium' : 'high',
      field: 'data.scopeLevel',
      shown: `data.scopeLevel = ${scopeLevel}, authorization.parameters.scope = (not set), data.creationMode = ${creationMode}`,
      values: [scopeLevel, creationMode],
      remediation: manual
        ? `'${endpoint.name}' was created manually, so its roles are assigned in Azure: check that its service principal holds roles only on the resource groups it deploys to. ${narrow}`
        : narrow,
      verified: !manual || breadth === 'management-group',
    });
  },
};
