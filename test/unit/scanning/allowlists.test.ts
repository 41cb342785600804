import { describe, expect, it } from 'vitest';
import { isGuid, isHexDigest, isPrecededByDigestLabel } from '../../../shared/scanning/allowlists/digests';
import { isEncodedProse, isVersionString } from '../../../shared/scanning/allowlists/nonSecretValues';
import { isPlaceholder } from '../../../shared/scanning/allowlists/placeholders';
import { isSecretName } from '../../../shared/scanning/allowlists/secretNames';
import { isCodeReference, isVariableReference } from '../../../shared/scanning/allowlists/variableReferences';

describe('allowlists', () => {
  it.each([
    'xxxxxxxxxxxxxxxx',
    'XXXXXXXX-XXXX',
    '<your-token>',
    'YOUR_API_KEY',
    'AKIAIOSFODNN7EXAMPLE',
    'changeme',
    '********',
    'abcdefghijklmnopqrstuvwxyz0123',
    'password',
    '...',
  ])('treats %s as a placeholder', (value) => expect(isPlaceholder(value)).toBe(true));

  it.each(['Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB', 'hunter2-but-longer-Q9x', 'dB2yF6@qL9vZm1P#4J'])(
    'treats %s as a possible secret',
    (value) => {
      expect(isPlaceholder(value)).toBe(false);
    },
  );

  it('judges repeated characters beyond latin1 by code points', () => {
    expect(isPlaceholder('ЖЖЖЖЖab1')).toBe(true);
    expect(isPlaceholder('Ж9fQ2x7LmZ')).toBe(false);
    expect(isPlaceholder('😀😀😀😀x7Q')).toBe(true);
    expect(isPlaceholder('😀😀Zf3D0LXC')).toBe(false);
    // a value judged after one that switched to code points midway is judged on its own
    expect(isPlaceholder('aaaaaaaaЖ')).toBe(true);
    expect(isPlaceholder('aZf3D0LXCM3EIMbgJ')).toBe(false);
  });

  it.each([
    '$(System.AccessToken)',
    '${{ secrets.NPM_TOKEN }}',
    '${NPM_TOKEN}',
    '$NPM_TOKEN',
    '$env:NPM_TOKEN',
    '%NPM_TOKEN%',
    '{{ .Values.password }}',
    '***',
    '#{Octopus.Password}#',
    '__TOKEN__',
  ])('treats %s as a variable reference', (value) => expect(isVariableReference(value)).toBe(true));

  it('treats dotted identifiers as code, not values', () => {
    expect(isCodeReference('var.db_password')).toBe(true);
    expect(isCodeReference('settings.Secrets.ApiKey')).toBe(true);
    expect(isCodeReference('Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB')).toBe(false);
    expect(isCodeReference('config.oauth2Token')).toBe(true);
  });

  it('knows version strings and base64 of ordinary text are not secrets, but base64 of user:password is', () => {
    expect(isVersionString('1.2.3-beta.4+build.567')).toBe(true);
    expect(isVersionString('v2024.05.01')).toBe(true);
    expect(isVersionString('1.2.3a4B5c6D7e8F')).toBe(false);
    const userAgent = Buffer.from(
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0',
    ).toString('base64');
    expect(isEncodedProse(userAgent)).toBe(true);
    expect(isEncodedProse(Buffer.from('deploy:Q7x2 N4m8 K1pL 0zQ7 x2N4').toString('base64'))).toBe(false);
    expect(isEncodedProse(Buffer.from(Uint8Array.from({ length: 48 }, (_, i) => (i * 37) % 256)).toString('base64'))).toBe(false);
  });

  it('reads a dotted value that keeps switching between letters and digits as a password, not code', () => {
    expect(isCodeReference('AFt1Pr6Nb.Zcr0WXf')).toBe(false);
  });

  it('recognises GUIDs, hex digests and digest labels', () => {
    expect(isGuid('3f2504e0-4f89-11d3-9a0c-0305e82c3301')).toBe(true);
    expect(isHexDigest('0123456789abcdef0123456789abcdef01234567')).toBe(true);
    expect(isHexDigest('0123456789abcdef0123')).toBe(false);
    expect(isPrecededByDigestLabel('"integrity": "sha512-')).toBe(true);
    expect(isPrecededByDigestLabel('image@sha256:')).toBe(true);
    expect(isPrecededByDigestLabel('password=')).toBe(false);
  });

  it.each([
    'DB_PASSWORD',
    'clientSecret',
    'api_key',
    'GITHUB_TOKEN',
    'AZURE_DEVOPS_EXT_PAT',
    'user_auth',
    'storageAccountKey',
    'credentials',
    'dbpassword',
  ])('treats %s as a secret name', (name) => expect(isSecretName(name)).toBe(true));

  it.each([
    'tokenUrl',
    'secret_length',
    'keyVaultName',
    'credentialsId',
    'public_key',
    'publicToken',
    'csrf-token',
    'jsonwebtoken',
    'author',
    'keyStr',
    'AuthSource',
    'schemaKey',
  ])('does not treat %s as a secret name', (name) => expect(isSecretName(name)).toBe(false));
});
