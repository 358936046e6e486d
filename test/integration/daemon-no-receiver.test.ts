// The appliance with its receiver unplugged: systemd must see READY (else its start timeout
// kills the unit and Restart= loops it, taking status, MCP and gpsd down with it), the missing
// receiver must be said in STATUS=, `status` and an alarm, and plugging it in must be enough.
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, DaemonProcess, eventually, tempDir } from '../helpers/daemon-process.js';
import { NotifyListener } from '../helpers/notify-listener.js';
import { startPtyPair } from '../helpers/pty.js';

interface StatusJson {
  summary: string;
  state: { gnss: { link: string; trust: { timeValid: boolean } }; alarms: { active: Array<{ id: string; severity: string; message: string }> } };
}

t.test('no receiver at start: READY, reported everywhere, picked up when it appears', async (t) => {
  const dir = tempDir();
  const ptyDir = join(dir, 'dev');
  const device = join(ptyDir, 'gnss');
  const notify = NotifyListener.start();
  t.teardown(() => notify.close());
  const d = new DaemonProcess(
    ['run'],
    dir,
    notify.env({
      STRATUM1D_GNSS__DEVICE: device,
      STRATUM1D_GNSS__RECONNECT__MAX_MS: '500',
      STRATUM1D_RTC__MODEL: 'none',
      STRATUM1D_TIMEKEEPER__KIND: 'none',
      STRATUM1D_TIMEKEEPER__PPS__KIND: 'none',
      STRATUM1D_PPS__KERNEL__SYSFS_ROOT: join(dir, 'no-sysfs'),
      STRATUM1D_ALARMS__RAISE_AFTER_S: '1',
    }),
  );
  t.teardown(() => d.stop('SIGKILL'));

  const [ready] = await notify.waitFor((m) => m.fields.READY === '1', 1, 30_000);
  t.equal(ready!.pid, d.child.pid, 'READY=1 with no receiver present');
  await notify.waitFor((m) => typeof m.fields.STATUS === 'string' && m.fields.STATUS.includes(`no GNSS receiver at ${device}`), 1, 15_000);
  t.pass('STATUS= names the missing receiver');

  const missing = await eventually(async () => {
    const r = await d.status('--json');
    if (r.code !== 0) return undefined;
    const s = JSON.parse(r.stdout) as StatusJson;
    return s.state.alarms.active.find((a) => a.id === 'gnss-receiver-missing') ? s : undefined;
  }, 30_000, 'the gnss-receiver-missing alarm');
  t.not(missing.state.gnss.link, 'open');
  const alarm = missing.state.alarms.active.find((a) => a.id === 'gnss-receiver-missing')!;
  t.equal(alarm.severity, 'major');
  t.match(alarm.message, device, 'the alarm names the device');
  t.notOk(missing.state.alarms.active.some((a) => a.id === 'gnss-time-invalid'), 'one alarm for one fault: no separate time-invalid alarm');
  const text = await d.status();
  t.match(text.stdout, new RegExp(`no GNSS receiver at ${device.replace(/[/.]/g, '\\$&')}`), 'the text status leads with it');

  // Plug it in: a pty appears at the configured path and the simulator starts talking.
  mkdirSync(ptyDir);
  const pty = await startPtyPair({ dir: ptyDir });
  t.teardown(() => pty.dispose());
  const sim = spawn(process.execPath, [BIN, 'simulate', '--to', pty.simSide], { stdio: 'ignore' });
  t.teardown(() => void sim.kill('SIGKILL'));
  const fixed = await eventually(async () => {
    const r = await d.status('--json');
    if (r.code !== 0) return undefined;
    const s = JSON.parse(r.stdout) as StatusJson;
    return s.state.gnss.link === 'open' && s.state.gnss.trust.timeValid ? s : undefined;
  }, 60_000, 'the receiver picked up and its time valid');
  t.match(fixed.summary, /^GNSS 3D fix/);
  t.equal(d.child.exitCode, null, 'the same daemon process, never restarted');
});
