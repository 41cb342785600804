import { livenessFromStatus, type ServiceVerifier } from './port';

/**
 * GitLab: `GET /api/v4/personal_access_tokens/self` with the token, which describes the token
 * itself (name, scopes, expiry) and nothing else; 401 when it is revoked or expired. Only
 * gitlab.com (or the configured instance) is asked: a self-managed instance named in the scanned
 * text is not contacted.
 */
export const gitLabVerifier: ServiceVerifier = {
  service: 'gitlab',
  ruleIds: ['gitlab-pat'],
  async check({ secret }, send, endpoints) {
    const response = await send({
      method: 'GET',
      url: `${endpoints.gitlab.replace(/\/+$/, '')}/api/v4/personal_access_tokens/self`,
      headers: { 'private-token': secret, 'user-agent': 'vigil-verification' },
    });
    return livenessFromStatus('gitlab', response.status);
  },
};
