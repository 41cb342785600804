import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigurationError } from './errors';

/**
 * Every setting Vigil reads, validated once. A wrong value fails start-up with one line naming
 * the setting; the README's configuration table lists the same names and defaults.
 */
const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const environmentSchema = z.object({
  PORT: integer(0, 65535).default(7071),
  VIGIL_BIND_ADDRESS: z.string().min(1).default('127.0.0.1'),
  VIGIL_DATA_DIR: z.string().min(1).default('.vigil'),
  VIGIL_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  VIGIL_LOG_FORMAT: z.enum(['text', 'json']).default('text'),
  VIGIL_QUEUE_CONCURRENCY: integer(1, 64).default(4),
  VIGIL_LOCK_DURATION_MS: integer(1_000, 300_000).default(60_000),
  VIGIL_HANDLER_TIMEOUT_MS: integer(1_000, 3_600_000).default(600_000),
  VIGIL_MAX_DELIVERY_COUNT: integer(1, 100).default(10),
  VIGIL_DUPLICATE_WINDOW_MS: integer(60_000, 7 * 24 * 3_600_000).default(3_600_000),
  // Bytes of request bodies the local host holds at once across requests; past it, 503 + Retry-After.
  VIGIL_MAX_BODY_BYTES_IN_FLIGHT: integer(1024 * 1024, 1024 * 1024 * 1024).default(16 * 1024 * 1024),
  VIGIL_MAX_THROTTLE_RESCHEDULES: integer(0, 100).default(20),
  /** Alerts one destination gets in a window before the rest are grouped into one message. */
  VIGIL_ALERT_BURST_LIMIT: integer(1, 1000).default(5),
  VIGIL_ALERT_WINDOW_SECONDS: integer(1, 86_400).default(60),
  VIGIL_SHUTDOWN_GRACE_MS: integer(0, 600_000).default(30_000),
  // In Azure: 'app-service' when App Service authentication guards the overview (set by infra/; docs/overview.md).
  VIGIL_OVERVIEW_AUTHENTICATION: z.string().trim().optional(),
  // When the repository inventory runs: NCRONTAB with seconds, in UTC, as Azure Functions timers read it (docs/repositories.md).
  VIGIL_INVENTORY_SCHEDULE: z
    .string()
    .trim()
    .regex(/^\S+(\s+\S+){5}$/, 'six NCRONTAB fields, seconds first, e.g. "0 0 2 * * *"')
    .default('0 0 2 * * *'),
  // When work items are reconciled with their risks: NCRONTAB with seconds, in UTC (docs/work-items.md).
  VIGIL_WORKITEMS_RECONCILE_SCHEDULE: z
    .string()
    .trim()
    .regex(/^\S+(\s+\S+){5}$/, 'six NCRONTAB fields, seconds first, e.g. "0 30 3 * * *"')
    .default('0 30 3 * * *'),
  // When the overview's risk totals are reconciled with the risks: NCRONTAB with seconds, in UTC (docs/operations.md).
  VIGIL_RISK_TOTALS_SCHEDULE: z
    .string()
    .trim()
    .regex(/^\S+(\s+\S+){5}$/, 'six NCRONTAB fields, seconds first, e.g. "0 15 * * * *"')
    .default('0 15 * * * *'),
  VIGIL_HOST_URL: z.url().optional(),
  ServiceBusConnection__fullyQualifiedNamespace: z.string().min(1).optional(),
  ServiceBusConnection__clientId: z.string().min(1).optional(),
  ServiceBusConnection: z.string().min(1).optional(),
  COSMOS_ENDPOINT: z.url().optional(),
  // Checked in detail by the Cosmos adapter (shared/store/cosmos/cosmosSettings.ts) when COSMOS_ENDPOINT is set.
  COSMOS_DATABASE: z.string().min(1).optional(),
  COSMOS_KEY: z.string().min(1).optional(),
  VIGIL_COSMOS_CREATE: z.string().optional(),
  VIGIL_COSMOS_FORCE_QUERY_PLAN: z.string().optional(),
  KEY_VAULT_URL: z.url().optional(),
  AZURE_CLIENT_ID: z.string().min(1).optional(),
  VIGIL_VAULT_KEY: z.string().min(1).optional(),
  VIGIL_FINGERPRINT_KEY: z.string().min(1).optional(),
  // Extra CI provider modules, comma-separated file paths; each exports createCiProvider(config) (docs/ci-providers.md).
  VIGIL_CI_PROVIDER_MODULES: z.string().optional(),
  // GitHub's REST API root for the github-actions provider: https://api.github.com (default) or GitHub Enterprise's https://HOST/api/v3.
  // The token travels to it: https, or plain http to this machine only (a local stand-in).
  VIGIL_GITHUB_API_URL: z
    .url({ protocol: /^https?$/, error: 'an https URL' })
    .refine((value) => value.startsWith('https:') || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(value), {
      message: 'an https URL',
    })
    .optional(),
  // Extra gitignore-style patterns for repository content scans, comma or newline separated; `!pattern` re-includes a default (docs/repository-scanning.md).
  VIGIL_REPO_SCAN_EXCLUDE: z.string().optional(),
  // Where verification asks each service (tests, a proxy on this machine); checked by shared/verification/verificationEndpoints.ts.
  VIGIL_VERIFY_GITHUB_URL: z.string().optional(),
  VIGIL_VERIFY_GITLAB_URL: z.string().optional(),
  VIGIL_VERIFY_AZURE_DEVOPS_URL: z.string().optional(),
  VIGIL_VERIFY_SLACK_URL: z.string().optional(),
  VIGIL_VERIFY_NPM_URL: z.string().optional(),
  VIGIL_VERIFY_AZURE_STORAGE_URL: z.string().optional(),
  // Traces and metrics (docs/deploy.md, "Telemetry"): on when Application Insights or an OTLP collector is set, and under `vigil start`.
  VIGIL_TELEMETRY: z.enum(['on', 'off']).optional(),
  APPLICATIONINSIGHTS_CONNECTION_STRING: z.string().min(1).optional(),
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: z.string().min(1).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/, error: 'an http(s) URL, e.g. http://localhost:4318' }).optional(),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
});

export type VigilEnvironment = z.infer<typeof environmentSchema>;

export interface VigilConfig {
  port: number;
  bindAddress: string;
  dataDir: string;
  logLevel: VigilEnvironment['VIGIL_LOG_LEVEL'];
  logFormat: VigilEnvironment['VIGIL_LOG_FORMAT'];
  queueConcurrency: number;
  lockDurationMs: number;
  handlerTimeoutMs: number;
  maxDeliveryCount: number;
  duplicateWindowMs: number;
  maxBodyBytesInFlight: number;
  maxThrottleReschedules: number;
  shutdownGraceMs: number;
  /** Where `vigil hooks send` posts; defaults to the local host's address. */
  hostUrl: string;
  /** Which adapters run: Azure ones when their settings are present, the embedded ones otherwise. */
  queueBackend: 'embedded' | 'service-bus';
  storeBackend: 'embedded' | 'cosmos';
  vaultBackend: 'local' | 'key-vault';
  environment: VigilEnvironment;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): VigilConfig {
  // An empty variable means unset (`VIGIL_FINGERPRINT_KEY= vigil scan`), as shells and .env files use it.
  const parsed = environmentSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const setting = issue.path.join('.');
    // Echo the value only for plain tuning settings: a connection string or URL may carry a key.
    const value = setting.startsWith('VIGIL_') && setting !== 'VIGIL_HOST_URL' ? env[setting] : undefined;
    throw new ConfigurationError(`invalid setting ${setting}${value === undefined ? '' : ` (got '${value}')`}: ${issue.message}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    bindAddress: e.VIGIL_BIND_ADDRESS,
    dataDir: resolve(e.VIGIL_DATA_DIR),
    logLevel: e.VIGIL_LOG_LEVEL,
    logFormat: e.VIGIL_LOG_FORMAT,
    queueConcurrency: e.VIGIL_QUEUE_CONCURRENCY,
    lockDurationMs: e.VIGIL_LOCK_DURATION_MS,
    handlerTimeoutMs: e.VIGIL_HANDLER_TIMEOUT_MS,
    maxDeliveryCount: e.VIGIL_MAX_DELIVERY_COUNT,
    duplicateWindowMs: e.VIGIL_DUPLICATE_WINDOW_MS,
    maxBodyBytesInFlight: e.VIGIL_MAX_BODY_BYTES_IN_FLIGHT,
    maxThrottleReschedules: e.VIGIL_MAX_THROTTLE_RESCHEDULES,
    shutdownGraceMs: e.VIGIL_SHUTDOWN_GRACE_MS,
    hostUrl: e.VIGIL_HOST_URL ?? `http://127.0.0.1:${e.PORT}`,
    queueBackend: e.ServiceBusConnection__fullyQualifiedNamespace || e.ServiceBusConnection ? 'service-bus' : 'embedded',
    storeBackend: e.COSMOS_ENDPOINT ? 'cosmos' : 'embedded',
    vaultBackend: e.KEY_VAULT_URL ? 'key-vault' : 'local',
    environment: e,
  };
}
