import type { ExampleMaker, RuleDefinition } from '../types';
import { prefixedToken } from './patternParts';

/** GitHub, GitLab and npm tokens: fixed prefixes; GitHub's and npm's carry a CRC32 checksum. */
const revokeGitHub =
  'Revoke the token on GitHub (Settings → Developer settings, or the app/OAuth owner), replace it with a fine-grained token or GITHUB_TOKEN, and purge the leak.';

function gitHubTokenRule(id: string, prefix: string, title: string): RuleDefinition {
  return {
    id,
    family: 'github',
    title,
    severity: 'critical',
    confidence: 'high',
    keywords: [prefix],
    pattern: prefixedToken(`${prefix}[A-Za-z0-9]{36}`),
    validator: 'github-token-crc32',
    remediation: revokeGitHub,
    previewPrefix: 4,
    examples: {
      positives: [
        (make) => `GH_TOKEN=${make.crc32Token(prefix, 30)}`,
        (make) => `git clone https://x-access-token:${make.crc32Token(prefix, 30)}@github.com/contoso/orders.git`,
      ],
      // The right shape with a checksum that does not hold: a hand-typed example, not a token.
      negatives: [`GH_TOKEN=${prefix}${'aB3'.repeat(12)}`],
    },
  };
}

const revokeGitLab = 'Revoke the token in GitLab (Access tokens / CI/CD settings), create a narrower replacement, and purge the leak.';

function gitLabTokenRule(
  id: string,
  title: string,
  keyword: string,
  body: string,
  example: (make: ExampleMaker) => string,
  minEntropy = 3,
): RuleDefinition {
  return {
    id,
    family: 'gitlab',
    title,
    severity: 'critical',
    confidence: 'high',
    keywords: [keyword],
    pattern: prefixedToken(body),
    minEntropy,
    remediation: revokeGitLab,
    previewPrefix: keyword.length,
    examples: {
      positives: [
        (make) => `GITLAB_TOKEN=${example(make)}`,
        (make) => `curl --header "PRIVATE-TOKEN: ${example(make)}" https://gitlab.contoso.com/api/v4/projects`,
      ],
      negatives: [`GITLAB_TOKEN=${keyword}xxxxxxxxxxxxxxxxxxxx`],
    },
  };
}

export const sourceHostingRules: readonly RuleDefinition[] = [
  gitHubTokenRule('github-pat', 'ghp_', 'GitHub personal access token (classic)'),
  gitHubTokenRule('github-oauth-token', 'gho_', 'GitHub OAuth access token'),
  gitHubTokenRule('github-user-to-server-token', 'ghu_', 'GitHub App user-to-server token'),
  gitHubTokenRule('github-server-to-server-token', 'ghs_', 'GitHub App installation token'),
  gitHubTokenRule('github-refresh-token', 'ghr_', 'GitHub refresh token'),
  {
    id: 'github-fine-grained-pat',
    family: 'github',
    title: 'GitHub fine-grained personal access token',
    severity: 'critical',
    confidence: 'high',
    keywords: ['github_pat_'],
    pattern: prefixedToken('github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}'),
    minEntropy: 3.5,
    remediation: revokeGitHub,
    previewPrefix: 11,
    examples: {
      positives: [(make) => `GITHUB_TOKEN=github_pat_${make.alphanumeric(22)}_${make.alphanumeric(59)}`],
      negatives: ['GITHUB_TOKEN=github_pat_<your-token>'],
    },
  },
  gitLabTokenRule(
    'gitlab-pat',
    'GitLab personal access token',
    'glpat-',
    String.raw`glpat-(?:[A-Za-z0-9_\-]{20}|[A-Za-z0-9_\-]{27,300}\.[0-9a-z]{2}[0-9a-z]{7})`,
    (make) => `glpat-${make.alphanumeric(20)}`,
  ),
  gitLabTokenRule(
    'gitlab-pipeline-trigger-token',
    'GitLab pipeline trigger token',
    'glptt-',
    'glptt-[0-9a-f]{40}',
    (make) => `glptt-${make.hex(40)}`,
  ),
  gitLabTokenRule(
    'gitlab-runner-registration-token',
    'GitLab runner registration token',
    'GR1348941',
    String.raw`GR1348941[A-Za-z0-9_\-]{20}`,
    (make) => `GR1348941${make.alphanumeric(20)}`,
  ),
  gitLabTokenRule(
    'gitlab-runner-token',
    'GitLab runner authentication token',
    'glrt-',
    String.raw`glrt-(?:[A-Za-z0-9_\-]{20}|[A-Za-z0-9_\-]{27,300}\.[0-9a-z]{2}[0-9a-z]{7})`,
    (make) => `glrt-${make.alphanumeric(20)}`,
  ),
  gitLabTokenRule(
    'gitlab-deploy-token',
    'GitLab deploy token',
    'gldt-',
    String.raw`gldt-[A-Za-z0-9_\-]{20}`,
    (make) => `gldt-${make.alphanumeric(20)}`,
  ),
  gitLabTokenRule(
    'gitlab-ci-job-token',
    'GitLab CI/CD job token',
    'glcbt-',
    String.raw`glcbt-[0-9a-fA-F]{1,5}_[A-Za-z0-9_\-]{20}`,
    (make) => `glcbt-${make.hex(2)}_${make.alphanumeric(20)}`,
  ),
  gitLabTokenRule(
    'gitlab-feed-token',
    'GitLab feed token',
    'glft-',
    String.raw`glft-[A-Za-z0-9_\-]{20}`,
    (make) => `glft-${make.alphanumeric(20)}`,
  ),
  gitLabTokenRule(
    'gitlab-oauth-secret',
    'GitLab OAuth application secret',
    'gloas-',
    String.raw`gloas-[A-Za-z0-9_\-]{64}`,
    (make) => `gloas-${make.alphanumeric(64)}`,
  ),
  {
    id: 'npm-access-token',
    family: 'npm',
    title: 'npm access token',
    severity: 'critical',
    confidence: 'high',
    keywords: ['npm_'],
    pattern: prefixedToken('npm_[A-Za-z0-9]{36}'),
    validator: 'npm-token-crc32',
    remediation:
      'Revoke the token on npmjs.com (Access Tokens) or with `npm token revoke`, and publish from CI with a granular or OIDC (trusted publishing) token.',
    previewPrefix: 4,
    examples: {
      positives: [
        (make) => `//registry.npmjs.org/:_authToken=${make.crc32Token('npm_', 30)}`,
        (make) => `NPM_TOKEN=${make.crc32Token('npm_', 30)}`,
      ],
      negatives: [`NPM_TOKEN=npm_${'aB3'.repeat(12)}`],
    },
  },
  {
    id: 'npm-legacy-auth-token',
    family: 'npm',
    title: 'npm registry auth token in .npmrc',
    severity: 'critical',
    confidence: 'high',
    keywords: ['_authtoken'],
    pattern:
      /_authToken[ \t]{0,3}=[ \t]{0,3}["']?(?<secret>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[A-Za-z0-9_\-.=+/]{20,512})(?![A-Za-z0-9_\-.=+/])/,
    allowlist: { guids: false },
    remediation:
      // biome-ignore lint/suspicious/noTemplateCurlyInString: `${NPM_TOKEN}` is what users write in `.npmrc`, not a template.
      'Revoke the token (`npm token revoke`), keep `.npmrc` tokens in an environment variable (`${NPM_TOKEN}`), and purge the leak.',
    examples: {
      positives: [(make) => `//registry.npmjs.org/:_authToken=${make.guid()}`],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: what users write in `.npmrc`.
      negatives: ['//registry.npmjs.org/:_authToken=${NPM_TOKEN}'],
    },
  },
  {
    id: 'npm-legacy-auth',
    family: 'npm',
    title: 'npm registry basic credential (_auth / _password) in .npmrc',
    severity: 'critical',
    confidence: 'medium',
    keywords: ['_auth=', '_password='],
    pattern: /(?:^|[\s:])_(?:auth|password)[ \t]{0,3}=[ \t]{0,3}["']?(?<secret>[A-Za-z0-9+/]{8,512}={0,2})(?![A-Za-z0-9+/=])/,
    minEntropy: 3,
    remediation: 'Rotate the registry password or token, keep `.npmrc` credentials in environment variables, and purge the leak.',
    examples: {
      positives: [(make) => `//pkgs.dev.azure.com/contoso/_packaging/feed/npm/registry/:_password=${make.base64(30)}`],
    },
  },
];
