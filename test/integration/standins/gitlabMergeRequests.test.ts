import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Gitlab } from '@gitbeaker/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitLabMergeRequestRoutes } from '../../support/gitlab/mergeRequestRoutes';
import { type GitLabApiServer, type LoopbackGitLabProject, startGitLabApiServer } from '../../support/gitlabApiServer';
import { LoopbackGitHistory } from '../../support/loopbackGitHistory';
import { recordedRequestText } from '../../support/recordedRequests';

/**
 * Merge request feedback on the loopback GitLab (test/support/gitlab/mergeRequestRoutes.ts) with
 * the real `@gitbeaker/rest`: the merge request with its diff refs, diffs, changes, commits and a
 * file at a ref in the documented shapes; discussions on diff lines (GitLab's rules for which
 * line numbers a position needs), notes added to them, resolved; merge request notes with the
 * 1,000,000-character limit; commit statuses with a pipeline id and GitLab's state machine;
 * the token's own user; faults.
 */
const fixtures = join(__dirname, '..', '..', 'fixtures', 'gitlab', 'rest');
const documented = (name: string) => {
  const example = (JSON.parse(readFileSync(join(fixtures, name), 'utf8')) as { responseExample: unknown }).responseExample;
  return (Array.isArray(example) ? example[0] : example) as Record<string, unknown>;
};
const keysOf = (value: unknown) => Object.keys(value as object).sort();

const token = `glpat-${randomBytes(10).toString('hex')}`;
const dev = { name: 'Dev', email: 'dev@example.com', date: '2026-11-20T09:00:00+00:00' };
const sha = (n: number) => `${n}`.repeat(40).slice(0, 40);
const settings = `${Array.from({ length: 12 }, (_, i) => `setting_${i + 1} = ${i + 1}`).join('\n')}\n`;
const history = new LoopbackGitHistory(
  [
    { sha: sha(1), author: dev, parent: null, changes: { 'config/settings.rb': settings, 'README.md': '# Diaspora\n' } },
    {
      sha: sha(2),
      author: dev,
      message: 'Add token',
      changes: {
        'config/settings.rb': settings
          .replace('setting_6 = 6\n', 'setting_6 = 6\ntoken = "glpat-placeholder"\n')
          .replace('setting_11 = 11\n', ''),
      },
    },
    { sha: sha(3), author: dev, message: 'Docs', changes: { 'docs/setup.md': 'Run it.\n' } },
  ],
  { main: sha(1), 'feature/token': sha(3) },
);
const project: LoopbackGitLabProject = { id: 15, pathWithNamespace: 'diaspora/diaspora-client', defaultBranch: 'main', history };

let gitlab: GitLabApiServer;
let routes: GitLabMergeRequestRoutes;
let api: InstanceType<typeof Gitlab>;

beforeAll(async () => {
  routes = new GitLabMergeRequestRoutes({
    projects: [project],
    mergeRequests: [{ projectId: 15, iid: 3, source: 'feature/token', target: 'main', title: 'Add token' }],
    identity: { id: 77, username: 'vigil-bot', name: 'Vigil', bot: true },
  });
  gitlab = await startGitLabApiServer({ token, projects: [project], extensions: [routes] });
  api = new Gitlab({ host: gitlab.url, token });
});
afterAll(async () => {
  await gitlab.close();
});

async function rest(method: string, path: string, body?: unknown) {
  const response = await fetch(`${gitlab.url}/api/v4${path}`, {
    method,
    headers: { 'private-token': token, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const json = /json/.test(response.headers.get('content-type') ?? '') && text ? (JSON.parse(text) as Record<string, unknown>) : { text };
  return { status: response.status, headers: response.headers, body: json };
}

// gitbeaker's camelised response types get in the way of plain assertions; these are the fields the tests read.
type Note = {
  id: number;
  type: string | null;
  body: string;
  author: { username: string };
  resolvable: boolean;
  resolved?: boolean;
  position?: Record<string, unknown>;
} & Record<string, unknown>;
type Discussion = { id: string; notes: Note[] };
type Diff = { new_path: string; new_file: boolean; diff: string } & Record<string, unknown>;

const failure = (e: unknown) => ({
  status: (e as { cause?: { response?: Response } }).cause?.response?.status,
  description: (e as { cause?: { description?: string } }).cause?.description,
});

describe('reading the merge request', () => {
  it('answers the merge request in the documented shape with its diff refs', async () => {
    const mr = await api.MergeRequests.show(15, 3);
    expect(keysOf(mr)).toEqual(expect.arrayContaining(keysOf(documented('merge_requests.get.json'))));
    expect(mr.diff_refs).toEqual({ base_sha: sha(1), head_sha: sha(3), start_sha: sha(1) });
    expect([mr.sha, mr.source_branch, mr.target_branch]).toEqual([sha(3), 'feature/token', 'main']);
  });

  it('lists the diffs paged and the changes, with unified diff hunks', async () => {
    const diffs = (await api.MergeRequests.allDiffs(15, 3, { perPage: 1 })) as unknown as Diff[];
    expect(diffs.map((d) => [d.new_path, d.new_file])).toEqual([
      ['config/settings.rb', false],
      ['docs/setup.md', true],
    ]);
    expect(keysOf(diffs[0])).toEqual(keysOf(documented('merge_requests.diffs.json')));
    expect(diffs[0].diff).toBe(
      '@@ -4,9 +4,9 @@\n setting_4 = 4\n setting_5 = 5\n setting_6 = 6\n+token = "glpat-placeholder"\n setting_7 = 7\n setting_8 = 8\n setting_9 = 9\n setting_10 = 10\n-setting_11 = 11\n setting_12 = 12\n',
    );
    const changes = (await api.MergeRequests.showChanges(15, 3)) as unknown as { changes: Diff[] };
    expect(keysOf(changes)).toEqual(expect.arrayContaining(keysOf(documented('merge_requests.changes.json'))));
    expect(changes.changes.map((c) => c.new_path)).toEqual(['config/settings.rb', 'docs/setup.md']);
  });

  it('lists the commits newest first and the versions, and serves a file raw at a ref', async () => {
    const commits = await api.MergeRequests.allCommits(15, 3);
    expect(commits.map((c) => c.id)).toEqual([sha(3), sha(2)]);
    expect(keysOf(commits[0])).toEqual(expect.arrayContaining(keysOf(documented('merge_requests.commits.json'))));
    const versions = await api.MergeRequests.allDiffVersions(15, 3);
    expect(versions[0]).toMatchObject({ head_commit_sha: sha(3), base_commit_sha: sha(1), start_commit_sha: sha(1) });
    const raw = await api.RepositoryFiles.showRaw(15, 'config/settings.rb', sha(2));
    expect(String(raw)).toContain('token = "glpat-placeholder"');
  });

  it('answers GET /user with the token’s own account', async () => {
    const me = await api.Users.showCurrentUser();
    expect(me).toMatchObject({ id: 77, username: 'vigil-bot', bot: true });
  });
});

describe('discussions and notes', () => {
  // gitbeaker sends a position as form fields, so its types want the line numbers as text.
  const position = (line: { newLine?: number; oldLine?: number }, path = 'config/settings.rb') => ({
    baseSha: sha(1),
    startSha: sha(1),
    headSha: sha(3),
    positionType: 'text' as const,
    newPath: path,
    oldPath: path,
    ...(line.newLine !== undefined ? { newLine: String(line.newLine) } : {}),
    ...(line.oldLine !== undefined ? { oldLine: String(line.oldLine) } : {}),
  });
  const discuss = async (body: string, line: { newLine?: number; oldLine?: number }) =>
    (await api.MergeRequestDiscussions.create(15, 3, body, { position: position(line) })) as unknown as Discussion;

  it('opens a discussion on an added line in the documented diff-note shape, takes a reply and resolves', async () => {
    const discussion = await discuss('Vigil: a GitLab token was introduced here.', { newLine: 7 });
    const note = discussion.notes[0];
    const recordedNote = (documented('discussions.merge_request.list-diff-note.json').notes as Array<Record<string, unknown>>)[0];
    expect(keysOf(note)).toEqual(expect.arrayContaining(keysOf(recordedNote)));
    expect(keysOf(note.position)).toEqual(expect.arrayContaining(keysOf(recordedNote.position).filter((k) => k !== 'line_range')));
    expect(note).toMatchObject({
      type: 'DiffNote',
      resolvable: true,
      resolved: false,
      author: { username: 'vigil-bot' },
      position: { new_line: 7, old_line: null, new_path: 'config/settings.rb', head_sha: sha(3) },
    });
    routes.as({ id: 5, username: 'jsmith' }).reply(15, 3, discussion.id, '/vigil false-positive it is a fixture');
    const reply = await api.MergeRequestDiscussions.addNote(15, 3, discussion.id, 'Triaged as a false positive.');
    expect(reply).toMatchObject({ type: 'DiscussionNote', body: 'Triaged as a false positive.' });
    const resolved = (await api.MergeRequestDiscussions.resolve(15, 3, discussion.id, true)) as unknown as Discussion;
    expect(resolved.notes.every((n) => n.resolved)).toBe(true);
    expect(gitlab.calls.at(-1)).toMatchObject({ method: 'PUT', query: { resolved: 'true' } });
    const all = (await api.MergeRequestDiscussions.all(15, 3)) as unknown as Discussion[];
    expect(all.map((d) => d.notes.map((n) => n.author.username))).toEqual([['vigil-bot', 'jsmith', 'vigil-bot']]);
    expect(routes.mergeRequest(15, 3).discussions[0]).toMatchObject({
      resolved: true,
      notes: [{ path: 'config/settings.rb', newLine: 7 }, {}, {}],
    });
  });

  it('places positions as GitLab does: new_line alone for an added line, old_line alone for a removed one, both for context', async () => {
    const removed = await discuss('removed line', { oldLine: 11 });
    expect(removed.notes[0].position).toMatchObject({ old_line: 11, new_line: null });
    const context = await discuss('context line', { oldLine: 7, newLine: 8 });
    expect(context.notes[0].position).toMatchObject({ old_line: 7, new_line: 8 });
    for (const wrong of [{ newLine: 8 }, { newLine: 1 }, { oldLine: 7 }]) {
      const refused = await discuss('off the diff', wrong).catch((e: unknown) => e);
      expect(failure(refused)).toEqual({
        status: 400,
        description: '400 Bad request - Note {:line_code=>["can\'t be blank", "must be a valid line code"]}',
      });
    }
    const general = (await api.MergeRequestDiscussions.create(15, 3, 'A thread on the merge request itself')) as unknown as Discussion;
    expect(keysOf(general.notes[0])).toEqual(
      expect.arrayContaining(keysOf((documented('discussions.merge_request.list.json').notes as unknown[])[0])),
    );
    expect(general.notes[0]).toMatchObject({ type: 'DiscussionNote', resolvable: true });
    const missing = await rest('POST', '/projects/15/merge_requests/3/discussions', {
      body: 'x',
      position: { position_type: 'text', new_line: 7 },
    });
    expect(missing).toMatchObject({ status: 400, body: { error: 'position[base_sha] is missing' } });
  });

  it('creates, edits, lists and deletes merge request notes in the documented shape, and refuses one over 1,000,000 characters', async () => {
    const note = await api.MergeRequestNotes.create(15, 3, '<!-- vigil:summary -->\nVigil found 1 secret.');
    expect(keysOf(note)).toEqual(expect.arrayContaining(keysOf(documented('notes.merge_request.get.json'))));
    expect(note).toMatchObject({ type: null, resolvable: false, noteable_type: 'MergeRequest', noteable_iid: 3 });
    const edited = await api.MergeRequestNotes.edit(15, 3, note.id, { body: '<!-- vigil:summary -->\nVigil found 2 secrets.' });
    expect(edited.body).toContain('2 secrets');
    routes.as({ id: 5, username: 'jsmith' }).note(15, 3, 'LGTM');
    const listed = await api.MergeRequestNotes.all(15, 3, { sort: 'asc' });
    expect(listed.map((n) => n.author.username).slice(-2)).toEqual(['vigil-bot', 'jsmith']);
    await api.MergeRequestNotes.remove(15, 3, note.id);
    expect(routes.mergeRequest(15, 3).discussions.some((d) => d.notes.some((n) => n.id === note.id))).toBe(false);
    const tooLong = await api.MergeRequestNotes.create(15, 3, 'x'.repeat(1_000_001)).catch((e: unknown) => e);
    expect(failure(tooLong)).toEqual({
      status: 400,
      description: '400 Bad request - Note {:note=>["is too long (maximum is 1000000 characters)"]}',
    });
    expect((await api.MergeRequestNotes.create(15, 3, 'x'.repeat(1_000_000))).body).toHaveLength(1_000_000);
  });
});

describe('commit statuses', () => {
  it('sets statuses with a name and pipeline id in the documented shape, through GitLab’s state machine', async () => {
    const pending = await api.Commits.editStatus(15, sha(3), 'pending', {
      name: 'vigil/secret-scan',
      pipelineId: 901,
      description: 'Scanning',
      targetUrl: 'https://vigil.example/r/1',
    });
    expect(keysOf(pending)).toEqual(expect.arrayContaining(keysOf(documented('commits.statuses.create.json'))));
    expect(pending).toMatchObject({
      status: 'pending',
      name: 'vigil/secret-scan',
      pipeline_id: 901,
      ref: 'feature/token',
      author: { username: 'vigil-bot' },
    });
    const again = await api.Commits.editStatus(15, sha(3), 'pending', { name: 'vigil/secret-scan', pipelineId: 901 }).catch(
      (e: unknown) => e,
    );
    expect(failure(again)).toEqual({
      status: 400,
      description: 'Cannot transition status via :enqueue from :pending (Reason(s): Status cannot transition via "enqueue")',
    });
    const failed = await api.Commits.editStatus(15, sha(3), 'failed', {
      name: 'vigil/secret-scan',
      pipelineId: 901,
      description: '1 secret introduced',
    });
    expect([failed.id, failed.status]).toEqual([pending.id, 'failed']);
    const next = await api.Commits.editStatus(15, sha(3), 'pending', { name: 'vigil/secret-scan', pipelineId: 901 });
    expect(next.id).not.toBe(pending.id); // a finished status is followed by a new one
    const latest = await api.Commits.allStatuses(15, sha(3));
    expect(latest.map((s) => s.status)).toEqual(['pending']);
    expect(keysOf(latest[0])).toEqual(expect.arrayContaining(keysOf(documented('commits.statuses.list.json'))));
    const all = await api.Commits.allStatuses(15, sha(3), { all: true });
    expect(all.map((s) => s.status)).toEqual(['pending', 'failed']);
    const bad = await rest('POST', `/projects/15/statuses/${sha(3)}`, { state: 'passed' });
    expect(bad).toMatchObject({ status: 400, body: { error: 'state does not have a valid value' } });
    expect(routes.mergeRequest(15, 3).statuses.map((s) => s.status)).toEqual(['failed', 'pending']);
  });
});

describe('faults and recording', () => {
  it('answers a 403 for a token without write access on writes only, and a 429 with Retry-After, as many times as asked', async () => {
    gitlab.injectFault({ path: '/merge_requests/3/notes', method: 'POST', status: 403, times: 1 });
    gitlab.injectFault({ path: '/merge_requests/3/diffs', status: 429, retryAfterSeconds: 9, times: 1 });
    const denied = await api.MergeRequestNotes.create(15, 3, 'denied').catch((e: unknown) => e);
    expect(failure(denied)).toEqual({ status: 403, description: '403 Forbidden' });
    expect((await api.MergeRequestNotes.all(15, 3)).length).toBeGreaterThan(0);
    const throttled = await rest('GET', '/projects/15/merge_requests/3/diffs');
    expect([throttled.status, throttled.headers.get('retry-after')]).toEqual([429, '9']);
    expect((await rest('GET', '/projects/15/merge_requests/3/diffs')).status).toBe(200);
  });

  it('records every request body, so a test can look for a secret in all of them', async () => {
    const secret = `glpat-${randomBytes(10).toString('hex')}`;
    await api.MergeRequestNotes.create(15, 3, `leaked ${secret}`);
    expect(recordedRequestText(gitlab.calls)).toContain(secret);
  });
});
