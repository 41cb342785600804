/**
 * Decides whether a variable or key name says its value is a secret, for the generic
 * `name = value` rule. Names are split into words (camelCase, snake_case, kebab-case, dots), and
 * the last meaningful word decides: `clientSecret`, `API_TOKEN`, `db.password` are secret names;
 * `tokenUrl`, `secret_length`, `keyVaultName`, `credentialsId` and `publicKey` are not.
 */
const secretWords = new Set([
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'secret',
  'token',
  'credential',
  'credentials',
  'creds',
  'auth',
  'apikey',
  'accesskey',
  'secretkey',
  'privatekey',
  'clientsecret',
  'authtoken',
  'accesstoken',
  'refreshtoken',
  'apitoken',
  'bearer',
  'pat',
]);

/** Single words that end in a secret word (`dbpassword`, `clientsecret`, `authtoken`), but not `jsonwebtoken`. */
const compoundSecretWords =
  /^(?:[a-z]{0,12}(?:password|passwd|passphrase)|(?:client|app|api|shared|consumer|webhook|signing|master|admin|db|user|account)secret|(?:access|auth|api|refresh|id|bearer|session|bot|user|app|personal|deploy|service|oauth|github|gitlab|npm|slack|pat)token|(?:api|access|secret|private|auth|master|account|shared|client|subscription|license|app|consumer|service|storage|admin|signing|encryption)key)$/;

/** Words that, before `key`, make it a secret key (`api key`, `access key`, `signing key`, ...). */
const keyQualifiers = new Set([
  'api',
  'access',
  'secret',
  'private',
  'auth',
  'signing',
  'encryption',
  'master',
  'account',
  'shared',
  'client',
  'subscription',
  'license',
  'app',
  'consumer',
  'service',
  'storage',
  'admin',
  'primary',
  'secondary',
  'deploy',
  'webhook',
  'session',
  'instrumentation',
  'ingestion',
  'write',
  'read',
  'root',
]);

/** Trailing words that turn a secret-sounding name into metadata about the secret. */
const metadataSuffixes = new Set([
  'id',
  'ids',
  'name',
  'names',
  'url',
  'uri',
  'urls',
  'endpoint',
  'path',
  'file',
  'files',
  'dir',
  'type',
  'types',
  'length',
  'len',
  'size',
  'version',
  'format',
  'count',
  'source',
  'field',
  'fields',
  'header',
  'headers',
  'param',
  'params',
  'env',
  'var',
  'variable',
  'ref',
  'policy',
  'expiry',
  'expires',
  'expiration',
  'ttl',
  'timeout',
  'scope',
  'scopes',
  'hint',
  'label',
  'prefix',
  'suffix',
  'regex',
  'pattern',
  'kind',
  'mode',
  'provider',
  'store',
  'vault',
  'manager',
  'location',
  'generator',
  'set',
  'strategy',
  'class',
  'method',
  'service',
  'enabled',
  'required',
  'missing',
  'error',
  'errors',
  'valid',
  'validation',
  'input',
  'prompt',
  'placeholder',
  'description',
  'example',
  'template',
  'resolver',
]);

/** Leading words that mean the value is public or a different kind of thing. */
const disqualifyingWords = new Set([
  'public',
  'pub',
  'csrf',
  'xsrf',
  'next',
  'page',
  'cursor',
  'continuation',
  'sync',
  'lexer',
  'parser',
  'tokenizer',
]);

export function splitNameWords(name: string): string[] {
  return name
    .replace(/^[$@]+/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .map((word) => word.toLowerCase().replace(/\d+$/, ''))
    .filter((word) => word.length > 0);
}

/** Names repeat a lot in a log (`token`, `DB_PASSWORD`): remember recent verdicts. */
const verdicts = new Map<string, boolean>();

export function isSecretName(name: string): boolean {
  let verdict = verdicts.get(name);
  if (verdict === undefined) {
    verdict = judgeName(name);
    if (verdicts.size >= 4096) verdicts.clear();
    verdicts.set(name, verdict);
  }
  return verdict;
}

function judgeName(name: string): boolean {
  const words = splitNameWords(name);
  if (words.length === 0) return false;
  if (words.some((word) => disqualifyingWords.has(word))) return false;
  const last = words[words.length - 1];
  if (metadataSuffixes.has(last)) return false;
  if (secretWords.has(last)) return true;
  if (compoundSecretWords.test(last)) return true;
  if (last === 'key' && words.length >= 2 && keyQualifiers.has(words[words.length - 2])) return true;
  return false;
}
