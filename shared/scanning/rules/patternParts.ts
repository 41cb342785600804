/**
 * Regex fragments the rule table is written with. Every quantifier is bounded so that each rule
 * stays linear in the length of a line (patternSafety.ts checks this for every rule).
 */

/**
 * What joins a key name to its value in code, config and shell: an optional closing quote (also
 * JSON-escaped), an optional type word (`var token string = ...`), an operator (`=`, `:=`, `::=`,
 * `?=`, `.=`, `=>`, `:`, or `,` before a quoted value as in `setProperty("NAME", "value")`), and an
 * optional opening quote. XML counts too: `<add key="NAME" value="...">` (appSettings, NuGet) and
 * `<NAME>value</NAME>` (Jenkins credentials.xml, MSBuild properties; the closing tag must follow).
 */
export const assignment = String.raw`\\?["'\x60]?(?:[ \t]{1,4}(?:string|str|char|var))?[ \t]{0,5}(?:[:?.]{0,3}=>?|:|,(?=[ \t]{0,4}\\?["'])|value[ \t]{0,2}=|>(?=[^<>\s]{1,512}<\/))[ \t]{0,5}\\?["'\x60]?`;

/** A GUID (case-insensitive rules only). */
export const guid = String.raw`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`;

/** No token character right before / after: keeps a match from starting or ending inside a longer token. */
export const tokenStart = String.raw`(?<![A-Za-z0-9_])`;
export const tokenEnd = String.raw`(?![A-Za-z0-9_])`;

/**
 * `<vendor name>...<assignment><value>`: the vendor's name (as a regex) somewhere in the key,
 * then the value. Case-insensitive, so write value classes accordingly.
 */
export function keyedValue(vendorName: string, value: string, flags = 'i'): RegExp {
  return new RegExp(String.raw`(?<![A-Za-z0-9])(?:${vendorName})[\w.\-]{0,40}${assignment}(?<secret>${value})(?![A-Za-z0-9_\-])`, flags);
}

/** A prefixed token such as `ghp_...`: the whole token is the secret, bounded on both sides. */
export function prefixedToken(body: string, flags = ''): RegExp {
  return new RegExp(String.raw`${tokenStart}(?<secret>${body})${tokenEnd}`, flags);
}
