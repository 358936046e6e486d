/**
 * The dashboard's browser script, shipped as a string module so `tsc` alone puts it into dist/.
 * Plain ES2017, no build step, no framework: draws the device charts with uPlot (served from
 * the package) and applies live updates from the SSE stream. The series colours are fixed here
 * and in the tests that check the screenshots (test/integration/dashboard-chromium.test.ts).
 */
export const CLIENT_JS = String.raw`
(function () {
  'use strict';
  var S = (window.__s1d = { loadId: Math.random().toString(36).slice(2), updates: 0, charts: {}, connected: false });
  var body = document.body;
  var COLOURS = {
    band: 'rgba(31,119,180,0.25)', bandEdge: 'rgba(31,119,180,0.45)', mean: '#1f77b4', rms: '#ff7f0e', freq: '#2ca02c',
    jitter: '#9467bd', ppsOffset: '#d62728', sats: '#8c564b', cno: '#17becf'
  };
  S.colours = COLOURS;

  Array.prototype.forEach.call(document.querySelectorAll('form[data-confirm]'), function (f) {
    f.addEventListener('submit', function (e) { if (!window.confirm(f.getAttribute('data-confirm'))) e.preventDefault(); });
  });

  var dataEl = document.getElementById('chart-data');
  var chartData = dataEl ? JSON.parse(dataEl.textContent) : null;
  S.data = chartData;
  var KEYS = ['t', 'offMin', 'offMax', 'offMean', 'offRms', 'freq', 'jitter', 'ppsOffset', 'sats', 'cno'];

  function scaled(arr, k) { return arr.map(function (v) { return v === null ? null : v * k; }); }
  function xs(c) { return c.t.map(function (t) { return t / 1000; }); }

  function dataFor(name) {
    var c = chartData.columns, u = chartData.units;
    if (name === 'offset') return [xs(c), scaled(c.offMin, u.offset.scale), scaled(c.offMax, u.offset.scale), scaled(c.offMean, u.offset.scale), scaled(c.offRms, u.offset.scale), c.freq];
    if (name === 'pps') return [xs(c), scaled(c.jitter, u.pps.scale), scaled(c.ppsOffset, u.pps.scale)];
    return [xs(c), c.sats, c.cno];
  }

  function size(el) {
    var w = Math.max(260, el.clientWidth);
    return { width: w, height: w < 600 ? 200 : 260 };
  }

  function makeChart(name, el) {
    if (!el || typeof uPlot === 'undefined') return;
    var u = chartData.units, opts;
    var sz = size(el);
    var base = { width: sz.width, height: sz.height, cursor: { drag: { x: true, y: false } }, scales: { x: { time: true } } };
    if (name === 'offset') {
      opts = Object.assign(base, {
        series: [{},
          { label: 'min', stroke: COLOURS.bandEdge, width: 1, points: { show: false } },
          { label: 'max', stroke: COLOURS.bandEdge, width: 1, points: { show: false } },
          { label: 'mean', stroke: COLOURS.mean, width: 2, points: { show: false } },
          { label: 'RMS', stroke: COLOURS.rms, width: 1.5, points: { show: false } },
          { label: 'frequency', stroke: COLOURS.freq, width: 1.5, scale: 'ppm', points: { show: false } }],
        bands: [{ series: [2, 1], fill: COLOURS.band }],
        axes: [{}, { label: 'offset (' + u.offset.unit + ')', size: 60 }, { side: 1, scale: 'ppm', label: 'ppm', grid: { show: false }, size: 60 }]
      });
    } else if (name === 'pps') {
      opts = Object.assign(base, {
        series: [{},
          { label: 'PPS jitter', stroke: COLOURS.jitter, width: 2, points: { show: false } },
          { label: 'PPS offset', stroke: COLOURS.ppsOffset, width: 1.5, points: { show: false } }],
        axes: [{}, { label: u.pps.unit, size: 60 }]
      });
    } else {
      opts = Object.assign(base, {
        series: [{},
          { label: 'satellites', stroke: COLOURS.sats, width: 2, points: { show: false } },
          { label: 'C/N0 (dB-Hz)', stroke: COLOURS.cno, width: 1.5, scale: 'dbhz', points: { show: false } }],
        axes: [{}, { label: 'satellites', size: 50 }, { side: 1, scale: 'dbhz', label: 'dB-Hz', grid: { show: false }, size: 50 }]
      });
    }
    S.charts[name] = new uPlot(opts, dataFor(name), el);
  }

  function drawAll() {
    makeChart('offset', document.getElementById('chart-offset'));
    makeChart('pps', document.getElementById('chart-pps'));
    makeChart('gnss', document.getElementById('chart-gnss'));
  }

  function redraw() {
    Object.keys(S.charts).forEach(function (k) { S.charts[k].setData(dataFor(k)); });
  }

  if (chartData) {
    drawAll();
    var resizeTimer = null;
    window.addEventListener('resize', function () {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(function () {
        Object.keys(S.charts).forEach(function (k) {
          var el = document.getElementById('chart-' + k);
          S.charts[k].setSize(size(el));
        });
      }, 150);
    });
  }

  function applySeries(msg) {
    if (!chartData) return;
    var c = chartData.columns;
    if (msg.replace) {
      chartData.columns = msg.replace;
    } else if (msg.append) {
      var a = msg.append, last = c.t.length ? c.t[c.t.length - 1] : -Infinity;
      for (var i = 0; i < a.t.length; i++) {
        if (a.t[i] <= last) continue; // already drawn (a reconnect's catch-up overlaps)
        KEYS.forEach(function (k) { c[k].push(a[k][i]); });
      }
      // keep the window: drop points older than the range start
      var from = Date.now() - (chartData.rangeMs || 0);
      if (chartData.rangeMs) while (c.t.length && c.t[0] < from) KEYS.forEach(function (k) { c[k].shift(); });
    }
    redraw();
    if (c.t.length) body.setAttribute('data-live-since', String(chartData.columns.t[chartData.columns.t.length - 1]));
  }

  function apply(msg) {
    if (msg.html) Object.keys(msg.html).forEach(function (id) {
      var el = document.getElementById(id);
      if (el) el.innerHTML = msg.html[id];
    });
    if (msg.fp) body.setAttribute('data-live-fp', msg.fp);
    if (msg.seq !== undefined) body.setAttribute('data-live-seq', String(msg.seq));
    if (msg.append || msg.replace) applySeries(msg);
    S.updates++;
    body.setAttribute('data-updates', String(S.updates));
  }

  var topic = body.getAttribute('data-live-topic');
  var stateEl = document.getElementById('live-state');
  function setState(t) { if (stateEl) stateEl.textContent = t; }
  function connect() {
    var q = ['topic=' + encodeURIComponent(topic)];
    ['fp', 'device', 'range', 'since', 'seq'].forEach(function (k) {
      var v = body.getAttribute('data-live-' + k);
      if (v !== null) q.push(k + '=' + encodeURIComponent(v));
    });
    var es = new EventSource('/events?' + q.join('&'));
    es.addEventListener('open', function () { S.connected = true; body.setAttribute('data-live-connected', '1'); setState('● live'); });
    es.addEventListener('update', function (e) { apply(JSON.parse(e.data)); });
    es.addEventListener('error', function () {
      S.connected = false; body.removeAttribute('data-live-connected'); setState('○ reconnecting');
      es.close();
      setTimeout(connect, 3000);
    });
  }
  if (topic && typeof EventSource !== 'undefined') connect();
})();
`;
