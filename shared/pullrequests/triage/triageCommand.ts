/**
 * A `/vigil` command in a comment on a pull request (docs/pull-requests.md, "Triage from the pull
 * request"): `/vigil false-positive <reason>` or `/vigil accept <reason>` as a reply on a Vigil
 * thread; elsewhere on the pull request (a comment, or a thread that is not Vigil's) the finding
 * is named by the id the summary shows: `/vigil accept 1a2b3c4d <reason>`. A reason is required:
 * it is what the risk's triage record keeps.
 */
export type TriageStatus = 'accepted' | 'false-positive';

export type TriageCommand =
  | { kind: 'triage'; status: TriageStatus; reason: string; findingId?: string }
  | { kind: 'refused'; problem: string }
  | { kind: 'none' };

export const maxReasonLength = 500;

export function readTriageCommand(text: string, onThread: boolean): TriageCommand {
  const match = /^\s*\/vigil\b[ \t]*(\S*)[ \t]*([^\n]*)/i.exec(text);
  if (!match) return { kind: 'none' };
  const verb = match[1].toLowerCase();
  if (verb !== 'false-positive' && verb !== 'accept') {
    return {
      kind: 'refused',
      problem: `unknown command '${match[1].slice(0, 40)}': use \`/vigil false-positive <reason>\` or \`/vigil accept <reason>\``,
    };
  }
  let rest = match[2].trim();
  let findingId: string | undefined;
  if (!onThread) {
    const id = /^([0-9a-f]{8,64})\b\s*(.*)$/i.exec(rest);
    if (!id) return { kind: 'refused', problem: `name the finding: \`/vigil ${verb} <id> <reason>\`, with the id the summary shows` };
    findingId = id[1].toLowerCase();
    rest = id[2].trim();
  }
  if (rest === '') return { kind: 'refused', problem: `give a reason: \`/vigil ${verb} <reason>\`` };
  return {
    kind: 'triage',
    status: verb === 'accept' ? 'accepted' : 'false-positive',
    reason: rest.slice(0, maxReasonLength),
    ...(findingId ? { findingId } : {}),
  };
}
