/**
 * The vocabulary every part of the engine shares. A finding is what leaves the engine: it never
 * carries the secret, only a redacted preview and a keyed fingerprint of it.
 */
export type Severity = 'critical' | 'high' | 'medium' | 'low';
export type Confidence = 'high' | 'medium' | 'low';

export const confidenceRank: Record<Confidence, number> = { low: 1, medium: 2, high: 3 };

/**
 * What a finding rests on, strongest first: `checksum` (a checksum or signature embedded in the
 * token proved its format), `format` (a vendor-specific format or a vendor's key name next to a
 * value of the right shape), `generic` (a random-looking value assigned to a secret-sounding name).
 */
export type Evidence = 'checksum' | 'format' | 'generic';
export const evidenceRank: Record<Evidence, number> = { generic: 1, format: 2, checksum: 3 };
export const severityRank: Record<Severity, number> = { low: 1, medium: 2, high: 3, critical: 4 };

export interface Finding {
  ruleId: string;
  title: string;
  severity: Severity;
  confidence: Confidence;
  /** The scanned file, or the label given for a stream (`<stdin>`, a log name). */
  path: string;
  /** 1-based line in the original input. */
  line: number;
  /** 1-based column in UTF-16 code units of the original line (what editors and SARIF count). */
  column: number;
  /** The column just after the match, when it lies on one line (what is replaced to redact it, e.g. in a path). */
  endColumn?: number;
  /** `path` when the secret is in the file's path, not its content: `line` is then 0 and the columns count in the path. */
  location?: 'path';
  /** A preview that is safe to show: the prefix a rule names and at most the last four characters. */
  redacted: string;
  /** HMAC-SHA256 of the secret under the installation's key, hex. Stable across runs and files. */
  fingerprint: string;
  /** True when a checksum (GitHub/npm CRC32, Azure Marvin32) proved the token well-formed. */
  verified: boolean;
  /** What the finding rests on: `checksum` > `format` > `generic` (see Evidence). */
  evidence: Evidence;
  /**
   * The other half of a credential pair reported with this secret (an AWS access key id with its
   * secret key, a client id with its client secret, an account name with its key, a user name with
   * its password), found on the same line or a few lines away. Redacted like the secret.
   */
  pair?: CredentialPairPart;
  /** What to do about it, in one sentence. */
  remediation: string;
  /** How the secret was reached when it was not plain text: `base64`, `url`, `json`. */
  encoding?: 'base64' | 'url' | 'json';
  /** Whether the credential still works, when verification ran (`vigil scan --verify`, docs/scanning.md "Verification"). */
  liveness?: LivenessCheck;
}

/** What a read-only call to the credential's own service said (shared/verification/). */
export interface LivenessCheck {
  status: 'live' | 'revoked' | 'unknown';
  /** The service asked: `github`, `gitlab`, `azure-devops`, `slack`, `npm`, `azure-storage`. */
  service: string;
  /** Why the answer is `unknown` (a time-out, a network failure, an answer that proves nothing). */
  reason?: string;
}

/**
 * Receives, in memory only, the secret of each finding of the named rules, for verification
 * (shared/verification/). `line` is the decoded text of the finding's line, for a part the
 * service needs besides the secret (a storage account's name). Neither may be kept beyond the
 * check, logged, stored or queued.
 */
export interface SecretSink {
  readonly ruleIds: ReadonlySet<string>;
  keep(finding: Finding, secret: string, line: string): void;
}

/** The identifying half of a credential pair (never a secret on its own, still shown redacted). */
export interface CredentialPairPart {
  /** What it is: `aws-access-key-id`, `client-id`, `account-name`, `user-name`. */
  kind: string;
  redacted: string;
  line: number;
  column: number;
}

/** The names of the checksum and shape checks a rule can ask for. */
export type ValidatorName =
  | 'github-token-crc32'
  | 'npm-token-crc32'
  | 'azure-common-annotated-key'
  | 'azure-identifiable-key'
  | 'azure-devops-legacy-pat'
  | 'azure-entra-client-secret'
  | 'jwt-shape'
  | 'basic-auth-payload'
  | 'user-password-pair'
  | 'secret-name';

export const validatorNames: readonly ValidatorName[] = [
  'github-token-crc32',
  'npm-token-crc32',
  'azure-common-annotated-key',
  'azure-identifiable-key',
  'azure-devops-legacy-pat',
  'azure-entra-client-secret',
  'jwt-shape',
  'basic-auth-payload',
  'user-password-pair',
  'secret-name',
];

export interface RuleAllowlist {
  /** Skip values that are GUIDs; vendor rules whose tokens are GUIDs turn this off. Default true. */
  guids?: boolean;
  /** Skip hex digests (git SHAs, sha1/sha256 hex) when the whole value is hex of a digest length. Default true for generic rules. */
  hexDigests?: boolean;
  /** Values (whole secret) that this rule must not report, e.g. a vendor's documented sample. */
  values?: readonly RegExp[];
  /** Text on the matched line that marks it as not-a-secret for this rule. */
  lineMarkers?: readonly RegExp[];
}

/** What every rule has, whatever finds it: the catalogue entry that reports and SARIF describe. */
export interface RuleMetadata {
  /** Stable id used in findings, baselines and SARIF, e.g. `github-pat`. */
  id: string;
  /** The provider or kind the rule belongs to, used in reports and corpus statistics. */
  family: string;
  title: string;
  severity: Severity;
  /** Confidence when the pattern, allowlists and entropy pass. */
  confidence: Confidence;
  /** What to do about a finding, in one or two sentences. */
  remediation: string;
}

export interface RuleDefinition extends RuleMetadata {
  /**
   * Literals of which at least one must occur for the pattern to run. The prefilter automaton finds
   * them all in one pass, case-insensitively; nothing else decides when a regex runs.
   */
  keywords: readonly string[];
  /**
   * `exact`: the keyword only counts when it occurs in the case written (`API-`, `AKIA`): for
   * case-sensitive token prefixes whose lower-case form is common text (`slf4j-api-1.2.jar`).
   */
  keywordCase?: 'exact';
  /**
   * The pattern; the named group `secret` (or the whole match) is the secret. Every quantifier must be
   * bounded and no quantified group may contain another quantifier (see patternSafety.ts).
   */
  pattern: RegExp;
  /** Minimum Shannon entropy (bits per character) of the secret. */
  minEntropy?: number;
  validator?: ValidatorName;
  /** For `azure-identifiable-key`: the accepted checksum seeds (8-character names) and the signature. */
  identifiableKey?: { signature: string; seeds: readonly string[]; urlSafe?: boolean };
  /** What happens when the validator rejects a match: dropped (default) or kept at low confidence. */
  onValidatorFailure?: 'drop' | 'low';
  allowlist?: RuleAllowlist;
  /** Placeholder checks (see allowlists/placeholders.ts); a rule whose real tokens repeat characters turns one off. */
  placeholders?: { repeatedCharacters?: boolean; words?: boolean };
  /** Only files whose path matches are scanned with this rule. */
  pathPattern?: RegExp;
  /**
   * Characters that must all occur after the keyword (within 512 bytes) for the rule to run, checked
   * on the raw bytes before the line is decoded (a URL credential needs `@` after `https://`): keeps
   * common keywords cheap.
   */
  requiredCharacters?: string;
  /**
   * `url-userinfo`: right after the keyword (`https://`) the bytes must read like `user:password@`
   * (a ':' then an '@' before any '/', blank or quote). Checked on raw bytes, like requiredCharacters.
   */
  precondition?: 'url-userinfo';
  /** The line must also contain this (e.g. a SAS `sig=` only counts next to `sv=`). */
  lineRequires?: RegExp;
  /** Minimum number of character classes (lower, upper, digit, other) in the secret. */
  minCharacterClasses?: number;
  /** Minimum length of the secret after the validator has refined it. */
  minLength?: number;
  /** A keyword also arms the rule for this many following lines (curl continuations, `-H` on the next line). */
  armsFollowingLines?: number;
  /** Decoded payloads of this kind are scanned with the rule even without a keyword. */
  decodedContexts?: readonly 'basic-auth'[];
  /**
   * `name-around-keyword`: the pattern starts with a `name` group that contains the keyword (a
   * variable name such as `DB_PASSWORD`). Instead of searching the whole line, the engine finds the
   * name around each keyword occurrence and runs the pattern once, anchored there.
   */
  anchor?: 'name-around-keyword';
  /** Generic rules yield to specific ones when both match the same text. */
  generic?: boolean;
  /** Characters kept in the redacted preview before the stars (a token prefix such as `ghp_`). */
  previewPrefix?: number;
  /**
   * The rule's own examples, checked by one test for every rule (test/unit/scanning/ruleExamples.test.ts):
   * positives are built at run time (valid checksums, random bodies), so no secret-shaped literal is committed.
   */
  examples?: RuleExamples;
}

/** Builds example values at run time (rules/ruleExamples.ts). */
export interface ExampleMaker {
  characters(alphabet: string, length: number): string;
  alphanumeric(length: number): string;
  lowerAlphanumeric(length: number): string;
  hex(length: number): string;
  /** `length` random bytes in standard base64. */
  base64(length: number): string;
  /** An Azure identifiable key of `length` bytes with a valid signature and Marvin32 checksum. */
  identifiableKey(length: number, signature: string, seed: string, urlSafe?: boolean): string;
  /** An 84-character common annotated key with the given provider signature (`AZDO`, `ACOG`, ...). */
  commonAnnotatedKey(provider: string): string;
  legacyAzureDevOpsPat(): string;
  entraClientSecret(): string;
  /** `prefix` + `bodyLength` base62 characters + the six-character CRC32 (GitHub, npm). */
  crc32Token(prefix: string, bodyLength: number): string;
  guid(): string;
}

export interface RuleExamples {
  /** Texts in which the rule must report a finding (of this rule, or of a pair it belongs to). */
  positives: readonly ((make: ExampleMaker) => string)[];
  /** Texts in which the rule must report nothing. */
  negatives?: readonly string[];
  /** The path the examples are scanned as, for rules limited to some files (default `example.txt`). */
  path?: string;
}

/** A rule that fires on a file's path alone (PKCS#12 bundles): its content is never read as text. */
export interface PathRuleDefinition extends RuleMetadata {
  pathPattern: RegExp;
}
