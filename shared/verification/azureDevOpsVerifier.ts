import { livenessFromStatus, type ServiceVerifier } from './port';

/**
 * Azure DevOps: `GET /_apis/profile/profiles/me` on the profile service, which needs no
 * organization and reads only the PAT owner's own profile. A revoked or expired PAT gets 401, or
 * 203 with the sign-in page (or a redirect to it), which Azure DevOps answers to credentials it
 * does not accept.
 */
export const azureDevOpsVerifier: ServiceVerifier = {
  service: 'azure-devops',
  ruleIds: ['azure-devops-pat', 'azure-devops-pat-legacy'],
  async check({ secret }, send, endpoints) {
    const response = await send({
      method: 'GET',
      url: `${endpoints.azureDevOps.replace(/\/+$/, '')}/_apis/profile/profiles/me?api-version=7.1`,
      headers: { authorization: `Basic ${Buffer.from(`:${secret}`).toString('base64')}`, accept: 'application/json' },
    });
    return livenessFromStatus('azure-devops', response.status, [401, 203, 302]);
  },
};
