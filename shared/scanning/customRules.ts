import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { patternSafetyProblem } from './patternSafety';
import { type RuleDefinition, type ValidatorName, validatorNames } from './types';

/**
 * Custom rules and allowlists (`vigil scan --rules FILE`), in JSON with the same fields as the
 * built-in table; patterns are regex source strings. Checked with zod, then compiled and held to
 * the same linear-time rules as the built-ins.
 *
 * { "rules": [{ "id": "acme-token", "title": "Acme API token", "severity": "high", "confidence": "high",
 *               "keywords": ["acme_"], "pattern": "acme_[a-z0-9]{32}", "remediation": "Revoke it in Acme." }],
 *   "allowlist": { "values": ["^acme_test_"], "paths": ["(^|/)fixtures/"] },
 *   "disabledRules": ["generic-secret-assignment"] }
 */
const regexSource = z.string().min(1).max(4000);

const ruleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,80}$/, 'rule ids are lowercase words joined by dashes'),
    family: z.string().min(1).max(60).default('custom'),
    title: z.string().min(1).max(200),
    severity: z.enum(['critical', 'high', 'medium', 'low']),
    confidence: z.enum(['high', 'medium', 'low']),
    keywords: z.array(z.string().min(2).max(100)).min(1, 'at least one keyword is needed for the prefilter'),
    pattern: regexSource,
    flags: z
      .string()
      .regex(/^[imsu]*$/, 'only the i, m, s and u flags are allowed')
      .default(''),
    keywordCase: z.literal('exact').optional(),
    requiredCharacters: z.string().min(1).max(8).optional(),
    minEntropy: z.number().min(0).max(8).optional(),
    minLength: z.number().int().min(1).max(4096).optional(),
    armsFollowingLines: z.number().int().min(1).max(50).optional(),
    placeholders: z.object({ repeatedCharacters: z.boolean().optional(), words: z.boolean().optional() }).strict().optional(),
    minCharacterClasses: z.number().int().min(1).max(4).optional(),
    validator: z.enum(validatorNames as [ValidatorName, ...ValidatorName[]]).optional(),
    allowlist: z
      .object({
        guids: z.boolean().optional(),
        hexDigests: z.boolean().optional(),
        values: z.array(regexSource).optional(),
        lineMarkers: z.array(regexSource).optional(),
      })
      .optional(),
    remediation: z.string().min(1).max(1000),
    pathPattern: regexSource.optional(),
    lineRequires: regexSource.optional(),
    generic: z.boolean().optional(),
    previewPrefix: z.number().int().min(0).max(16).optional(),
  })
  .strict();

const fileSchema = z
  .object({
    rules: z.array(ruleSchema).default([]),
    allowlist: z
      .object({
        values: z.array(regexSource).default([]),
        paths: z.array(regexSource).default([]),
      })
      .strict()
      .default({ values: [], paths: [] }),
    disabledRules: z.array(z.string()).default([]),
  })
  .strict();

export interface CustomRuleFile {
  rules: RuleDefinition[];
  /** A finding whose secret matches one of these is not reported. */
  allowedValues: RegExp[];
  /** Files whose path matches one of these are not scanned. */
  allowedPaths: RegExp[];
  disabledRules: string[];
}

export class CustomRulesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CustomRulesError';
  }
}

function compileRegex(source: string, flags: string, where: string): RegExp {
  const problem = patternSafetyProblem(source);
  if (problem) throw new CustomRulesError(`${where}: ${problem}`);
  try {
    return new RegExp(source, flags);
  } catch (error) {
    throw new CustomRulesError(`${where}: invalid regular expression (${(error as Error).message})`);
  }
}

export function parseCustomRules(json: unknown, source = 'rules file'): CustomRuleFile {
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CustomRulesError(`${source}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  }
  const data = parsed.data;
  const rules = data.rules.map((rule, index): RuleDefinition => {
    const where = `${source}: rules[${index}] (${rule.id})`;
    return {
      id: rule.id,
      family: rule.family,
      title: rule.title,
      severity: rule.severity,
      confidence: rule.confidence,
      keywords: rule.keywords,
      keywordCase: rule.keywordCase,
      requiredCharacters: rule.requiredCharacters,
      pattern: compileRegex(rule.pattern, rule.flags, `${where}.pattern`),
      minEntropy: rule.minEntropy,
      minLength: rule.minLength,
      armsFollowingLines: rule.armsFollowingLines,
      placeholders: rule.placeholders,
      minCharacterClasses: rule.minCharacterClasses,
      validator: rule.validator,
      allowlist: rule.allowlist && {
        guids: rule.allowlist.guids,
        hexDigests: rule.allowlist.hexDigests,
        values: rule.allowlist.values?.map((value, i) => compileRegex(value, '', `${where}.allowlist.values[${i}]`)),
        lineMarkers: rule.allowlist.lineMarkers?.map((value, i) => compileRegex(value, '', `${where}.allowlist.lineMarkers[${i}]`)),
      },
      remediation: rule.remediation,
      pathPattern: rule.pathPattern ? compileRegex(rule.pathPattern, 'i', `${where}.pathPattern`) : undefined,
      lineRequires: rule.lineRequires ? compileRegex(rule.lineRequires, '', `${where}.lineRequires`) : undefined,
      generic: rule.generic,
      previewPrefix: rule.previewPrefix,
    };
  });
  return {
    rules,
    allowedValues: data.allowlist.values.map((value, i) => compileRegex(value, '', `${source}: allowlist.values[${i}]`)),
    allowedPaths: data.allowlist.paths.map((value, i) => compileRegex(value, 'i', `${source}: allowlist.paths[${i}]`)),
    disabledRules: data.disabledRules,
  };
}

export async function loadCustomRules(file: string): Promise<CustomRuleFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CustomRulesError(`cannot read rules file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CustomRulesError(`rules file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  return parseCustomRules(json, file);
}
