/**
 * The answer of `ports __complete` as the scripts read it: a header line, then one candidate a
 * line. The header is the directive, and for some one field after a tab:
 *
 * - `values` — candidates follow: for bash, each exactly as COMPREPLY takes it (quoted, and
 *   only what readline replaces: bash-words.ts); for zsh and fish, `VALUE<TAB>DESCRIPTION`;
 * - `files`, `dirs` (zsh, fish: `files<TAB>--flag=` when typed so) — the shell completes paths;
 * - `command<TAB>N` (zsh, fish) — the words from the Nth on are a command line of their own;
 *   bash gets `command-name` (the word typed is the command) or `command-args` instead;
 * - `none` — nothing to offer.
 *
 * A value the shell cannot take on one line (control characters) is left out; descriptions
 * are escaped and cut short. Pure.
 */
import { escapeText } from '../../shared/escape.js';
import { bashReplacement } from './bash-words.js';
import type { Candidate, CompletionPlan } from './complete.js';
import type { Shell } from './shells.js';

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const DESCRIPTION_LENGTH = 60;

function description(text: string): string {
  const line = escapeText(text.split('\n')[0] ?? '');
  return line.length > DESCRIPTION_LENGTH ? `${line.slice(0, DESCRIPTION_LENGTH - 1).trimEnd()}…` : line;
}

export interface ReplyInput {
  shell: Shell;
  plan: CompletionPlan;
  /** The values of the plan's kinds, fetched. */
  fetched: readonly Candidate[];
  /** The word being typed, as typed (bash). */
  raw: string;
  /** bash's COMP_WORDBREAKS. */
  breaks?: string;
  /** How many words came before it. */
  wordCount: number;
}

export function formatReply({ shell, plan, fetched, raw, wordCount, breaks }: ReplyInput): string {
  const bash = shell === 'bash';
  switch (plan.type) {
    case 'none':
      return 'none';
    case 'files':
    case 'dirs':
      return bash ? plan.type : `${plan.type}\t${plan.insert}`;
    case 'command':
      if (!bash) return `command\t${plan.offset}`;
      return plan.offset >= wordCount ? 'command-name' : 'command-args';
    case 'values': {
      const seen = new Set(plan.exclude);
      const lines = ['values'];
      for (const candidate of [...plan.candidates, ...fetched]) {
        if (candidate.value === '' || seen.has(candidate.value) || !candidate.value.startsWith(plan.prefix) || UNSAFE.test(candidate.value)) continue;
        seen.add(candidate.value);
        const value = plan.insert + candidate.value;
        lines.push(bash ? bashReplacement(value, raw, breaks) : `${value}\t${description(candidate.description)}`);
      }
      return lines.join('\n');
    }
  }
}
