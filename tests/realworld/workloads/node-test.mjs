// Node's own test runner (node --test) on what a service does: files, streams,
// zlib, crypto, an HTTP server and client on loopback, a child process, a worker
// thread and timers. Run by node.sh.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import crypto from 'node:crypto';
import http from 'node:http';
import { execFile } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { promisify } from 'node:util';

const dir = process.env.RW_DIR;

test('files: write, read, rename, list, remove', async () => {
        const f = path.join(dir, 'a.txt');
        await fs.writeFile(f, 'x'.repeat(100000));
        await fs.rename(f, f + '.moved');
        assert.equal((await fs.readFile(f + '.moved', 'utf8')).length, 100000);
        assert.deepEqual(await fs.readdir(dir), ['a.txt.moved']);
        await fs.rm(f + '.moved');
});

test('zlib and crypto', async () => {
        const data = crypto.randomBytes(1 << 16);
        const back = zlib.gunzipSync(zlib.gzipSync(data));
        assert.ok(back.equals(data));
        const h = crypto.createHash('sha256').update('sysrec').digest('hex');
        assert.equal(h.length, 64);
        const key = await promisify(crypto.scrypt)('pw', 'salt', 32);
        assert.equal(key.length, 32);
});

test('http server and client on loopback', async () => {
        const server = http.createServer((req, res) => res.end('hello ' + req.url));
        await new Promise((r) => server.listen(0, '127.0.0.1', r));
        const { port } = server.address();
        const body = await new Promise((resolve, reject) => {
                http.get({ host: '127.0.0.1', port, path: '/x' }, (res) => {
                        let s = '';
                        res.on('data', (c) => (s += c));
                        res.on('end', () => resolve(s));
                }).on('error', reject);
        });
        assert.equal(body, 'hello /x');
        await new Promise((r) => server.close(r));
});

test('child process', async () => {
        const { stdout } = await promisify(execFile)('/bin/echo', ['from a child']);
        assert.equal(stdout, 'from a child\n');
});

test('worker thread and timers', async () => {
        const w = new Worker('const { parentPort } = require("node:worker_threads"); parentPort.postMessage(6 * 7);',
                { eval: true });
        const v = await new Promise((r) => w.once('message', r));
        assert.equal(v, 42);
        await w.terminate();
        await new Promise((r) => setTimeout(r, 20));
});
