/**
 * References to a secret rather than the secret: pipeline variables `$(VAR)`, expressions
 * `${{ secrets.X }}`, shell `${VAR}` and `$VAR`, PowerShell `$env:VAR`, Windows `%VAR%`,
 * Helm/Jinja `{{ .Values.x }}`, and Azure Pipelines' `***` mask.
 */
const referencePatterns: readonly RegExp[] = [
  /^\$\(?[A-Za-z_][\w.-]{0,100}\)?$/, // $VAR, $(VAR), $(System.AccessToken)
  /\$\{\{?/, // ${VAR}, ${{ secrets.X }}
  /\$\(/, // $(command), $(VAR) inside a value
  /^\$env:[A-Za-z_]\w{0,100}$/i,
  /^%[A-Za-z_][\w.-]{0,100}%$/, // %VAR%
  /\{\{/, // {{ .Values.password }}
  /^\{[A-Za-z_]{1,100}\}$/, // {SumoAccessKey}
  /^\[[A-Za-z_][\w .-]{0,100}\]$/, // [PASSWORD]
  /^\*+$/, // *** (masked by Azure Pipelines)
  /^#\{[^}]{1,100}\}#?$/, // #{Octopus.Variable}#
  /^@@?[A-Za-z_]\w{0,100}@?$/, // @VAR@ replacement tokens
  /^__[A-Za-z]\w{0,100}__$/, // __TOKEN__ (Replace Tokens task)
];

export function isVariableReference(value: string): boolean {
  return referencePatterns.some((pattern) => pattern.test(value));
}

/**
 * Code that names a value instead of holding one: `var.db_password`, `settings.Token`, `os.environ[...]`.
 * Names are words: a value whose parts change between letters and digits again and again
 * (`AFt1Pr6Nb.Zcr0WXf`) is a password with a dot in it, not a reference.
 */
export function isCodeReference(value: string): boolean {
  return (
    /^[A-Za-z_$][\w$]{0,60}(?:\.[A-Za-z_$][\w$]{0,60}){1,8}$/.test(value) &&
    !/\d{4}/.test(value) &&
    (value.match(/[A-Za-z]\d{1,3}(?=[A-Za-z])/g)?.length ?? 0) < 2
  );
}
