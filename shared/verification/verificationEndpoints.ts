import { ConfigurationError } from '../errors';
import type { VerificationEndpoints } from './port';

const variables: ReadonlyArray<[keyof VerificationEndpoints, string]> = [
  ['github', 'VIGIL_VERIFY_GITHUB_URL'],
  ['gitlab', 'VIGIL_VERIFY_GITLAB_URL'],
  ['azureDevOps', 'VIGIL_VERIFY_AZURE_DEVOPS_URL'],
  ['slack', 'VIGIL_VERIFY_SLACK_URL'],
  ['npm', 'VIGIL_VERIFY_NPM_URL'],
  ['azureStorage', 'VIGIL_VERIFY_AZURE_STORAGE_URL'],
];

/**
 * Endpoint overrides from the environment (`VIGIL_VERIFY_GITHUB_URL`, ...; the storage one with
 * `{account}` in it): for tests and a proxy on this machine. Only https, or plain http to this
 * machine, is accepted: an override elsewhere would send every found credential there in clear.
 */
export function verificationEndpointsFromEnvironment(environment: Readonly<Record<string, unknown>>): Partial<VerificationEndpoints> {
  const endpoints: Partial<VerificationEndpoints> = {};
  for (const [service, variable] of variables) {
    const value = environment[variable];
    if (typeof value !== 'string' || value === '') continue;
    if (!/^https:\/\/[^\s/]+/.test(value) && !/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(value)) {
      throw new ConfigurationError(
        `${variable} must be an https URL, or http to this machine (127.0.0.1, localhost): it receives found credentials`,
      );
    }
    if (service === 'azureStorage' && !value.includes('{account}')) {
      throw new ConfigurationError(`${variable} must contain {account}, where the storage account's name goes`);
    }
    endpoints[service] = value;
  }
  return endpoints;
}
