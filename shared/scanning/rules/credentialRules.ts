import type { RuleDefinition } from '../types';

/**
 * Credentials that are not a vendor's token format: passwords in URLs and connection strings,
 * Authorization headers, `curl -u`, `docker login -p`, `--password=` flags, NuGet and JWTs.
 */
const rotatePassword =
  'Change the password (or rotate the credential), move it to a secret store or pipeline secret variable, and purge the leak.';

export const credentialRules: readonly RuleDefinition[] = [
  {
    id: 'jwt',
    family: 'jwt',
    title: 'JSON Web Token',
    severity: 'medium',
    confidence: 'medium',
    keywords: ['eyj'],
    pattern:
      /(?<![A-Za-z0-9_-])(?<secret>eyJ[A-Za-z0-9_-]{8,4096}\.eyJ[A-Za-z0-9_-]{4,16384}\.(?:[A-Za-z0-9_-]{8,4096})?)(?![A-Za-z0-9_-])/,
    validator: 'jwt-shape',
    remediation:
      'Treat the token as leaked until it expires: revoke the session or signing key if possible, and keep bearer tokens out of logs.',
    previewPrefix: 3,
    examples: {
      positives: [
        (make) =>
          `Authorization: Bearer ${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from(`{"sub":"${make.alphanumeric(8)}","iat":1700000000}`).toString('base64url')}.${make.alphanumeric(43)}`,
      ],
    },
  },
  {
    id: 'database-url-password',
    family: 'database',
    title: 'Database connection URL with an embedded password',
    severity: 'critical',
    confidence: 'high',
    keywords: [
      'postgres',
      'mysql',
      'mariadb',
      'mongodb',
      'redis',
      'rediss',
      'amqp',
      'rabbitmq',
      'mssql',
      'sqlserver',
      'jdbc:',
      'cockroachdb',
      'clickhouse',
      'couchdb',
      'neo4j',
    ],
    pattern:
      /(?<![A-Za-z0-9+.-])(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|rabbitmq|mssql|sqlserver|jdbc:[a-z]{2,12}|cockroachdb|clickhouse|couchdbs?|neo4j(?:\+s)?|bolt):\/\/(?<user>[^\s:/?#@'"]{0,128}):(?<secret>[^\s/?#@'"]{3,256})@[A-Za-z0-9.\-_[\]]{1,253}/i,
    minEntropy: 1.5,
    precondition: 'url-userinfo',
    remediation: rotatePassword,
    examples: {
      positives: [(make) => `DATABASE_URL=postgres://orders:${make.alphanumeric(16)}@db.contoso.com:5432/orders`],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell or pipeline reference, which the rule must not report.
      negatives: ['DATABASE_URL=postgres://orders:${DB_PASSWORD}@db.contoso.com:5432/orders'],
    },
  },
  {
    id: 'url-basic-auth',
    family: 'http-auth',
    title: 'URL with embedded username and password',
    severity: 'high',
    confidence: 'medium',
    keywords: [
      'http://',
      'https://',
      'ftp://',
      'ftps://',
      'sftp://',
      'git://',
      'ssh://',
      'svn://',
      'smtp://',
      'smtps://',
      'ldap://',
      'ldaps://',
    ],
    pattern:
      /(?<![A-Za-z0-9+.-])(?:https?|ftps?|sftp|git|ssh|svn(?:\+ssh)?|smtps?|ldaps?):\/\/(?<user>[^\s:/?#@'"[\]]{0,128}):(?<secret>[^\s/?#@'"]{3,256})@[A-Za-z0-9.\-_[\]]{1,253}/i,
    minEntropy: 1.5,
    generic: true,
    precondition: 'url-userinfo',
    remediation:
      'Remove the credential from the URL (use a credential helper, a pipeline secret or a token header), rotate it, and purge the leak.',
  },
  {
    id: 'connection-string-password',
    family: 'database',
    title: 'Connection string with a password (SQL Server, ADO.NET, ODBC)',
    severity: 'critical',
    confidence: 'high',
    keywords: ['password=', 'pwd='],
    pattern: /(?:^|[;"'\s])(?:Password|Pwd)[ \t]{0,3}=[ \t]{0,3}(?<secret>'[^']{3,128}'|"[^"]{3,128}"|\{[^}]{3,128}\}|[^;"'\s]{3,128})/i,
    requiredCharacters: ';',
    lineRequires:
      /(?:^|[;"'\s])(?:Server|Data Source|Host|Address|Addr|User ID|UserID|Uid|User|Initial Catalog|Database|Driver|Provider)[ \t]{0,3}=/i,
    minEntropy: 1.5,
    remediation: rotatePassword,
    examples: {
      positives: [
        (make) =>
          `Server=tcp:sql-orders.database.windows.net,1433;Database=orders;User ID=app;Password=${make.alphanumeric(16)};Encrypt=True;`,
      ],
      negatives: ['Server=tcp:sql-orders.database.windows.net,1433;Database=orders;Authentication=Active Directory Default;'],
    },
  },
  {
    id: 'http-authorization-header',
    family: 'http-auth',
    title: 'HTTP Authorization header credential',
    severity: 'high',
    confidence: 'medium',
    keywords: ['authorization'],
    pattern:
      /authorization\\?["']?[ \t]{0,4}:[ \t]{0,4}\\?["']?(?:(?:bearer|token|api-token|apikey|sso-key|ssws|key|digest)[ \t]{1,4})?(?<secret>[A-Za-z0-9._~+/=\-:@!$%*#]{8,4096})/i,
    minEntropy: 2.5,
    allowlist: { guids: false },
    remediation: 'Rotate the token or password the header carried and keep it out of logs (mask it, or use `GIT_TRACE`-free verbosity).',
  },
  {
    id: 'http-basic-authorization-header',
    family: 'http-auth',
    title: 'HTTP Basic Authorization header (user:password in base64)',
    severity: 'high',
    confidence: 'high',
    keywords: ['basic '],
    pattern: /authorization\\?["']?[ \t]{0,4}:[ \t]{0,4}\\?["']?basic[ \t]{1,4}(?<secret>[A-Za-z0-9+/]{4,4096}={0,2})(?![A-Za-z0-9+/=])/i,
    validator: 'basic-auth-payload',
    remediation:
      'Rotate the password or PAT inside the Basic credential; git prints it with GIT_TRACE or `http.extraheader` debugging, so keep those off in pipelines.',
    examples: {
      positives: [(make) => `Authorization: Basic ${Buffer.from(`build:${make.alphanumeric(20)}`).toString('base64')}`],
    },
  },
  {
    id: 'curl-header-credential',
    family: 'curl',
    title: 'Credential passed to curl in a header',
    severity: 'high',
    confidence: 'medium',
    keywords: ['curl'],
    armsFollowingLines: 12,
    pattern:
      /(?:^|\s)(?:-H|--header)[ \t]{1,4}["']?(?<name>[A-Za-z0-9_-]{0,40}(?:api[_-]?key|token|secret|auth)[A-Za-z0-9_-]{0,20})[ \t]{0,3}:[ \t]{0,4}(?<secret>[^"'\s]{6,1024})/i,
    minEntropy: 2.5,
    allowlist: { guids: false },
    remediation:
      'Rotate the credential and pass it to curl from a file or environment variable (`-H @headers.txt`, `--config`) instead of the command line.',
  },
  {
    id: 'curl-basic-credential',
    family: 'curl',
    title: 'Password passed to curl with -u / --user',
    severity: 'high',
    confidence: 'medium',
    keywords: ['curl'],
    armsFollowingLines: 12,
    pattern:
      /(?:^|\s)(?:-u|--user)[ \t]{1,4}(?<secret>"[^"\s]{1,256}"(?::"[^"\s]{0,256}")?|'[^'\s]{1,256}'|[^\s"':]{1,256}(?::(?:["'][^"'\s]{0,256}["']|[^\s"']{0,256}))?)/,
    validator: 'user-password-pair',
    minEntropy: 2.5,
    remediation: 'Change the password and give it to curl through `--netrc-file` or an environment variable, never on the command line.',
  },
  {
    id: 'docker-login-password',
    family: 'docker',
    title: 'Password passed to docker login on the command line',
    severity: 'high',
    confidence: 'high',
    keywords: ['docker login', 'podman login', 'helm registry login', 'oras login'],
    pattern:
      /(?:docker|podman|helm registry|oras)[ \t]{1,4}login\b[^\n]{0,300}?[ \t](?:-p|--password)(?:=|[ \t]{1,4})["']?(?<secret>[^\s"']{4,256})/,
    remediation: 'Rotate the registry password or token and use `--password-stdin` (or the Docker@2 task / a service connection).',
    examples: {
      positives: [(make) => `docker login registry.contoso.com -u deploy -p ${make.alphanumeric(20)}`],
      negatives: ['docker login registry.contoso.com -u deploy --password-stdin'],
    },
  },
  {
    id: 'cli-secret-argument',
    family: 'cli',
    title: 'Secret passed as a command-line argument',
    severity: 'high',
    confidence: 'medium',
    keywords: [
      '--password',
      '--passwd',
      '--pass=',
      '--pass ',
      '--token',
      '--api-key',
      '--apikey',
      '--secret',
      '--client-secret',
      '--access-key',
      '--auth-token',
      '--pat',
    ],
    pattern:
      /(?:^|\s)--(?:password|passwd|pass|token|api-key|apikey|secret|client-secret|access-key|secret-key|auth-token|pat)(?:=|[ \t]{1,3})["']?(?<secret>[^\s"']{6,512})/i,
    minEntropy: 2.5,
    generic: true,
    remediation:
      'Rotate the secret and pass it through an environment variable, a file or stdin; command lines are logged and visible to other processes.',
    examples: {
      positives: [(make) => `deploy-tool --api-key ${make.alphanumeric(32)} --region westeurope`],
      negatives: ['deploy-tool --api-key $API_KEY --region westeurope'],
    },
  },
  {
    id: 'database-cli-password',
    family: 'cli',
    title: 'Password passed to a database client on the command line',
    severity: 'high',
    confidence: 'medium',
    // Database clients take the password as `-p<password>` (mysql), `-P <password>` (sqlcmd, bcp) or
    // `--password=`; `-p` alone means something else to most commands, so only these clients count.
    keywords: ['mysql', 'mysqldump', 'mariadb', 'sqlcmd', 'bcp ', 'mongosh', 'mongo ', 'redis-cli'],
    // Every form has a dash (`-p`, `-P`, `-a`, `--password`): lines that only name a client are not read.
    requiredCharacters: '-',
    pattern:
      /(?:mysql|mysqldump|mariadb|sqlcmd|bcp|mongosh|mongo|redis-cli)(?:\.exe)?[ \t][^\n]{0,300}?[ \t](?:-p|-P[ \t]{1,3}|-a[ \t]{1,3}|--password(?:=|[ \t]{1,3})|--pass(?:=|[ \t]{1,3}))["']?(?<secret>[^\s"'$%-][^\s"']{5,255})/,
    minEntropy: 2.5,
    minCharacterClasses: 2,
    remediation:
      'Rotate the database password and give it to the client through an option file, an environment variable or a managed identity, never on the command line.',
    examples: {
      positives: [
        (make) => `mysql -h db.contoso.com -u app -p${make.alphanumeric(12)}! orders < seed.sql`,
        (make) => `sqlcmd -S db.contoso.com -U app -P ${make.alphanumeric(14)} -i migrate.sql`,
        (make) => `redis-cli -h cache.contoso.com -a ${make.alphanumeric(24)} ping`,
      ],
      negatives: ['mysql -h db.contoso.com -u app -p orders < seed.sql', 'sqlcmd -S db -U app -P $(DbPassword) -i migrate.sql'],
    },
  },
  {
    id: 'powershell-plaintext-securestring',
    family: 'cli',
    title: 'Password turned into a SecureString from plain text (PowerShell)',
    severity: 'high',
    confidence: 'medium',
    keywords: ['convertto-securestring'],
    pattern: /ConvertTo-SecureString(?:[ \t]{1,4}-String)?[ \t]{1,4}["'](?<secret>[^"'$\s]{4,256})["'][^\n]{0,60}?-AsPlainText/i,
    minEntropy: 2.5,
    remediation:
      'Rotate the password and read it from a secret store (Get-Secret, Key Vault, a pipeline secret variable) instead of writing it in the script.',
    examples: {
      positives: [
        (make) => `$pw = ConvertTo-SecureString '${make.alphanumeric(14)}!' -AsPlainText -Force`,
        (make) => `$pw = ConvertTo-SecureString -String "${make.alphanumeric(14)}" -AsPlainText -Force`,
      ],
      negatives: ['$pw = ConvertTo-SecureString $env:ADMIN_PASSWORD -AsPlainText -Force', '$pw = Read-Host -AsSecureString'],
    },
  },
  {
    id: 'netrc-password',
    family: 'cli',
    title: 'Password in a .netrc file',
    severity: 'high',
    confidence: 'medium',
    keywords: ['password'],
    // `machine host login user password secret`, on one line or several.
    pattern: /(?:^|[ \t])password[ \t]{1,8}(?<secret>[^\s]{6,256})/,
    pathPattern: /(?:^|[\\/])[._]netrc$/i,
    minEntropy: 2.5,
    generic: true,
    remediation: 'Rotate the password or token and keep .netrc out of repositories and images (mode 0600, in the home folder only).',
    examples: {
      positives: [(make) => `machine git.contoso.com login build password ${make.alphanumeric(20)}`],
      negatives: ['machine example.com login anonymous password'],
      path: '.netrc',
    },
  },
  {
    id: 'nuget-cleartext-password',
    family: 'nuget',
    title: 'ClearTextPassword in a NuGet configuration',
    severity: 'high',
    confidence: 'high',
    keywords: ['cleartextpassword'],
    pattern: /<add[ \t]{1,4}key=\\?["']ClearTextPassword\\?["'][ \t]{1,4}value=\\?["'](?<secret>[^"'\\]{4,256})\\?["']/i,
    allowlist: {
      // Sample values from NuGet's documentation of nuget.config.
      values: [/^33f!!lloppa$/, /^hal\+9ooo_da!sY$/],
    },
    remediation:
      'Remove the password from nuget.config, authenticate with the NuGetAuthenticate task or an encrypted credential provider, and rotate it.',
    examples: {
      positives: [(make) => `      <add key="ClearTextPassword" value="${make.alphanumeric(20)}" />`],
      negatives: ['      <add key="ClearTextPassword" value="%NUGET_PASSWORD%" />'],
    },
  },
  {
    id: 'nuget-config-password',
    family: 'nuget',
    title: 'Password in nuget.config',
    severity: 'high',
    confidence: 'high',
    keywords: ['<add key='],
    pattern: /<add[ \t]{1,4}key=["']Password["'][ \t]{1,4}value=["'](?<secret>[^"']{4,256})["']/i,
    pathPattern: /(?:^|[\\/])nuget\.config$/i,
    allowlist: { values: [/^33f!!lloppa$/, /^hal\+9ooo_da!sY$/] },
    remediation:
      'Remove the password from nuget.config, authenticate with the NuGetAuthenticate task or a credential provider, and rotate it.',
  },
];
