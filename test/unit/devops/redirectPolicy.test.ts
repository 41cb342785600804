import { describe, expect, it } from 'vitest';
import { followRedirect } from '../../../shared/devops/redirectPolicy';

const credential = { authorization: 'Basic c2VjcmV0', accept: 'text/plain' };

describe('following a redirect with a credential', () => {
  it('keeps the credential within the origin, relative locations included', () => {
    const next = followRedirect(
      new URL('https://dev.azure.com/contoso/_apis/build/builds/1/logs/2'),
      '/contoso/_apis/logs/2?x=1',
      credential,
    );
    expect(next.url.toString()).toBe('https://dev.azure.com/contoso/_apis/logs/2?x=1');
    expect(next.headers).toEqual(credential);
  });

  it('drops the credential, whatever its case, when the redirect leaves the origin', () => {
    const next = followRedirect(new URL('https://dev.azure.com/contoso/log'), 'https://blobs.example.net/log?sig=1', {
      Authorization: 'Bearer t',
      accept: 'text/plain',
    });
    expect(next.url.origin).toBe('https://blobs.example.net');
    expect(next.headers).toEqual({ accept: 'text/plain' });
    expect(followRedirect(new URL('https://dev.azure.com/a'), 'https://dev.azure.com:8443/a', credential).headers).toEqual({
      accept: 'text/plain',
    });
  });

  it('refuses to go from https down to http', () => {
    expect(() => followRedirect(new URL('https://dev.azure.com/contoso/log'), 'http://dev.azure.com/contoso/log', credential)).toThrow(
      expect.objectContaining({ code: 'EREDIRECTDOWNGRADE', message: expect.stringContaining('refused a redirect from https to http') }),
    );
  });
});
