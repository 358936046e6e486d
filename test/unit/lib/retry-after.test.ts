import t from 'tap';
import { retryAfterSeconds } from '../../../src/lib/retry-after.js';

t.test('delay-seconds', async (t) => {
  t.equal(retryAfterSeconds({ 'retry-after': '120' }), 120);
  t.equal(retryAfterSeconds({ 'retry-after': ' 0 ' }), 0);
  t.equal(retryAfterSeconds({}), null, 'absent');
  t.equal(retryAfterSeconds({ 'retry-after': '' }), null, 'empty');
  t.equal(retryAfterSeconds({ 'retry-after': '-5' }), null, 'negative is not delay-seconds, nor a date');
  t.equal(retryAfterSeconds({ 'retry-after': '1.5' }), null, 'not an integer');
  t.equal(retryAfterSeconds({ 'retry-after': 'soon' }), null, 'garbage');
});

t.test('an HTTP-date is measured against the response\'s own Date, not this clock', async (t) => {
  const date = 'Wed, 21 Oct 2015 07:28:00 GMT'; // years from any clock running this test
  t.equal(retryAfterSeconds({ 'retry-after': 'Wed, 21 Oct 2015 07:29:30 GMT', date }), 90);
  t.equal(retryAfterSeconds({ 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT', date }), 0, 'now');
  t.equal(retryAfterSeconds({ 'retry-after': 'Wed, 21 Oct 2015 07:27:00 GMT', date }), 0, 'in the past: no wait, never negative');
  t.equal(retryAfterSeconds({ 'retry-after': 'Wed, 21 Oct 2015 07:29:30 GMT' }), null, 'no Date header: cannot be placed');
  t.equal(retryAfterSeconds({ 'retry-after': 'Wed, 21 Oct 2015 07:29:30 GMT', date: 'yesterday-ish' }), null, 'an unreadable Date');
});
