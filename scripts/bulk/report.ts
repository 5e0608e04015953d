import type { Malformed } from './rows';
import type { Summary } from './run';

/** The final report: counts, then every line that needs attention with its reason; never a phone number. */
export function reportOf(file: string, journalPath: string, summary: Summary, malformed: readonly Malformed[]): string {
  const lines = [
    `bulk-phones: ${summary.total + malformed.length} rows in ${file}`,
    `  added              ${summary.added}`,
    `  already present    ${summary.present + summary.skipped}${summary.skipped ? ` (${summary.skipped} recorded by an earlier run)` : ''}`,
    `  conflicts          ${summary.conflicts.length}`,
    `  unconfirmed        ${summary.unconfirmed.length}`,
    `  refused            ${summary.refused.length}`,
    `  malformed          ${malformed.length}`,
    `  not done           ${summary.notDone.length}`,
  ];
  const issues = [
    ...malformed.map(({ line, reason }) => ({ line, text: `malformed: ${reason}` })),
    ...summary.conflicts.map(({ line, reason }) => ({ line, text: `conflict: ${reason}` })),
    ...summary.unconfirmed.map(({ line, reason }) => ({ line, text: `unconfirmed: ${reason}` })),
    ...summary.refused.map(({ line, reason }) => ({ line, text: `refused: ${reason}` })),
  ].sort((a, b) => a.line - b.line);
  for (const { line, text } of issues) lines.push(`line ${line}: ${text}`);
  if (summary.notDone.length > 0) {
    const why = summary.stopReason ? `stopped: ${summary.stopReason}` : 'still throttled after every retry';
    lines.push(
      `Not done (${why}): ${summary.notDone.length} rows, the first at line ${summary.notDone[0]}.`,
      `Resume: run the same command again. Rows already done are recorded in ${journalPath} and skipped.`,
    );
  } else {
    lines.push(`Journal: ${journalPath} (a re-run skips every row recorded there).`);
  }
  return lines.join('\n');
}
