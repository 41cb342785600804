import type { LivenessCheck } from '../scanning';
import type { ServiceVerifier } from './port';

/** Slack's `auth.test` errors that mean the token no longer works. */
const revokedErrors = new Set(['invalid_auth', 'token_revoked', 'token_expired', 'account_inactive', 'not_authed', 'org_login_required']);

/**
 * Slack: `POST auth.test` with the token, which only says whom the token belongs to. Slack answers
 * 200 either way: `{"ok":true}` for a working token, `{"ok":false,"error":"invalid_auth"}` (or
 * `token_revoked`, ...) for a dead one; any other error (rate limits) proves nothing.
 */
export const slackVerifier: ServiceVerifier = {
  service: 'slack',
  ruleIds: ['slack-bot-token', 'slack-user-token', 'slack-legacy-bot-token', 'slack-legacy-token', 'slack-legacy-workspace-token'],
  async check({ secret }, send, endpoints): Promise<LivenessCheck> {
    const response = await send({
      method: 'POST',
      url: `${endpoints.slack.replace(/\/+$/, '')}/auth.test`,
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/x-www-form-urlencoded' },
    });
    if (response.status !== 200) return { status: 'unknown', service: 'slack', reason: `slack answered HTTP ${response.status}` };
    let answer: { ok?: unknown; error?: unknown };
    try {
      answer = JSON.parse(response.body) as { ok?: unknown; error?: unknown };
    } catch {
      return { status: 'unknown', service: 'slack', reason: 'slack answered something other than JSON' };
    }
    if (answer.ok === true) return { status: 'live', service: 'slack' };
    const error = typeof answer.error === 'string' ? answer.error : '';
    if (revokedErrors.has(error)) return { status: 'revoked', service: 'slack' };
    // Slack's error codes are short identifiers; anything else is not repeated.
    return {
      status: 'unknown',
      service: 'slack',
      reason: /^[a-z_]{1,64}$/.test(error) ? `slack answered ${error}` : 'slack answered ok: false',
    };
  },
};
