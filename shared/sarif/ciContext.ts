import { z } from 'zod';

/**
 * Where a SARIF log comes from (docs/ci-results.md, "The endpoint"): the platform and repository the
 * results are about, the commit, the branch and pull request, the run that produced them, the tool.
 * It travels as the request's query string, so the caller can be authenticated and the context
 * checked before a byte of the (up to 10 MB) body is read; `vigil ci report` fills it from the CI's
 * environment.
 */
export const ciSources = ['azure-devops', 'github', 'gitlab'] as const;

const name = z.string().trim().min(1).max(400);

export const CiContextSchema = z
  .object({
    source: z.enum(ciSources, { error: () => 'source must be one of: azure-devops, github, gitlab' }),
    organization: z
      .string()
      .transform((value) => value.toLowerCase())
      .pipe(z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'organization must be a Vigil organization name (vigil orgs list)')),
    project: name.optional(),
    repository: name,
    /** The platform's own id where it has one beside the name: an Azure DevOps repository GUID, a GitLab project id. */
    repositoryId: z
      .string()
      .trim()
      .regex(/^[\w.-]{1,100}$/, 'repositoryId must be an id (letters, digits, ._-)')
      .optional(),
    pullRequest: z.coerce.number().int().positive().max(2_147_483_647).optional(),
    commit: z
      .string()
      .trim()
      .regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/i, 'commit must be a full 40- or 64-character commit sha')
      .transform((sha) => sha.toLowerCase()),
    /** Without `refs/heads/`: `main`, `feature/x`. */
    branch: name.transform((ref) => ref.replace(/^refs\/heads\//, '')).optional(),
    runUrl: z
      .url({ protocol: /^https?$/, error: () => 'runUrl must be an http(s) URL' })
      .max(2000)
      .optional(),
    tool: z.string().trim().min(1).max(100).optional(),
  })
  .superRefine((context, issues) => {
    if (context.source === 'azure-devops' && !context.project) {
      issues.addIssue({ code: 'custom', path: ['project'], message: 'project is required for azure-devops' });
    }
  });

export type CiContext = z.infer<typeof CiContextSchema>;

/** The context's fields by their query parameter names (also the CLI's flags). */
export const ciContextFields = [
  'source',
  'organization',
  'project',
  'repository',
  'repositoryId',
  'pullRequest',
  'commit',
  'branch',
  'runUrl',
  'tool',
] as const;

/** The vault secret holding an organization's CI token (`vigil secrets set ci-token-contoso`). */
export function ciTokenSecretName(organization: string): string {
  return `ci-token-${organization}`;
}
