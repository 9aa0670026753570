/** A promise that resolves after `ms` milliseconds: the wait between two polls. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
