import { livenessFromStatus, type ServiceVerifier } from './port';

/**
 * npm: `GET /-/whoami` on the public registry with the token, which answers the user name; 401 for
 * a revoked token. Only `npm_` tokens are checked: a legacy `_authToken` may belong to any
 * registry, and the registry named next to it in the scanned text is never contacted.
 */
export const npmVerifier: ServiceVerifier = {
  service: 'npm',
  ruleIds: ['npm-access-token'],
  async check({ secret }, send, endpoints) {
    const response = await send({
      method: 'GET',
      url: `${endpoints.npm.replace(/\/+$/, '')}/-/whoami`,
      headers: { authorization: `Bearer ${secret}`, accept: 'application/json' },
    });
    return livenessFromStatus('npm', response.status, [401, 403]);
  },
};
