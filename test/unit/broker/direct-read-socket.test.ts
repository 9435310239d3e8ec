import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { type AddressInfo, type Socket, connect, createServer } from 'node:net';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { withDirectReads } from '../../../src/broker/direct-read-socket.js';

describe('withDirectReads', () => {
  test('an accepted socket reads into the buffers it is given, writes, and closes as usual', async () => {
    const target = Buffer.alloc(1000);
    const received: Buffer[] = [];
    let bufferCalls = 0;
    let adopted: Socket | null = null;
    const server = createServer({ pauseOnConnect: true }, (accepted) => {
      adopted = withDirectReads(accepted, {
        buffer: () => {
          bufferCalls++;
          return target;
        },
        callback: (count, buffer) => {
          assert.equal(buffer, target);
          received.push(Buffer.from(buffer.subarray(0, count)));
          if (Buffer.concat(received).length === sent.length) adopted!.end('done');
        },
      });
      assert.ok(adopted !== null, 'this Node allows direct reads on accepted sockets');
      assert.ok(accepted.destroyed, 'the old wrapper is gone');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const sent = randomBytes(300_000);
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    const answer: Buffer[] = [];
    client.on('data', (chunk: Buffer) => answer.push(chunk));
    client.write(sent);
    await once(client, 'end');
    assert.equal(Buffer.concat(answer).toString(), 'done');
    assert.deepEqual(Buffer.concat(received), sent);
    assert.ok(received.length >= 300, 'no read is larger than the buffer');
    assert.ok(bufferCalls > received.length, 'asked for a buffer before every read');
    client.end();
    await once(adopted!, 'close');
    server.close();
    await once(server, 'close');
  });
});
