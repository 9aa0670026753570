import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PortsClient } from '../src/client/client.js';
import { pathsIn, spawnDaemonProcess, waitForDaemon, waitForExit } from './helpers/daemon.js';
import { readStateFolder } from './helpers/store.js';
import { useTempDir } from './helpers/temp-dir.js';

const ROUNDS = 30;
const RANGE = { start: 26000, end: 29999 };
const PREFILL_RANGE = { start: 20000, end: 21999 };

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
      // Release two in three of them, older ones included, so the range never fills up.
      if (n % 3 !== 0) {
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

async function check(stateDir: string, ledger: Ledger, round: number): Promise<void> {
  // What a restart would load: the snapshot and the journal after it.
  const allocations = await readStateFolder(stateDir);
  const byService = new Map(allocations.map((a) => [a.service, a.port]));
  expect(new Set(allocations.map((a) => a.port)).size, `round ${round}: a port held twice`).toBe(allocations.length);
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

async function prefill(client: PortsClient, ledger: Ledger, count: number): Promise<void> {
  const services = Array.from({ length: count }, (_, i) => `prefill-${i}`);
  for (let i = 0; i < services.length; i += 200) {
    await Promise.all(
      services.slice(i, i + 200).map(async (service) => {
        const { allocation } = await client.allocate({ pid: null, service, owner: 'prefill', range: PREFILL_RANGE });
        ledger.allocated.set(service, allocation.port);
      }),
    );
  }
}

describe.each([
  ['the default settings', null, 0],
  // A compaction every few group commits over a few thousand allocations: the kill lands in one.
  ['a compaction every 4 journal records', { state: { journal_max_records: 4 } }, 2000],
])('with %s', (_what, config, held) => {
  it(`loses nothing acknowledged over ${ROUNDS} rounds of traffic and kill -9 at a random moment`, async () => {
    const dir = useTempDir();
    const paths = pathsIn(dir);
    if (config !== null) {
      mkdirSync(join(dir, 'config', 'portkeeper'), { recursive: true });
      writeFileSync(join(dir, 'config', 'portkeeper', 'config.json'), JSON.stringify(config));
    }
    const ledger: Ledger = { allocated: new Map(), uncertainAllocate: new Set(), released: new Set(), uncertainRelease: new Set() };
    /** Rounds whose kill left a compaction half done (the previous segment not yet folded in). */
    let midCompaction = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const daemon = spawnDaemonProcess(dir);
      const client = await waitForDaemon(paths.socketPath);
      if (round === 1 && held > 0) await prefill(client, ledger, held);
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
      if (existsSync(join(paths.stateDir, 'state.journal.old'))) midCompaction++;
      stop.now = true;
      await running;
      client.destroy();
      await check(paths.stateDir, ledger, round);
    }
    expect(ledger.allocated.size).toBeGreaterThan(ROUNDS + held);
    if (config !== null) expect(midCompaction, 'kills that landed during a compaction').toBeGreaterThan(2);
  }, 240_000);
});
