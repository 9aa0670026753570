/**
 * What the daemon has set up, undone in reverse order: a start that fails part-way unwinds
 * exactly what it had done, and `close` runs the same steps, so there is one unwind path.
 * A step that fails is logged and the rest still run (the lock is always released).
 */
export interface Teardown {
  /** Register how to undo the step just done. */
  add(name: string, undo: () => Promise<void> | void): void;
  /** Undo every registered step, newest first; steps run once even when called again. */
  run(): Promise<void>;
}

export function createTeardown(log: { error(object: object, message: string): void }): Teardown {
  const steps: Array<{ name: string; undo: () => Promise<void> | void }> = [];
  return {
    add(name, undo) {
      steps.push({ name, undo });
    },
    async run() {
      for (let step = steps.pop(); step !== undefined; step = steps.pop()) {
        try {
          await step.undo();
        } catch (error) {
          log.error({ err: error, step: step.name }, `error while stopping (${step.name})`);
        }
      }
    },
  };
}
