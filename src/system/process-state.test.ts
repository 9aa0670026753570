import { describe, expect, it } from 'vitest';
import { exitedPid, zombiePid } from '../../test/helpers/processes.js';
import { readProcStat } from './proc-stat.js';
import { observeProcess, processEnded } from './process-state.js';

async function ownStartTime(): Promise<number> {
  const stat = await readProcStat(process.pid);
  if (!stat) throw new Error('cannot read /proc/self/stat');
  return stat.startTime;
}

describe('observeProcess and processEnded, against real processes', () => {
  it('see this process alive, under its own start time or none', async () => {
    const startTime = await ownStartTime();
    expect(observeProcess(process.pid, startTime)).toBe('alive');
    expect(observeProcess(process.pid, null)).toBe('alive');
    expect(processEnded(process.pid, startTime)).toBe(false);
  });

  it('see this pid under another start time as reused: the process expected has ended', async () => {
    const startTime = await ownStartTime();
    expect(observeProcess(process.pid, startTime + 1)).toBe('reused');
    expect(processEnded(process.pid, startTime + 1)).toBe(true);
  });

  it('see a process that has exited as dead', async () => {
    const pid = await exitedPid();
    expect(observeProcess(pid, null)).toBe('dead');
    expect(processEnded(pid, null)).toBe(true);
  });

  it('see a zombie as a zombie, which has ended', async () => {
    const zombie = await zombiePid();
    expect(observeProcess(zombie, null)).toBe('zombie');
    expect(processEnded(zombie, null)).toBe(true);
  });
});
