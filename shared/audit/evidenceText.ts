/**
 * What evidence may show. Names (of connections, projects) are labels people chose; settings are
 * enumerations (`ServicePrincipal`, `spnKey`, `Subscription`). A value that does not look like an
 * enumeration is never echoed: it might be something that should not be (a secret pasted into the
 * wrong field), so it is shown as `(other value)`.
 */
export function settingValue(value: string | undefined): string {
  if (value === undefined) return '(not set)';
  return /^[A-Za-z][A-Za-z0-9._-]{0,39}$/.test(value) ? value : '(other value)';
}

/** A label, bounded so that one long name cannot bloat a risk. */
export function label(value: string, max = 80): string {
  const oneLine = value.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}
