/**
 * One `GET` to a loopback server, for `ports wait --http`: the status line is all it reads (the
 * body is dropped), redirects are not followed (a 3xx is an answer), no connection is reused,
 * and the attempt gives up after `timeoutMs`. Never throws: a connection that failed is an
 * `error` code (`ECONNREFUSED`, `ETIMEDOUT` …).
 */
import { request } from 'node:http';

export interface HttpAttempt {
  host: '127.0.0.1' | '::1';
  status: number | null;
  error: string | null;
}

export function probeHttp(host: '127.0.0.1' | '::1', port: number, path: string, timeoutMs: number): Promise<HttpAttempt> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (status: number | null, error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ host, status, error });
    };
    const req = request({
      host,
      port,
      path,
      method: 'GET',
      agent: false,
      headers: { host: host === '::1' ? `[::1]:${port}` : `${host}:${port}`, 'user-agent': 'portkeeper-wait', connection: 'close' },
    });
    const timer = setTimeout(() => finish(null, 'ETIMEDOUT'), timeoutMs);
    req.once('response', (response) => {
      response.on('error', () => undefined); // torn down by the destroy below
      response.resume();
      finish(response.statusCode ?? null, null);
    });
    // `on`, not `once`: destroying the request after the answer or the timeout may emit another error.
    req.on('error', (error: NodeJS.ErrnoException) => finish(null, error.code ?? 'ERROR'));
    req.end();
  });
}
