// SPDX-License-Identifier: Apache-2.0
// An HTTP CONNECT proxy with a chosen source address, for browser tests
// that must reach the daemon from an address it may ban. No environment,
// no browser: the portal's tests and the WSS case both import it.

import net from 'node:net';

/**
 * An HTTP CONNECT proxy on 127.0.0.1 whose outgoing connections leave
 * from 'source' (e.g. 127.0.0.8): a browser context using it reaches the
 * daemon from that address. (Chromium cannot pick its source address, and
 * the daemon never bans its own addresses such as 127.0.0.1 or ::1.)
 * Resolves {server: 'http://127.0.0.1:PORT', close()}.
 */
export async function sourceProxy(source) {
  const socks = new Set();
  const track = (s) => {
    socks.add(s);
    s.on('close', () => socks.delete(s));
    s.on('error', () => s.destroy());
  };
  const server = net.createServer((client) => {
    track(client);
    let head = Buffer.alloc(0);
    const onData = (chunk) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > 8192) client.destroy();
        return;
      }
      client.off('data', onData);
      const m = /^CONNECT ([^\s:]+|\[[^\]]+\]):(\d+) HTTP\/1\.[01]\r\n/.exec(head.subarray(0, end + 2).toString('latin1'));
      if (!m) {
        client.end('HTTP/1.1 405 Method Not Allowed\r\n\r\n');
        return;
      }
      const upstream = net.connect({ host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]), localAddress: source }, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        const rest = head.subarray(end + 4);
        if (rest.length) upstream.write(rest);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      track(upstream);
      upstream.on('error', () => client.destroy());
      upstream.on('close', () => client.destroy());
      client.on('close', () => upstream.destroy());
    };
    client.on('data', onData);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    server: `http://127.0.0.1:${server.address().port}`,
    close() {
      for (const s of socks) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
