import t from 'tap';
import { spawn } from 'node:child_process';
import { BIN, DaemonProcess, eventually } from '../helpers/daemon-process.js';
import { startPtyPair } from '../helpers/pty.js';

interface Snapshot {
  state: {
    gnss: {
      device: string;
      link: string;
      reconnects: number;
      lastError: string | null;
      fix: { mode: number; receivedAt: number } | null;
      trust: { timeValid: boolean };
      counters: Record<string, unknown>;
    };
  };
}

/**
 * The real serial path: the simulator plays NMEA into one end of a socat pseudo-terminal
 * pair, the daemon opens the other end with serialport. Then the "USB receiver" is unplugged
 * (socat killed: the device node disappears) and plugged back in at the same path.
 */
t.test('the daemon decodes a real tty and reopens it after the device comes back', async (t) => {
  const pty = await startPtyPair();
  t.teardown(() => pty.dispose());
  const sim = spawn(process.execPath, [BIN, 'simulate', '--to', pty.simSide], { stdio: ['ignore', 'ignore', 'pipe'] });
  t.teardown(() => sim.kill('SIGKILL'));
  const started = Date.now();
  const d = new DaemonProcess(['run'], undefined, { STRATUM1D_GNSS__DEVICE: pty.daemonSide, STRATUM1D_GNSS__BAUD_RATE: '115200' });
  t.teardown(() => d.stop('SIGKILL'));

  const status = async (): Promise<Snapshot | undefined> => {
    const r = await d.status('--json');
    return r.code === 0 ? (JSON.parse(r.stdout) as Snapshot) : undefined;
  };

  const valid = await eventually(async () => {
    const s = await status();
    return s?.state.gnss.trust.timeValid ? s : undefined;
  }, 20_000, 'a time-valid fix read from the pty');
  t.equal(valid.state.gnss.device, pty.daemonSide);
  t.equal(valid.state.gnss.fix?.mode, 3);
  t.ok(valid.state.gnss.fix!.receivedAt >= started, 'the fix was read in this run (not a stale or zero stamp)');

  await pty.stop();
  const down = await eventually(async () => {
    const s = await status();
    return s && s.state.gnss.link !== 'open' ? s : undefined;
  }, 5000, 'the link reported down after unplugging');
  t.match(down.state.gnss.lastError, /went away|No such file|cannot open/);
  t.equal(d.child.exitCode, null, 'the daemon keeps running without its receiver');

  await new Promise((r) => setTimeout(r, 3000)); // unplugged long enough for the backoff to grow
  await pty.restart();
  const back = Date.now();
  const reopened = await eventually(async () => {
    const s = await status();
    return s && s.state.gnss.link === 'open' ? s : undefined;
  }, 8000, 'the link reopened');
  t.comment(`reopened ${Date.now() - back} ms after the device reappeared`);
  t.equal(reopened.state.gnss.reconnects, 1);
  await eventually(async () => {
    const s = await status();
    return s && s.state.gnss.fix && s.state.gnss.fix.receivedAt > back ? s : undefined;
  }, 10_000, 'fixes flowing again after the re-plug');
  t.ok(d.logs().some((r) => r.msg === 'GNSS port lost') && d.logs().some((r) => r.msg === 'GNSS port reopened'));
  t.equal((await d.stop()).code, 0);
});
