import t from 'tap';
import { escapeHelp, escapeLabelValue, formatLabels, formatValue, MetricsWriter } from '../../../src/lib/prometheus-text.js';

t.test('writes HELP, TYPE and samples, labels sorted and escaped', async (t) => {
  const w = new MetricsWriter();
  w.gauge('a_celsius', 'Temperature\nwith a back\\slash.', [
    { labels: { z: 'x"y', a: 'line\nbreak' }, value: 21.5 },
    { labels: { a: 'b\\c' }, value: -3 },
  ]);
  w.counter('b_total', 'Things.', 7);
  t.equal(
    w.text(),
    [
      '# HELP a_celsius Temperature\\nwith a back\\\\slash.',
      '# TYPE a_celsius gauge',
      'a_celsius{a="line\\nbreak",z="x\\"y"} 21.5',
      'a_celsius{a="b\\\\c"} -3',
      '# HELP b_total Things.',
      '# TYPE b_total counter',
      'b_total 7',
      '',
    ].join('\n'),
  );
});

t.test('unknown values are absent, and a family with none is not written at all', async (t) => {
  const w = new MetricsWriter();
  w.gauge('g', 'x', null);
  w.gauge('h', 'x', [{ labels: { k: 'a' }, value: null }, { labels: { k: 'b' }, value: undefined }]);
  w.gauge('i', 'x', [{ labels: { k: 'a', gone: null }, value: true }, { labels: { k: 'b' }, value: 2n }]);
  t.equal(w.text(), '# HELP i x\n# TYPE i gauge\ni{k="a"} 1\ni{k="b"} 2\n');
  t.equal(new MetricsWriter().text(), '', 'nothing written: empty exposition');
});

t.test('special floats are spelled as Prometheus parses them', async (t) => {
  t.equal(formatValue(NaN), 'NaN');
  t.equal(formatValue(Infinity), '+Inf');
  t.equal(formatValue(-Infinity), '-Inf');
  t.equal(formatValue(-0), '0');
  t.equal(formatValue(1e-7), '1e-7');
  t.equal(formatValue(123456789012), '123456789012');
});

t.test('histogram: cumulative buckets, +Inf from count, _sum and _count', async (t) => {
  const w = new MetricsWriter();
  w.histogram('lat_seconds', 'Latency.', [{ labels: { db: 'sqlite' }, buckets: [[0.1, 3], [1, 5]], sum: 2.5, count: 6 }]);
  t.equal(
    w.text(),
    [
      '# HELP lat_seconds Latency.',
      '# TYPE lat_seconds histogram',
      'lat_seconds_bucket{db="sqlite",le="0.1"} 3',
      'lat_seconds_bucket{db="sqlite",le="1"} 5',
      'lat_seconds_bucket{db="sqlite",le="+Inf"} 6',
      'lat_seconds_sum{db="sqlite"} 2.5',
      'lat_seconds_count{db="sqlite"} 6',
      '',
    ].join('\n'),
  );
  t.throws(() => new MetricsWriter().histogram('h', 'x', [{ buckets: [[1, 1], [0.5, 1]], sum: 0, count: 1 }]), /increase/);
});

t.test('programming errors throw instead of producing text Prometheus rejects', async (t) => {
  t.throws(() => new MetricsWriter().counter('requests', 'x', 1), /_total/);
  t.throws(() => new MetricsWriter().gauge('1bad', 'x', 1), /invalid metric name/);
  t.throws(() => new MetricsWriter().gauge('ok', 'x', [{ labels: { 'bad-label': 'v' }, value: 1 }]), /invalid label name/);
  t.throws(() => new MetricsWriter().gauge('ok', 'x', [{ labels: { __reserved: 'v' }, value: 1 }]), /invalid label name/);
  t.throws(() => new MetricsWriter().gauge('ok', 'x', [{ labels: { a: '1' }, value: 1 }, { labels: { a: '1' }, value: 2 }]), /duplicate series/);
  const w = new MetricsWriter().gauge('twice', 'x', 1);
  t.throws(() => w.gauge('twice', 'x', 2), /written twice/);
});

t.test('escaping helpers', async (t) => {
  t.equal(escapeHelp('a\\b\nc"d'), 'a\\\\b\\nc"d', 'HELP keeps quotes');
  t.equal(escapeLabelValue('a\\b\nc"d'), 'a\\\\b\\nc\\"d');
  t.equal(formatLabels({}), '');
  t.equal(formatLabels({ b: 1, a: false }), '{a="false",b="1"}');
});
