import { type AppServices, isRouted, whyUnrouted } from '../app';
import { connectAzureDevOps, vigilHookEvents, vigilHookSubscription } from '../devops';
import { WorkItemServiceHooks } from '../simulator';
import type { ManagedVault } from '../vault';
import { hookSecretNames } from '../vault';
import { type ConsoleAlert, type ConsoleAlertChannel, startConsoleAlertChannel } from './consoleAlertChannel';
import { type DemoWorld, demoOrganization, demoProject, startDemoWorld } from './demoWorld';
import { type HookQuiet, untilSettled } from './settle';

/**
 * The demo's story, played against a running Vigil through its real webhook: register the
 * organization (token and alert channel secrets in the vault), subscribe the service hooks, then
 * let the simulator deliver what happens in Azure DevOps — three builds that leak secrets, a push
 * that adds a private key, a pull request that adds a token, a service connection open to every
 * pipeline, a person closing a work item — waiting after each step until Vigil has done all it
 * does about it. Also used to seed a host for the overview page's tests.
 */
export interface DemoTarget {
  /** The host's HTTP base, `http://127.0.0.1:PORT/api`. */
  baseUrl: string;
  services: AppServices;
  /** Where the demo stores the simulator's PAT and the alert channel's URL and signing secret: the vault `services` reads. */
  vault: Pick<ManagedVault, 'setSecret'>;
}

export interface DemoOptions {
  /** One line per step as it happens. */
  progress?: (line: string) => void;
  /** Each alert the console channel receives. */
  onAlert?: (alert: ConsoleAlert) => void;
  /** The seed of the synthetic secrets (default: drawn at run time); the same seed plants the same secrets. */
  seed?: number;
  /** How long one step may take to settle (default 60 s). */
  stepTimeoutMs?: number;
}

export interface DemoRun {
  world: DemoWorld;
  alerts: ConsoleAlertChannel;
  workItemHooks: WorkItemServiceHooks;
  /** Steps whose capability is not built, left out of the sequence (none today). */
  leftOut: string[];
  close(): Promise<void>;
}

/** A step of the demo that did not do what it should; `step` names it. */
export class DemoStepError extends Error {
  constructor(
    readonly step: string,
    readonly reason: string,
  ) {
    super(`${step}: ${reason}`);
    this.name = 'DemoStepError';
  }
}

export const demoTokenSecret = `ado-pat-${demoOrganization}`;
const alertUrlSecret = `alerts-url-${demoOrganization}`;
const alertSigningSecret = `alerts-signing-${demoOrganization}`;

export async function playDemoSequence(target: DemoTarget, options: DemoOptions = {}): Promise<DemoRun> {
  const progress = options.progress ?? (() => undefined);
  const stepTimeoutMs = options.stepTimeoutMs ?? 60_000;
  const { services } = target;
  const world = await startDemoWorld(options.seed);
  const alerts = await startConsoleAlertChannel(options.onAlert);
  const webhookUrl = `${target.baseUrl}/hooks/azure-devops`;
  let workItemHooks: WorkItemServiceHooks | undefined;
  const close = async () => {
    workItemHooks?.stop();
    await world.close();
    await alerts.close();
  };

  const risks = () => services.stores.risks.list({ organization: demoOrganization });
  const settle = async (step: string) => {
    try {
      await untilSettled(services, [hooksQuiet(() => workItemHooks)], Date.now() + stepTimeoutMs);
    } catch (error) {
      throw new DemoStepError(step, (error as Error).message);
    }
  };
  /** Delivers one event through the subscriptions and checks the webhook accepted it. */
  const deliver = async (step: string, eventType: string, resource: Record<string, unknown>) => {
    const answers = await world.emitter.emit(eventType, world.projectId, resource);
    if (answers.length === 0) throw new DemoStepError(step, `no service hook subscription for ${eventType}`);
    const refused = answers.find((a) => a.status !== 202);
    if (refused) throw new DemoStepError(step, `the webhook answered ${refused.status} to ${eventType}`);
    await settle(step);
  };
  const leftOut: string[] = [];
  /** Whether Vigil routes the step's event; a step whose capability is not built is left out and named, never faked. */
  const built = (step: string, eventType: string) => {
    if (isRouted('azure-devops', eventType)) return true;
    const why = whyUnrouted('azure-devops', eventType);
    leftOut.push(`${step} (${why})`);
    progress(`${step}: left out (${why})`);
    return false;
  };
  const riskKeys = async () => new Map((await risks()).map((r) => [r.id, `${r.kind} ${r.severity}`]));

  let step = 'register the organization';
  try {
    await target.vault.setSecret(demoTokenSecret, world.pat);
    await target.vault.setSecret(alertUrlSecret, alerts.url);
    await target.vault.setSecret(alertSigningSecret, alerts.signingSecret);
    const organizations = services.stores.organizations;
    await organizations.add(demoOrganization, {
      azureDevOps: { url: world.simulator.url, auth: { mode: 'pat', tokenSecret: demoTokenSecret } },
      workItems: { enabled: true, workItemType: 'Issue', stateMapping: {} },
    });
    const settings = await organizations.addChannel(demoOrganization, {
      type: 'webhook',
      urlSecret: alertUrlSecret,
      signingSecret: alertSigningSecret,
    });
    progress(
      `organization '${demoOrganization}' registered: ${world.simulator.url} (PAT in the vault as '${demoTokenSecret}'), work items on`,
    );
    progress('alert channel: the console (a signed webhook delivered to this process)');

    step = 'subscribe the service hooks';
    const hookSecret = await services.vault.getSecret(hookSecretNames['azure-devops']);
    if (!hookSecret) throw new DemoStepError(step, `no secret '${hookSecretNames['azure-devops']}' in the vault`);
    const connection = await connectAzureDevOps(settings, { vault: services.vault, clock: services.clock });
    try {
      // What `vigil hooks subscribe` creates: every event Vigil follows, Minimal resource details.
      for (const event of vigilHookEvents) {
        await connection.hookSubscriptions.createServiceHookSubscription(
          vigilHookSubscription(event, world.projectId, { url: webhookUrl, resourceDetails: 'minimal' }, hookSecret),
        );
      }
    } finally {
      connection.close();
    }
    const workItemSubscription = world.simulator.hookSubscriptions().find((s) => s.eventType === 'workitem.updated');
    workItemHooks = new WorkItemServiceHooks(world.boards, {
      orgUrl: world.simulator.url,
      target: { url: webhookUrl, secret: hookSecret, subscriptionId: String(workItemSubscription?.id) },
      automatic: true,
    });
    progress(`service hooks: ${vigilHookEvents.length} subscriptions on project '${demoProject}' → ${webhookUrl}`);

    // The connection first, as a project is set up before its pipelines run: each build's audit then finds it known.
    step = `service connection '${world.endpointName}'`;
    let before = await riskKeys();
    if (built(step, 'ms.vss-endpoint.endpoint-created')) {
      progress(`service connection '${world.endpointName}' is created, open to every pipeline`);
      await deliver(step, 'ms.vss-endpoint.endpoint-created', endpointResource(world));
      progress(`  → ${newRisks(before, await riskKeys())}`);
    }

    for (const build of world.builds) {
      step = `build ${build.id}`;
      if (!built(step, 'build.complete')) continue;
      progress(`build ${build.id} finishes: ${build.story}`);
      before = await riskKeys();
      await deliver(step, 'build.complete', buildResource(world, build.id));
      progress(`  → ${newRisks(before, await riskKeys())}`);
    }

    step = `push ${world.pushId}`;
    if (built(step, 'git.push')) {
      progress(`push ${world.pushId} to ${world.repository.name}/main adds deploy/signing-key.pem`);
      before = await riskKeys();
      await deliver(step, 'git.push', pushResource(world));
      progress(`  → ${newRisks(before, await riskKeys())}`);
    }

    step = `pull request ${world.pullRequestId}`;
    if (built(step, 'git.pullrequest.created')) {
      progress(`pull request ${world.pullRequestId} is opened: it adds a token in src/settlement/client.ts`);
      await deliver(step, 'git.pullrequest.created', pullRequestResource(world));
      const pr = world.feedback.pullRequest(world.repository.id, world.pullRequestId);
      const finalStatus = pr.statuses.at(-1);
      if (!finalStatus) throw new DemoStepError(step, 'Vigil posted no status on the pull request');
      progress(`  → posted back: ${pr.threads.length} thread(s), status ${finalStatus.name} '${finalStatus.state}'`);
    }

    step = 'a person closes a work item';
    if (!built(step, 'workitem.updated')) return { world, alerts, workItemHooks, leftOut, close };
    const items = world.boards.workItems();
    const item = items.find((w) => /GitHub/i.test(w.title)) ?? items[0];
    if (!item) throw new DemoStepError(step, 'Vigil filed no work item to close');
    const resolvedBefore = (await risks()).filter((r) => r.status === 'resolved').length;
    progress(`${world.reviewer.displayName} closes work item #${item.id} (${item.title})`);
    world.boards.as(world.reviewer).setFields(item.id, { 'System.State': 'Closed' });
    await settle(step);
    const resolvedNow = (await risks()).filter((r) => r.status === 'resolved').length;
    if (resolvedNow <= resolvedBefore) throw new DemoStepError(step, `closing work item #${item.id} resolved no risk`);
    progress(`  → ${resolvedNow - resolvedBefore} risk resolved by the work-item sync`);
  } catch (error) {
    await close();
    throw error instanceof DemoStepError ? error : new DemoStepError(step, (error as Error).message);
  }
  return { world, alerts, workItemHooks, leftOut, close };
}

/** `2 new risks: leaked-secret critical, leaked-secret high`, or that there are none. */
function newRisks(before: Map<string, string>, after: Map<string, string>): string {
  const added = [...after].filter(([id]) => !before.has(id)).map(([, what]) => what);
  return added.length === 0 ? 'no new risk' : `${added.length} new risk(s): ${added.join(', ')}`;
}

function hooksQuiet(hooks: () => WorkItemServiceHooks | undefined): HookQuiet {
  return {
    sent: () => hooks()?.deliveries.length ?? 0,
    settled: async () => {
      await hooks()?.settled();
    },
  };
}

function projectRef(world: DemoWorld) {
  return { id: world.projectId, name: demoProject, url: `${world.simulator.url}/_apis/projects/${world.projectId}` };
}

function repositoryRef(world: DemoWorld) {
  return {
    id: world.repository.id,
    name: world.repository.name,
    url: `${world.simulator.url}/${world.projectId}/_apis/git/repositories/${world.repository.id}`,
    project: projectRef(world),
  };
}

function buildResource(world: DemoWorld, id: number): Record<string, unknown> {
  return {
    id,
    buildNumber: `20261207.${id - 100}`,
    status: 'completed',
    result: 'succeeded',
    url: `${world.simulator.url}/${world.projectId}/_apis/build/Builds/${id}`,
    definition: { id: 12, name: 'payments-api-ci' },
    project: projectRef(world),
  };
}

function pushResource(world: DemoWorld): Record<string, unknown> {
  const push = world.repository.pushes?.find((p) => p.pushId === world.pushId);
  const commits = push?.commits ?? [];
  return {
    pushId: world.pushId,
    refUpdates: [{ name: 'refs/heads/main', newObjectId: commits.at(-1) }],
    commits: commits.map((commitId) => ({ commitId })),
    repository: repositoryRef(world),
    url: `${world.simulator.url}/${world.projectId}/_apis/git/repositories/${world.repository.id}/pushes/${world.pushId}`,
  };
}

function pullRequestResource(world: DemoWorld): Record<string, unknown> {
  const pr = world.repository.pullRequests?.find((p) => p.pullRequestId === world.pullRequestId);
  return {
    pullRequestId: world.pullRequestId,
    status: 'active',
    title: 'Call the settlement service',
    sourceRefName: pr?.sourceRefName,
    targetRefName: 'refs/heads/main',
    lastMergeSourceCommit: { commitId: pr?.sourceCommit },
    repository: repositoryRef(world),
    url: `${world.simulator.url}/${world.projectId}/_apis/git/repositories/${world.repository.id}/pullRequests/${world.pullRequestId}`,
  };
}

function endpointResource(world: DemoWorld): Record<string, unknown> {
  return { id: world.endpointId, name: world.endpointName, type: 'generic', projectIds: [world.projectId] };
}
