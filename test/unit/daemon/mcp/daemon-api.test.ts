import { join } from 'node:path';
import t from 'tap';
import { SubsystemMissing } from '../../../../src/daemon/mcp/appliance-api.js';
import { ADMIN, makeDaemonApi, populatedStore, tempDir } from './server/fixtures.js';

t.test('config is redacted; file paths stay visible', async (t) => {
  const { api, audit } = makeDaemonApi(populatedStore(), join(tempDir(t), 'a.db'));
  t.teardown(() => audit.close());
  const c = (await api.config()) as any;
  t.equal(c.mcp.apiKeys, '[redacted]');
  t.equal(c.mcp.tls.keyFile, '/etc/ssl/k.pem');
  t.equal(c.timekeeper.kind, 'chrony');
});

t.test('renderTimekeeperConfig flattens the preview and its notes', async (t) => {
  const { api, audit } = makeDaemonApi(populatedStore(), join(tempDir(t), 'a.db'));
  t.teardown(() => audit.close());
  const r = await api.renderTimekeeperConfig();
  t.same(r, { kind: 'chrony', path: '/etc/chrony/conf.d/stratum1d.conf', rendered: 'refclock SOCK /run/x.sock refid NMEA\n', installed: null, diff: '+refclock SOCK\n', notes: ['info: rendered for test'] });
});

t.test('admin actions run one at a time, in call order', async (t) => {
  const order: string[] = [];
  let release: () => void = () => {};
  const { api, audit } = makeDaemonApi(populatedStore(), join(tempDir(t), 'a.db'), {
    timekeeper: {
      preview: async () => {
        throw new Error('unused');
      },
      apply: async () => {
        order.push('apply:start');
        await new Promise<void>((r) => (release = r));
        order.push('apply:end');
        return { status: 'applied', exitCode: 0, messages: [], installed: null, rendered: '', diff: '', validation: null, backupPath: null };
      },
      restart: async () => {
        order.push('restart');
        return { code: 1, signal: null, stdout: '', stderr: 'Job failed', error: null };
      },
      restartArgv: ['systemctl', 'restart', 'chrony'],
    },
  });
  t.teardown(() => audit.close());
  const a = api.applyTimekeeperConfig(ADMIN);
  const r = api.restartTimekeeper(ADMIN);
  await new Promise((x) => setTimeout(x, 20));
  t.same(order, ['apply:start'], 'restart waits for the apply');
  release();
  const [ra, rr] = await Promise.all([a, r]);
  t.same(order, ['apply:start', 'apply:end', 'restart']);
  t.equal(ra.ok, true);
  t.equal(rr.ok, false);
  t.match(rr.summary, /systemctl restart chrony`: exit status 1/);
  t.same(audit.recent(5).map((x) => [x.tool, x.ok]), [['restart_timekeeper', false], ['apply_timekeeper_config', true]]);
});

t.test('a missing subsystem rejects with SubsystemMissing and is audited as a failure', async (t) => {
  const { api, audit } = makeDaemonApi(populatedStore(), join(tempDir(t), 'a.db'), { timekeeper: null, calibration: null });
  t.teardown(() => audit.close());
  await t.rejects(api.applyTimekeeperConfig(ADMIN), SubsystemMissing);
  await t.rejects(api.calibrateNmeaOffset(ADMIN), /calibration is not running/);
  await t.rejects(api.renderTimekeeperConfig(), SubsystemMissing);
  const rows = audit.recent(5);
  t.same(rows.map((x) => [x.tool, x.ok, (x.result as any).missing]), [['calibrate_nmea_offset', false, 'calibration'], ['apply_timekeeper_config', false, 'timekeeper']]);
  // The queue is not poisoned by a rejection.
  await t.rejects(api.restartTimekeeper(ADMIN), SubsystemMissing);
});

t.test('calibration without enough samples is a failed result, not an invented value', async (t) => {
  const { api, audit } = makeDaemonApi(populatedStore(), join(tempDir(t), 'a.db'), { calibration: { calibrateNow: async () => null } });
  t.teardown(() => audit.close());
  const r = await api.calibrateNmeaOffset(ADMIN);
  t.equal(r.ok, false);
  t.match(r.summary, /not enough samples/);
  t.same(r.details, {});
});

t.test('set_rtc_from_system calls the injected setter', async (t) => {
  let called = 0;
  const { api, audit } = makeDaemonApi(populatedStore(), join(tempDir(t), 'a.db'), { setRtcFromSystem: async () => (called++, { wroteMs: 123 }) });
  t.teardown(() => audit.close());
  const r = await api.setRtcFromSystem(ADMIN);
  t.equal(called, 1);
  t.same(r, { ok: true, summary: 'RTC set from the system clock', details: { wroteMs: 123 } });
});

t.test('an audit write failure is counted and reported, the action stands', async (t) => {
  const errors: string[] = [];
  const store = populatedStore();
  const { api, audit } = makeDaemonApi(store, join(tempDir(t), 'a.db'), { onAuditError: (e) => errors.push(e.message) });
  audit.close(); // every write now fails
  const r = await api.restartTimekeeper(ADMIN);
  t.equal(r.ok, true);
  t.equal(api.auditWriteFailures, 1);
  t.equal(errors.length, 1);
});

t.test('watch relays store changes until unsubscribed', async (t) => {
  const store = populatedStore();
  const { api, audit } = makeDaemonApi(store, join(tempDir(t), 'a.db'));
  t.teardown(() => audit.close());
  const seen: number[] = [];
  const stop = api.watch((s) => seen.push(s.pps.pulses));
  store.update('pps', { pulses: 1 });
  stop();
  store.update('pps', { pulses: 2 });
  t.same(seen, [1]);
  t.equal((await api.state()).pps.pulses, 2);
});
