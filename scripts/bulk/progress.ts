import { Presets, SingleBar } from 'cli-progress';
import type { Summary } from './run';

/** Progress on stderr: a bar on a terminal, otherwise a plain line every 5 seconds and at the end. */

export interface Progress {
  update(summary: Summary): void;
  stop(): void;
}

const doneOf = (summary: Summary) =>
  summary.skipped +
  summary.added +
  summary.present +
  summary.conflicts.length +
  summary.unconfirmed.length +
  summary.refused.length;

export function progressFor(stream: NodeJS.WriteStream & { isTTY?: boolean }, total: number): Progress {
  if (stream.isTTY) {
    const bar = new SingleBar(
      {
        stream,
        format:
          'bulk-phones [{bar}] {value}/{total} rows | added {added} | present {present} | conflicts {conflicts} | refused {refused} | retrying {retrying}',
        hideCursor: true,
      },
      Presets.shades_classic,
    );
    bar.start(total, 0, { added: 0, present: 0, conflicts: 0, refused: 0, retrying: 0 });
    return {
      update: (summary) =>
        bar.update(doneOf(summary), {
          added: summary.added,
          present: summary.present,
          conflicts: summary.conflicts.length,
          refused: summary.refused.length,
          retrying: summary.retrying,
        }),
      stop: () => bar.stop(),
    };
  }
  let last = 0;
  let latest: Summary | undefined;
  const line = (summary: Summary) =>
    stream.write(
      `bulk-phones: ${doneOf(summary)}/${total} rows (added ${summary.added}, present ${summary.present}, ` +
        `conflicts ${summary.conflicts.length}, refused ${summary.refused.length}, retrying ${summary.retrying})\n`,
    );
  return {
    update: (summary) => {
      latest = summary;
      if (Date.now() - last < 5000) return;
      last = Date.now();
      line(summary);
    },
    stop: () => {
      if (latest) line(latest);
    },
  };
}
