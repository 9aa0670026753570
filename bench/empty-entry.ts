/**
 * An empty ES module: `node dist-bench/bench/empty-entry.js` is the floor of the CLI cold-start
 * figures (Node's own start and exit, through the same ESM entry path as bin/ports).
 */
export {};
