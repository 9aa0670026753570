import { readdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { onTestFinished } from 'vitest';

/** The thread id of a worker thread of this process, alive until the test ends. */
export async function workerThreadId(): Promise<number> {
  const before = new Set(readdirSync('/proc/self/task'));
  const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
  onTestFinished(async () => void (await worker.terminate()));
  await new Promise((resolve) => worker.once('online', resolve));
  const tid = readdirSync('/proc/self/task').map(Number).find((id) => !before.has(String(id)) && id !== process.pid);
  if (tid === undefined) throw new Error('the worker thread did not show up in /proc/self/task');
  return tid;
}
