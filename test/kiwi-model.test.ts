// The Kiwi model's fetch (core/korean/kiwi/model.ts): the archive is taken only
// with the SHA-256 it must have, unpacked into place whole or not at all, and a
// failure names what went wrong. PyPI's file host is replaced by a loopback
// server serving archives made here (with a Korean line inside, as the real
// dictionaries are).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ensureModel, KIWI_MODEL_VERSION, MODEL_FILES, modelReady } from '../core/korean/kiwi/model.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kchat-kiwi-model-test-'));
const served = new Map<string, Buffer>();
const requests: string[] = [];
let server: http.Server;
let base = '';

/** A .tar.gz laid out as kiwipiepy_model's sdist, each model file holding `line`. */
function archive(name: string, line: string): Buffer {
  const dir = path.join(root, `src-${name}`);
  const inner = path.join(dir, `kiwipiepy_model-${KIWI_MODEL_VERSION}`, 'kiwipiepy_model');
  fs.mkdirSync(inner, { recursive: true });
  for (const f of MODEL_FILES) fs.writeFileSync(path.join(inner, f), `${f}\t${line}\n`);
  const file = path.join(root, `${name}.tar.gz`);
  execFileSync('tar', ['-czf', file, '-C', dir, `kiwipiepy_model-${KIWI_MODEL_VERSION}`]);
  return fs.readFileSync(file);
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const leftovers = (dir: string) => fs.readdirSync(path.dirname(dir)).filter((f) => f.startsWith(`${path.basename(dir)}.partial-`));

before(async () => {
  served.set('/good.tar.gz', archive('good', '서버장애/NNG 컨슈머/NNG'));
  served.set('/other.tar.gz', archive('other', '다른 파일입니다'));
  server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = served.get(req.url ?? '');
    if (!body) return void res.writeHead(404).end('없음');
    res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': body.length }).end(body);
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.close();
  fs.rmSync(root, { recursive: true, force: true });
});

test('the archive with the expected SHA-256 is unpacked into place once, with its stamp', async () => {
  const good = served.get('/good.tar.gz')!;
  const dir = path.join(root, 'model-a');
  assert.equal(modelReady(dir), false);
  const asked = requests.length;
  assert.equal(await ensureModel(dir, { url: `${base}/good.tar.gz`, sha256: sha256(good) }), dir);
  assert.ok(modelReady(dir));
  for (const f of MODEL_FILES) assert.equal(fs.readFileSync(path.join(dir, f), 'utf8'), `${f}\t서버장애/NNG 컨슈머/NNG\n`);
  assert.equal(fs.readFileSync(path.join(dir, '.archive-sha256'), 'utf8').trim(), sha256(good));
  assert.deepEqual(leftovers(dir), []);
  // there already: no second download
  await ensureModel(dir, { url: `${base}/good.tar.gz`, sha256: sha256(good) });
  assert.equal(requests.length, asked + 1);
});

test('an archive with another SHA-256 is refused and nothing is left in place', async () => {
  const dir = path.join(root, 'model-b');
  const expected = sha256(served.get('/good.tar.gz')!);
  await assert.rejects(ensureModel(dir, { url: `${base}/other.tar.gz`, sha256: expected }), (err: Error) => {
    assert.match(err.message, new RegExp(`SHA-256 ${sha256(served.get('/other.tar.gz')!)}, expected ${expected}: refused`));
    return true;
  });
  assert.equal(fs.existsSync(dir), false);
  assert.deepEqual(leftovers(dir), []);
});

test('when the file host fails and pip cannot run, the error names both and where to put the files', async () => {
  const dir = path.join(root, 'model-c');
  const python = process.env.PYTHON;
  process.env.PYTHON = path.join(root, 'no-such-python');
  try {
    await assert.rejects(ensureModel(dir, { url: `${base}/missing.tar.gz`, sha256: 'ff'.repeat(32) }), (err: Error) => {
      assert.match(err.message, /missing\.tar\.gz gave HTTP 404/);
      assert.match(err.message, /pip download` is not available/);
      assert.match(err.message, /KCHAT_KIWI_MODEL_DIR/);
      return true;
    });
  } finally {
    if (python === undefined) delete process.env.PYTHON;
    else process.env.PYTHON = python;
  }
  assert.equal(fs.existsSync(dir), false);
  assert.deepEqual(leftovers(dir), []);
});
