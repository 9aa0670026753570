import { existsSync, readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import type { PortsClient } from '../src/client/client.js';
import { emptyState } from '../src/state/schema.js';
import { parseStateText } from '../src/state/store.js';
import { pathsIn, spawnDaemonProcess, waitForDaemon, waitForExit } from './helpers/daemon.js';
import { useTempDir } from './helpers/temp-dir.js';

const ROUNDS = 30;
const RANGE = { start: 26000, end: 26999 };

/**
 * What clients were told, by allocation (each has a unique service name). An op whose reply
 * never came (the daemon died first) may or may not have happened.
 */
interface Ledger {
  allocated: Map<string, number>;
  uncertainAllocate: Set<string>;
  released: Set<string>;
  uncertainRelease: Set<string>;
}

async function traffic(client: PortsClient, round: number, ledger: Ledger, stop: { now: boolean }): Promise<void> {
  let n = 0;
  const worker = async (w: number): Promise<void> => {
    while (!stop.now) {
      const service = `r${round}-w${w}-${n++}`;
      try {
        const { allocation } = await client.allocate({ pid: null, service, owner: 'crash-loop', range: RANGE });
        ledger.allocated.set(service, allocation.port);
      } catch {
        ledger.uncertainAllocate.add(service);
        return;
      }
      // Release about half of them, including older ones.
      if (n % 2 === 0) {
        const victims = [...ledger.allocated.keys()].filter((s) => !ledger.released.has(s) && !ledger.uncertainRelease.has(s));
        const victim = victims[(n * 7) % Math.max(1, victims.length)];
        if (victim === undefined) continue;
        try {
          await client.release({ service: victim, strict: true });
          ledger.released.add(victim);
        } catch {
          ledger.uncertainRelease.add(victim);
          return;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
}

function check(stateFile: string, ledger: Ledger, round: number): void {
  // Killed before its first write: no file, and then nothing may have been acknowledged.
  const text = existsSync(stateFile) ? readFileSync(stateFile, 'utf8') : JSON.stringify(emptyState(new Date().toISOString()));
  const state = parseStateText(text, `state.json after round ${round}`);
  const byService = new Map(state.allocations.map((a) => [a.service, a.port]));
  expect(new Set(state.allocations.map((a) => a.port)).size, `round ${round}: a port held twice`).toBe(state.allocations.length);
  for (const [service, port] of ledger.allocated) {
    if (ledger.released.has(service)) {
      expect(byService.has(service), `round ${round}: released ${service} came back`).toBe(false);
    } else if (!ledger.uncertainRelease.has(service)) {
      expect(byService.get(service), `round ${round}: acknowledged ${service} lost`).toBe(port);
    }
  }
  for (const service of byService.keys()) {
    const known = service !== null && (ledger.allocated.has(service) || ledger.uncertainAllocate.has(service));
    expect(known, `round ${round}: ${service} appeared from nowhere`).toBe(true);
  }
}

it(`loses nothing acknowledged over ${ROUNDS} rounds of traffic and kill -9 at a random moment`, async () => {
  const dir = useTempDir();
  const paths = pathsIn(dir);
  const ledger: Ledger = { allocated: new Map(), uncertainAllocate: new Set(), released: new Set(), uncertainRelease: new Set() };
  for (let round = 1; round <= ROUNDS; round++) {
    const daemon = spawnDaemonProcess(dir);
    const client = await waitForDaemon(paths.socketPath);
    if (round > 1) {
      // What the restarted daemon serves is what was on disk.
      const served = new Map((await client.status()).allocations.map((a) => [a.service, a.port]));
      for (const [service, port] of ledger.allocated) {
        if (!ledger.released.has(service) && !ledger.uncertainRelease.has(service)) expect(served.get(service)).toBe(port);
      }
    }
    const stop = { now: false };
    const running = traffic(client, round, ledger, stop);
    // Kill at a random moment of the traffic (deterministic per round, 20-250 ms in).
    await new Promise((resolve) => setTimeout(resolve, 20 + ((round * 7919) % 230)));
    daemon.kill('SIGKILL');
    await waitForExit(daemon.pid ?? 0);
    stop.now = true;
    await running;
    client.destroy();
    check(`${paths.stateDir}/state.json`, ledger, round);
  }
  expect(ledger.allocated.size).toBeGreaterThan(ROUNDS);
}, 240_000);
