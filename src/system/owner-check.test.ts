import { describe, expect, it } from 'vitest';
import { exitedPid, zombiePid } from '../../test/helpers/processes.js';
import { workerThreadId } from '../../test/helpers/threads.js';
import { checkOwner, judgeOwner } from './owner-check.js';
import { procInspector, type OwnerProcess, type ProcessInspector } from './process-info.js';

const process_ = (found: Partial<OwnerProcess> = {}): OwnerProcess => ({ pid: 100, startTime: 5000, zombie: false, kernelThread: false, threadGroup: 100, ...found });

describe('judgeOwner', () => {
  it.each([
    ['no process', null, undefined, 'no_such_process'],
    ['a zombie', process_({ zombie: true }), undefined, 'zombie'],
    ['a kernel thread', process_({ kernelThread: true }), undefined, 'kernel_thread'],
    ['a thread of another process', process_({ threadGroup: 99 }), undefined, 'thread'],
    ['a process that started at another time than expected', process_(), 4999, 'reused'],
    // The first problem found is the one reported.
    ['a zombie whose start time differs too', process_({ zombie: true }), 4999, 'zombie'],
  ])('refuses %s', (_what, found, expectedStartTime, problem) => {
    expect(judgeOwner(found, expectedStartTime)).toEqual({ ok: false, problem, owner: found });
  });

  it.each([
    ['a live thread group leader', process_(), undefined],
    ['one started when expected', process_(), 5000],
    ['one whose start time /proc cannot give', process_({ startTime: null }), 4999],
    ['one whose thread group cannot be read', process_({ threadGroup: null }), undefined],
  ])('accepts %s', (_what, found, expectedStartTime) => {
    expect(judgeOwner(found, expectedStartTime)).toEqual({ ok: true, owner: found });
  });
});

describe('checkOwner against the real /proc', () => {
  it('accepts this process, with its start time', async () => {
    const check = await checkOwner(procInspector, process.pid);
    expect(check).toMatchObject({ ok: true, owner: { pid: process.pid, zombie: false, threadGroup: process.pid } });
    expect(check.owner?.startTime).toBeGreaterThan(0);
  });

  it('refuses this process under another start time: its pid reused', async () => {
    const startTime = (await procInspector.inspect(process.pid))?.startTime ?? 0;
    expect(await checkOwner(procInspector, process.pid, { expectedStartTime: startTime })).toMatchObject({ ok: true });
    expect(await checkOwner(procInspector, process.pid, { expectedStartTime: startTime + 1 })).toMatchObject({ ok: false, problem: 'reused', owner: { startTime } });
  });

  it('refuses a process that has exited', async () => {
    expect(await checkOwner(procInspector, await exitedPid())).toEqual({ ok: false, problem: 'no_such_process', owner: null });
  });

  it('refuses a zombie', async () => {
    const zombie = await zombiePid();
    expect(await checkOwner(procInspector, zombie)).toMatchObject({ ok: false, problem: 'zombie', owner: { pid: zombie, zombie: true } });
  });

  it('refuses the id of one of our own threads, naming the process', async () => {
    const tid = await workerThreadId();
    expect(await checkOwner(procInspector, tid)).toMatchObject({ ok: false, problem: 'thread', owner: { pid: tid, threadGroup: process.pid } });
  });
});

describe('checkOwner with an owner the caller inspected', () => {
  const unread: Pick<ProcessInspector, 'inspect'> = {
    inspect: () => Promise.reject(new Error('read /proc again')),
  };

  it('judges that owner instead of reading it again', async () => {
    expect(await checkOwner(unread, 100, { inspected: process_() })).toEqual({ ok: true, owner: process_() });
    expect(await checkOwner(unread, 100, { inspected: process_({ zombie: true }) })).toMatchObject({ ok: false, problem: 'zombie' });
  });

  it('reads the pid asked about when the inspected owner is another one', async () => {
    expect(await checkOwner(procInspector, process.pid, { inspected: process_({ pid: 100 }) })).toMatchObject({ ok: true, owner: { pid: process.pid } });
  });
});
