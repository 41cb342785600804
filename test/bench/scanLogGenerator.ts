import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { pipelineTimestamp, SecretFactory } from '../support/scanning/syntheticSecrets';

/**
 * Writes a seeded, realistic Azure Pipelines log (npm, dotnet and maven output, git and docker
 * lines full of SHAs, digests and GUIDs, ANSI colours, `***` masks, variable references) with a
 * few hundred synthetic secrets of many kinds planted in it. Streams to disk so that generating
 * 100 MB costs no memory; returns the 1-based line numbers of the planted secrets and their kinds.
 */
export interface PlantedSecret {
  line: number;
  kind: string;
}

export type Planter = (f: SecretFactory) => string;

/** The planted secrets, one line each; the keyword-dense log plants the same kinds. */
export const planters: ReadonlyArray<[string, Planter]> = [
  [
    'azure-devops-pat',
    (f) =>
      `git -c http.extraheader="AUTHORIZATION: basic ${Buffer.from(`build:${f.azureDevOpsPat()}`).toString('base64')}" fetch --tags origin`,
  ],
  [
    'azure-devops-pat-legacy',
    (f) => `git -c http.extraheader="AUTHORIZATION: basic ${Buffer.from(`:${f.legacyAzureDevOpsPat()}`).toString('base64')}" fetch origin`,
  ],
  ['azure-devops-pat-env', (f) => `export AZURE_DEVOPS_EXT_PAT=${f.azureDevOpsPat()}`],
  [
    'azure-storage-key',
    (f) =>
      `DefaultEndpointsProtocol=https;AccountName=stbuild${f.below(999)};AccountKey=${f.azureStorageKey()};EndpointSuffix=core.windows.net`,
  ],
  [
    'azure-service-bus',
    (f) =>
      `Endpoint=sb://sb-vigil.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=${f.azureServiceBusKey()}`,
  ],
  ['azure-function-key', (f) => `Invoking https://func-vigil.azurewebsites.net/api/hook?code=${f.azureFunctionKey()}`],
  [
    'azure-entra-secret',
    (f) =>
      `az login --service-principal -u 8d5f4c1e-0a61-4d6e-9f3a-2c1b0e7d9a45 --tenant contoso.onmicrosoft.com --password=${f.entraClientSecret()}`,
  ],
  [
    'azure-sas',
    (f) =>
      `Uploading to https://stvigil.blob.core.windows.net/drops/app.zip?sv=2022-11-02&ss=b&srt=o&sp=rwdlac&se=2025-01-01T00:00:00Z&st=2024-01-01T00:00:00Z&spr=https&sig=${encodeURIComponent(Buffer.from(f.bytes(32)).toString('base64'))}`,
  ],
  ['github-pat', (f) => `remote: https://x-access-token:${f.gitHubToken()}@github.com/contoso/app.git`],
  ['github-token-env', (f) => `\x1b[36mGITHUB_TOKEN\x1b[0m=${f.gitHubToken('ghs_')}`],
  ['npm-token', (f) => `npm config set //registry.npmjs.org/:_authToken=${f.npmToken()}`],
  [
    'aws-keys',
    (f) => `AWS_ACCESS_KEY_ID=${f.awsAccessKeyId()} AWS_SECRET_ACCESS_KEY=${f.awsSecretAccessKey()} aws s3 sync ./dist s3://drops`,
  ],
  ['slack-bot', (f) => `Posting build status with token ${f.slackBotToken()}`],
  ['slack-webhook', (f) => `curl -X POST -H 'Content-type: application/json' --data '{"text":"done"}' ${f.slackWebhookUrl()}`],
  ['stripe', (f) => `STRIPE_SECRET_KEY=${f.stripeLiveKey()}`],
  ['gitlab', (f) => `git clone https://oauth2:${f.gitLabToken()}@gitlab.com/contoso/infra.git`],
  ['jwt', (f) => `##[debug]Authorization header: Bearer ${f.jwt()}`],
  ['postgres-url', (f) => `DATABASE_URL=postgres://app:${f.password()}@pg-vigil.postgres.database.azure.com:5432/app?sslmode=require`],
  [
    'sql-connection-string',
    (f) => `Server=tcp:sql-vigil.database.windows.net,1433;Initial Catalog=app;User ID=deploy;Password=${f.password()};Encrypt=True;`,
  ],
  ['docker-login', (f) => `docker login crvigil.azurecr.io -u crvigil -p ${f.password()}`],
  ['generic-password', (f) => `  "dbPassword": "${f.password()}",`],
  ['json-escaped', (f) => `##[debug]Evaluating: {"env":{"SLACK_TOKEN":"${f.slackBotToken()}","A":"\\"b\\""}}`],
  [
    'base64-config',
    (f) =>
      `echo ${Buffer.from(JSON.stringify({ registry: 'https://npm.pkg.github.com', token: f.gitHubToken() })).toString('base64')} | base64 -d > .npmrc`,
  ],
];

function npmLine(f: SecretFactory): string {
  const name = f.pick(['lodash', 'react', '@babel/core', 'typescript', 'webpack', 'eslint', 'jest', '@azure/identity', 'express', 'chalk']);
  switch (f.below(6)) {
    case 0:
      return `npm http fetch GET 200 https://registry.npmjs.org/${name} ${f.below(900)}ms (cache hit)`;
    case 1:
      return `npm WARN deprecated ${name}@${f.below(9)}.${f.below(20)}.${f.below(9)}: This version is no longer supported. Please upgrade.`;
    case 2:
      return `npm sill tarball no local data for ${name}@${f.below(9)}.${f.below(9)}.${f.below(9)}. Extracting by manifest. integrity sha512-${Buffer.from(f.bytes(64)).toString('base64')}`;
    case 3:
      return `added ${f.below(2000)} packages, and audited ${f.below(2500)} packages in ${f.below(90)}s`;
    case 4:
      return `\x1b[90m  ✓ \x1b[0m${name} resolves dependencies \x1b[2m(${f.below(200)} ms)\x1b[0m`;
    default:
      return `npm timing reifyNode:node_modules/${name} Completed in ${f.below(3000)}ms`;
  }
}

function dotnetLine(f: SecretFactory): string {
  const project = f.pick(['Vigil.Api', 'Vigil.Core', 'Vigil.Functions', 'Vigil.Tests']);
  switch (f.below(5)) {
    case 0:
      return `  Restored /home/vsts/work/1/s/src/${project}/${project}.csproj (in ${f.below(900)} ms).`;
    case 1:
      return `/home/vsts/work/1/s/src/${project}/Models/Risk.cs(${f.below(300)},${f.below(80)}): warning CS8618: Non-nullable property '${f.pick(['Name', 'Description', 'Owner', 'Token', 'Path', 'Url'])}' must contain a non-null value when exiting constructor. [/home/vsts/work/1/s/src/${project}/${project}.csproj]`;
    case 2:
      return `  ${project} -> /home/vsts/work/1/s/src/${project}/bin/Release/net8.0/${project}.dll`;
    case 3:
      return `  Passed ${project}.RiskTests.Scores_${f.alphanumeric(8)} [${f.below(90)} ms]`;
    default:
      return `Build started ${f.below(12)}/${f.below(28)}/2024 ${f.below(24)}:${f.below(60)}:${f.below(60)} correlation ${guid(f)}`;
  }
}

function mavenLine(f: SecretFactory): string {
  const artifact = f.pick(['commons-lang3', 'jackson-databind', 'spring-core', 'guava', 'slf4j-api', 'junit-jupiter']);
  switch (f.below(4)) {
    case 0:
      return `[INFO] Downloading from central: https://repo.maven.apache.org/maven2/org/example/${artifact}/${f.below(9)}.${f.below(20)}/${artifact}-${f.below(9)}.${f.below(20)}.jar`;
    case 1:
      return `[INFO] Downloaded from central: https://repo.maven.apache.org/maven2/org/example/${artifact}/${f.below(9)}.${f.below(20)}/${artifact}.pom (${f.below(90)} kB at ${f.below(900)} kB/s)`;
    case 2:
      return `[INFO] --- maven-compiler-plugin:3.11.0:compile (default-compile) @ ${artifact} ---`;
    default:
      return `[\x1b[1;34mINFO\x1b[m] Tests run: ${f.below(300)}, Failures: 0, Errors: 0, Skipped: ${f.below(5)}, Time elapsed: ${f.below(30)}.${f.below(999)} s`;
  }
}

function hex(f: SecretFactory, length: number): string {
  return f.characters('0123456789abcdef', length);
}

function guid(f: SecretFactory): string {
  return `${hex(f, 8)}-${hex(f, 4)}-${hex(f, 4)}-${hex(f, 4)}-${hex(f, 12)}`;
}

function pipelineLine(f: SecretFactory): string {
  switch (f.below(10)) {
    case 8:
      return `##[debug]Agent.TempDirectory=/home/vsts/work/_temp Build.SourceVersion=${hex(f, 40)}`;
    case 9:
      return `##[debug]Result: True (${f.below(90)} ms)`;
    case 0:
      return `##[section]Starting: ${f.pick(['Checkout', 'Restore', 'Build', 'Test', 'Publish', 'Deploy'])}`;
    case 1:
      return `##[command]git checkout --progress --force refs/remotes/origin/${hex(f, 40)}`;
    case 2:
      return `HEAD is now at ${hex(f, 7)} Merge pull request ${f.below(900)} from contoso/feature-${f.below(99)}`;
    case 3:
      return `#${f.below(20)} [build ${f.below(9)}/${f.below(9)}] COPY --from=builder /app /app sha256:${hex(f, 64)}`;
    case 4:
      // With system.debug on, Azure Pipelines prints masked values and variable references.
      return f.below(4) === 0
        ? `##[debug]Evaluating condition for step: 'Deploy' token=*** password=$(DeployPassword) key=\${{ secrets.DEPLOY_KEY }}`
        : `##[debug]Evaluating: and(succeeded(), eq(variables['Build.SourceBranch'], 'refs/heads/main'))`;
    case 5:
      return `##[debug]Agent.JobId=${guid(f)} System.CollectionId=${guid(f)}`;
    case 6:
      return `Successfully tagged crvigil.azurecr.io/app:${hex(f, 12)} digest: sha256:${hex(f, 64)} size: ${f.below(5000)}`;
    default:
      return `##[warning]The task uses Node 16 which is end of life; use a newer version of the task if available.`;
  }
}

export async function writeRealisticBuildLog(file: string, targetBytes: number, seed = 42): Promise<PlantedSecret[]> {
  return writePlantedBuildLog(file, targetBytes, seed, (f) => {
    const family = f.below(10);
    return family < 4 ? npmLine(f) : family < 6 ? dotnetLine(f) : family < 8 ? mavenLine(f) : pipelineLine(f);
  });
}

/**
 * Writes `targetBytes` of timestamped Azure Pipelines log lines made by `ordinaryLine`, with one of the
 * `planters`' secrets every ~300th line (the same secrets at the same rate in every log, so recall means the
 * same on each), and returns where each secret went.
 */
export async function writePlantedBuildLog(
  file: string,
  targetBytes: number,
  seed: number,
  ordinaryLine: (f: SecretFactory) => string,
): Promise<PlantedSecret[]> {
  const f = new SecretFactory(seed);
  const out = createWriteStream(file, { highWaterMark: 1024 * 1024 });
  const planted: PlantedSecret[] = [];
  const secretEvery = Math.max(1, Math.floor(targetBytes / 300 / 110));
  let written = 0;
  let line = 0;
  let batch = '';
  while (written < targetBytes) {
    line++;
    let text: string;
    if (line % secretEvery === 0) {
      const [kind, plant] = planters[planted.length % planters.length];
      planted.push({ line, kind });
      text = plant(f);
    } else {
      text = ordinaryLine(f);
    }
    const entry = `${pipelineTimestamp(line)}${text}\n`;
    batch += entry;
    written += Buffer.byteLength(entry);
    if (batch.length > 256 * 1024) {
      if (!out.write(batch)) await once(out, 'drain');
      batch = '';
    }
  }
  out.end(batch);
  await once(out, 'finish');
  return planted;
}

/**
 * Run as a script (`node --require tsx/cjs scanLogGenerator.ts FILE MEGABYTES`): writes the log and
 * prints the planted secrets as JSON. The benchmark generates in a child process so that the
 * generator's memory and garbage do not weigh on the scan it measures.
 */
if (require.main === module) {
  const [file, megabytes] = process.argv.slice(2);
  writeRealisticBuildLog(file, Number(megabytes) * 1024 * 1024).then(
    (planted) => process.stdout.write(JSON.stringify(planted)),
    (error: unknown) => {
      process.stderr.write(`log generation failed: ${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
