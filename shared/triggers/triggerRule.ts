import type picomatchModule from 'picomatch';
import { z } from 'zod';

/**
 * Trigger rules (docs/trigger-rules.md): per organization, which events run which work. Rules are
 * checked in order; the first whose conditions all match an event decides (`skip` or `run`); when
 * none matches, the work runs. They are applied by the handlers, never by the webhook, which
 * stays fast and enqueues whatever it is sent.
 */
export const triggerWorks = ['build', 'push', 'pull-request'] as const;
export type TriggerWork = (typeof triggerWorks)[number];

export const triggerRuleNamePattern = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The conditions a rule may have, and how each is matched (picomatch options). */
export const triggerConditions = {
  branches: { nocase: false },
  paths: { nocase: false },
  projects: { nocase: true },
  repositories: { nocase: true },
  pipelines: { nocase: true },
} as const;
export type TriggerCondition = keyof typeof triggerConditions;

/** Strict brackets: an unclosed `[`, `(` or `{` is an error to show, not a literal to guess at. */
export function compilePattern(pattern: string, condition: TriggerCondition): RegExp {
  // Loaded on the first pattern, not at cold start: organization settings carry this schema into every function.
  const picomatch = require('picomatch') as typeof picomatchModule;
  const regex = picomatch.makeRe(pattern, { dot: true, strictBrackets: true, nocase: triggerConditions[condition].nocase });
  // picomatch answers a range it cannot build (`[z-a]`) with a regex that matches nothing.
  if (regex.source === '$^') throw new Error('it can match nothing (a character range backwards?)');
  return regex;
}

/** Why a pattern is refused, or undefined when it compiles. */
export function patternProblem(pattern: string, condition: TriggerCondition): string | undefined {
  try {
    compilePattern(pattern, condition);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

const patterns = (condition: TriggerCondition) =>
  z
    .array(z.string().min(1, { message: 'an empty pattern' }).max(500))
    .min(1)
    .max(50)
    .superRefine((list, context) => {
      list.forEach((pattern, index) => {
        const problem = patternProblem(pattern, condition);
        if (problem) context.addIssue({ code: 'custom', path: [index], message: `bad pattern '${pattern}': ${problem}` });
      });
    });

export const TriggerRuleSchema = z
  .object({
    name: z.string().regex(triggerRuleNamePattern, { message: "a rule name of lower-case letters, digits and '-' (up to 63)" }),
    action: z.enum(['skip', 'run']),
    /** Which work the rule is about (default: all of it). */
    events: z.array(z.enum(triggerWorks)).min(1).max(triggerWorks.length).optional(),
    /** Branch names (`main`, `release/*`); a push's branch, a pull request's target branch, a run's branch. */
    branches: patterns('branches').optional(),
    /** Changed file paths (`docs/**`): for `skip`, every changed path must match; for `run`, one is enough. */
    paths: patterns('paths').optional(),
    /** Azure DevOps project names; a GitHub owner or GitLab group path. */
    projects: patterns('projects').optional(),
    /** Repository names or full paths (`payments-*`, `contoso/platform/*`). */
    repositories: patterns('repositories').optional(),
    /** Pipeline names: an Azure Pipelines definition, a GitHub workflow, a GitLab pipeline's name. */
    pipelines: patterns('pipelines').optional(),
  })
  .strict();

export type TriggerRule = z.infer<typeof TriggerRuleSchema>;

/** A list of rules with distinct names, at most 100. */
export const TriggerRulesSchema = z
  .array(TriggerRuleSchema)
  .max(100)
  .superRefine((rules, context) => {
    const seen = new Set<string>();
    rules.forEach((rule, index) => {
      if (seen.has(rule.name)) context.addIssue({ code: 'custom', path: [index, 'name'], message: `two rules named '${rule.name}'` });
      seen.add(rule.name);
    });
  });
