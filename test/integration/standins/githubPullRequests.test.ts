import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHubPullRequestRoutes } from '../../support/github/pullRequestRoutes';
import { type GitHubApiServer, startGitHubApiServer } from '../../support/githubApiServer';
import { LoopbackGitHistory } from '../../support/loopbackGitHistory';
import { recordedRequestText } from '../../support/recordedRequests';

/**
 * Pull request feedback on the loopback GitHub (test/support/github/pullRequestRoutes.ts) with the
 * real `@octokit/rest`: the pull request, its files with patch hunks, commits and contents at a
 * ref in the documented shapes; check runs with GitHub's 50-annotation and 65,535-character
 * limits; conversation comments with the 65,536-character limit; review comments that must sit
 * on the diff, and replies; commit statuses; the token's own user; paging; faults.
 */
const fixtures = join(__dirname, '..', '..', 'fixtures', 'github', 'rest');
const documented = (name: string) =>
  (JSON.parse(readFileSync(join(fixtures, name), 'utf8')) as { responseExample: unknown }).responseExample;
const documentedOne = (name: string) => {
  const example = documented(name);
  return (Array.isArray(example) ? example[0] : example) as Record<string, unknown>;
};
const keysOf = (value: unknown) => Object.keys(value as object).sort();

const token = `ghp_${randomBytes(18).toString('hex')}`;
const mona = { name: 'Mona', email: 'mona@example.com', date: '2026-11-20T09:00:00Z' };
const sha = (n: number) => `${n}`.repeat(40).slice(0, 40);
const original = `${Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n')}\n`;
const history = new LoopbackGitHistory(
  [
    { sha: sha(1), author: mona, parent: null, changes: { 'src/config.ts': original, 'README.md': '# App\n', 'docs/old.md': 'old\n' } },
    {
      sha: sha(2),
      author: mona,
      message: 'Add payments',
      changes: {
        'src/config.ts': original.replace('line 10\n', 'line 10\nconst token = "ghp_placeholder";\n'),
        'src/pay.ts': 'export const pay = 1;\n',
        'docs/old.md': null,
        'assets/logo.png': Buffer.from([0x89, 0x50, 0x00, 0x01]),
      },
    },
    { sha: sha(3), author: mona, message: 'Tidy', changes: { 'README.md': '# App\n\nPayments.\n' } },
  ],
  { main: sha(1), feature: sha(3) },
);
const repo = 'octo-org/payments';

let github: GitHubApiServer;
let routes: GitHubPullRequestRoutes;
let octokit: Octokit;

beforeAll(async () => {
  routes = new GitHubPullRequestRoutes({
    repositories: [{ fullName: repo, defaultBranch: 'main', history }],
    pullRequests: [{ repository: repo, number: 12, base: 'main', head: 'feature', title: 'Payments' }],
    identity: { login: 'vigil-app[bot]', id: 4242, type: 'Bot' },
  });
  github = await startGitHubApiServer({ token, extensions: [routes] });
  octokit = new Octokit({ auth: token, baseUrl: github.url, log: quiet });
});
afterAll(async () => {
  await github.close();
});

const owner = 'octo-org';
// Octokit logs every 4xx; the refusals here are expected.
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const name = 'payments';

describe('reading the pull request', () => {
  it('answers pulls.get in the documented shape with its head and base', async () => {
    const { data } = await octokit.pulls.get({ owner, repo: name, pull_number: 12 });
    expect(keysOf(data)).toEqual(expect.arrayContaining(keysOf(documented('pulls.get.json'))));
    expect(data.head).toMatchObject({ ref: 'feature', sha: sha(3) });
    expect(data.base).toMatchObject({ ref: 'main', sha: sha(1) });
    expect([data.commits, data.changed_files]).toEqual([2, 5]);
  });

  it('lists the files with patch hunks (none for a binary file), paged with Link headers', async () => {
    const { data, headers } = await octokit.pulls.listFiles({ owner, repo: name, pull_number: 12, per_page: 2 });
    expect(headers.link).toContain('rel="next"');
    const all = await octokit.paginate(octokit.pulls.listFiles, { owner, repo: name, pull_number: 12, per_page: 2 });
    expect(all.map((f) => [f.filename, f.status])).toEqual([
      ['README.md', 'modified'],
      ['assets/logo.png', 'added'],
      ['docs/old.md', 'removed'],
      ['src/config.ts', 'modified'],
      ['src/pay.ts', 'added'],
    ]);
    expect(keysOf(data[0])).toEqual(keysOf(documentedOne('pulls.list-files.json')));
    const config = all.find((f) => f.filename === 'src/config.ts')!;
    expect(config.patch).toBe(
      '@@ -8,6 +8,7 @@\n line 8\n line 9\n line 10\n+const token = "ghp_placeholder";\n line 11\n line 12\n line 13',
    );
    expect([config.additions, config.deletions, config.changes]).toEqual([1, 0, 1]);
    expect(all.find((f) => f.filename === 'assets/logo.png')!.patch).toBeUndefined();
    expect(all.find((f) => f.filename === 'src/pay.ts')!.patch).toBe('@@ -0,0 +1 @@\n+export const pay = 1;');
  });

  it('lists the commits oldest first in the documented shape', async () => {
    const { data } = await octokit.pulls.listCommits({ owner, repo: name, pull_number: 12 });
    expect(data.map((c) => c.sha)).toEqual([sha(2), sha(3)]);
    expect(keysOf(data[0])).toEqual(keysOf(documentedOne('pulls.list-commits.json')));
    expect(data[1].commit.message).toBe('Tidy');
  });

  it('gives a file at a ref as base64 wrapped with newlines, or raw', async () => {
    const { data } = await octokit.repos.getContent({ owner, repo: name, path: 'src/config.ts', ref: sha(2) });
    const file = data as { content: string; encoding: string; size: number };
    expect(keysOf(file)).toEqual(keysOf(documented('repos.get-content.json')));
    expect(
      file.content
        .split('\n')
        .slice(0, -2)
        .every((line) => line.length === 60),
    ).toBe(true);
    expect(Buffer.from(file.content, 'base64').toString()).toContain('const token = "ghp_placeholder";');
    expect(file.size).toBe(history.contentAt(sha(2), 'src/config.ts')!.length);
    const raw = await octokit.repos.getContent({ owner, repo: name, path: 'README.md', ref: 'main', mediaType: { format: 'raw' } });
    expect(raw.data as unknown as string).toBe('# App\n');
    await expect(octokit.repos.getContent({ owner, repo: name, path: 'src/pay.ts', ref: 'main' })).rejects.toMatchObject({ status: 404 });
  });

  it('answers GET /user with the token’s own account', async () => {
    const { data } = await octokit.users.getAuthenticated();
    expect(data).toMatchObject({ login: 'vigil-app[bot]', id: 4242, type: 'Bot' });
  });
});

describe('check runs', () => {
  const annotation = (line: number) => ({
    path: 'src/config.ts',
    start_line: line,
    end_line: line,
    annotation_level: 'failure' as const,
    message: `secret on line ${line}`,
  });

  it('creates and completes a check run in the documented shape, adding annotations page by page', async () => {
    const created = await octokit.checks.create({
      owner,
      repo: name,
      name: 'Vigil secret scan',
      head_sha: sha(3),
      status: 'in_progress',
      output: { title: 'Scanning', summary: 'Scanning 5 files' },
    });
    expect(created.status).toBe(201);
    expect(keysOf(created.data)).toEqual(expect.arrayContaining(keysOf(documented('checks.create.json'))));
    expect(created.data).toMatchObject({ status: 'in_progress', conclusion: null, head_sha: sha(3) });
    await octokit.checks.update({
      owner,
      repo: name,
      check_run_id: created.data.id,
      output: { title: 'Findings', summary: '60 findings', annotations: Array.from({ length: 50 }, (_, i) => annotation(i + 1)) },
    });
    const done = await octokit.checks.update({
      owner,
      repo: name,
      check_run_id: created.data.id,
      conclusion: 'failure',
      output: { title: 'Findings', summary: '60 findings', annotations: Array.from({ length: 10 }, (_, i) => annotation(i + 51)) },
    });
    expect(keysOf(done.data)).toEqual(expect.arrayContaining(keysOf(documented('checks.update.json'))));
    expect(done.data).toMatchObject({ status: 'completed', conclusion: 'failure', output: { annotations_count: 60 } });
    const annotations = await octokit.paginate(octokit.checks.listAnnotations, {
      owner,
      repo: name,
      check_run_id: created.data.id,
      per_page: 100,
    });
    expect(annotations).toHaveLength(60);
    const forRef = await octokit.checks.listForRef({ owner, repo: name, ref: 'feature' });
    expect(forRef.data.check_runs.map((r) => r.name)).toEqual(['Vigil secret scan']);
  });

  it('refuses more than 50 annotations and output text over 65,535 characters with GitHub’s 422', async () => {
    const tooMany = await octokit.checks
      .create({
        owner,
        repo: name,
        name: 'Vigil secret scan',
        head_sha: sha(3),
        output: { title: 't', summary: 's', annotations: Array.from({ length: 51 }, (_, i) => annotation(i + 1)) },
      })
      .catch((e: unknown) => e);
    expect(tooMany).toMatchObject({
      status: 422,
      response: { data: { message: 'Invalid request.\n\nNo more than 50 items are allowed; 51 were supplied.' } },
    });
    const tooLong = await octokit.checks
      .create({
        owner,
        repo: name,
        name: 'Vigil secret scan',
        head_sha: sha(3),
        output: { title: 't', summary: 's', text: 'x'.repeat(65_536) },
      })
      .catch((e: unknown) => e);
    expect(tooLong).toMatchObject({
      status: 422,
      response: { data: { message: 'Invalid request.\n\nOnly 65535 characters are allowed; 65536 were supplied.' } },
    });
    const atLimit = await octokit.checks.create({
      owner,
      repo: name,
      name: 'Vigil secret scan',
      head_sha: sha(3),
      output: { title: 't', summary: 's', text: 'x'.repeat(65_535) },
    });
    expect(atLimit.status).toBe(201);
    const completedWithout = await octokit.checks
      .create({ owner, repo: name, name: 'x', head_sha: sha(3), status: 'completed' })
      .catch((e: unknown) => e);
    expect(completedWithout).toMatchObject({ status: 422 });
    const unknownSha = await octokit.checks.create({ owner, repo: name, name: 'x', head_sha: 'f'.repeat(40) }).catch((e: unknown) => e);
    expect(unknownSha).toMatchObject({ status: 422, response: { data: { message: `No commit found for SHA: ${'f'.repeat(40)}` } } });
  });
});

describe('comments', () => {
  it('creates, lists, updates and deletes conversation comments in the documented shapes', async () => {
    const created = await octokit.issues.createComment({
      owner,
      repo: name,
      issue_number: 12,
      body: '<!-- vigil:summary -->\nVigil found 1 secret.',
    });
    expect(created.status).toBe(201);
    expect(keysOf(created.data)).toEqual(
      expect.arrayContaining(keysOf(documented('issues.create-comment.json')).filter((k) => k !== 'pin' && k !== 'minimized')),
    );
    expect(created.data.user).toMatchObject({ login: 'vigil-app[bot]', type: 'Bot' });
    const updated = await octokit.issues.updateComment({
      owner,
      repo: name,
      comment_id: created.data.id,
      body: '<!-- vigil:summary -->\nVigil found 2 secrets.',
    });
    expect(updated.data.body).toContain('2 secrets');
    expect(keysOf(updated.data)).toEqual(
      expect.arrayContaining(keysOf(documented('issues.update-comment.json')).filter((k) => k !== 'pin' && k !== 'minimized')),
    );
    const personId = routes.as({ login: 'octocat', id: 1 }).comment(repo, 12, 'Thanks!');
    const listed = await octokit.issues.listComments({ owner, repo: name, issue_number: 12 });
    expect(listed.data.map((c) => [c.user?.login, c.body])).toEqual([
      ['vigil-app[bot]', '<!-- vigil:summary -->\nVigil found 2 secrets.'],
      ['octocat', 'Thanks!'],
    ]);
    expect(keysOf(listed.data[0])).toEqual(
      expect.arrayContaining(keysOf(documentedOne('issues.list-comments.json')).filter((k) => k !== 'minimized')),
    );
    await octokit.issues.deleteComment({ owner, repo: name, comment_id: personId });
    routes.as({ login: 'octocat', id: 1 }).deleteComment(created.data.id); // a person deletes the summary
    expect((await octokit.issues.listComments({ owner, repo: name, issue_number: 12 })).data).toEqual([]);
  });

  it('refuses a body over 65,536 characters with GitHub’s 422 and keeps nothing', async () => {
    const tooLong = await octokit.issues
      .createComment({ owner, repo: name, issue_number: 12, body: 'x'.repeat(65_537) })
      .catch((e: unknown) => e);
    expect(tooLong).toMatchObject({
      status: 422,
      response: {
        data: {
          message: 'Validation Failed',
          errors: [
            { resource: 'IssueComment', code: 'unprocessable', field: 'data', message: 'Body is too long (maximum is 65536 characters)' },
          ],
        },
      },
    });
    expect(routes.pullRequest(repo, 12).comments).toEqual([]);
    expect((await octokit.issues.createComment({ owner, repo: name, issue_number: 12, body: 'x'.repeat(65_536) })).status).toBe(201);
  });

  it('puts review comments on diff lines (line/side/start_line) in the documented shape, refuses lines off the diff, and threads replies', async () => {
    const created = await octokit.pulls.createReviewComment({
      owner,
      repo: name,
      pull_number: 12,
      commit_id: sha(3),
      path: 'src/config.ts',
      line: 11,
      side: 'RIGHT',
      body: 'Vigil: a GitHub token was introduced here.',
    });
    expect(created.status).toBe(201);
    expect(keysOf(created.data)).toEqual(
      expect.arrayContaining(keysOf(documented('pulls.create-review-comment.json')).filter((k) => k !== 'in_reply_to_id')),
    );
    expect(created.data).toMatchObject({
      line: 11,
      side: 'RIGHT',
      position: 4,
      path: 'src/config.ts',
      commit_id: sha(3),
      start_line: null,
    });
    expect(created.data.diff_hunk).toBe('@@ -8,6 +8,7 @@\n line 8\n line 9\n line 10\n+const token = "ghp_placeholder";');
    const multi = await octokit.pulls.createReviewComment({
      owner,
      repo: name,
      pull_number: 12,
      commit_id: sha(3),
      path: 'src/config.ts',
      start_line: 9,
      start_side: 'RIGHT',
      line: 11,
      side: 'RIGHT',
      body: 'range',
    });
    expect(multi.data).toMatchObject({ start_line: 9, line: 11 });
    const offDiff = await octokit.pulls
      .createReviewComment({
        owner,
        repo: name,
        pull_number: 12,
        commit_id: sha(3),
        path: 'src/config.ts',
        line: 2,
        side: 'RIGHT',
        body: 'x',
      })
      .catch((e: unknown) => e);
    expect(offDiff).toMatchObject({
      status: 422,
      response: {
        data: {
          message: 'Validation Failed',
          errors: [{ field: 'pull_request_review_thread.line', message: 'pull_request_review_thread.line must be part of the diff' }],
        },
      },
    });
    const sameStart = await octokit.pulls
      .createReviewComment({
        owner,
        repo: name,
        pull_number: 12,
        commit_id: sha(3),
        path: 'src/config.ts',
        start_line: 11,
        line: 11,
        body: 'x',
      })
      .catch((e: unknown) => e);
    expect(sameStart).toMatchObject({ status: 422 });
    const notInPr = await octokit.pulls
      .createReviewComment({ owner, repo: name, pull_number: 12, commit_id: sha(1), path: 'src/config.ts', line: 11, body: 'x' })
      .catch((e: unknown) => e);
    expect(notInPr).toMatchObject({ status: 422 });
    const personReply = routes
      .as({ login: 'octocat', id: 1 })
      .reply(repo, 12, created.data.id, '/vigil false-positive it is a test fixture');
    const vigilReply = await octokit.pulls.createReplyForReviewComment({
      owner,
      repo: name,
      pull_number: 12,
      comment_id: personReply,
      body: 'Triaged as a false positive.',
    });
    expect(vigilReply.data.in_reply_to_id).toBe(created.data.id);
    const listed = await octokit.paginate(octokit.pulls.listReviewComments, { owner, repo: name, pull_number: 12 });
    expect(listed.map((c) => [c.user.login, c.in_reply_to_id ?? null, c.body])).toEqual([
      ['vigil-app[bot]', null, 'Vigil: a GitHub token was introduced here.'],
      ['vigil-app[bot]', null, 'range'],
      ['octocat', created.data.id, '/vigil false-positive it is a test fixture'],
      ['vigil-app[bot]', created.data.id, 'Triaged as a false positive.'],
    ]);
    expect(keysOf(listed[0])).toEqual(
      expect.arrayContaining(keysOf(documentedOne('pulls.list-review-comments.json')).filter((k) => k !== 'in_reply_to_id')),
    );
  });
});

describe('commit statuses', () => {
  it('creates statuses in the documented shape and lists them newest first, with the combined state', async () => {
    const pending = await octokit.repos.createCommitStatus({
      owner,
      repo: name,
      sha: sha(3),
      state: 'pending',
      context: 'vigil/secret-scan',
      description: 'Scanning',
    });
    expect(pending.status).toBe(201);
    expect(keysOf(pending.data)).toEqual(keysOf(documented('repos.create-commit-status.json')));
    await octokit.repos.createCommitStatus({
      owner,
      repo: name,
      sha: sha(3),
      state: 'failure',
      context: 'vigil/secret-scan',
      description: '1 secret introduced',
      target_url: 'https://vigil.example/r/1',
    });
    const listed = await octokit.repos.listCommitStatusesForRef({ owner, repo: name, ref: 'feature' });
    expect(listed.data.map((s) => s.state)).toEqual(['failure', 'pending']);
    expect(keysOf(listed.data[0])).toEqual(keysOf(documentedOne('repos.list-commit-statuses-for-ref.json')));
    const combined = await octokit.repos.getCombinedStatusForRef({ owner, repo: name, ref: sha(3) });
    expect([combined.data.state, combined.data.total_count]).toEqual(['failure', 1]);
    const bad = await octokit.repos
      .createCommitStatus({ owner, repo: name, sha: sha(3), state: 'passed' as 'success' })
      .catch((e: unknown) => e);
    expect(bad).toMatchObject({ status: 422 });
    expect(routes.pullRequest(repo, 12).statuses.map((s) => s.state)).toEqual(['pending', 'failure']);
  });
});

describe('a later push', () => {
  it('moves the pull request with its branch: the removed line leaves the files, and old review comments keep their commit', async () => {
    const before = routes.pullRequest(repo, 12).reviewComments.length;
    history.add({ sha: sha(4), author: mona, parent: sha(3), message: 'Remove the token', changes: { 'src/config.ts': original } });
    history.branches.feature = sha(4);
    try {
      const { data: pr } = await octokit.pulls.get({ owner, repo: name, pull_number: 12 });
      expect(pr.head.sha).toBe(sha(4));
      const files = await octokit.paginate(octokit.pulls.listFiles, { owner, repo: name, pull_number: 12 });
      expect(files.map((f) => f.filename)).not.toContain('src/config.ts');
      expect(
        routes
          .pullRequest(repo, 12)
          .reviewComments.slice(0, before)
          .every((c) => c.commitId === sha(3)),
      ).toBe(true);
      const onNewHead = await octokit.pulls
        .createReviewComment({ owner, repo: name, pull_number: 12, commit_id: sha(4), path: 'src/config.ts', line: 11, body: 'x' })
        .catch((e: unknown) => e);
      expect(onNewHead).toMatchObject({ status: 422 }); // the file is no longer in the diff
    } finally {
      history.branches.feature = sha(3);
    }
  });
});

describe('faults and recording', () => {
  it('answers a 403 for a token without write access on writes only, and a 429 with Retry-After, as many times as asked', async () => {
    github.injectFault({ path: '/issues/12/comments', method: 'POST', status: 403, times: 1 });
    github.injectFault({ path: '/pulls/12/files', status: 429, retryAfterSeconds: 3, times: 1 });
    const denied = await octokit.issues.createComment({ owner, repo: name, issue_number: 12, body: 'denied' }).catch((e: unknown) => e);
    expect(denied).toMatchObject({ status: 403, response: { data: { message: 'Resource not accessible by personal access token' } } });
    expect((await octokit.issues.listComments({ owner, repo: name, issue_number: 12 })).status).toBe(200);
    const throttled = await octokit.pulls.listFiles({ owner, repo: name, pull_number: 12 }).catch((e: unknown) => e);
    expect(throttled).toMatchObject({ status: 429, response: { headers: { 'retry-after': '3' } } });
    expect((await octokit.pulls.listFiles({ owner, repo: name, pull_number: 12 })).status).toBe(200);
  });

  it('answers check run writes 403 for a personal access token when the loopback is told GitHub wants an App', async () => {
    const appOnly = new GitHubPullRequestRoutes({
      repositories: [{ fullName: repo, defaultBranch: 'main', history }],
      pullRequests: [],
      checkRunsRequireApp: true,
    });
    const server = await startGitHubApiServer({ token, extensions: [appOnly] });
    try {
      const client = new Octokit({ auth: token, baseUrl: server.url, log: quiet });
      await expect(client.checks.create({ owner, repo: name, name: 'x', head_sha: sha(3) })).rejects.toMatchObject({
        status: 403,
        response: { data: { message: 'You must authenticate via a GitHub App.' } },
      });
    } finally {
      await server.close();
    }
  });

  it('records every request body, so a test can look for a secret in all of them', async () => {
    const secret = `ghp_${randomBytes(18).toString('hex')}`;
    await octokit.issues.createComment({ owner, repo: name, issue_number: 12, body: `leaked ${secret}` });
    expect(github.calls.some((c) => c.method === 'POST' && c.body?.includes(secret))).toBe(true);
    expect(recordedRequestText(github.calls)).toContain(secret);
  });
});
