import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OverviewSeed, seedOverview } from '../support/overviewSeed';
import { startTestHost } from '../support/testHost';

/**
 * The overview and its JSON API on the local host, over real HTTP, against data seeded through the
 * webhook and the loopback Azure DevOps (docs/overview.md). The browser's view is in overviewBrowser.test.ts.
 */
let seed: OverviewSeed;
let origin: string;
let bearer: Record<string, string>;

beforeAll(async () => {
  seed = await seedOverview();
  origin = new URL(seed.host.baseUrl).origin;
  bearer = { authorization: `Bearer ${seed.host.accessToken}` };
}, 60_000);

afterAll(async () => {
  await seed?.dispose();
});

const pages = [
  '/api/overview',
  '/api/overview/risks',
  '/api/overview/repositories',
  '/api/overview/pipelines',
  '/api/overview/connections',
  '/api/overview/operations',
];
const apis = ['/api/risks', '/api/assets', '/api/pipelines', '/api/status'];

async function get(path: string, headers: Record<string, string> = bearer) {
  return fetch(`${origin}${path}`, { headers, redirect: 'manual' });
}

describe('access on the local host', () => {
  it('answers 401 to the pages and the API without the token, and to a wrong token', async () => {
    for (const path of [...pages, ...apis]) expect((await get(path, {})).status, path).toBe(401);
    expect((await get('/api/overview', { authorization: 'Bearer not-the-token' })).status).toBe(401);
    expect((await get('/api/overview?token=not-the-token', {})).status).toBe(401);
  });

  it("trades the printed URL's token for an HttpOnly, SameSite=Strict cookie and a redirect without it", async () => {
    expect(seed.host.overviewUrl).toBe(`${origin}/?token=${seed.host.accessToken}`);
    const root = await get(`/?token=${seed.host.accessToken}`, {});
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe(`/api/overview?token=${seed.host.accessToken}`);
    const visit = await get(`/api/overview/risks?status=open&token=${seed.host.accessToken}`, {});
    expect(visit.status).toBe(303);
    expect(visit.headers.get('location')).toBe('/api/overview/risks?status=open');
    const cookie = visit.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^vigil_token=[\w-]+; HttpOnly; SameSite=Strict; Path=\/$/);
    const page = await get('/api/overview/risks?status=open', { cookie: cookie.split(';')[0] });
    expect(page.status).toBe(200);
  });

  it('keeps the webhook and the health check open as before', async () => {
    expect((await get('/api/health', {})).status).toBe(200);
    const hook = await fetch(`${origin}/api/hooks/azure-devops`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(hook.status).toBe(401); // its own authentication, not the overview's token
    expect(((await hook.json()) as { error: string }).error).not.toBe('unauthenticated-overview');
  });
});

describe('the pages', () => {
  it('serve every view with strict security headers and no inline script or style', async () => {
    for (const path of pages) {
      const response = await get(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(response.headers.get('content-security-policy')).not.toContain('unsafe-inline');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      const html = await response.text();
      expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
      expect(html).not.toMatch(/\sstyle=/);
      expect(html).not.toMatch(/\son[a-z]+=/);
    }
  });

  it('show the seeded risks, pipelines, connection and parked delivery', async () => {
    const overview = await (await get('/api/overview')).text();
    expect(overview).toContain('Opened and resolved per week');
    expect(overview).toMatch(/data-bars="13"/);
    const pipelines = await (await get('/api/overview/pipelines')).text();
    for (const name of ['web-release', 'api-ci', 'nightly-infra']) expect(pipelines).toContain(name);
    expect(await (await get('/api/overview/connections')).text()).toContain('legacy-deploy');
    expect(await (await get('/api/overview/operations')).text()).toMatch(/no organization &#39;northwind&#39;/);
  });

  it('filter and sort the risks table by query string, without script', async () => {
    const high = await (await get('/api/overview/risks?kind=service-connection')).text();
    expect(high).toContain('legacy-deploy');
    expect(high).not.toContain('web-release');
    const sorted = await (await get('/api/overview/risks?sort=severity&order=desc')).text();
    const severities = [...sorted.matchAll(/<td class="sev-(\w+)">/g)].map((m) => m[1]);
    const rank = ['critical', 'high', 'medium', 'low'];
    expect(severities.length).toBeGreaterThan(2);
    expect(severities.map((s) => rank.indexOf(s))).toEqual([...severities.map((s) => rank.indexOf(s))].sort((a, b) => a - b));
    expect((await get('/api/overview/risks?severity=urgent')).status).toBe(400);
  });
});

describe('the JSON API', () => {
  it("answers the CLI's shapes, paged with continuation tokens", async () => {
    const first = (await (await get('/api/risks?limit=2')).json()) as {
      risks: Array<Record<string, unknown>>;
      continuationToken: string | null;
    };
    expect(first.risks).toHaveLength(2);
    expect(Object.keys(first.risks[0]).sort()).toEqual(
      [
        'asset',
        'evidence',
        'firstSeenAt',
        'id',
        'kind',
        'lastSeenAt',
        'occurrences',
        'organization',
        'ruleId',
        'severity',
        'status',
      ].sort(),
    );
    expect(first.continuationToken).toEqual(expect.any(String));
    const second = (await (
      await get(`/api/risks?limit=2&continuationToken=${encodeURIComponent(first.continuationToken ?? '')}`)
    ).json()) as {
      risks: Array<{ id: string }>;
    };
    expect(second.risks.map((r) => r.id)).not.toContain(first.risks[0].id);

    const one = (await (await get(`/api/risks/${encodeURIComponent(String(first.risks[0].id))}`)).json()) as Record<string, unknown>;
    expect(Object.keys(one).sort()).toEqual(['pullRequests', 'risk', 'workItem']);
    expect((await get('/api/risks/no-such-risk')).status).toBe(404);
    expect((await get('/api/risks?continuationToken=garbage')).status).toBe(400);

    const status = (await (await get('/api/status')).json()) as Record<string, unknown>;
    expect(Object.keys(status).sort()).toEqual(['deliveries', 'queues', 'workItemSync']);
    const assets = (await (await get('/api/assets?type=repository')).json()) as { assets: Array<{ name: string; reasons: unknown[] }> };
    expect(assets.assets.map((a) => a.name)).toEqual(['payments', 'web', 'docs']);
  });

  it('reports pipeline health from the per-day aggregates: runs, success rate, durations and leaks', async () => {
    const { pipelines } = (await (await get('/api/pipelines')).json()) as {
      pipelines: Array<{
        pipeline: { name: string };
        runs: number;
        successRate: number;
        p50Seconds: number;
        leakRuns: number;
        lastLeak: unknown;
      }>;
    };
    const byName = Object.fromEntries(pipelines.map((p) => [p.pipeline.name, p]));
    expect(byName['web-release']).toMatchObject({ runs: 3, successRate: 1, leakRuns: 2 });
    expect(byName['api-ci']).toMatchObject({ runs: 2, successRate: 0.5 });
    expect(byName['nightly-infra'].p50Seconds).toBeGreaterThan(42 * 60 * 0.9);
    expect(byName['nightly-infra'].p50Seconds).toBeLessThan(42 * 60 * 1.1);
  });

  it('keeps the risk totals equal to the risks themselves', async () => {
    const risks = await seed.host.services.stores.risks.list();
    const [tally] = await seed.host.services.stores.riskTallies.current(seed.organization);
    const fromRisks: Record<string, number> = {};
    for (const risk of risks)
      fromRisks[`${risk.status}.${risk.severity}.${risk.kind}`] = (fromRisks[`${risk.status}.${risk.severity}.${risk.kind}`] ?? 0) + 1;
    expect(Object.fromEntries(Object.entries(tally.counts).filter(([, n]) => n !== 0))).toEqual(fromRisks);
    expect(risks.some((r) => r.status === 'resolved')).toBe(true);
  });

  it('never answers a planted secret, on any page or API answer', async () => {
    const riskIds = (await seed.host.services.stores.risks.list()).map((r) => r.id);
    const paths = [
      ...pages,
      ...apis,
      '/api/overview/risks?sort=severity',
      '/api/assets?type=service-connection',
      ...riskIds.flatMap((id) => [`/api/overview/risks/${encodeURIComponent(id)}`, `/api/risks/${encodeURIComponent(id)}`]),
    ];
    const everything = (await Promise.all(paths.map(async (path) => (await get(path)).text()))).join('\n');
    expect(riskIds.length).toBeGreaterThan(3);
    for (const secret of seed.secrets) expect(everything).not.toContain(secret);
    expect(everything).not.toContain(seed.host.accessToken);
  });
});

describe('a host bound beyond loopback', () => {
  // Last: a second host in this process takes over the services the function files use.
  const external = Object.values(networkInterfaces())
    .flat()
    .find((address) => address && address.family === 'IPv4' && !address.internal)?.address;
  it.runIf(external)('refuses the overview to another machine, even with the token, when bound beyond loopback', async () => {
    const wide = await startTestHost({ env: { VIGIL_BIND_ADDRESS: '0.0.0.0' } });
    try {
      const url = `http://${external}:${wide.port}/api/overview`;
      const refused = await fetch(url, { headers: { authorization: `Bearer ${wide.accessToken}` } });
      expect(refused.status).toBe(403);
      expect((await fetch(`http://${external}:${wide.port}/api/health`)).status).toBe(200);
    } finally {
      await wide.dispose();
    }
  });
});
