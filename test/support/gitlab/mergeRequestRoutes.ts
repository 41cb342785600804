import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';
import type { GitLabLoopbackExtension, GitLabLoopbackRequest, LoopbackGitLabProject } from '../gitlabApiServer';
import type { LoopbackCommit } from '../loopbackGitHistory';
import { type ChangedFile, filesBetween, requestChanges } from '../pullRequestChanges';
import { type DiffHunk, hunkText } from '../unifiedDiff';
import { CommitStatusStore } from './commitStatuses';
import { type GitLabUser, gitlabUser, parameters, send, sendPage } from './gitlabAnswers';

/**
 * Merge requests for the loopback GitLab (test/support/gitlabApiServer.ts), for `@gitbeaker/rest`:
 * the merge request with its `diff_refs` (`base_sha` the merge base, `start_sha` the target's tip,
 * `head_sha` the source's tip, resolved when asked so moving a branch moves the request), its
 * diffs (paged) and changes, commits and versions; discussions (list, get, create — on a diff line
 * with a `position` — add a note, resolve with `PUT …/discussions/:id?resolved=true`, edit and
 * delete notes); merge request notes (list, create, get, update, delete); commit statuses
 * (commitStatuses.ts); and `GET /user`. Notes longer than 1,000,000 characters get GitLab's 400,
 * and so does a diff position on a line the diff does not show (GitLab wants only `new_line` for
 * an added line, only `old_line` for a removed one, both for an unchanged one). File contents at
 * a ref come from the server's own `repository/files/:path/raw`. Answers are GitLab's documented
 * examples (test/fixtures/gitlab/rest/) with this server's values. `as(user)` lets a test reply,
 * note and resolve as a person; `mergeRequest(...)` shows what was posted.
 */
export interface LoopbackMergeRequest {
  /** The id of one of the server's projects. */
  projectId: number;
  iid: number;
  /** Branch names (or shas), resolved in the project's history when asked. */
  source: string;
  target: string;
  title?: string;
  description?: string;
  state?: 'opened' | 'closed' | 'merged';
  author?: GitLabUser;
  /** The head pipeline's id, answered as `head_pipeline` (none by default, as for a project without CI). */
  headPipelineId?: number;
}

export interface GitLabMergeRequestRoutesOptions {
  /** The same projects the server was given. */
  projects: LoopbackGitLabProject[];
  mergeRequests: LoopbackMergeRequest[];
  /** The account the token belongs to (`GET /user`, and the author of what is posted). Default `vigil-bot`. */
  identity?: GitLabUser;
  /** Longest note (default 1,000,000 characters, as GitLab). */
  maxNoteLength?: number;
  now?: () => Date;
}

export interface DiffPosition {
  base_sha: string;
  start_sha: string;
  head_sha: string;
  position_type: 'text' | 'image' | 'file';
  new_path?: string;
  old_path?: string;
  new_line?: number | null;
  old_line?: number | null;
  line_range?: unknown;
}

export interface StoredNote {
  id: number;
  body: string;
  author: GitLabUser;
  createdAt: string;
  updatedAt: string;
  position?: DiffPosition;
  /** Set for notes of a thread that can be resolved. */
  resolvable: boolean;
  resolved: boolean;
  resolvedBy: GitLabUser | null;
  resolvedAt: string | null;
}

export interface StoredDiscussion {
  id: string;
  projectId: number;
  iid: number;
  /** A plain note (`POST …/notes`) is a discussion of one note that cannot be resolved. */
  individualNote: boolean;
  notes: StoredNote[];
}

export interface GitLabPersonActions {
  /** A reply in a discussion; returns the note id. */
  reply(projectId: number, iid: number, discussionId: string, body: string): number;
  /** A plain note on the merge request; returns its id. */
  note(projectId: number, iid: number, body: string): number;
  resolve(projectId: number, iid: number, discussionId: string, resolved: boolean): void;
  deleteNote(projectId: number, iid: number, noteId: number): void;
}

const fixturesDir = path.resolve(__dirname, '../../fixtures/gitlab/rest');
const example = (name: string) =>
  (JSON.parse(readFileSync(path.join(fixturesDir, name), 'utf8')) as { responseExample: unknown }).responseExample;
const defaultIdentity: GitLabUser = { id: 77, username: 'vigil-bot', name: 'Vigil', bot: true };

export class GitLabMergeRequestRoutes implements GitLabLoopbackExtension {
  readonly identity: GitLabUser;
  readonly discussions: StoredDiscussion[] = [];
  readonly statuses: CommitStatusStore;
  private nextNoteId = 5000;
  private lastTime = 0;
  private readonly maxNoteLength: number;

  constructor(private readonly options: GitLabMergeRequestRoutesOptions) {
    this.identity = options.identity ?? defaultIdentity;
    this.maxNoteLength = options.maxNoteLength ?? 1_000_000;
    this.statuses = new CommitStatusStore(() => this.now());
  }

  // ── inspection and acting as a person ───────────────────────────────────────────────────────
  mergeRequest(projectId: number, iid: number) {
    const mr = this.find(projectId, iid);
    const head = mr ? this.changes(mr).head : undefined;
    return {
      discussions: this.discussions
        .filter((d) => d.projectId === projectId && d.iid === iid)
        .map((d) => ({
          id: d.id,
          individualNote: d.individualNote,
          resolved: d.notes.every((n) => !n.resolvable || n.resolved),
          notes: d.notes.map((n) => ({
            id: n.id,
            author: n.author.username,
            body: n.body,
            ...(n.position
              ? {
                  path: n.position.new_path ?? n.position.old_path,
                  newLine: n.position.new_line ?? null,
                  oldLine: n.position.old_line ?? null,
                }
              : {}),
          })),
        })),
      statuses: this.statuses.statuses
        .filter((s) => s.projectId === projectId && s.sha === head)
        .map((s) => ({ name: s.name, status: s.status, description: s.description, pipelineId: s.pipelineId, targetUrl: s.targetUrl })),
    };
  }

  as(user: GitLabUser): GitLabPersonActions {
    return {
      reply: (projectId, iid, discussionId, body) => this.addNote(this.discussion(projectId, iid, discussionId)!, body, user).id,
      note: (projectId, iid, body) => this.newDiscussion(projectId, iid, body, user, true).notes[0].id,
      resolve: (projectId, iid, discussionId, resolved) => this.resolve(this.discussion(projectId, iid, discussionId)!, resolved, user),
      deleteNote: (projectId, iid, noteId) => this.deleteNote(projectId, iid, noteId),
    };
  }

  // ── HTTP ────────────────────────────────────────────────────────────────────────────────────
  async handle(request: GitLabLoopbackRequest, res: http.ServerResponse): Promise<boolean> {
    const { method, origin } = request;
    if (method === 'GET' && request.path === '/user')
      return send(res, 200, {
        ...gitlabUser(this.identity, origin),
        bot: this.identity.bot ?? false,
        created_at: '2024-01-01T00:00:00.000Z',
        is_admin: false,
      });
    const match = request.path.match(/^\/projects\/([^/]+)(\/.*)$/);
    if (!match) return false;
    const project = this.project(decodeURIComponent(match[1]));
    if (!project) return false;
    const rest = match[2].replace(/\/$/, '');
    let m: RegExpMatchArray | null;
    const params = await parameters(request.body, request.url, request.headers['content-type']);
    if ((m = rest.match(/^\/statuses\/([^/]+)$/)) && method === 'POST')
      return this.statuses.create(res, origin, project, decodeURIComponent(m[1]), params, this.identity);
    if ((m = rest.match(/^\/repository\/commits\/([^/]+)\/statuses$/)) && method === 'GET')
      return this.statuses.list(
        res,
        origin,
        request.url,
        project,
        project.history.resolve(decodeURIComponent(m[1])) ?? decodeURIComponent(m[1]),
      );
    if (!(m = rest.match(/^\/merge_requests\/(\d+)(\/.*)?$/))) return false;
    const mr = this.find(project.id, Number(m[1]));
    if (!mr) return send(res, 404, { message: '404 Not found' });
    const sub = m[2] ?? '';
    if (method === 'GET' && sub === '') return send(res, 200, this.mergeRequestJson(request, project, mr));
    if (method === 'GET' && sub === '/changes')
      return send(res, 200, {
        ...this.mergeRequestJson(request, project, mr),
        changes: this.changes(mr).files.map(diffJson),
        overflow: false,
      });
    if (method === 'GET' && sub === '/diffs') return sendPage(res, origin, request.url, this.changes(mr).files, diffJson);
    if (method === 'GET' && sub === '/commits')
      return sendPage(res, origin, request.url, [...this.changes(mr).commits].reverse(), (c) => commitJson(project, c, origin));
    if (method === 'GET' && sub === '/versions') {
      const changes = this.changes(mr);
      return send(res, 200, [
        {
          id: 164_000_000 + mr.iid,
          head_commit_sha: changes.head,
          base_commit_sha: changes.mergeBase,
          start_commit_sha: changes.baseTip,
          created_at: this.now(),
          merge_request_id: 155_000_000 + mr.iid,
          state: 'collected',
          real_size: String(changes.files.length),
        },
      ]);
    }
    if ((m = sub.match(/^\/discussions(?:\/([0-9a-f]+))?(?:\/notes(?:\/(\d+))?)?$/)))
      return this.discussionRoutes(request, res, params, project, mr, m[1], sub.includes('/notes'), m[2] ? Number(m[2]) : undefined);
    if ((m = sub.match(/^\/notes(?:\/(\d+))?$/)))
      return this.noteRoutes(request, res, params, project, mr, m[1] ? Number(m[1]) : undefined);
    return false;
  }

  private discussionRoutes(
    request: GitLabLoopbackRequest,
    res: http.ServerResponse,
    params: Record<string, unknown>,
    project: LoopbackGitLabProject,
    mr: LoopbackMergeRequest,
    discussionId: string | undefined,
    notes: boolean,
    noteId: number | undefined,
  ): boolean {
    const { method, origin } = request;
    const mine = () => this.discussions.filter((d) => d.projectId === project.id && d.iid === mr.iid);
    if (!discussionId) {
      if (method === 'GET') return sendPage(res, origin, request.url, mine(), (d) => this.discussionJson(d, project, mr, origin));
      if (method !== 'POST') return false;
      const body = this.noteBody(res, params.body);
      if (body === undefined) return true;
      const position = positionOf(params.position);
      if (position) {
        const problem = this.checkPosition(project, position);
        if (problem) return send(res, 400, problem);
      }
      return send(
        res,
        201,
        this.discussionJson(this.newDiscussion(project.id, mr.iid, body, this.identity, false, position), project, mr, origin),
      );
    }
    const discussion = this.discussion(project.id, mr.iid, discussionId);
    if (!discussion) return send(res, 404, { message: '404 Discussion Not Found' });
    if (!notes) {
      if (method === 'GET') return send(res, 200, this.discussionJson(discussion, project, mr, origin));
      if (method === 'PUT') {
        if (params.resolved === undefined) return send(res, 400, { error: 'resolved is missing' });
        if (discussion.individualNote) return send(res, 400, { message: '400 Bad request - Discussion cannot be resolved' });
        this.resolve(discussion, params.resolved === true || params.resolved === 'true', this.identity);
        return send(res, 200, this.discussionJson(discussion, project, mr, origin));
      }
      return false;
    }
    if (noteId === undefined) {
      if (method !== 'POST') return false;
      const body = this.noteBody(res, params.body);
      if (body === undefined) return true;
      return send(res, 201, this.noteJson(this.addNote(discussion, body, this.identity), discussion, project, mr, origin));
    }
    const note = discussion.notes.find((n) => n.id === noteId);
    if (!note) return send(res, 404, { message: '404 Note Not Found' });
    if (method === 'GET') return send(res, 200, this.noteJson(note, discussion, project, mr, origin));
    if (method === 'PUT') {
      if (params.body !== undefined) {
        const body = this.noteBody(res, params.body);
        if (body === undefined) return true;
        note.body = body;
        note.updatedAt = this.now();
      }
      if (params.resolved !== undefined) this.resolve(discussion, params.resolved === true || params.resolved === 'true', this.identity);
      return send(res, 200, this.noteJson(note, discussion, project, mr, origin));
    }
    if (method === 'DELETE') {
      this.deleteNote(project.id, mr.iid, noteId);
      res.writeHead(204);
      res.end();
      return true;
    }
    return false;
  }

  private noteRoutes(
    request: GitLabLoopbackRequest,
    res: http.ServerResponse,
    params: Record<string, unknown>,
    project: LoopbackGitLabProject,
    mr: LoopbackMergeRequest,
    noteId: number | undefined,
  ): boolean {
    const { method, origin } = request;
    const all = () =>
      this.discussions
        .filter((d) => d.projectId === project.id && d.iid === mr.iid)
        .flatMap((d) => d.notes.map((n) => ({ note: n, discussion: d })));
    if (noteId === undefined) {
      if (method === 'GET') {
        // Newest first unless sort=asc, as GitLab lists notes by created_at desc.
        const ascending = request.url.searchParams.get('sort') === 'asc';
        const ordered = [...all()].sort((a, b) => (ascending ? a.note.id - b.note.id : b.note.id - a.note.id));
        return sendPage(res, origin, request.url, ordered, ({ note, discussion }) => this.noteJson(note, discussion, project, mr, origin));
      }
      if (method !== 'POST') return false;
      const body = this.noteBody(res, params.body);
      if (body === undefined) return true;
      const discussion = this.newDiscussion(project.id, mr.iid, body, this.identity, true);
      return send(res, 201, this.noteJson(discussion.notes[0], discussion, project, mr, origin));
    }
    const found = all().find((x) => x.note.id === noteId);
    if (!found) return send(res, 404, { message: '404 Note Not Found' });
    if (method === 'GET') return send(res, 200, this.noteJson(found.note, found.discussion, project, mr, origin));
    if (method === 'PUT') {
      const body = this.noteBody(res, params.body);
      if (body === undefined) return true;
      found.note.body = body;
      found.note.updatedAt = this.now();
      return send(res, 200, this.noteJson(found.note, found.discussion, project, mr, origin));
    }
    if (method === 'DELETE') {
      this.deleteNote(project.id, mr.iid, noteId);
      res.writeHead(204);
      res.end();
      return true;
    }
    return false;
  }

  // ── state ───────────────────────────────────────────────────────────────────────────────────
  private project(idOrPath: string): LoopbackGitLabProject | undefined {
    return this.options.projects.find((p) => String(p.id) === idOrPath || p.pathWithNamespace === idOrPath);
  }

  private find(projectId: number, iid: number): LoopbackMergeRequest | undefined {
    return this.options.mergeRequests.find((m) => m.projectId === projectId && m.iid === iid);
  }

  private changes(mr: LoopbackMergeRequest) {
    return requestChanges(this.project(String(mr.projectId))!.history, mr.target, mr.source);
  }

  private discussion(projectId: number, iid: number, id: string): StoredDiscussion | undefined {
    return this.discussions.find((d) => d.projectId === projectId && d.iid === iid && d.id === id);
  }

  private now(): string {
    this.lastTime = Math.max((this.options.now?.() ?? new Date()).getTime(), this.lastTime + 1);
    return new Date(this.lastTime).toISOString();
  }

  private noteBody(res: http.ServerResponse, body: unknown): string | undefined {
    if (typeof body !== 'string' || !body) {
      send(res, 400, { error: 'body is missing' });
      return undefined;
    }
    if (body.length > this.maxNoteLength) {
      send(res, 400, { message: `400 Bad request - Note {:note=>["is too long (maximum is ${this.maxNoteLength} characters)"]}` });
      return undefined;
    }
    return body;
  }

  /** GitLab's answer to a position it cannot place on the diff, or undefined when it can. */
  private checkPosition(project: LoopbackGitLabProject, position: DiffPosition): Record<string, unknown> | undefined {
    for (const field of ['base_sha', 'start_sha', 'head_sha', 'position_type'] as const)
      if (!position[field]) return { error: `position[${field}] is missing` };
    const lineCode = { message: '400 Bad request - Note {:line_code=>["can\'t be blank", "must be a valid line code"]}' };
    const history = project.history;
    if (!history.commit(position.base_sha) || !history.commit(position.head_sha)) return lineCode;
    if (position.position_type !== 'text') return undefined;
    const commits = history.between(position.base_sha, position.head_sha) ?? [];
    const file = filesBetween(history, position.base_sha, position.head_sha, commits).find(
      (f) => f.path === (position.new_path ?? position.old_path),
    );
    if (!file) return lineCode;
    const newLine = position.new_line ?? undefined;
    const oldLine = position.old_line ?? undefined;
    const lines = file.hunks.flatMap((h) => h.lines);
    const placed = lines.some((l) =>
      newLine !== undefined && oldLine !== undefined
        ? l.kind === ' ' && l.newLine === newLine && l.oldLine === oldLine
        : newLine !== undefined
          ? l.kind === '+' && l.newLine === newLine
          : oldLine !== undefined && l.kind === '-' && l.oldLine === oldLine,
    );
    return placed ? undefined : lineCode;
  }

  private newDiscussion(
    projectId: number,
    iid: number,
    body: string,
    author: GitLabUser,
    individualNote: boolean,
    position?: DiffPosition,
  ): StoredDiscussion {
    const discussion: StoredDiscussion = {
      id: createHash('sha1').update(`${projectId}/${iid}/${this.nextNoteId}/${body}`).digest('hex'),
      projectId,
      iid,
      individualNote,
      notes: [],
    };
    this.discussions.push(discussion);
    this.addNote(discussion, body, author, position);
    return discussion;
  }

  private addNote(discussion: StoredDiscussion, body: string, author: GitLabUser, position?: DiffPosition): StoredNote {
    const date = this.now();
    const resolvable = !discussion.individualNote;
    const note: StoredNote = {
      id: this.nextNoteId++,
      body,
      author,
      createdAt: date,
      updatedAt: date,
      ...(position ? { position } : {}),
      resolvable,
      resolved: false,
      resolvedBy: null,
      resolvedAt: null,
    };
    // A reply reopens a resolved thread, as in GitLab.
    if (resolvable) for (const n of discussion.notes) Object.assign(n, { resolved: false, resolvedBy: null, resolvedAt: null });
    discussion.notes.push(note);
    return note;
  }

  private resolve(discussion: StoredDiscussion, resolved: boolean, by: GitLabUser): void {
    const date = this.now();
    for (const note of discussion.notes)
      if (note.resolvable) Object.assign(note, { resolved, resolvedBy: resolved ? by : null, resolvedAt: resolved ? date : null });
  }

  private deleteNote(projectId: number, iid: number, noteId: number): void {
    const discussion = this.discussions.find((d) => d.projectId === projectId && d.iid === iid && d.notes.some((n) => n.id === noteId));
    if (!discussion) throw new Error(`no note ${noteId} on merge request !${iid}`);
    discussion.notes = discussion.notes.filter((n) => n.id !== noteId);
    if (!discussion.notes.length) this.discussions.splice(this.discussions.indexOf(discussion), 1);
  }

  // ── JSON ────────────────────────────────────────────────────────────────────────────────────
  private mergeRequestJson(request: GitLabLoopbackRequest, project: LoopbackGitLabProject, mr: LoopbackMergeRequest) {
    const template = example('merge_requests.get.json') as Record<string, unknown>;
    const changes = this.changes(mr);
    const web = `${request.origin}/${project.pathWithNamespace}`;
    const author = gitlabUser(mr.author ?? { id: 4, username: 'jsmith', name: 'John Smith' }, request.origin);
    const date = '2026-11-20T10:00:00.000Z';
    return {
      ...template,
      id: 155_000_000 + mr.iid,
      iid: mr.iid,
      project_id: project.id,
      title: mr.title ?? `Merge request ${mr.iid}`,
      description: mr.description ?? '',
      state: mr.state ?? 'opened',
      created_at: date,
      updated_at: date,
      merged_by: null,
      merge_user: null,
      merged_at: null,
      closed_by: null,
      closed_at: null,
      target_branch: mr.target,
      source_branch: mr.source,
      user_notes_count: this.discussions
        .filter((d) => d.projectId === project.id && d.iid === mr.iid)
        .reduce((n, d) => n + d.notes.length, 0),
      author,
      assignees: [],
      assignee: null,
      reviewers: [],
      source_project_id: project.id,
      target_project_id: project.id,
      labels: [],
      draft: false,
      work_in_progress: false,
      milestone: null,
      sha: changes.head,
      merge_commit_sha: null,
      squash_commit_sha: null,
      reference: `!${mr.iid}`,
      references: { short: `!${mr.iid}`, relative: `!${mr.iid}`, full: `${project.pathWithNamespace}!${mr.iid}` },
      web_url: `${web}/-/merge_requests/${mr.iid}`,
      changes_count: String(changes.files.length),
      pipeline: null,
      head_pipeline: mr.headPipelineId
        ? {
            id: mr.headPipelineId,
            iid: mr.headPipelineId,
            project_id: project.id,
            sha: changes.head,
            ref: mr.source,
            status: 'running',
            source: 'merge_request_event',
          }
        : null,
      diff_refs: { base_sha: changes.mergeBase, head_sha: changes.head, start_sha: changes.baseTip },
      user: { can_merge: false },
    };
  }

  private discussionJson(discussion: StoredDiscussion, project: LoopbackGitLabProject, mr: LoopbackMergeRequest, origin: string) {
    return {
      id: discussion.id,
      individual_note: discussion.individualNote,
      notes: discussion.notes.map((n) => this.noteJson(n, discussion, project, mr, origin)),
    };
  }

  private noteJson(
    note: StoredNote,
    discussion: StoredDiscussion,
    project: LoopbackGitLabProject,
    mr: LoopbackMergeRequest,
    origin: string,
  ) {
    return {
      id: note.id,
      type: note.position ? 'DiffNote' : discussion.individualNote ? null : 'DiscussionNote',
      body: note.body,
      attachment: null,
      author: gitlabUser(note.author, origin),
      created_at: note.createdAt,
      updated_at: note.updatedAt,
      system: false,
      noteable_id: 155_000_000 + mr.iid,
      noteable_type: 'MergeRequest',
      project_id: project.id,
      noteable_iid: mr.iid,
      ...(note.position
        ? {
            commit_id: note.position.head_sha,
            position: { ...note.position, old_line: note.position.old_line ?? null, new_line: note.position.new_line ?? null },
          }
        : {}),
      resolvable: note.resolvable,
      ...(note.resolvable
        ? {
            resolved: note.resolved,
            resolved_by: note.resolvedBy ? gitlabUser(note.resolvedBy, origin) : null,
            resolved_at: note.resolvedAt,
          }
        : {}),
      confidential: false,
      internal: false,
      imported: false,
      imported_from: 'none',
    };
  }
}

/** A position as sent (form fields arrive as strings): line numbers as numbers, empty ones left out. */
function positionOf(value: unknown): DiffPosition | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const position = { ...(value as Record<string, unknown>) };
  for (const key of ['new_line', 'old_line']) {
    if (position[key] === '' || position[key] === null || position[key] === undefined) delete position[key];
    else position[key] = Number(position[key]);
  }
  return position as unknown as DiffPosition;
}

/** A file's change as GitLab's `diffs` and `changes` list it (the diff text ends with a newline). */
function diffJson(file: ChangedFile) {
  return {
    old_path: file.path,
    new_path: file.path,
    a_mode: file.status === 'added' ? '0' : '100644',
    b_mode: file.status === 'removed' ? '0' : '100644',
    diff: file.binary ? '' : `${hunkText(file.hunks as DiffHunk[])}\n`,
    new_file: file.status === 'added',
    renamed_file: false,
    deleted_file: file.status === 'removed',
    generated_file: false,
  };
}

function commitJson(project: LoopbackGitLabProject, commit: LoopbackCommit, origin: string) {
  const message = commit.message ?? 'Update files';
  return {
    id: commit.sha,
    short_id: commit.sha.slice(0, 11),
    created_at: commit.author.date,
    parent_ids: [project.history.parentOf(commit.sha)].filter((p): p is string => p !== null),
    title: message.split('\n')[0],
    message,
    author_name: commit.author.name,
    author_email: commit.author.email,
    authored_date: commit.author.date,
    committer_name: commit.author.name,
    committer_email: commit.author.email,
    committed_date: commit.author.date,
    trailers: {},
    extended_trailers: {},
    web_url: `${origin}/${project.pathWithNamespace}/-/commit/${commit.sha}`,
  };
}
