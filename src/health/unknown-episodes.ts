/**
 * Checks that cannot be made (the daemon or the host short of descriptors, memory or /proc) come
 * in episodes: one warning when cycles start meeting them, one line when checks can be made
 * again, with how many cycles and checks the episode lasted. Nothing in between, however long.
 */
import type { CycleReport, UnknownChecks } from './cycle-report.js';

interface EpisodeLog {
  info?(object: object, message: string): void;
  warn(object: object, message: string): void;
}

export function createUnknownEpisodes(log: EpisodeLog, lastCause: () => unknown): { note(report: CycleReport): void } {
  /** Set while cycles keep meeting checks that cannot be made. */
  let unknownEpisode: { since: string; cycles: number; checks: UnknownChecks } | null = null;
  return {
    note(report) {
      const { process, listen, http } = report.unknownChecks;
      if (process + listen + http > 0) {
        if (unknownEpisode === null) {
          unknownEpisode = { since: report.startedAt, cycles: 0, checks: { process: 0, listen: 0, http: 0 } };
          log.warn(
            { cause: lastCause(), unknownChecks: report.unknownChecks, allocations: report.unknown },
            'some health checks could not be made (the daemon or the host is short of a resource); those allocations are kept unchanged until a check can be made',
          );
        }
        unknownEpisode.cycles++;
        unknownEpisode.checks.process += process;
        unknownEpisode.checks.listen += listen;
        unknownEpisode.checks.http += http;
      } else if (unknownEpisode !== null) {
        const episode = unknownEpisode;
        unknownEpisode = null;
        (log.info ?? log.warn).call(log, { since: episode.since, cycles: episode.cycles, unknownChecks: episode.checks }, 'health checks can be made again');
      }
    },
  };
}
