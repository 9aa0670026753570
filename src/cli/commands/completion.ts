import type { Command } from 'commander';
import { bashScript } from '../completion/bash.js';
import { planCompletion } from '../completion/complete.js';
import { fishScript } from '../completion/fish.js';
import { completionLine, unquoteWord } from '../completion/line.js';
import { fetchValues } from '../completion/live.js';
import { formatReply } from '../completion/reply.js';
import { isShell, type Shell } from '../completion/shells.js';
import { describeCommand } from '../completion/spec.js';
import { zshScript } from '../completion/zsh.js';
import type { CliContext } from '../context.js';

const SCRIPTS: Readonly<Record<Shell, () => string>> = { bash: bashScript, zsh: zshScript, fish: fishScript };

/** `ports completion SHELL`: the script, on stdout. */
export async function runCompletion(shell: Shell, ctx: CliContext): Promise<number> {
  ctx.out.result(SCRIPTS[shell]().trimEnd());
  return 0;
}

/** What each shell hands over: the words after `ports` before the one being typed, and that word. */
function readInput(shell: Shell, args: readonly string[]): { words: string[]; current: string; raw: string; breaks?: string } {
  if (shell === 'bash') {
    // The line up to the cursor, split here as the command will get it, and COMP_WORDBREAKS.
    const line = completionLine(args[0] ?? '');
    return { words: line.words, current: line.current.value, raw: line.current.raw, ...(args[1] !== undefined ? { breaks: args[1] } : {}) };
  }
  const raw = args.at(-1) ?? '';
  // zsh unquotes every word itself; fish gives the word being typed as typed.
  return { words: args.slice(0, -1), current: shell === 'fish' ? unquoteWord(raw) : raw, raw };
}

/**
 * `ports __complete SHELL -- WORDS…` (hidden), what the scripts run on each Tab. Always exit 0
 * and nothing on stderr: a completion that fails offers nothing.
 */
export async function runComplete(shell: string, args: readonly string[], program: Command, ctx: CliContext): Promise<number> {
  if (!isShell(shell)) return 0;
  try {
    const input = readInput(shell, args);
    const plan = planCompletion(describeCommand(program), input.words, input.current);
    const fetched = plan.type === 'values' && plan.kinds.length > 0 ? await fetchValues(plan.kinds, ctx.env) : [];
    ctx.out.result(formatReply({ shell, plan, fetched, raw: input.raw, wordCount: input.words.length, ...(input.breaks !== undefined ? { breaks: input.breaks } : {}) }));
  } catch {
    // Nothing to offer.
  }
  return 0;
}
