/**
 * Who is speaking on a pull request (docs/pull-requests.md, "Channels"). Vigil's own secret scan is
 * the default channel: its status (`vigil/secret-scan`, the check run `Vigil secret scan`), its
 * summary marker (`<!-- vigil:summary -->`) and its feedback document are what they always were, so
 * nothing already posted is orphaned. Each tool whose SARIF results are posted on the pull request
 * (docs/ci-results.md) has a channel of its own, named for the tool (`trivy`): its own status
 * (`vigil/trivy`, the check run `Vigil: Trivy`), its own summary (`<!-- vigil:summary trivy -->`)
 * and its own feedback document, so neither overwrites the other.
 */
export interface PublicationChannel {
  /** Normalised (`trivy`, `semgrep-oss`, `codeql`): in status names, markers and document ids. */
  name: string;
  /** The tool's name as its log gives it (`Trivy`, `Semgrep OSS`): in texts. */
  title: string;
}

/** The default channel's status name on every platform (`vigil/secret-scan`; Azure DevOps genre `vigil`, name `secret-scan`). */
export const secretScanStatusName = 'secret-scan';

const channelPattern = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** The channel of a tool's results: its name lower-cased, runs of other characters as one `-`; never the default channel's name. */
export function channelOf(tool: string): PublicationChannel {
  const title = tool.replace(/\s+/g, ' ').trim().slice(0, 100) || 'unknown';
  let name = title
    .toLowerCase()
    .replace(/[^a-z0-9._]+/g, '-')
    .replace(/^[-._]+|[-._]+$/g, '')
    .slice(0, 64);
  if (!name) name = 'unknown';
  // A tool called "secret-scan" must not speak as Vigil's own secret scan.
  if (name === secretScanStatusName) name = `sarif-${name}`;
  return { name, title };
}

export function isChannelName(name: string): boolean {
  return channelPattern.test(name);
}

/** The status name a channel posts under: `secret-scan` for Vigil's own, else the channel's name. */
export function statusNameOf(channel: PublicationChannel | undefined): string {
  return channel?.name ?? secretScanStatusName;
}
