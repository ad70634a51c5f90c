// kafkajs' log entries at our levels (core/kafka.ts): a broker's error response,
// which kafkajs logs before its caller retries or fails, is a warning; the rest
// keep kafkajs' level.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { logLevel } from 'kafkajs';
import { kafkaLogLevel } from './kafka.ts';

test("a broker's error response is a warning: kafkajs' caller retries it or reports the failure", () => {
  assert.equal(kafkaLogLevel(logLevel.ERROR, 'Response ListOffsets(key: 2, version: 3)'), 'warn');
  assert.equal(kafkaLogLevel(logLevel.ERROR, 'Response Produce(key: 0, version: 7)'), 'warn');
});

test('other errors stay errors, and other levels keep theirs', () => {
  assert.equal(kafkaLogLevel(logLevel.ERROR, 'Connection error: connect ECONNREFUSED 127.0.0.1:9092'), 'error');
  assert.equal(kafkaLogLevel(logLevel.ERROR, '[Consumer] Crash: KafkaJSNumberOfRetriesExceeded: The group is rebalancing'), 'error');
  assert.equal(kafkaLogLevel(logLevel.WARN, 'Response Metadata(key: 3, version: 6)'), 'warn');
  assert.equal(kafkaLogLevel(logLevel.INFO, 'Starting'), 'info');
  assert.equal(kafkaLogLevel(logLevel.DEBUG, 'Response Fetch(key: 1, version: 11)'), 'debug');
});
