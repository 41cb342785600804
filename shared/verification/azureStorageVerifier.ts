import { createHmac } from 'node:crypto';
import type { LivenessCheck } from '../scanning';
import type { ServiceVerifier } from './port';

const storageVersion = '2021-08-06';
/** Storage account names: 3-24 lower-case letters and digits, which is also all a host label may hold here. */
const accountNamePattern = /^[a-z0-9]{3,24}$/;
/** `AccountName=name` (a connection string) or `--account-name name` (the az CLI). */
const accountNameInLine = /(?:AccountName\s*=\s*|--account-name[ =]["']?)([A-Za-z0-9]{3,24})(?![A-Za-z0-9])/i;

/**
 * Azure Storage: List Containers (`GET /?comp=list&maxresults=1`) on the account's blob endpoint,
 * signed with the key (SharedKey). It lists at most one container name and reads no data; 403
 * AuthenticationFailed when the key was rotated. The account's name comes from `AccountName=` (or
 * `--account-name`) on the key's line; the host is always `<account>.blob.core.windows.net` (or the configured
 * template): a `BlobEndpoint` or `EndpointSuffix` in the scanned text is never used.
 */
export const azureStorageVerifier: ServiceVerifier = {
  service: 'azure-storage',
  ruleIds: ['azure-storage-account-key', 'azure-storage-connection-string'],
  async check({ secret, line }, send, endpoints): Promise<LivenessCheck> {
    const account = accountNameInLine.exec(line)?.[1]?.toLowerCase();
    if (account === undefined || !accountNamePattern.test(account)) {
      return { status: 'unknown', service: 'azure-storage', reason: 'no storage account name (AccountName=) on the line of the key' };
    }
    const date = new Date().toUTCString();
    // SharedKey for Blob: the verb, eleven standard headers (all empty here), the x-ms- headers, the resource.
    const stringToSign = [
      'GET',
      ...Array.from({ length: 11 }, () => ''),
      `x-ms-date:${date}\nx-ms-version:${storageVersion}`,
      `/${account}/\ncomp:list\nmaxresults:1`,
    ].join('\n');
    const signature = createHmac('sha256', Buffer.from(secret, 'base64')).update(stringToSign, 'utf8').digest('base64');
    const base = endpoints.azureStorage.replace('{account}', account).replace(/\/+$/, '');
    const response = await send({
      method: 'GET',
      url: `${base}/?comp=list&maxresults=1`,
      headers: { 'x-ms-date': date, 'x-ms-version': storageVersion, authorization: `SharedKey ${account}:${signature}` },
    });
    if (response.status >= 200 && response.status < 300) return { status: 'live', service: 'azure-storage' };
    if (response.status === 403 && response.body.includes('AuthenticationFailed')) return { status: 'revoked', service: 'azure-storage' };
    return { status: 'unknown', service: 'azure-storage', reason: `azure-storage answered HTTP ${response.status}` };
  },
};
