import type { ExampleMaker, RuleDefinition } from '../types';
import { guid, keyedValue, prefixedToken } from './patternParts';

/** Developer platforms, observability and security tooling tokens. */
function token(
  id: string,
  family: string,
  title: string,
  keywords: readonly string[],
  body: string,
  options: Partial<RuleDefinition> = {},
): RuleDefinition {
  return {
    id,
    family,
    title,
    severity: 'high',
    confidence: 'high',
    keywords,
    pattern: prefixedToken(body),
    minEntropy: 3,
    remediation: `Revoke the ${title} in its service's settings, create a replacement with the least scope needed, and purge the leak.`,
    previewPrefix: keywords[0]?.length,
    ...options,
  };
}

function keyed(
  id: string,
  family: string,
  title: string,
  keywords: readonly string[],
  name: string,
  value: string,
  options: Partial<RuleDefinition> = {},
): RuleDefinition {
  return {
    id,
    family,
    title,
    severity: 'high',
    confidence: 'medium',
    keywords,
    pattern: keyedValue(name, value),
    minEntropy: 3,
    remediation: `Revoke the ${title} in its service's settings and create a replacement.`,
    ...options,
  };
}

const developerToolRuleTable: readonly RuleDefinition[] = [
  token(
    'onepassword-secret-key',
    '1password',
    '1Password account secret key',
    ['A3-'],
    String.raw`A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}`,
    {
      severity: 'critical',
      keywordCase: 'exact',
    },
  ),
  token(
    'onepassword-service-account-token',
    '1password',
    '1Password service account token',
    ['ops_eyJ'],
    String.raw`ops_eyJ[A-Za-z0-9+/]{250,4096}={0,3}`,
    {
      severity: 'critical',
    },
  ),
  token(
    'age-secret-key',
    'age',
    'age encryption secret key',
    ['AGE-SECRET-KEY-1'],
    'AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}',
    {
      severity: 'critical',
      minEntropy: undefined,
      placeholders: { repeatedCharacters: false, words: true },
    },
  ),
  token('clickhouse-cloud-api-secret', 'clickhouse', 'ClickHouse Cloud API secret key', ['4b1d'], '4b1d[A-Za-z0-9]{38}', {
    minEntropy: 3.5,
  }),
  token('flyio-access-token', 'flyio', 'Fly.io access token', ['fo1_'], String.raw`fo1_[A-Za-z0-9_\-]{43}`, { minEntropy: 3.5 }),
  token('flyio-macaroon-token', 'flyio', 'Fly.io macaroon token', ['fm1', 'fm2_'], String.raw`fm[12][ar]?_[A-Za-z0-9+/]{100,4096}={0,3}`, {
    minEntropy: 3.5,
  }),
  token('grafana-cloud-api-token', 'grafana', 'Grafana Cloud API token', ['glc_'], String.raw`glc_[A-Za-z0-9+/]{32,400}={0,2}`, {
    minEntropy: 3.5,
  }),
  token('grafana-service-account-token', 'grafana', 'Grafana service account token', ['glsa_'], 'glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}', {
    minEntropy: 3.5,
  }),
  token('infracost-api-token', 'infracost', 'Infracost API token', ['ico-'], '(?<![.\\-])ico-[A-Za-z0-9]{32}', { minEntropy: 3.5 }),
  token('intra42-client-secret', 'intra42', 'Intra42 client secret', ['s-s4t2ud-', 's-s4t2af-'], 's-s4t2(?:ud|af)-[a-f0-9]{64}'),
  token('maxmind-license-key', 'maxmind', 'MaxMind license key', ['_mmk'], '[A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk', {
    minEntropy: 3.5,
    previewPrefix: 0,
  }),
  token('octopus-deploy-api-key', 'octopus', 'Octopus Deploy API key', ['API-'], '(?<![\\-])API-[A-Z0-9]{26}', {
    minEntropy: 3,
    keywordCase: 'exact',
    examples: {
      positives: [
        (make) =>
          `octo push --package app.1.0.0.zip --server https://octopus.contoso.com --apiKey API-${make.characters('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 26)}`,
        (make) => `OCTOPUS_CLI_API_KEY: API-${make.characters('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 26)}`,
      ],
      negatives: ['msgstr "GSSAPI-VIRHEKAPSELOINTIMERKKIJONO."', 'see https://docs.contoso.com/API-REFERENCE-GUIDE-FOR-V2'],
    },
  }),
  token('shippo-api-token', 'shippo', 'Shippo API token', ['shippo_live_', 'shippo_test_'], 'shippo_(?:live|test)_[a-fA-F0-9]{40}', {
    minEntropy: 3,
    previewPrefix: 12,
    examples: {
      positives: [
        (make) => `SHIPPO_API_KEY=shippo_live_${make.hex(40)}`,
        (make) => `Authorization: ShippoToken shippo_test_${make.hex(40)}`,
      ],
      negatives: ['SHIPPO_API_KEY=shippo_live_<your-token>'],
    },
  }),
  {
    id: 'airtable-personal-access-token',
    family: 'airtable',
    title: 'Airtable personal access token',
    severity: 'high',
    confidence: 'high',
    // `pat` alone is in every other word of a log; the token's dot and hex tail make it distinctive
    // once a line names Airtable.
    keywords: ['airtable'],
    pattern: /(?<![A-Za-z0-9])(?<secret>pat[A-Za-z0-9]{14}\.[a-f0-9]{64})(?![A-Za-z0-9])/,
    minEntropy: 3.5,
    remediation: 'Delete the token at airtable.com/create/tokens and create one with the narrowest scopes and bases.',
    previewPrefix: 3,
    examples: {
      positives: [
        (make) => `AIRTABLE_TOKEN=pat${make.alphanumeric(14)}.${make.hex(64)}`,
        (make) => `curl https://api.airtable.com/v0/appX/Table -H "Authorization: Bearer pat${make.alphanumeric(14)}.${make.hex(64)}"`,
      ],
    },
  },
  keyed('airtable-api-key', 'airtable', 'Airtable API key (legacy)', ['airtable'], 'airtable', 'key[A-Za-z0-9]{14}', {
    minEntropy: 3,
    minCharacterClasses: 3,
    examples: {
      positives: [(make) => `AIRTABLE_API_KEY=key${make.alphanumeric(14)}`],
      negatives: ['airtable_base: appXXXXXXXXXXXXXX'],
    },
  }),
  token('openshift-user-token', 'openshift', 'OpenShift user token', ['sha256~'], String.raw`sha256~[A-Za-z0-9_\-]{43}`, {
    minEntropy: 3.5,
    severity: 'critical',
  }),
  token('scalingo-api-token', 'scalingo', 'Scalingo API token', ['tk-us-'], String.raw`tk-us-[A-Za-z0-9_\-]{48}`),
  token(
    'sentry-org-token',
    'sentry',
    'Sentry organization auth token',
    ['sntrys_eyJ'],
    'sntrys_eyJ[A-Za-z0-9+/=]{60,600}_[A-Za-z0-9+/]{43}',
    { minEntropy: 3.5 },
  ),
  token('sentry-user-token', 'sentry', 'Sentry user auth token', ['sntryu_'], 'sntryu_[a-f0-9]{64}'),
  token(
    'sourcegraph-access-token',
    'sourcegraph',
    'Sourcegraph access token',
    ['sgp_'],
    'sgp_(?:(?:[a-fA-F0-9]{16}|local)_)?[a-fA-F0-9]{40}',
    { minEntropy: 3.5 },
  ),
  token(
    'pypi-upload-token',
    'pypi',
    'PyPI upload token',
    ['pypi-ageichlwas5vcmc'],
    String.raw`pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,1000}`,
    { severity: 'critical' },
  ),
  token('nuget-api-key', 'nuget', 'NuGet.org API key', ['oy2'], 'oy2[a-z0-9]{43}', { minEntropy: 3.5 }),
  token('docker-hub-pat', 'docker', 'Docker Hub personal access token', ['dckr_pat_'], String.raw`dckr_pat_[A-Za-z0-9_\-]{27}`, {
    minEntropy: 3.5,
  }),
  token('postman-api-key', 'postman', 'Postman API key', ['PMAK-'], 'PMAK-[a-f0-9]{24}-[a-f0-9]{34}'),
  token(
    'doppler-token',
    'doppler',
    'Doppler token',
    ['dp.pt.', 'dp.st.', 'dp.sa.', 'dp.ct.'],
    String.raw`dp\.(?:pt|st|sa|ct)\.[A-Za-z0-9]{40,44}`,
  ),
  token('pulumi-access-token', 'pulumi', 'Pulumi access token', ['pul-'], 'pul-[a-f0-9]{40}'),
  token('prefect-api-key', 'prefect', 'Prefect API key', ['pnu_'], 'pnu_[A-Za-z0-9]{36}', { minEntropy: 3.5 }),
  token('readme-api-key', 'readme', 'ReadMe API key', ['rdme_'], 'rdme_[a-z0-9]{70}', { minEntropy: 3.5 }),
  token('artifactory-api-key', 'artifactory', 'JFrog Artifactory API key', ['AKCp'], 'AKCp[A-Za-z0-9]{69}', {
    minEntropy: 3.5,
    keywordCase: 'exact',
  }),
  token('artifactory-reference-token', 'artifactory', 'JFrog Artifactory reference token', ['cmVmd'], 'cmVmd[A-Za-z0-9]{59}', {
    minEntropy: 3.5,
    keywordCase: 'exact',
  }),
  token('new-relic-api-key', 'newrelic', 'New Relic user API key', ['NRAK-'], 'NRAK-[A-Z0-9]{27}', { minEntropy: 3.5 }),
  token('dynatrace-api-token', 'dynatrace', 'Dynatrace API token', ['dt0c01.'], String.raw`dt0c01\.[A-Z0-9]{24}\.[A-Z0-9]{64}`),
  token('easypost-api-key', 'easypost', 'EasyPost API key', ['EZAK', 'EZTK'], 'EZ[AT]K[A-Za-z0-9]{54}', { minEntropy: 3.5 }),
  keyed('okta-api-token', 'okta', 'Okta API token', ['okta'], 'okta', String.raw`00[A-Za-z0-9_\-]{40}`, { minEntropy: 3.5 }),
  keyed('snyk-api-token', 'snyk', 'Snyk API token', ['snyk'], 'snyk', guid, { allowlist: { guids: false } }),
  keyed('sonar-api-token', 'sonar', 'SonarQube / SonarCloud token', ['sonar'], 'sonar', '(?:sq[uap]_)?[A-Za-z0-9]{40}'),
  keyed('hubspot-api-key', 'hubspot', 'HubSpot API key', ['hubspot'], 'hubspot', guid, { allowlist: { guids: false } }),
  keyed('sourcegraph-legacy-token', 'sourcegraph', 'Sourcegraph access token', ['sourcegraph'], 'sourcegraph', '[a-fA-F0-9]{40}', {
    minEntropy: 3.5,
  }),
  keyed(
    'sumologic-access-id',
    'sumologic',
    'Sumo Logic access ID',
    ['sumo'],
    'sumo(?:logic)?[_.\\-]?access[_.\\-]?id',
    'su[A-Za-z0-9]{12}',
    { minEntropy: 3 },
  ),
  keyed(
    'sumologic-access-key',
    'sumologic',
    'Sumo Logic access key',
    ['sumo'],
    'sumo(?:logic)?[_.\\-]?access[_.\\-]?key',
    '[A-Za-z0-9]{64}',
    { minEntropy: 3.5 },
  ),
  keyed(
    'datadog-api-key',
    'datadog',
    'Datadog API or application key',
    ['datadog', 'dd_api_key', 'dd_app_key'],
    'datadog|dd_api|dd_app',
    '[a-f0-9]{32}|[a-f0-9]{40}',
    { minEntropy: 3 },
  ),
  keyed('pagerduty-api-key', 'pagerduty', 'PagerDuty API key', ['pagerduty'], 'pagerduty', String.raw`[A-Za-z0-9_+\-]{20}`, {
    minEntropy: 3.5,
  }),
  {
    id: 'sidekiq-credentials',
    family: 'sidekiq',
    title: 'Sidekiq Pro/Enterprise gem server credentials',
    severity: 'high',
    confidence: 'high',
    keywords: ['bundle_enterprise__contribsys__com', 'bundle_gems__contribsys__com'],
    pattern: /BUNDLE_(?:ENTERPRISE|GEMS)__CONTRIBSYS__COM[ \t]{0,4}[:=][ \t]{0,4}["']?(?<secret>[a-f0-9]{8}:[a-f0-9]{8})(?![A-Za-z0-9])/i,
    placeholders: { repeatedCharacters: true, words: false },
    remediation: 'Ask Contributed Systems to rotate the gem server credentials and keep them in a CI secret.',
  },
  {
    id: 'sidekiq-sensitive-url',
    family: 'sidekiq',
    title: 'Sidekiq gem server URL with credentials',
    severity: 'high',
    confidence: 'high',
    keywords: ['gems.contribsys.com', 'enterprise.contribsys.com'],
    pattern: /https?:\/\/(?<secret>[a-f0-9]{8}:[a-f0-9]{8})@(?:gems|enterprise)\.contribsys\.com/i,
    placeholders: { repeatedCharacters: true, words: false },
    remediation: 'Ask Contributed Systems to rotate the gem server credentials and keep them in a CI secret.',
  },
  {
    id: 'freemius-secret-key',
    family: 'freemius',
    title: 'Freemius secret key',
    severity: 'high',
    confidence: 'high',
    keywords: ['secret_key'],
    pattern: /["']secret_key["'][ \t]{0,4}=>[ \t]{0,4}["'](?<secret>sk_[^\s"']{29})["']/,
    pathPattern: /\.php$/i,
    remediation: 'Regenerate the secret key in the Freemius dashboard.',
  },
];

/**
 * One example token per rule of the table above (the value after `TOKEN=` or the vendor's setting
 * name), built at run time: the rule's examples (RuleDefinition.examples) where it has none of its own.
 */
const exampleTokens: Readonly<Record<string, (make: ExampleMaker) => string>> = {
  'clickhouse-cloud-api-secret': (make) => `4b1d${make.alphanumeric(38)}`,
  'flyio-access-token': (make) => `fo1_${make.alphanumeric(43)}`,
  'grafana-cloud-api-token': (make) => `glc_${make.alphanumeric(48)}`,
  'grafana-service-account-token': (make) => `glsa_${make.alphanumeric(32)}_${make.hex(8)}`,
  'infracost-api-token': (make) => `ico-${make.alphanumeric(32)}`,
  'intra42-client-secret': (make) => `s-s4t2ud-${make.hex(64)}`,
  'maxmind-license-key': (make) => `${make.alphanumeric(6)}_${make.alphanumeric(29)}_mmk`,
  'openshift-user-token': (make) => `sha256~${make.alphanumeric(43)}`,
  'scalingo-api-token': (make) => `tk-us-${make.alphanumeric(48)}`,
  'sentry-user-token': (make) => `sntryu_${make.hex(64)}`,
  'nuget-api-key': (make) => `oy2${make.lowerAlphanumeric(43)}`,
  'docker-hub-pat': (make) => `dckr_pat_${make.alphanumeric(27)}`,
  'postman-api-key': (make) => `PMAK-${make.hex(24)}-${make.hex(34)}`,
  'pulumi-access-token': (make) => `pul-${make.hex(40)}`,
  'prefect-api-key': (make) => `pnu_${make.alphanumeric(36)}`,
  'readme-api-key': (make) => `rdme_${make.lowerAlphanumeric(70)}`,
  'artifactory-api-key': (make) => `AKCp${make.alphanumeric(69)}`,
  'new-relic-api-key': (make) => `NRAK-${make.characters('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 27)}`,
  'dynatrace-api-token': (make) =>
    `dt0c01.${make.characters('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 24)}.${make.characters('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 64)}`,
  'easypost-api-key': (make) => `EZAK${make.alphanumeric(54)}`,
};

/** Keyed rules: the setting the value is written under. */
const exampleSettings: Readonly<Record<string, (make: ExampleMaker) => string>> = {
  'okta-api-token': (make) => `OKTA_API_TOKEN=00${make.alphanumeric(40)}`,
  'snyk-api-token': (make) => `SNYK_TOKEN=${make.guid()}`,
  'sonar-api-token': (make) => `SONAR_TOKEN=${make.alphanumeric(40)}`,
  'hubspot-api-key': (make) => `HUBSPOT_API_KEY=${make.guid()}`,
  'sourcegraph-legacy-token': (make) => `SOURCEGRAPH_TOKEN=${make.hex(40)}`,
  'pagerduty-api-key': (make) => `PAGERDUTY_API_KEY=${make.alphanumeric(20)}`,
};

export const developerToolRules: readonly RuleDefinition[] = developerToolRuleTable.map((rule) => {
  if (rule.examples) return rule;
  const token = exampleTokens[rule.id];
  const setting = exampleSettings[rule.id];
  if (token) return { ...rule, examples: { positives: [(make: ExampleMaker) => `TOKEN=${token(make)}`] } };
  if (setting) return { ...rule, examples: { positives: [setting] } };
  return rule;
});
