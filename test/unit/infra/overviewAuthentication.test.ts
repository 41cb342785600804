import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { webhookSources } from '../../../shared/events/envelope';
import { appFunctions } from '../../support/testHost';

/**
 * The overview is guarded in Azure by App Service authentication with Entra ID (docs/deploy.md,
 * "The overview"). Bicep cannot be compiled here, so the module is read as text, as bicep.test.ts does.
 */
const root = join(__dirname, '..', '..', '..');
const functionApp = readFileSync(join(root, 'infra', 'modules', 'functionApp.bicep'), 'utf8');
const main = readFileSync(join(root, 'infra', 'main.bicep'), 'utf8');

function block(text: string, start: string): string {
  const at = text.indexOf(start);
  expect(at, `'${start}' in the Bicep`).toBeGreaterThanOrEqual(0);
  let depth = 0;
  for (let i = text.indexOf('{', at); i < text.length; i++) {
    if (text[i] === '{') depth++;
    if (text[i] === '}' && --depth === 0) return text.slice(at, i + 1);
  }
  throw new Error(`unbalanced braces after '${start}'`);
}

describe('App Service authentication for the overview in Bicep', () => {
  const auth = block(functionApp, "resource authentication 'config'");

  it('configures authsettingsV2 on the site with Entra ID, signing in everyone else', () => {
    expect(auth).toContain("name: 'authsettingsV2'");
    expect(auth).toMatch(/requireAuthentication: true/);
    expect(auth).toMatch(/unauthenticatedClientAction: 'RedirectToLoginPage'/);
    expect(auth).toMatch(/azureActiveDirectory: \{\s*enabled: true/);
    expect(auth).toContain('clientId: overviewClientId');
  });

  it('trusts only the deployment tenant as issuer, and restricts to the group when one is given', () => {
    expect(auth).toContain("openIdIssuer: '${environment().authentication.loginEndpoint}${overviewTenantId}/v2.0'");
    expect(functionApp).toMatch(/param overviewTenantId string = tenant\(\)\.tenantId/);
    expect(auth).toMatch(/groups: empty\(overviewAllowedGroupId\) \? \[\] : \[\s*overviewAllowedGroupId\s*\]/);
  });

  it('leaves exactly the webhook of every source and the health check open', async () => {
    const list = functionApp.slice(
      functionApp.indexOf('var openPaths = ['),
      functionApp.indexOf('\n]', functionApp.indexOf('var openPaths = [')),
    );
    const paths = [...list.matchAll(/'([^']+)'/g)].map((m) => m[1]);
    const health = (await appFunctions()).find((fn) => fn.name === 'health');
    const webhook = (await appFunctions()).find((fn) => fn.name === 'webhook');
    expect(health?.kind === 'http' && health.route).toBe('health');
    expect(webhook?.kind === 'http' && webhook.route).toBe('hooks/{source}');
    expect(paths.sort()).toEqual([...webhookSources.map((source) => `/api/hooks/${source}`), '/api/health'].sort());
    expect(auth).toContain('excludedPaths: openPaths');
  });

  it('tells the app it sits behind authentication only when authentication is configured', () => {
    expect(functionApp).toContain("VIGIL_OVERVIEW_AUTHENTICATION: empty(overviewClientId) ? 'none' : 'app-service'");
    expect(auth.startsWith("resource authentication 'config' = if (!empty(overviewClientId))")).toBe(true);
  });

  it('passes the client id and the group from main.bicep', () => {
    expect(main).toMatch(/param overviewClientId string = ''/);
    expect(main).toMatch(/param overviewAllowedGroupId string = ''/);
    expect(main).toContain('overviewClientId: overviewClientId');
    expect(main).toContain('overviewAllowedGroupId: overviewAllowedGroupId');
  });
});
