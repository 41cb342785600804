import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serviceBusConnectionName } from '../../../shared/azureFunctions/functionRegistry';
import { loadConfig } from '../../../shared/config';
import { defaultMaxDeliveryCount, queueNames } from '../../../shared/queue/names';
import { uploadTtlSeconds } from '../../../shared/sarif/sarifUploads';
import { containerDefinitions, containerNames } from '../../../shared/store/port';
import { containerTimeToLive, deliveriesRetentionDays, timeToLiveSeconds } from '../../../shared/store/timeToLive';
import { hookSecretNames } from '../../../shared/vault/port';
import { appFunctions } from '../../support/testHost';

/**
 * Bicep cannot be compiled on these machines, so these tests read infra/ as text and hold it to
 * the names the code uses (queues, containers, partition keys, app settings, the Service Bus
 * connection prefix) and to the deployment's safety rules (no keys, local auth off, built-in roles
 * only, role assignment names from guid()).
 */

const root = join(__dirname, '..', '..', '..');
const infra = join(root, 'infra');

function read(path: string): string {
  return readFileSync(join(root, path), 'utf8');
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const bicepFiles = filesUnder(infra).filter((path) => path.endsWith('.bicep'));

/** Removes `//` comments (outside single-quoted strings) so commented-out code never counts. */
function stripComments(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      let quoted = false;
      for (let i = 0; i < line.length; i++) {
        if (line[i] === "'" && line[i - 1] !== '\\') quoted = !quoted;
        if (!quoted && line[i] === '/' && line[i + 1] === '/') return line.slice(0, i);
      }
      return line;
    })
    .join('\n');
}

/** The text from an opening `{` or `[` at `start` to its matching close, strings skipped. */
function balanced(text: string, start: number): string {
  let depth = 0;
  let quoted = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === "'" && text[i - 1] !== '\\') quoted = !quoted;
    if (quoted) continue;
    if (c === '{' || c === '[') depth++;
    if (c === '}' || c === ']') depth--;
    if (depth === 0) return text.slice(start, i + 1);
  }
  throw new Error(`unbalanced brackets from offset ${start}`);
}

interface ResourceBlock {
  file: string;
  symbol: string;
  type: string;
  body: string;
}

/** Every `resource sym 'Type@version' [existing] = ...` declaration, nested ones included. */
function resources(file: string): ResourceBlock[] {
  const text = stripComments(readFileSync(file, 'utf8'));
  const found: ResourceBlock[] = [];
  const declaration = /resource\s+(\w+)\s+'([^'@]+)(?:@[^']+)?'\s*(existing\s*)?=\s*/g;
  for (let match = declaration.exec(text); match; match = declaration.exec(text)) {
    if (match[3]) continue;
    const open = text.slice(match.index + match[0].length).search(/[{[]/);
    found.push({ file, symbol: match[1], type: match[2], body: balanced(text, match.index + match[0].length + open) });
  }
  return found;
}

const allResources = bicepFiles.flatMap(resources);

function resourcesOfType(type: string): ResourceBlock[] {
  return allResources.filter((resource) => resource.type === type);
}

/** The items of `var name = [ ... ]` (one per line) in a Bicep file. */
function arrayVariable(text: string, name: string): string[] {
  const match = new RegExp(`var\\s+${name}\\s*=\\s*\\[`).exec(text);
  if (!match) throw new Error(`var ${name} not found`);
  const body = balanced(text, match.index + match[0].length - 1);
  return body
    .slice(1, -1)
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

/** `key: value` pairs at the top level of an object body `{ ... }`. */
function objectEntries(body: string): Map<string, string> {
  const entries = new Map<string, string>();
  let depth = 0;
  for (const line of body.slice(1, -1).split('\n')) {
    const trimmed = line.trim();
    if (depth === 0) {
      const entry = /^('[^']+'|[\w$]+)\s*:\s*(.*)$/.exec(trimmed);
      if (entry) entries.set(entry[1], entry[2]);
    }
    for (const c of trimmed.replace(/'[^']*'/g, '')) {
      if (c === '{' || c === '[') depth++;
      if (c === '}' || c === ']') depth--;
    }
  }
  return entries;
}

function stringVariable(text: string, name: string): string {
  const match = new RegExp(`var\\s+${name}\\s*=\\s*'([^']*)'`).exec(text);
  if (!match) throw new Error(`var ${name} not found`);
  return match[1];
}

/** ISO 8601 durations of the PnDTnHnMnS form, in seconds. */
function durationSeconds(value: string): number {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(value);
  if (!match) throw new Error(`not a duration: ${value}`);
  const [, d = '0', h = '0', m = '0', s = '0'] = match;
  return Number(d) * 86400 + Number(h) * 3600 + Number(m) * 60 + Number(s);
}

const serviceBusBicep = stripComments(read('infra/modules/serviceBus.bicep'));
const cosmosBicep = stripComments(read('infra/modules/cosmos.bicep'));
const functionAppBicep = stripComments(read('infra/modules/functionApp.bicep'));
const roleAssignmentsBicep = stripComments(read('infra/modules/roleAssignments.bicep'));
const mainBicep = stripComments(read('infra/main.bicep'));

describe('the Service Bus queues in Bicep', () => {
  const declared = arrayVariable(serviceBusBicep, 'queueNames').map((item) => item.replace(/^'|'$/g, ''));
  const [queueResource] = resourcesOfType('Microsoft.ServiceBus/namespaces/queues');
  const settings = objectEntries(
    balanced(
      queueResource.body,
      queueResource.body.indexOf('properties:') + queueResource.body.slice(queueResource.body.indexOf('properties:')).indexOf('{'),
    ),
  );

  it('declares exactly the queues of shared/queue/names.ts', () => {
    expect(declared).toEqual([...queueNames]);
    expect(resourcesOfType('Microsoft.ServiceBus/namespaces/queues')).toHaveLength(1);
    expect(queueResource.body).toMatch(/for\s+(\w+)\s+in\s+queueNames\s*:/);
    expect(queueResource.body).toMatch(/name:\s*queueName\b/);
  });

  it('gives every queue duplicate detection over at least an hour, dead-lettering and a 5-minute lock', () => {
    expect(settings.get('requiresDuplicateDetection')).toBe('true');
    expect(settings.get('duplicateDetectionHistoryTimeWindow')).toBe("'PT1H'");
    expect(durationSeconds(settings.get('duplicateDetectionHistoryTimeWindow')!.slice(1, -1))).toBeGreaterThanOrEqual(3600);
    expect(settings.get('deadLetteringOnMessageExpiration')).toBe('true');
    expect(settings.get('lockDuration')).toBe("'PT5M'");
    expect(settings.get('requiresSession')).toBe('false');
  });

  it('dead-letters after the delivery count the code uses', () => {
    expect(Number(settings.get('maxDeliveryCount'))).toBe(defaultMaxDeliveryCount);
  });

  it('keeps the lock within what host.json renews', () => {
    const host = JSON.parse(read('host.json')) as { extensions: { serviceBus: { maxAutoLockRenewalDuration: string } } };
    const [h, m, s] = host.extensions.serviceBus.maxAutoLockRenewalDuration.split(':').map(Number);
    expect(durationSeconds(settings.get('lockDuration')!.slice(1, -1))).toBeLessThanOrEqual(h * 3600 + m * 60 + s);
  });

  it('uses a Standard namespace (duplicate detection needs Standard or Premium)', () => {
    const [namespace] = resourcesOfType('Microsoft.ServiceBus/namespaces');
    expect(namespace.body).toMatch(/name:\s*'Standard'/);
  });
});

describe('the Cosmos DB containers in Bicep', () => {
  const declared = arrayVariable(cosmosBicep, 'containers').map((line) => {
    const match = /^\{\s*name:\s*'([^']+)',\s*partitionKeyPath:\s*'([^']+)',\s*defaultTtl:\s*(\w+)\s*\}$/.exec(line);
    if (!match) throw new Error(`unexpected container line: ${line}`);
    return { name: match[1], partitionKeyPath: match[2], defaultTtl: match[3] };
  });

  it('declares exactly the containers of shared/store/port.ts', () => {
    expect(declared.map((container) => container.name).sort()).toEqual([...containerNames].sort());
  });

  it.each(containerNames)('declares %s with its partition key path', (name) => {
    const container = declared.find((candidate) => candidate.name === name);
    expect(container?.partitionKeyPath).toBe(`/${containerDefinitions[name].partitionKey}`);
  });

  it('sets a TTL on deliveries, their journeys, idempotency and SARIF uploads only', () => {
    const withTtl = declared.filter((container) => container.defaultTtl !== 'null').map((container) => container.name);
    expect(withTtl.sort()).toEqual(['deliveries', 'idempotency', 'journeys', 'sarifUploads']);
  });

  /**
   * A container's TTL as deployed with the defaults, in seconds (undefined: TTL off): the parameter its line names, as
   * main.bicep passes it (`<days param> * secondsPerDay`, with that parameter's default) or else the module's own default.
   */
  function deployedTtlSeconds(expression: string): number | undefined {
    if (expression === 'null') return undefined;
    const passed = new RegExp(`\\b${expression}:\\s*(\\w+)\\s*\\*\\s*secondsPerDay\\b`).exec(mainBicep);
    if (passed) {
      const days = new RegExp(`param\\s+${passed[1]}\\s+int\\s*=\\s*(\\d+)`).exec(mainBicep);
      if (!days) throw new Error(`main.bicep passes ${expression} from ${passed[1]}, which has no default`);
      return Number(days[1]) * 86400;
    }
    const own = new RegExp(`param\\s+${expression}\\s+int\\s*=\\s*(\\d+)`).exec(cosmosBicep);
    if (!own) throw new Error(`${expression} has no default and main.bicep does not pass it as days * secondsPerDay`);
    return Number(own[1]);
  }

  it.each(containerNames)('deploys %s with the TTL the code gives it (shared/store/timeToLive.ts), by default', (name) => {
    const container = declared.find((candidate) => candidate.name === name);
    expect(container).toBeDefined();
    expect(deployedTtlSeconds(container?.defaultTtl ?? 'null')).toBe(containerTimeToLive(name));
  });

  it("keeps a delivery's journey exactly as long as the delivery, in Azure and in the code", () => {
    const ttlOf = (name: string) => declared.find((candidate) => candidate.name === name)?.defaultTtl;
    expect(ttlOf('journeys')).toBe(ttlOf('deliveries'));
    expect(timeToLiveSeconds.journeys).toBe(timeToLiveSeconds.deliveries);
    expect(mainBicep).toMatch(new RegExp(`param\\s+deliveriesRetentionDays\\s+int\\s*=\\s*${deliveriesRetentionDays}\\b`));
  });

  it('keeps SARIF upload chunks as long as the code says they live', () => {
    const parameter = /param\s+sarifUploadsTtlSeconds\s+int\s*=\s*(\d+)/.exec(cosmosBicep);
    expect(Number(parameter?.[1])).toBe(uploadTtlSeconds);
  });

  it('builds each container from the list: partition key path, Hash v2, and the TTL when set', () => {
    const [container] = resourcesOfType('Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers');
    expect(container.body).toMatch(/for\s+container\s+in\s+containers\s*:/);
    expect(container.body).toMatch(/paths:\s*\[\s*container\.partitionKeyPath\s*\]/);
    expect(container.body).toMatch(/kind:\s*'Hash'/);
    expect(container.body).toMatch(/defaultTtl:\s*container\.defaultTtl/);
    expect(container.body).not.toMatch(/throughput/);
  });

  it('keeps idempotency records longer than the 7-day completed window of the code', () => {
    const parameter = /param\s+idempotencyRetentionDays\s+int\s*=\s*(\d+)/.exec(mainBicep);
    expect(Number(parameter?.[1])).toBeGreaterThan(7);
    expect(mainBicep).toMatch(/@minValue\(8\)\s*\n\s*param\s+idempotencyRetentionDays/);
    expect(mainBicep).toMatch(/idempotencyTtlSeconds:\s*idempotencyRetentionDays\s*\*\s*secondsPerDay/);
    expect(mainBicep).toMatch(/var\s+secondsPerDay\s*=\s*86400\b/);
  });

  it('is a serverless account with the database the code defaults to', () => {
    expect(cosmosBicep).toMatch(/name:\s*'EnableServerless'/);
    expect(mainBicep).toMatch(/databaseName:\s*'vigil'/);
  });
});

describe('the Function App settings in Bicep', () => {
  const [settingsResource] = allResources.filter((resource) => resource.symbol === 'appSettings');
  const propertiesAt = settingsResource.body.indexOf('properties:');
  const properties = objectEntries(balanced(settingsResource.body, propertiesAt + settingsResource.body.slice(propertiesAt).indexOf('{')));
  const prefix = stringVariable(functionAppBicep, 'serviceBusConnection');
  const names = [...properties.keys()].map((key) => key.replace(/^'|'$/g, '').replace('${serviceBusConnection}', prefix));
  const value = (name: string) => properties.get(name) ?? properties.get(`'${name.replace(prefix, '${serviceBusConnection}')}'`);

  it('names the Service Bus connection the way the function registry does', () => {
    expect(prefix).toBe(serviceBusConnectionName);
    for (const suffix of ['fullyQualifiedNamespace', 'credential', 'clientId']) {
      expect(names).toContain(`${serviceBusConnectionName}__${suffix}`);
    }
    expect(value(`${serviceBusConnectionName}__credential`)).toBe("'managedidentity'");
  });

  it('sets every setting the Azure adapters read', () => {
    for (const name of [
      'COSMOS_ENDPOINT',
      'COSMOS_DATABASE',
      'KEY_VAULT_URL',
      'AZURE_CLIENT_ID',
      `${serviceBusConnectionName}__clientId`,
    ]) {
      expect(names).toContain(name);
    }
  });

  it('selects the Service Bus, Cosmos DB and Key Vault adapters, with names shared/config.ts knows', () => {
    // Read by the Functions host, or (MALLOC_ARENA_MAX) by the C library, not by shared/config.ts.
    const hostOnly = (name: string) =>
      name.startsWith('AzureWebJobsStorage__') ||
      name.startsWith('APPLICATIONINSIGHTS_') ||
      name === `${serviceBusConnectionName}__credential` ||
      name === 'MALLOC_ARENA_MAX';
    const env = Object.fromEntries(
      names.map((name) => [
        name,
        /(ENDPOINT|URL)$/.test(name)
          ? 'https://example.invalid/'
          : name === 'VIGIL_LOG_FORMAT'
            ? 'json'
            : /_SCHEDULE$/.test(name)
              ? '0 0 2 * * *'
              : 'value',
      ]),
    );
    const config = loadConfig(env);
    expect(config.queueBackend).toBe('service-bus');
    expect(config.storeBackend).toBe('cosmos');
    expect(config.vaultBackend).toBe('key-vault');
    for (const name of names.filter((candidate) => !hostOnly(candidate))) {
      expect(Object.keys(config.environment), `${name} is not read by shared/config.ts`).toContain(name);
    }
  });

  it('gives the host identity-based storage and Entra-authenticated telemetry', () => {
    expect(value('AzureWebJobsStorage__accountName')).toBe('storageAccountName');
    expect(value('AzureWebJobsStorage__credential')).toBe("'managedidentity'");
    expect(value('AzureWebJobsStorage__clientId')).toBe('identityClientId');
    expect(value('APPLICATIONINSIGHTS_AUTHENTICATION_STRING')).toBe("'ClientId=${identityClientId};Authorization=AAD'");
    for (const name of ['AZURE_CLIENT_ID', `${serviceBusConnectionName}__clientId`]) {
      expect(value(name)).toBe('identityClientId');
    }
  });

  it('sets the schedule the timer functions read, defaulting to the schedule the code defaults to', async () => {
    // Timer schedules are read from the app setting when the app loads (functions/inventoryTimer.ts),
    // so the setting must exist in Azure with the same default the local host uses.
    const codeDefault = loadConfig({}).environment.VIGIL_INVENTORY_SCHEDULE;
    expect(value('VIGIL_INVENTORY_SCHEDULE')).toBe('inventorySchedule');
    expect(/param\s+inventorySchedule\s+string\s*=\s*'([^']+)'/.exec(functionAppBicep)?.[1]).toBe(codeDefault);
    expect(/param\s+inventorySchedule\s+string\s*=\s*'([^']+)'/.exec(mainBicep)?.[1]).toBe(codeDefault);
    expect(mainBicep).toMatch(/inventorySchedule:\s*inventorySchedule\b/);
    const reconcileDefault = loadConfig({}).environment.VIGIL_WORKITEMS_RECONCILE_SCHEDULE;
    expect(value('VIGIL_WORKITEMS_RECONCILE_SCHEDULE')).toBe('workItemsReconcileSchedule');
    expect(/param\s+workItemsReconcileSchedule\s+string\s*=\s*'([^']+)'/.exec(functionAppBicep)?.[1]).toBe(reconcileDefault);
    expect(/param\s+workItemsReconcileSchedule\s+string\s*=\s*'([^']+)'/.exec(mainBicep)?.[1]).toBe(reconcileDefault);
    expect(mainBicep).toMatch(/workItemsReconcileSchedule:\s*workItemsReconcileSchedule\b/);
    const totalsDefault = loadConfig({}).environment.VIGIL_RISK_TOTALS_SCHEDULE;
    expect(value('VIGIL_RISK_TOTALS_SCHEDULE')).toBe('riskTotalsSchedule');
    expect(/param\s+riskTotalsSchedule\s+string\s*=\s*'([^']+)'/.exec(functionAppBicep)?.[1]).toBe(totalsDefault);
    expect(/param\s+riskTotalsSchedule\s+string\s*=\s*'([^']+)'/.exec(mainBicep)?.[1]).toBe(totalsDefault);
    expect(mainBicep).toMatch(/riskTotalsSchedule:\s*riskTotalsSchedule\b/);
    const timers = (await appFunctions()).flatMap((f) => (f.kind === 'timer' ? [[f.name, f.schedule]] : []));
    expect(timers.sort()).toEqual([
      ['inventoryTimer', loadConfig().environment.VIGIL_INVENTORY_SCHEDULE],
      ['riskTotalsTimer', totalsDefault],
      ['workItemsTimer', reconcileDefault],
    ]);
  });

  it('leaves out settings Flex Consumption refuses and any key-based setting', () => {
    for (const name of [
      'FUNCTIONS_WORKER_RUNTIME',
      'FUNCTIONS_EXTENSION_VERSION',
      'WEBSITE_NODE_DEFAULT_VERSION',
      'AzureWebJobsStorage',
      'ServiceBusConnection',
      'COSMOS_KEY',
      'VIGIL_VAULT_KEY',
    ]) {
      expect(names).not.toContain(name);
    }
  });

  it('runs Node 22 on a Linux Flex Consumption plan as the user-assigned identity', () => {
    expect(functionAppBicep).toMatch(/name:\s*'FC1'/);
    expect(functionAppBicep).toMatch(/tier:\s*'FlexConsumption'/);
    expect(functionAppBicep).toMatch(/kind:\s*'functionapp,linux'/);
    expect(functionAppBicep).toMatch(/param\s+nodeVersion\s+string\s*=\s*'22'/);
    expect(functionAppBicep).toMatch(/name:\s*'node'/);
    expect(functionAppBicep).toMatch(/type:\s*'UserAssigned'/);
    expect(functionAppBicep).toMatch(/type:\s*'UserAssignedIdentity'/);
    expect(functionAppBicep).toMatch(/'azd-service-name':\s*serviceName/);
  });

  it("points the platform's health check at the route the health function serves", async () => {
    const health = (await appFunctions()).find((definition) => definition.name === 'health');
    expect(health?.kind === 'http' && health.route).toBe('health');
    expect(/healthCheckPath:\s*'([^']+)'/.exec(functionAppBicep)?.[1]).toBe('/api/health');
  });
});

describe('keys and local authentication in infra/', () => {
  const infraFiles = filesUnder(infra);

  it.each([
    /listKeys\(/i,
    /listConnectionStrings/i,
    /AccountKey=/i,
    /SharedAccessKey/i,
    /listSecrets\(/i,
    /COSMOS_KEY/,
    /primaryMasterKey/i,
  ])('has no %s anywhere', (pattern) => {
    for (const file of infraFiles) expect(readFileSync(file, 'utf8'), relative(root, file)).not.toMatch(pattern);
  });

  it('mentions a connection string only as the Application Insights ingestion settings', () => {
    const mentions = infraFiles.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => /connectionString/i.test(line))
        .map((line) => `${relative(root, file)}: ${line.trim()}`),
    );
    expect(mentions).toEqual([
      'infra/modules/monitoring.bicep: output ingestionSettings string = applicationInsights.properties.ConnectionString',
    ]);
  });

  it.each([
    ['infra/modules/cosmos.bicep', /disableLocalAuth:\s*true/],
    ['infra/modules/serviceBus.bicep', /disableLocalAuth:\s*true/],
    ['infra/modules/monitoring.bicep', /DisableLocalAuth:\s*true/],
    ['infra/modules/storage.bicep', /allowSharedKeyAccess:\s*false/],
    ['infra/modules/cosmos.bicep', /disableKeyBasedMetadataWriteAccess:\s*true/],
    ['infra/modules/keyVault.bicep', /enableRbacAuthorization:\s*true/],
    ['infra/modules/keyVault.bicep', /enableSoftDelete:\s*true/],
    ['infra/modules/keyVault.bicep', /enablePurgeProtection:\s*true/],
  ])('%s has %s', (file, pattern) => {
    expect(stripComments(read(file))).toMatch(pattern);
  });

  it('never turns local authentication back on', () => {
    for (const file of bicepFiles) {
      const text = stripComments(readFileSync(file, 'utf8'));
      expect(text, relative(root, file)).not.toMatch(/disableLocalAuth:\s*false/i);
      expect(text, relative(root, file)).not.toMatch(/allowSharedKeyAccess:\s*true/i);
      expect(text, relative(root, file)).not.toMatch(/accessPolicies/);
    }
  });
});

describe('the role assignments in Bicep', () => {
  // Built-in role definition ids (Azure RBAC), and the Cosmos DB data-plane built-in role.
  const AZURE_SERVICE_BUS_DATA_SENDER = '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39';
  const AZURE_SERVICE_BUS_DATA_RECEIVER = '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0';
  const KEY_VAULT_SECRETS_USER = '4633458b-17de-408a-b874-0445c86b69e6';
  const KEY_VAULT_SECRETS_OFFICER = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7';
  const STORAGE_BLOB_DATA_OWNER = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b';
  const MONITORING_METRICS_PUBLISHER = '3913510d-42f4-4e42-8a64-420c390055eb';
  const COSMOS_DB_BUILT_IN_DATA_CONTRIBUTOR = '00000000-0000-0000-0000-000000000002';
  const expected = new Set([
    AZURE_SERVICE_BUS_DATA_SENDER,
    AZURE_SERVICE_BUS_DATA_RECEIVER,
    KEY_VAULT_SECRETS_USER,
    KEY_VAULT_SECRETS_OFFICER,
    STORAGE_BLOB_DATA_OWNER,
    MONITORING_METRICS_PUBLISHER,
    COSMOS_DB_BUILT_IN_DATA_CONTRIBUTOR,
  ]);

  const rolesBody = balanced(
    roleAssignmentsBicep,
    roleAssignmentsBicep.search(/var\s+roles\s*=\s*\{/) +
      roleAssignmentsBicep.slice(roleAssignmentsBicep.search(/var\s+roles\s*=\s*\{/)).indexOf('{'),
  );
  const roles = new Map([...objectEntries(rolesBody)].map(([key, value]) => [key, value.replace(/^'|'$/g, '')]));

  /** The role ids an expression can name: `roles.x` directly or through `var y = ... roles.x ...`. */
  function roleIds(expression: string, seen = new Set<string>()): string[] {
    const direct = [...expression.matchAll(/roles\.(\w+)/g)].map((match) => {
      const id = roles.get(match[1]);
      if (!id) throw new Error(`roles.${match[1]} is not defined`);
      return id;
    });
    const viaVariables = [...expression.replace(/roles\.\w+/g, '').matchAll(/\b([a-zA-Z]\w*)\b/g)].flatMap((match) => {
      const variable = new RegExp(`var\\s+${match[1]}\\s*=\\s*(.+)`).exec(roleAssignmentsBicep);
      if (!variable || seen.has(match[1])) return [];
      seen.add(match[1]);
      return roleIds(variable[1], seen);
    });
    return [...direct, ...viaVariables];
  }

  const assignments = allResources.filter((resource) =>
    ['Microsoft.Authorization/roleAssignments', 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments'].includes(resource.type),
  );

  it('keeps the role definition ids in one named list of expected built-in roles', () => {
    expect([...roles.values()].every((id) => expected.has(id))).toBe(true);
    expect(new Set(roles.values())).toEqual(expected);
  });

  it('assigns only expected built-in roles, each through a named role', () => {
    expect(assignments.length).toBeGreaterThanOrEqual(6);
    for (const assignment of assignments) {
      const line = /roleDefinitionId:\s*(.+)/.exec(assignment.body)?.[1];
      expect(line, assignment.symbol).toBeDefined();
      const ids = roleIds(line!);
      expect(ids.length, assignment.symbol).toBeGreaterThan(0);
      for (const id of ids) expect(expected, `${assignment.symbol}: ${id}`).toContain(id);
      // No literal GUIDs outside the named list.
      expect(line!, assignment.symbol).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/i);
    }
  });

  it('grants every role the app needs', () => {
    const granted = new Set(assignments.flatMap((assignment) => roleIds(/roleDefinitionId:\s*(.+)/.exec(assignment.body)![1])));
    for (const id of [
      AZURE_SERVICE_BUS_DATA_SENDER,
      AZURE_SERVICE_BUS_DATA_RECEIVER,
      KEY_VAULT_SECRETS_USER,
      STORAGE_BLOB_DATA_OWNER,
      MONITORING_METRICS_PUBLISHER,
      COSMOS_DB_BUILT_IN_DATA_CONTRIBUTOR,
    ]) {
      expect(granted).toContain(id);
    }
  });

  it('names every assignment guid(scope, principal, role) on the scope it assigns', () => {
    for (const assignment of assignments) {
      const name = /name:\s*guid\((\w+)\.id,\s*principalId,\s*([\w.]+)\)/.exec(assignment.body);
      expect(name, assignment.symbol).not.toBeNull();
      const [, scope, role] = name!;
      expect(roleIds(role).length, assignment.symbol).toBeGreaterThan(0);
      if (assignment.type === 'Microsoft.Authorization/roleAssignments') {
        expect(assignment.body, assignment.symbol).toMatch(new RegExp(`scope:\\s*${scope}\\b`));
        expect(assignment.body, assignment.symbol).toMatch(new RegExp(`roleDefinitionId:.*${role.replace('.', '\\.')}`));
      } else {
        expect(assignment.body, assignment.symbol).toMatch(new RegExp(`parent:\\s*${scope}\\b`));
        expect(assignment.body, assignment.symbol).toMatch(new RegExp(`scope:\\s*${scope}\\.id`));
      }
    }
  });

  it('grants the app identity as a service principal, and the deploying user only when given', () => {
    expect(mainBicep).toMatch(
      /module\s+appRoles\s+'modules\/roleAssignments\.bicep'\s*=\s*\{[\s\S]*?principalId:\s*identity\.outputs\.principalId[\s\S]*?principalType:\s*'ServicePrincipal'[\s\S]*?canWriteSecrets:\s*false/,
    );
    expect(mainBicep).toMatch(/module\s+deployerRoles\s+'modules\/roleAssignments\.bicep'\s*=\s*if\s*\(!empty\(principalId\)\)/);
  });
});

describe('main.bicep', () => {
  const modules = [...mainBicep.matchAll(/module\s+\w+\s+'([^']+)'/g)].map((match) => match[1]);

  it('uses every module file, and every module it uses exists', () => {
    const moduleFiles = bicepFiles
      .filter((file) => file.includes(`${join('infra', 'modules')}`))
      .map((file) => relative(infra, file).split('\\').join('/'));
    expect(new Set(modules)).toEqual(new Set(moduleFiles));
  });

  it('outputs the webhook URL at the route the code serves, and the names docs/deploy.md needs', () => {
    const host = JSON.parse(read('host.json')) as { extensions: { http: { routePrefix: string } } };
    const route = /route:\s*'([^']+)'/.exec(read('functions/webhook.ts'))![1];
    expect(route).toBe('hooks/{source}');
    expect(Object.keys(hookSecretNames)).toContain('azure-devops');
    const webhook = /output\s+WEBHOOK_URL\s+string\s*=\s*'([^']+)'/.exec(mainBicep)?.[1];
    expect(webhook).toBe(
      `https://\${functionApp.outputs.defaultHostName}/${host.extensions.http.routePrefix}/${route.replace('{source}', 'azure-devops')}`,
    );
    for (const output of [
      'AZURE_FUNCTION_APP_NAME',
      'KEY_VAULT_NAME',
      'KEY_VAULT_URL',
      'SERVICE_BUS_NAMESPACE',
      'COSMOS_ENDPOINT',
      'AZURE_RESOURCE_GROUP',
    ]) {
      expect(mainBicep).toMatch(new RegExp(`output\\s+${output}\\s+string\\s*=`));
    }
  });

  it('declares every parameter main.parameters.json sets, and the parameters file sets every required one', () => {
    const file = JSON.parse(read('infra/main.parameters.json')) as { parameters: Record<string, unknown> };
    const declared = [...mainBicep.matchAll(/^param\s+(\w+)\s+\w+(\s*=)?/gm)];
    const names = declared.map((match) => match[1]);
    for (const name of Object.keys(file.parameters)) expect(names).toContain(name);
    for (const match of declared.filter((candidate) => !candidate[2])) expect(Object.keys(file.parameters)).toContain(match[1]);
  });
});
