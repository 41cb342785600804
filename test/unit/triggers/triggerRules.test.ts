import { describe, expect, it } from 'vitest';
import { decideTrigger, skippedByTrigger, type TriggerRule, TriggerRulesSchema } from '../../../shared/triggers';

/** Trigger rules as logic: the first matching rule decides, conditions an event lacks never match, patterns are picomatch's. */
const docsOnly: TriggerRule = { name: 'docs-only', action: 'skip', events: ['push', 'pull-request'], paths: ['docs/**', '*.md'] };
const nightly: TriggerRule = { name: 'nightly', action: 'skip', events: ['build'], pipelines: ['nightly-*'] };
const releaseAlways: TriggerRule = { name: 'release-always', action: 'run', branches: ['release/*'] };
const onlyMain: TriggerRule = { name: 'only-main', action: 'skip', branches: ['!main'] };

describe('trigger rules', () => {
  it('run everything when there are none, or none matches', () => {
    expect(decideTrigger(undefined, { work: 'push', branch: 'refs/heads/main' })).toEqual({ run: true });
    expect(decideTrigger([nightly], { work: 'build', pipeline: 'CI' })).toEqual({ run: true });
  });

  it('skip a push or pull request that only touches documentation, and run one that touches code too', () => {
    expect(decideTrigger([docsOnly], { work: 'push', paths: ['/docs/guide.md', 'README.md'] })).toEqual({
      run: false,
      rule: 'docs-only',
      reason: "skipped by trigger rule 'docs-only'",
    });
    expect(decideTrigger([docsOnly], { work: 'pull-request', paths: ['docs/a.md', 'src/app.ts'] })).toEqual({ run: true });
    // A build has no paths: a rule about paths never skips it.
    expect(decideTrigger([docsOnly], { work: 'build', pipeline: 'docs' })).toEqual({ run: true });
  });

  it('run a rule of action run before a later skip: the first match decides', () => {
    const rules = [releaseAlways, onlyMain];
    expect(decideTrigger(rules, { work: 'build', branch: 'refs/heads/release/2.1' })).toEqual({ run: true, rule: 'release-always' });
    expect(decideTrigger(rules, { work: 'push', branch: 'refs/heads/main' })).toEqual({ run: true });
    expect(decideTrigger(rules, { work: 'push', branch: 'feature/x' })).toMatchObject({ run: false, rule: 'only-main' });
    // A tag or a merge request ref is no branch: a branch rule does not match it.
    expect(decideTrigger(rules, { work: 'build', branch: 'refs/tags/v1' })).toEqual({ run: true });
  });

  it('match repositories by full path or by name, and projects and pipelines without regard to case', () => {
    const rules: TriggerRule[] = [
      { name: 'sandbox', action: 'skip', repositories: ['sandbox-*'] },
      { name: 'legacy', action: 'skip', projects: ['legacy'] },
    ];
    expect(decideTrigger(rules, { work: 'push', repository: 'contoso/platform/Sandbox-1' })).toMatchObject({ rule: 'sandbox' });
    expect(decideTrigger(rules, { work: 'push', repository: 'Legacy/app', project: 'LEGACY' })).toMatchObject({ rule: 'legacy' });
    expect(decideTrigger([nightly], { work: 'build', pipeline: 'Nightly-Full' })).toMatchObject({ rule: 'nightly' });
  });

  it('log the skip with the rule, so an operator can see why nothing ran', () => {
    const lines: Array<{ message: string; fields: Record<string, unknown> }> = [];
    const logger = { info: (message: string, fields: Record<string, unknown>) => lines.push({ message, fields }) } as never;
    expect(skippedByTrigger([nightly], { work: 'build', pipeline: 'nightly-db' }, logger, { run: 'build:7' })).toBe(
      "skipped by trigger rule 'nightly'",
    );
    expect(lines).toEqual([{ message: "skipped by trigger rule 'nightly'", fields: { run: 'build:7', work: 'build', rule: 'nightly' } }]);
  });

  it('refuse a bad pattern, an unknown event, a bad name and a repeated name, saying where', () => {
    const problems = (rules: unknown) => {
      const parsed = TriggerRulesSchema.safeParse(rules);
      return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    };
    expect(problems([{ name: 'x', action: 'skip', paths: ['src/[abc'] }])).toEqual([
      `0.paths.0: bad pattern 'src/[abc': Missing closing: "]" - use "\\\\]" to match literal characters`,
    ]);
    expect(problems([{ name: 'x', action: 'skip', branches: ['[z-a]'] }])).toEqual([
      "0.branches.0: bad pattern '[z-a]': it can match nothing (a character range backwards?)",
    ]);
    expect(problems([{ name: 'x', action: 'skip', events: ['deploy'] }])[0]).toMatch(/^0\.events\.0: /);
    expect(problems([{ name: 'X Y', action: 'skip' }])[0]).toMatch(/^0\.name: a rule name of lower-case letters/);
    expect(problems([{ name: 'x', action: 'skip', branch: ['main'] }])[0]).toMatch(/branch/);
    expect(problems([nightly, nightly])).toEqual(["1.name: two rules named 'nightly'"]);
  });
});
