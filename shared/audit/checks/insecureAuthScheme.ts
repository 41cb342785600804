import { type AuditedEndpoint, schemeIs, typeIs } from '../auditedEndpoint';
import { settingValue } from '../evidenceText';
import { fail, notApplicable, pass, type ServiceConnectionCheck } from './serviceConnectionCheck';

/**
 * ADOScanner SC200 (secure auth method per type), notes §4 #2 ("also flag UsernamePassword/Basic
 * schemes on other types (Medium)") and SEC-6 credential hygiene. Azure types are left to the
 * client-secret and classic-azure checks. In order:
 * - any credential sent to a plain `http://` URL: high (it crosses the network readable);
 * - `UsernamePassword` / `Basic`: medium (a reusable password where the service offers tokens);
 * - GitHub with `PersonalAccessToken`: low (a person's token; the GitHub App or OAuth exists).
 */
export const insecureAuthScheme: ServiceConnectionCheck = {
  id: 'insecure-auth-scheme',
  title: 'Service connection uses an insecure authentication scheme',
  evaluate({ endpoint }) {
    if (typeIs(endpoint, 'azurerm') || typeIs(endpoint, 'azure') || !endpoint.scheme) return notApplicable();
    const scheme = settingValue(endpoint.scheme);
    const type = settingValue(endpoint.type);
    const protocol = urlProtocol(endpoint);
    if (!schemeIs(endpoint, ...credentialFreeSchemes) && protocol === 'http') {
      return fail({
        severity: 'high',
        field: 'url',
        shown: `authorization.scheme = ${scheme}, url scheme = http`,
        values: [type, scheme, 'http'],
        remediation: `Point '${endpoint.name}' at an https:// URL (and rotate its credential, which has crossed the network unencrypted), or remove it.`,
      });
    }
    if (schemeIs(endpoint, 'UsernamePassword', 'Basic')) {
      return fail({
        severity: 'medium',
        field: 'authorization.scheme',
        shown: `authorization.scheme = ${scheme}`,
        values: [type, scheme, protocol],
        remediation: `Switch '${endpoint.name}' to a token the service scopes and expires (a deploy token, API key or service account token) instead of a username and password, then change that password.`,
      });
    }
    if (typeIs(endpoint, 'github') && schemeIs(endpoint, 'PersonalAccessToken')) {
      return fail({
        severity: 'low',
        field: 'authorization.scheme',
        shown: `authorization.scheme = ${scheme}`,
        values: [type, scheme],
        remediation: `Reconnect '${endpoint.name}' with the Azure Pipelines GitHub App (or OAuth) instead of a person's token, then revoke that token.`,
      });
    }
    return pass();
  },
};

const credentialFreeSchemes = ['None', 'WorkloadIdentityFederation', 'ManagedServiceIdentity'];

function urlProtocol(endpoint: AuditedEndpoint): string {
  try {
    return new URL(endpoint.url ?? '').protocol.replace(/:$/, '');
  } catch {
    return 'none';
  }
}
