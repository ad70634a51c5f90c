// Korean first: the server's stable codes (and bare HTTP statuses) become
// Korean sentences; the server's own words stay as the detail.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_CODES } from '../../core/protocol.ts';
import { describeError, describeHttpError } from './errors.ts';

describe('errors in Korean', () => {
  it('names the problem by code, keeps the server message as detail', () => {
    assert.deepEqual(describeError({ code: 'nick_taken', message: 'nick "민수" is already in use by someone online' }), {
      text: '이미 누군가 쓰고 있는 닉네임입니다.',
      detail: 'nick "민수" is already in use by someone online',
    });
    assert.equal(describeError({ code: 'rate_limited', message: 'slow down' }).text, '메시지를 너무 빨리 보내고 있습니다. 잠시 후 다시 보내 주세요.');
    assert.equal(describeError({ code: 'forbidden', message: 'not a member' }).text, '이 채널이나 동작에 대한 권한이 없습니다.');
    // accounts and private channels (#12): every code a person can meet has its Korean sentence
    assert.equal(describeError({ code: 'account_disabled', message: 'account disabled' }).text, '관리자가 이 계정의 사용을 중지했습니다. 관리자에게 문의해 주세요.');
    assert.equal(describeError({ code: 'unknown_nick', message: 'no account with that nick' }).text, '그런 닉네임의 사람이 없습니다.');
    assert.equal(describeError({ code: 'channel_exists', message: 'channel exists' }).text, '이미 있는 채널 이름입니다. 다른 이름을 골라 주세요.');
    assert.equal(describeHttpError(401, { error: 'wrong password', code: 'wrong_password' }).text, '비밀번호가 맞지 않습니다.');
    assert.equal(describeError({ code: 'brand_new_code', message: 'x' }).text, '요청을 처리하지 못했습니다 (brand_new_code)');
  });
  it('a refused login reads in Korean whatever the server said', () => {
    const login = { 400: '이 닉네임은 쓸 수 없습니다.' };
    assert.deepEqual(describeHttpError(400, { error: 'nick must not contain @, #, line breaks or start with /' }, login), {
      text: '이 닉네임은 쓸 수 없습니다.',
      detail: 'nick must not contain @, #, line breaks or start with /',
    });
    assert.equal(describeHttpError(409, { error: 'taken' }).text, '이미 누군가 쓰고 있는 닉네임입니다.');
    assert.equal(describeHttpError(503, {}).text, '서버가 잠시 요청을 받을 수 없습니다. 잠시 후 다시 시도해 주세요.');
    assert.equal(describeHttpError(429, { error: 'too many', code: 'rate_limited' }).text, '메시지를 너무 빨리 보내고 있습니다. 잠시 후 다시 보내 주세요.', 'a known code wins over the status');
    assert.equal(describeHttpError(418, {}).text, '요청을 처리하지 못했습니다 (HTTP 418)');
    assert.equal(describeHttpError(400, { error: '이 닉네임은 쓸 수 없습니다.' }, login).detail, '', 'no detail that repeats the sentence');
  });
  it('every websocket error code of the contract has its own Korean sentence', () => {
    const generic = ERROR_CODES.filter((code) => describeError({ code, message: '' }).text.startsWith('요청을 처리하지 못했습니다'));
    assert.deepEqual(generic, []);
  });
});
