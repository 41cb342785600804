import type { SecretFactory } from '../support/scanning/syntheticSecrets';
import { type PlantedSecret, writePlantedBuildLog } from './scanLogGenerator';

/**
 * Writes a seeded, keyword-dense Azure Pipelines log: the output of a deployment job run with
 * `system.debug` on, where almost every line says `api`, `key`, `token`, `auth`, `secret` or
 * `password` without holding a secret — `az --debug` request traces and MSAL cache events, `curl -v`
 * exchanges, truncated `eyJ…` fragments and base64 JSON build metadata, URLs with query strings,
 * npm verbose publish output for packages named after keys and tokens, docker buildx, Terraform
 * plans, `printenv` dumps, test names. Written from what those tools print, not from any scanner's
 * rule list. The same planted secrets as the other log (`scanLogGenerator.ts`) at the same rate,
 * so recall means the same on both.
 */

const hexDigits = '0123456789abcdef';
const base64Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function hex(f: SecretFactory, length: number): string {
  return f.characters(hexDigits, length);
}

function guid(f: SecretFactory): string {
  return `${hex(f, 8)}-${hex(f, 4)}-${hex(f, 4)}-${hex(f, 4)}-${hex(f, 12)}`;
}

const services = ['api-gateway', 'orders-api', 'billing', 'identity', 'search-api', 'notifications', 'key-rotation'];
const vaultSecrets = ['api-key', 'db-password', 'storage-key', 'jwt-signing-key', 'client-secret', 'api-token', 'webhook-secret'];
const keywordPackages = [
  '@azure/keyvault-keys',
  '@azure/keyvault-secrets',
  'jsonwebtoken',
  'jwks-rsa',
  '@octokit/auth-token',
  'passport-http-bearer',
  'keyv',
  'api-key-auth',
  'keytar',
  'csrf-token',
  'tokenizer',
  '@azure/msal-node',
  'apicache',
  'openapi-types',
];

function base64Json(f: SecretFactory): string {
  const document = {
    frontend: 'dockerfile.v0',
    attrs: { 'build-arg:API_VERSION': `2024-0${f.below(9) + 1}-01`, 'build-arg:NODE_ENV': 'production', target: 'runtime' },
    sources: [{ type: 'docker-image', ref: `docker.io/library/node:${18 + f.below(4)}-alpine`, pin: `sha256:${hex(f, 64)}` }],
  };
  return Buffer.from(JSON.stringify(document)).toString('base64');
}

/** `eyJ…` as `az --debug` and MSAL print it: cut off after a few dozen characters, never a whole token. */
function truncatedJwtFragment(f: SecretFactory): string {
  const header = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5t: hex(f, 8), kid: hex(f, 8) })).toString('base64url');
  return `${header.slice(0, 24 + f.below(30))}...`;
}

function azDebugLine(f: SecretFactory): string {
  const subscription = guid(f);
  const service = f.pick(services);
  switch (f.below(12)) {
    case 0:
      return `DEBUG: cli.azure.cli.core.sdk.policies: Request URL: 'https://management.azure.com/subscriptions/${subscription}/resourceGroups/rg-${service}/providers/Microsoft.KeyVault/vaults/kv-${service}/secrets/${f.pick(vaultSecrets)}?api-version=2023-07-01'`;
    case 1:
      return `DEBUG: cli.azure.cli.core.sdk.policies:     'Authorization': '*****'`;
    case 2:
      return `DEBUG: cli.azure.cli.core.sdk.policies:     'x-ms-client-request-id': '${guid(f)}'`;
    case 3:
      return `DEBUG: cli.azure.cli.core._profile: Retrieving token for scope https://management.core.windows.net//.default from the token cache (${f.below(40)} tokens)`;
    case 4:
      return `DEBUG: msal.token_cache: event={"client_id": "04b07795-8ddb-461a-bbee-02f9e1bf7b46", "scope": ["https://management.core.windows.net//.default"], "token_endpoint": "https://login.microsoftonline.com/${guid(f)}/oauth2/v2.0/token", "grant_type": "refresh_token", "response": {"token_type": "Bearer", "expires_in": ${3000 + f.below(2000)}, "access_token": "********", "refresh_token": "********"}}`;
    case 5:
      return `DEBUG: urllib3.connectionpool: https://management.azure.com:443 "GET /subscriptions/${subscription}/providers/Microsoft.Storage/storageAccounts?api-version=2023-01-01 HTTP/1.1" 200 ${f.below(90000)}`;
    case 6:
      return `DEBUG: msal.application: id_token_claims: {"aud": "${guid(f)}", "iss": "https://login.microsoftonline.com/${guid(f)}/v2.0"}, id_token: ${truncatedJwtFragment(f)}`;
    case 7:
      return `DEBUG: cli.azure.cli.core.sdk.policies: Response content: {"value": [{"keyName": "key${1 + f.below(2)}", "permissions": "FULL", "value": "***", "creationTime": "2024-0${1 + f.below(9)}-1${f.below(9)}T0${f.below(9)}:12:44.1234567Z"}]}`;
    case 8:
      return `    "kid": "https://kv-${service}.vault.azure.net/keys/${f.pick(['signing-key', 'data-key', 'api-key'])}/${hex(f, 32)}",`;
    case 9:
      return `    "id": "https://kv-${service}.vault.azure.net/secrets/${f.pick(vaultSecrets)}/${hex(f, 32)}", "contentType": "text/plain", "enabled": true,`;
    case 10:
      return `WARNING: The command requires the extension storage-preview. It will be installed first. Use --account-key or --auth-mode login to authenticate; keys listed with 'az storage account keys list'.`;
    default:
      return `DEBUG: cli.knack.cli: Command arguments: ['keyvault', 'secret', 'show', '--vault-name', 'kv-${service}', '--name', '${f.pick(vaultSecrets)}', '--query', 'id', '--debug']`;
  }
}

function curlLine(f: SecretFactory): string {
  const host = `${f.pick(services)}.contoso.com`;
  switch (f.below(12)) {
    case 0:
      return `+ curl -sS -f -H "Authorization: Bearer $ACCESS_TOKEN" -H "Accept: application/json" "https://api.github.com/repos/contoso/${f.pick(services)}/releases?per_page=100&page=${1 + f.below(9)}"`;
    case 1:
      return `> GET /api/v${1 + f.below(3)}/${f.pick(['keys', 'tokens', 'health', 'apikeys/rotate', 'auth/introspect'])}?include=metadata&limit=${f.below(500)} HTTP/2`;
    case 2:
      return `> Host: ${host}`;
    case 3:
      return '> authorization: Bearer ***';
    case 4:
      return `< x-api-version: 2024-0${1 + f.below(9)}-01`;
    case 5:
      return `< x-ratelimit-remaining: ${f.below(5000)} (api key quota, resets in ${f.below(3600)}s)`;
    case 6:
      return `< set-cookie: ARRAffinity=${hex(f, 64)}; Path=/; HttpOnly; Secure; Domain=${host}`;
    case 7:
      return `{"token_type":"Bearer","expires_in":${f.below(3600)},"ext_expires_in":${f.below(3600)},"access_token":"***","api_version":"2.0"}`;
    case 8:
      return `* Connected to ${host} (20.${f.below(255)}.${f.below(255)}.${f.below(255)}) port 443 (#0)`;
    case 9:
      return `+ curl -X POST "https://${host}/api/keys/rotate?keyName=${f.pick(['primary', 'secondary'])}&api-version=2024-01-01" -H "Ocp-Apim-Subscription-Key: $(APIM_KEY)" -d '{"reason":"scheduled"}'`;
    case 10:
      return `< content-security-policy: default-src 'self'; connect-src https://${host} https://login.microsoftonline.com; script-src 'nonce-${Buffer.from(f.bytes(12)).toString('base64')}'`;
    default:
      return `* SSL certificate verify ok. subject: CN=*.contoso.com; issuer: C=US; O=Microsoft Corporation; CN=Microsoft Azure RSA TLS Issuing CA 0${f.below(9)}; public key: RSA 2048 bits`;
  }
}

function npmLine(f: SecretFactory): string {
  const name = f.pick(keywordPackages);
  const version = `${f.below(9)}.${f.below(20)}.${f.below(9)}`;
  switch (f.below(8)) {
    case 0:
      return `npm http fetch GET 200 https://pkgs.dev.azure.com/contoso/_packaging/internal/npm/registry/${name.replace('/', '%2f')} ${f.below(900)}ms (cache revalidated)`;
    case 1:
      return `npm verb reify replace node_modules/${name} with ${name}@${version}`;
    case 2:
      return `npm sill placeDep ROOT ${name}@${version} OK for: @contoso/${f.pick(services)}@1.0.0 want: ^${version}`;
    case 3:
      return `npm verb getCredentialsByURI //pkgs.dev.azure.com/contoso/_packaging/internal/npm/registry/:_authToken (protected)`;
    case 4:
      return `npm notice Publishing to https://pkgs.dev.azure.com/contoso/_packaging/internal/npm/registry/ with tag latest and default access`;
    case 5:
      return `npm sill tarball no local data for ${name}@${version}. Extracting by manifest. integrity sha512-${Buffer.from(f.bytes(64)).toString('base64')}`;
    case 6:
      return `npm WARN deprecated ${name}@${version}: token validation moved to the api package; see https://github.com/contoso/${f.pick(services)}/issues/${f.below(900)}`;
    default:
      return `npm timing reifyNode:node_modules/${name} Completed in ${f.below(3000)}ms`;
  }
}

function dockerLine(f: SecretFactory): string {
  const step = 1 + f.below(30);
  switch (f.below(7)) {
    case 0:
      return `#${step} [runtime ${1 + f.below(8)}/9] COPY --from=build /src/${f.pick(services)}/dist ./dist`;
    case 1:
      return `#${step} exporting manifest sha256:${hex(f, 64)} ${f.below(9)}.${f.below(9)}s done`;
    case 2:
      return `#${step} writing image sha256:${hex(f, 64)} done`;
    case 3:
      return `  "containerimage.buildinfo": "${base64Json(f)}",`;
    case 4:
      return `#${step} [build 4/7] RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci --ignore-scripts # api key from build secret`;
    case 5:
      return `#${step} pushing crvigil.azurecr.io/${f.pick(services)}:${hex(f, 12)} with docker login token (expires in ${f.below(180)} minutes)`;
    default:
      return `WARNING! Your password will be stored unencrypted in /home/vsts/.docker/config.json. Configure a credential helper to remove this warning.`;
  }
}

function terraformLine(f: SecretFactory): string {
  const service = f.pick(services);
  switch (f.below(6)) {
    case 0:
      return `module.${service.replace(/-/g, '_')}.azurerm_key_vault_secret.${f.pick(vaultSecrets).replace(/-/g, '_')}: Refreshing state... [id=https://kv-${service}.vault.azure.net/secrets/${f.pick(vaultSecrets)}/${hex(f, 32)}]`;
    case 1:
      return `      + primary_access_key   = (sensitive value)`;
    case 2:
      return `      ~ api_key_id           = "${guid(f)}" -> (known after apply)`;
    case 3:
      return `      + token_endpoint       = "https://login.microsoftonline.com/${guid(f)}/oauth2/v2.0/token"`;
    case 4:
      return `      + secret_name          = "${f.pick(vaultSecrets)}"`;
    default:
      return `azurerm_api_management_api.${service.replace(/-/g, '_')}: Modifications complete after ${f.below(90)}s [id=/subscriptions/${guid(f)}/resourceGroups/rg-apim/providers/Microsoft.ApiManagement/service/apim-contoso/apis/${service}]`;
  }
}

function environmentLine(f: SecretFactory): string {
  switch (f.below(14)) {
    case 0:
      return `API_BASE_URL=https://${f.pick(services)}.contoso.com/api/v2?tenant=${guid(f)}`;
    case 1:
      return 'SYSTEM_ACCESSTOKEN=***';
    case 2:
      return `KEY_VAULT_NAME=kv-${f.pick(services)}`;
    case 3:
      return `TOKEN_ENDPOINT=https://login.microsoftonline.com/${guid(f)}/oauth2/v2.0/token`;
    case 4:
      return `NPM_CONFIG_USERCONFIG=/home/vsts/work/1/npm/${f.below(99999)}.npmrc`;
    case 5:
      return `SSH_AUTH_SOCK=/tmp/ssh-${f.alphanumeric(12)}/agent.${f.below(9999)}`;
    case 6:
      return `API_KEY_HEADER=Ocp-Apim-Subscription-Key`;
    case 7:
      return `AZURE_HTTP_USER_AGENT=VSTS_${guid(f)}_build_${f.below(999)}_0`;
    case 8:
      return `SECRET_NAME=${f.pick(vaultSecrets)}`;
    case 9:
      return `GPG_KEY_ID=${hex(f, 16).toUpperCase()}`;
    case 10:
      return `AUTH_AUTHORITY=https://login.microsoftonline.com/${guid(f)}`;
    case 11:
      return `KEYCLOAK_REALM=contoso-${f.pick(['dev', 'test', 'prod'])}`;
    case 12:
      return `BUILD_SOURCEVERSIONMESSAGE=Rotate ${f.pick(['API key', 'token', 'signing key', 'client secret'])} for ${f.pick(services)} (#${f.below(900)})`;
    default:
      return `SYSTEM_TEAMFOUNDATIONCOLLECTIONURI=https://dev.azure.com/contoso/`;
  }
}

function testLine(f: SecretFactory): string {
  const subject = f.pick(['access token', 'refresh token', 'API key', 'signing key', 'session token', 'key rotation', 'password reset']);
  const outcome = f.pick(['rejects an expired', 'refreshes the', 'caches the', 'redacts the', 'validates the', 'revokes the']);
  return `  ${f.below(20) === 0 ? '✗' : '✓'} ${outcome} ${subject} (${f.below(200)} ms) [${f.characters(base64Alphabet, 6)}]`;
}

function gitLine(f: SecretFactory): string {
  switch (f.below(4)) {
    case 0:
      return `From https://dev.azure.com/contoso/platform/_git/${f.pick(services)}`;
    case 1:
      return ` * [new branch]      feature/${f.pick(['api-key-rotation', 'token-cache', 'keyless-auth', 'secret-scanning'])}-${f.below(99)} -> origin/feature/${f.pick(['api-key-rotation', 'token-cache'])}-${f.below(99)}`;
    case 2:
      return `##[command]git -c http.extraheader="AUTHORIZATION: bearer ***" fetch --force --tags --prune --no-recurse-submodules origin`;
    default:
      return `HEAD is now at ${hex(f, 7)} Merge pull request ${f.below(900)}: move the ${f.pick(['api key', 'token', 'keys'])} to Key Vault`;
  }
}

export async function writeKeywordDenseBuildLog(file: string, targetBytes: number, seed = 19): Promise<PlantedSecret[]> {
  return writePlantedBuildLog(file, targetBytes, seed, (f) => {
    const family = f.below(20);
    if (family < 5) return azDebugLine(f);
    if (family < 9) return curlLine(f);
    if (family < 12) return npmLine(f);
    if (family < 14) return dockerLine(f);
    if (family < 16) return terraformLine(f);
    if (family < 18) return environmentLine(f);
    return family < 19 ? testLine(f) : gitLine(f);
  });
}

/** Run as a script (`node --require tsx/cjs keywordDenseLogGenerator.ts FILE MEGABYTES`), like scanLogGenerator.ts. */
if (require.main === module) {
  const [file, megabytes] = process.argv.slice(2);
  writeKeywordDenseBuildLog(file, Number(megabytes) * 1024 * 1024).then(
    (planted) => process.stdout.write(JSON.stringify(planted)),
    (error: unknown) => {
      process.stderr.write(`log generation failed: ${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
