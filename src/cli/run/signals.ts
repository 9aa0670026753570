/**
 * Which signals `ports run` passes on to its command, and to whom. The rule: the command gets
 * each signal exactly once.
 *
 * - Off a terminal the command runs in a process group of its own, so nothing sent to
 *   `ports run` (or to its group) reaches it by itself: SIGINT, SIGTERM and SIGHUP are
 *   forwarded to the command's whole group (npm → sh → node).
 * - On a terminal the command shares the process group of `ports run`. Ctrl-C makes the
 *   terminal send SIGINT to the whole foreground group, the command included, so SIGINT is only
 *   forwarded when `ports run` is not the terminal's foreground group (a background job given
 *   `kill -INT`). A hangup reaches the whole group too (the kernel and the shell signal process
 *   groups), so SIGHUP is not forwarded. SIGTERM only ever comes from someone's `kill`: it is
 *   forwarded to the command.
 */
import { readFileSync } from 'node:fs';
import { parseProcStat } from '../../system/proc-stat.js';

export const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type ForwardedSignal = (typeof FORWARDED_SIGNALS)[number];

/** `group`: the command's process group; `command`: its pid only; null: not forwarded. */
export type ForwardTarget = 'group' | 'command' | null;

export function forwardTarget(signal: ForwardedSignal, where: { ownGroup: boolean; terminalForeground: boolean }): ForwardTarget {
  if (where.ownGroup) return 'group';
  if (signal === 'SIGHUP') return null;
  if (signal === 'SIGINT' && where.terminalForeground) return null;
  return 'command';
}

/**
 * Whether this process's group is the foreground group of its terminal (/proc/self/stat), i.e.
 * whether a Ctrl-C there reaches it. Where that cannot be read, assume it is: the usual case
 * for a process whose stdin is a terminal.
 */
export function isTerminalForeground(): boolean {
  try {
    const stat = parseProcStat(readFileSync('/proc/self/stat', 'utf8'));
    return stat === null || stat.tpgid === stat.pgrp;
  } catch {
    return true;
  }
}
