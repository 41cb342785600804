import { Argument, type Command } from 'commander';
import { printable } from '../../logging';
import type { OrganizationSettings } from '../../organizations';
import { type TriggerRule, TriggerRuleSchema, triggerRuleNamePattern, triggerWorks } from '../../triggers';
import { printJson, withServices } from '../cliServices';
import { UsageError } from '../usageError';

interface RuleOptions {
  skip?: boolean;
  run?: boolean;
  events?: string[];
  branch?: string[];
  path?: string[];
  project?: string[];
  repository?: string[];
  pipeline?: string[];
  before?: string;
  json?: boolean;
}

/** Where each condition's patterns come from on the command line, for errors that name the option. */
const optionOf: Record<string, string> = {
  events: '--events',
  branches: '--branch',
  paths: '--path',
  projects: '--project',
  repositories: '--repository',
  pipelines: '--pipeline',
  name: 'RULE',
  action: '--skip/--run',
};

/**
 * `vigil orgs rules NAME add|list|remove [RULE]` (docs/trigger-rules.md): which events run which
 * work for one organization. A rule is checked when it is added (a bad pattern is refused with
 * picomatch's reason), and the handlers apply the list in order.
 */
export function registerOrgRulesCommand(orgs: Command): void {
  orgs
    .command('rules')
    .description('trigger rules: which events run which work (docs/trigger-rules.md); checked in order, the first match decides')
    .argument('<name>', 'the organization')
    .addArgument(new Argument('<verb>', 'what to do').choices(['add', 'list', 'remove']))
    .argument('[rule]', 'the rule name (add, remove)')
    .option('--skip', 'add: skip the work when the rule matches')
    .option('--run', 'add: run the work when the rule matches (an exception to a later --skip rule)')
    .option('--events <work...>', `add: which work the rule is about: ${triggerWorks.join(', ')} (default: all)`)
    .option('--branch <pattern...>', "add: branch patterns (a push's branch, a pull request's target, a run's branch)")
    .option('--path <pattern...>', 'add: changed-path patterns (--skip: every changed path matches; --run: any does)')
    .option('--project <pattern...>', 'add: project patterns (Azure DevOps project, GitHub owner, GitLab group)')
    .option('--repository <pattern...>', 'add: repository patterns (name or full path)')
    .option('--pipeline <pattern...>', 'add: pipeline name patterns (builds only)')
    .option('--before <rule>', 'add: put the rule before this one (default: last)')
    .option('--json', 'list: print {"organization","triggerRules":[...]}')
    .addHelpText(
      'after',
      [
        '',
        'Patterns are picomatch globs: * within a segment, ** across, {a,b}, [abc], a leading ! negates.',
        'Examples:',
        "  vigil orgs rules contoso add docs-only --skip --events push pull-request --path 'docs/**' '*.md'",
        "  vigil orgs rules contoso add nightly --skip --events build --pipeline 'nightly-*'",
        "  vigil orgs rules contoso add release --run --branch 'release/*' --before only-main",
        '  vigil orgs rules contoso remove docs-only',
      ].join('\n'),
    )
    .action(async (name: string, verb: 'add' | 'list' | 'remove', ruleName: string | undefined, options: RuleOptions) => {
      if (verb === 'list') {
        if (ruleName) throw new UsageError('vigil orgs rules NAME list takes no rule name');
        return withServices(async (services) => {
          const settings = await services.stores.organizations.get(name);
          const rules = settings.triggerRules ?? [];
          if (options.json) return printJson({ organization: settings.organization, triggerRules: rules });
          if (rules.length === 0)
            return void process.stderr.write(`organization '${settings.organization}' has no trigger rules: every event runs its work\n`);
          for (const [index, rule] of rules.entries()) process.stdout.write(printable`${String(index + 1)}. ${describeRule(rule)}\n`);
        });
      }
      if (!ruleName) throw new UsageError(`vigil orgs rules NAME ${verb} needs a RULE name`);
      if (verb === 'remove') {
        return withServices(async (services) => {
          let found = false;
          const updated = await services.stores.organizations.update(name, (current) => {
            const rules = current.triggerRules ?? [];
            found = rules.some((rule) => rule.name === ruleName);
            if (!found) return undefined;
            return withRules(
              current,
              rules.filter((rule) => rule.name !== ruleName),
            );
          });
          if (!found)
            throw new UsageError(
              `organization '${updated.organization}' has no trigger rule '${ruleName}' (vigil orgs rules ${updated.organization} list)`,
            );
          process.stdout.write(`organization '${updated.organization}': removed trigger rule '${ruleName}'\n`);
        });
      }
      const rule = ruleFrom(ruleName, options);
      await withServices(async (services) => {
        const updated = await services.stores.organizations.update(name, (current) => {
          const rules = current.triggerRules ?? [];
          if (rules.some((existing) => existing.name === rule.name)) {
            throw new UsageError(
              `organization '${current.organization}' already has a trigger rule '${rule.name}' (remove it first: vigil orgs rules ${current.organization} remove ${rule.name})`,
            );
          }
          const at = options.before === undefined ? rules.length : rules.findIndex((existing) => existing.name === options.before);
          if (at < 0) throw new UsageError(`--before ${options.before}: organization '${current.organization}' has no such rule`);
          return withRules(current, [...rules.slice(0, at), rule, ...rules.slice(at)]);
        });
        const position = (updated.triggerRules ?? []).findIndex((existing) => existing.name === rule.name) + 1;
        process.stdout.write(printable`organization '${updated.organization}': trigger rule ${String(position)}. ${describeRule(rule)}\n`);
      });
    });
}

function withRules(current: OrganizationSettings, rules: TriggerRule[]): OrganizationSettings {
  const { triggerRules: _old, ...rest } = current;
  return rules.length > 0 ? { ...rest, triggerRules: rules } : rest;
}

/** The rule the options describe, or a UsageError naming the option at fault. */
function ruleFrom(name: string, options: RuleOptions): TriggerRule {
  if (!triggerRuleNamePattern.test(name)) {
    throw new UsageError(`rule name '${name.slice(0, 80)}': use lower-case letters, digits and '-' (up to 63)`);
  }
  if (Boolean(options.skip) === Boolean(options.run)) throw new UsageError('say what the rule does: --skip or --run (one of them)');
  const candidate = {
    name,
    action: options.skip ? 'skip' : 'run',
    ...(options.events ? { events: [...new Set(options.events)] } : {}),
    ...(options.branch ? { branches: options.branch } : {}),
    ...(options.path ? { paths: options.path } : {}),
    ...(options.project ? { projects: options.project } : {}),
    ...(options.repository ? { repositories: options.repository } : {}),
    ...(options.pipeline ? { pipelines: options.pipeline } : {}),
  };
  const parsed = TriggerRuleSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const option = optionOf[String(issue.path[0])] ?? String(issue.path[0]);
    const message = issue.path[0] === 'events' && issue.code === 'invalid_value' ? `expected ${triggerWorks.join(', ')}` : issue.message;
    throw new UsageError(`trigger rule '${name}': ${option}: ${message}`);
  }
  return parsed.data;
}

/** One line per rule: `docs-only: skip push, pull-request when paths docs/** *.md`. */
export function describeRule(rule: TriggerRule): string {
  const conditions = [
    rule.branches && `branch ${rule.branches.join(' ')}`,
    rule.paths && `${rule.action === 'skip' ? 'every changed path' : 'a changed path'} ${rule.paths.join(' ')}`,
    rule.projects && `project ${rule.projects.join(' ')}`,
    rule.repositories && `repository ${rule.repositories.join(' ')}`,
    rule.pipelines && `pipeline ${rule.pipelines.join(' ')}`,
  ].filter((part): part is string => Boolean(part));
  const work = rule.events ? rule.events.join(', ') : 'all work';
  return `${rule.name}: ${rule.action} ${work}${conditions.length > 0 ? ` when ${conditions.join(' and ')}` : ''}`;
}
