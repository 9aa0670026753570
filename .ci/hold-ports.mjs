#!/usr/bin/env node
// Holds the ports a developer's machine usually has busy (3000, 3001, 8000, 6006, 15000) on
// 127.0.0.1 and ::1 for as long as the process that started it lives, so the suite proves it
// never assumes one of them is free. A port already held by something else is busy all the same.
//
//   node .ci/hold-ports.mjs [READY_FILE] &   # .ci/run does this around `npm test`
//
// It stops by itself when its parent exits (checked every second), and on SIGTERM/SIGINT.
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';

const PORTS = [3000, 3001, 8000, 6006, 15000];
const HOSTS = ['127.0.0.1', '::1'];
const parent = process.ppid;

function hold(port, host) {
  return new Promise((resolve) => {
    const server = createServer((socket) => socket.destroy());
    server.once('error', (error) => resolve(`${host}:${port} ${error.code === 'EADDRINUSE' ? 'busy already' : `not held (${error.code})`}`));
    server.listen({ port, host, ipv6Only: host === '::1', exclusive: true }, () => resolve(`${host.includes(':') ? `[${host}]` : host}:${port} held`));
  });
}

const results = await Promise.all(PORTS.flatMap((port) => HOSTS.map((host) => hold(port, host))));
process.stdout.write(`hold-ports (pid ${process.pid}): ${results.join(', ')}\n`);
if (process.argv[2]) writeFileSync(process.argv[2], `${process.pid}\n`);

const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setInterval(() => {
  if (process.ppid !== parent) stop();
}, 1000);
