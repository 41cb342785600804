import { HttpRequest } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { refusedInAzure } from '../../../shared/overview/overviewHttp';

function request(headers: Record<string, string> = {}): HttpRequest {
  return new HttpRequest({ method: 'GET', url: 'https://vigil.example/api/overview', headers });
}

const inAzure = { WEBSITE_SITE_NAME: 'func-vigil-abc' };

describe('the overview in Azure', () => {
  it('is closed to everyone while App Service authentication is not configured, even with a principal header', () => {
    const answer = refusedInAzure(request({ 'x-ms-client-principal-id': 'forged' }), undefined, inAzure);
    expect(answer?.status).toBe(401);
    expect(JSON.stringify(answer?.jsonBody)).toContain('App Service authentication is not configured');
  });

  it('serves a request that App Service authentication signed in, and refuses one it did not', () => {
    expect(
      refusedInAzure(request({ 'x-ms-client-principal-id': '00000000-0000-0000-0000-000000000001' }), 'app-service', inAzure),
    ).toBeUndefined();
    expect(refusedInAzure(request(), 'app-service', inAzure)?.status).toBe(401);
  });

  it('leaves the local host to its own token check', () => {
    expect(refusedInAzure(request(), undefined, {})).toBeUndefined();
  });

  it('answers its refusals with the security headers', () => {
    const headers = refusedInAzure(request(), undefined, inAzure)?.headers as Record<string, string>;
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });
});
