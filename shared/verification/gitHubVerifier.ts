import { livenessFromStatus, type ServiceVerifier } from './port';

/**
 * GitHub: `GET /rate_limit` with the token. It answers any valid token (classic and fine-grained
 * PATs, OAuth, App installation and user tokens alike), reads nothing of the account, and does not
 * count against the rate limit; a revoked or expired token gets 401 Bad credentials.
 */
export const gitHubVerifier: ServiceVerifier = {
  service: 'github',
  ruleIds: ['github-pat', 'github-fine-grained-pat', 'github-oauth-token', 'github-user-to-server-token', 'github-server-to-server-token'],
  async check({ secret }, send, endpoints) {
    const response = await send({
      method: 'GET',
      url: `${endpoints.github.replace(/\/+$/, '')}/rate_limit`,
      headers: { authorization: `token ${secret}`, accept: 'application/vnd.github+json', 'user-agent': 'vigil-verification' },
    });
    return livenessFromStatus('github', response.status);
  },
};
