import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { useTempDir } from '../../test/helpers/temp-dir.js';
import { findUnixSocket, inspectSocketFd } from './unix-socket-table.js';

const TABLE = `Num       RefCount Protocol Flags    Type St Inode Path
0000000000000000: 00000002 00000000 00010000 0001 01 1001 /run/user/1000/portkeeper/ports.sock
0000000000000000: 00000003 00000000 00000000 0001 03 1002 /run/user/1000/portkeeper/ports.sock
0000000000000000: 00000002 00000000 00000000 0002 01 1003 /run/systemd/notify
0000000000000000: 00000002 00000000 00010000 0001 01 1004 @/tmp/.X11-unix/X0
0000000000000000: 00000002 00000000 00000000 0001 01 1005
0000000000000000: 00000002 00000000 00010000 0001 01 1006 /tmp/a folder/with spaces.sock
`;

describe('findUnixSocket', () => {
  it.each([
    [1001, { stream: true, listening: true, path: '/run/user/1000/portkeeper/ports.sock' }],
    [1002, { stream: true, listening: false, path: '/run/user/1000/portkeeper/ports.sock' }],
    [1003, { stream: false, listening: false, path: '/run/systemd/notify' }],
    [1004, { stream: true, listening: true, path: '@/tmp/.X11-unix/X0' }],
    [1005, { stream: true, listening: false, path: null }],
    [1006, { stream: true, listening: true, path: '/tmp/a folder/with spaces.sock' }],
  ])('reads inode %i', (inode, expected) => {
    expect(findUnixSocket(TABLE, inode)).toEqual({ inode, ...expected });
  });

  it('is null for an inode not in the table', () => {
    expect(findUnixSocket(TABLE, 42)).toBeNull();
  });
});

describe('inspectSocketFd', () => {
  it('says a descriptor that is not open is not open', async () => {
    expect(await inspectSocketFd(987)).toEqual({ ok: false, reason: expect.stringMatching(/fd 987 is not open/) });
  });

  it('finds a real listening socket, with its path', async () => {
    const path = join(useTempDir(), 's.sock');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(path, () => resolve()));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
    expect(await inspectSocketFd(fd)).toEqual({ ok: true, entry: expect.objectContaining({ stream: true, listening: true, path }) });
  });

  it('says a TCP socket is not a Unix socket', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
    expect(await inspectSocketFd(fd)).toEqual({ ok: false, reason: expect.stringMatching(/not a Unix socket/) });
  });
});
