import { randomBytes, randomInt } from 'node:crypto';
import {
  type AzureDevOpsServer,
  connectionDataRoutes,
  type FixtureRepository,
  genericEndpoint,
  type LoopbackIdentity,
  type LoopbackLog,
  PullRequestFeedbackRoutes,
  person,
  pipelineTimestamp,
  projectIdFor,
  RepositoryContentRoutes,
  SecretFactory,
  ServiceConnectionRoutes,
  ServiceHookEmitter,
  startAzureDevOpsServer,
  WorkItemRoutes,
} from '../simulator';

/**
 * The demo's Azure DevOps, in the simulator: one organization with one project, a repository with a
 * short history (a push that adds a private key, a pull request that adds a token), three finished
 * builds whose logs leak secrets in three ways, a service connection open to every pipeline, and Azure
 * Boards. Every secret is synthetic, made from a seed drawn at run time, and kept in `planted` so a
 * test can check that none of them is ever printed.
 */
export const demoOrganization = 'demo';
export const demoProject = 'Payments';
const repositoryName = 'payments-api';

export interface DemoBuild {
  id: number;
  /** What the progress line says the build did. */
  story: string;
}

export interface DemoWorld {
  simulator: AzureDevOpsServer;
  boards: WorkItemRoutes;
  feedback: PullRequestFeedbackRoutes;
  emitter: ServiceHookEmitter;
  /** The PAT the simulator accepts (stored in the vault as `ado-pat-demo`). */
  pat: string;
  projectId: string;
  repository: FixtureRepository;
  builds: DemoBuild[];
  pushId: number;
  pullRequestId: number;
  endpointId: string;
  endpointName: string;
  /** Vigil's own identity in the simulator (what its comments and statuses are posted as). */
  vigil: LoopbackIdentity;
  /** The person who closes a work item. */
  reviewer: LoopbackIdentity;
  /** Every synthetic secret planted, for tests to look for. */
  planted: string[];
  close(): Promise<void>;
}

const commitId = () => randomBytes(20).toString('hex');

/** The synthetic secrets the demo plants, all from one seed: the same seed gives the same secrets (tests replay them). */
export function demoSecrets(seed: number) {
  const secrets = new SecretFactory(seed);
  return {
    releaseToken: secrets.gitHubToken(),
    checkoutPat: secrets.azureDevOpsPat(),
    npmToken: secrets.npmToken(),
    slackToken: secrets.slackBotToken(),
    signingKey: secrets.privateKeyPem(),
    clientToken: secrets.gitLabToken(),
  };
}

/** Every planted value a test should never find in anything the demo printed: each secret, and each line of the key. */
export function plantedSecrets(seed: number): string[] {
  const { signingKey, ...tokens } = demoSecrets(seed);
  return [...Object.values(tokens), ...signingKey.slice(1, -1)];
}

/** A seed for `demoSecrets`, drawn at run time. */
export const randomSeed = () => randomInt(1, 2 ** 31 - 1);

export async function startDemoWorld(seed = randomSeed()): Promise<DemoWorld> {
  const projectId = projectIdFor(demoProject);
  const vigil: LoopbackIdentity = { id: 'dddddddd-0000-4000-8000-00000000de30', displayName: 'Vigil', uniqueName: 'vigil@demo.example' };
  const reviewer = person('Dana Whitfield');
  const { releaseToken, checkoutPat, npmToken, slackToken, signingKey, clientToken } = demoSecrets(seed);

  const log = (lines: string[]) => lines.map((line, i) => `${pipelineTimestamp(i)}${line}\n`).join('');
  const builds: Array<DemoBuild & { logs: LoopbackLog[] }> = [
    {
      id: 101,
      story: 'a release step echoes its GitHub token in plain text',
      logs: [
        { id: 1, sizeBytes: 40_000 },
        {
          id: 2,
          content: log([
            '##[section]Starting: Publish release',
            `export GITHUB_TOKEN=${releaseToken}`,
            'gh release upload v1.4.2 dist/payments-api.tgz',
            '##[section]Finishing: Publish release',
          ]),
        },
      ],
    },
    {
      id: 102,
      story: 'a checkout passes a PAT base64-encoded in a git Authorization: basic header',
      logs: [
        {
          id: 1,
          content: log([
            '##[section]Starting: Checkout payments-api@main to s',
            `git -c http.extraheader="AUTHORIZATION: basic ${Buffer.from(`build:${checkoutPat}`).toString('base64')}" fetch --force --tags --prune origin`,
            'From https://dev.azure.com/demo/Payments/_git/payments-api',
            '##[section]Finishing: Checkout payments-api@main to s',
          ]),
        },
      ],
    },
    {
      id: 103,
      story: 'a debugging step dumps its environment, the npm and Slack tokens with it',
      logs: [
        {
          id: 1,
          content: log([
            '##[section]Starting: Print environment',
            '##[group]Environment',
            'AGENT_OS=Linux',
            'BUILD_REPOSITORY_NAME=payments-api',
            `NPM_TOKEN=${npmToken}`,
            'NODE_ENV=production',
            `SLACK_BOT_TOKEN=${slackToken}`,
            '##[endgroup]',
            '##[section]Finishing: Print environment',
          ]),
        },
      ],
    },
  ];

  const [initial, withKey, withToken] = [commitId(), commitId(), commitId()];
  const repository: FixtureRepository = {
    id: projectIdFor(`${demoProject}/${repositoryName}`),
    name: repositoryName,
    project: demoProject,
    projectId,
    commits: [
      {
        commitId: initial,
        comment: 'Payments API',
        changes: {
          '/README.md': '# payments-api\n\nTakes payments.\n',
          '/src/app.ts': "import { pay } from './pay';\n\nexport const app = { pay };\n",
        },
      },
      {
        commitId: withKey,
        comment: 'Sign release artifacts',
        changes: { '/deploy/signing-key.pem': `${signingKey.join('\n')}\n` },
      },
      {
        commitId: withToken,
        comment: 'Call the settlement service',
        changes: {
          '/src/settlement/client.ts': `import { request } from './http';\n\nconst token = "${clientToken}";\nexport const settle = (id: string) => request('/settle/' + id, token);\n`,
        },
      },
    ],
    pushes: [{ pushId: 7, commits: [withKey], refName: 'refs/heads/main' }],
    pullRequests: [{ pullRequestId: 1, sourceRefName: 'refs/heads/feature/settlement', sourceCommit: withToken, targetCommit: withKey }],
  };

  const endpointId = 'e0e0e0e0-0000-4000-8000-00000000de30';
  const endpointName = 'deploy-production';
  const content = new RepositoryContentRoutes([repository]);
  const feedback = new PullRequestFeedbackRoutes({ identity: vigil, repositories: content });
  const boards = new WorkItemRoutes({ projects: [{ name: demoProject, id: projectId, process: 'Agile' }], identity: vigil });
  const connections = new ServiceConnectionRoutes([
    {
      endpoint: genericEndpoint({ id: endpointId, name: endpointName, url: 'https://deploy.payments.example', projects: [demoProject] }),
      allPipelines: true,
    },
  ]);
  const pat = `demo-pat-${randomBytes(16).toString('hex')}`;
  const simulator = await startAzureDevOpsServer({
    organization: demoOrganization,
    pat,
    projects: [{ id: projectId, name: demoProject }],
    builds: builds.map(({ id, logs }) => ({ id, project: projectId, logs, definition: { id: 12, name: 'payments-api-ci' } })),
    extensions: [connectionDataRoutes(vigil), boards, feedback, content, connections],
  });

  return {
    simulator,
    boards,
    feedback,
    emitter: new ServiceHookEmitter(simulator),
    pat,
    projectId,
    repository,
    builds: builds.map(({ id, story }) => ({ id, story })),
    pushId: 7,
    pullRequestId: 1,
    endpointId,
    endpointName,
    vigil,
    reviewer,
    planted: [...plantedSecrets(seed), pat],
    close: () => simulator.close(),
  };
}
