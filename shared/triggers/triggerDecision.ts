import type { Logger } from '../logging';
import { compilePattern, type TriggerCondition, type TriggerRule, type TriggerWork } from './triggerRule';

/** What a handler knows about the event when it asks whether to do the work; what it does not know, it leaves out. */
export interface TriggeredWork {
  work: TriggerWork;
  /** `refs/heads/main` or `main`; a tag or merge ref (`refs/tags/v1`, `refs/merge-requests/3/head`) is no branch. */
  branch?: string;
  /** Changed file paths (a leading `/`, as Azure DevOps writes them, is ignored). */
  paths?: readonly string[];
  project?: string;
  /** The repository's full name (`project/name`, `owner/name`, `group/sub/name`) or its name. */
  repository?: string;
  pipeline?: string;
}

export type TriggerDecision =
  | { run: true; rule?: string }
  | {
      run: false;
      rule: string;
      /** What a record or log says: `skipped by trigger rule 'docs-only'`. */
      reason: string;
    };

/**
 * The first rule whose conditions all match decides; none matching, the work runs. A condition
 * about something the event does not have (paths of a build, the pipeline of a push) does not
 * match, so a rule about pipelines never skips a push.
 */
export function decideTrigger(rules: readonly TriggerRule[] | undefined, event: TriggeredWork): TriggerDecision {
  for (const rule of rules ?? []) {
    if (!matches(rule, event)) continue;
    if (rule.action === 'run') return { run: true, rule: rule.name };
    return { run: false, rule: rule.name, reason: `skipped by trigger rule '${rule.name}'` };
  }
  return { run: true };
}

/**
 * decideTrigger, and a log line an operator can find when the work is skipped. Returns the
 * reason to record, or undefined when the work should run.
 */
export function skippedByTrigger(
  rules: readonly TriggerRule[] | undefined,
  event: TriggeredWork,
  logger: Logger,
  context: Record<string, unknown> = {},
): string | undefined {
  if (!rules || rules.length === 0) return undefined;
  const decision = decideTrigger(rules, event);
  if (decision.run) return undefined;
  logger.info(decision.reason, { ...context, work: event.work, rule: decision.rule, ...(event.branch ? { branch: event.branch } : {}) });
  return decision.reason;
}

function matches(rule: TriggerRule, event: TriggeredWork): boolean {
  if (rule.events && !rule.events.includes(event.work)) return false;
  if (rule.branches) {
    const branch = branchName(event.branch);
    if (branch === undefined || !matchesAny(rule.branches, 'branches', [branch])) return false;
  }
  if (rule.projects && (!event.project || !matchesAny(rule.projects, 'projects', [event.project]))) return false;
  if (rule.repositories) {
    const names = event.repository ? [event.repository, event.repository.slice(event.repository.lastIndexOf('/') + 1)] : [];
    if (!matchesAny(rule.repositories, 'repositories', names)) return false;
  }
  if (rule.pipelines && (!event.pipeline || !matchesAny(rule.pipelines, 'pipelines', [event.pipeline]))) return false;
  if (rule.paths) {
    const paths = (event.paths ?? []).map((path) => path.replace(/^\/+/, ''));
    if (paths.length === 0) return false;
    const test = (path: string) => matchesAny(rule.paths ?? [], 'paths', [path]);
    // Like paths-ignore and paths in a CI's own triggers: skip only what touches nothing else, run for any touch.
    if (rule.action === 'skip' ? !paths.every(test) : !paths.some(test)) return false;
  }
  return true;
}

const compiled = new Map<string, RegExp>();

function matchesAny(patterns: readonly string[], condition: TriggerCondition, values: readonly string[]): boolean {
  return patterns.some((pattern) => {
    const key = `${condition}\u0000${pattern}`;
    let regex = compiled.get(key);
    if (!regex) {
      regex = compilePattern(pattern, condition);
      compiled.set(key, regex);
    }
    return values.some((value) => (regex as RegExp).test(value));
  });
}

/** `refs/heads/x` and `x` are branch x; any other `refs/…` (a tag, a merge request ref) is not a branch. */
export function branchName(ref: string | undefined): string | undefined {
  if (!ref) return undefined;
  if (ref.startsWith('refs/heads/')) return ref.slice('refs/heads/'.length);
  if (ref.startsWith('refs/')) return undefined;
  return ref;
}
