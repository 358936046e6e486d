import t, { type Test } from 'tap';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ArmVm, freeTcpPort, ssh, sshArgs, type RunResult } from './image/arm-vm.js';
import { BootPartition, imageExists, imagePath, partition, REPO } from './image/disk-image.js';
import { GnssFeed } from './image/gnss-feed.js';

/**
 * The flashable image as a Pi owner uses it, booted in qemu-system-aarch64 (-M virt, TCG):
 * stratum1d.txt on the boot partition configures the first boot (host name, user pi with an
 * SSH key and a password, Wi-Fi, the receiver on /dev/ttyUSB0); a simulated receiver fed from
 * the host through an emulated USB serial adapter gives a fix and chronyd samples; an MCP
 * client speaks to `ssh pi@<vm> stratum1d mcp`. Needs `npm run image` and `npm run build`.
 */

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const BOOT_TIMEOUT_MS = 5 * 60_000;
const PASSWORD = 'correct-horse-battery';
const WIFI_PSK = 'wifi passphrase 123';

async function until<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>, everyMs = 3_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(everyMs);
  }
}

const img = imagePath();
if (!imageExists()) {
  t.fail(`no image at ${img}: run \`npm run image\` first`);
} else {
  // One parent test: tap ends the root test as soon as it is idle between assertions, and
  // this one awaits a boot between them.
  await t.test(`the image boots in QEMU and works (${img})`, bootAndCheck);
}

async function bootAndCheck(t: Test): Promise<void> {
  const work = mkdtempSync(join(REPO, 'out', '.image-boot-'));
  t.teardown(() => {
    // The guest's serial console outlives the run (out/image-boot-console.log), for a failure in CI.
    try {
      copyFileSync(join(work, 'console.log'), join(REPO, 'out', 'image-boot-console.log'));
    } catch {
      // qemu never started
    }
    rmSync(work, { recursive: true, force: true });
  });

  // A copy (sparse) of the image, 512 MiB larger than built: the first boot grows the root.
  const disk = join(work, 'disk.img');
  await run('cp', ['--sparse=always', img, disk]);
  await run('truncate', ['-s', '+512M', disk]);
  const rootBytesBuilt = (await partition(disk, 2)).bytes;

  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'image-boot-test', '-f', join(work, 'key')]);
  const key = join(work, 'key');
  const pub = readFileSync(`${key}.pub`, 'utf8').trim();

  const boot = await BootPartition.of(disk);
  const shipped = await boot.read('stratum1d.txt');
  t.match(shipped, /^hostname=/m, 'the image ships a commented stratum1d.txt');
  await boot.write(
    'stratum1d.txt',
    [
      '# written by image-boot.test.ts',
      'hostname=stratum1d-qemu',
      `ssh_authorized_key=${pub}`,
      `password=${PASSWORD}`,
      'wifi_ssid=Test "Net"',
      `wifi_psk=${WIFI_PSK}`,
      'wifi_country=de',
      'gnss_device=/dev/ttyUSB0',
      '',
    ].join('\r\n'), // as a Windows editor saves it
    work,
  );
  const files = await boot.list();
  const kernel = files.find((f) => /^vmlinuz-/.test(f));
  const initrd = files.find((f) => /^initrd\.img-/.test(f));
  if (!kernel || !initrd) throw new Error(`no vmlinuz-*/initrd.img-* on the boot partition: ${files.join(' ')}`);
  await boot.copyOut(kernel, join(work, 'vmlinuz'));
  await boot.copyOut(initrd, join(work, 'initrd.img'));

  const port = await freeTcpPort();
  const vm = await ArmVm.start({ disk, kernel: join(work, 'vmlinuz'), initrd: join(work, 'initrd.img'), sshPort: port, consoleLog: join(work, 'console.log') });
  t.teardown(() => vm.stop());
  const feed = GnssFeed.start(vm.gnssPty);
  t.teardown(() => feed.stop());
  const sh = (cmd: string, timeoutMs?: number): Promise<RunResult> => ssh(key, port, cmd, timeoutMs);
  const sudo = (cmd: string): Promise<RunResult> => sh(`echo '${PASSWORD}' | sudo -S -p '' ${cmd}`);

  // ---- boot ------------------------------------------------------------------------------------------
  try {
    await until('SSH as pi with the key from stratum1d.txt', BOOT_TIMEOUT_MS, async () => {
      if (!vm.running) throw new Error('qemu exited');
      return (await sh('true', 30_000)).code === 0 ? true : undefined;
    }, 5_000);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- serial console (tail) ---\n${vm.consoleTail(60)}`);
  }
  const sshUpS = (Date.now() - vm.startedAt) / 1000;
  const state = (await sh('systemctl is-system-running --wait', BOOT_TIMEOUT_MS)).stdout.trim();
  const failed = (await sh('systemctl --failed --no-legend --plain')).stdout.trim();
  const bootDoneS = (Date.now() - vm.startedAt) / 1000;
  t.ok(['running', 'degraded'].includes(state), `booted to multi-user: ${state}${failed ? `; failed units: ${failed}` : ''}`);
  t.equal(failed, '', 'no failed units');
  const analyze = (await sh('systemd-analyze time')).stdout.trim();
  const readyUs = Number((await sh('systemctl show -P ActiveEnterTimestampMonotonic stratum1d.service')).stdout.trim());
  const chain = (await sh('systemd-analyze critical-chain stratum1d.service --no-pager; systemd-analyze blame --no-pager | head -n 8')).stdout;
  t.comment(`boot critical chain and slowest units:\n${chain}`);
  t.comment(`qemu start → ssh up ${sshUpS.toFixed(0)} s, boot finished ${bootDoneS.toFixed(0)} s; stratum1d READY ${(readyUs / 1e6).toFixed(1)} s after the guest kernel started; ${analyze}`);

  t.test('first boot applied stratum1d.txt', async (t) => {
    t.equal((await sh('hostname')).stdout.trim(), 'stratum1d-qemu', 'host name');
    t.match((await sh('id -nG')).stdout, /\bstratum1d\b/, 'pi is in the operator group');
    t.match((await sh('id -nG')).stdout, /\bsudo\b/, 'pi may use sudo');
    t.equal((await sudo('id -u')).stdout.trim(), '0', 'the password from stratum1d.txt works for sudo');
    const left = (await sudo('cat /boot/firmware/stratum1d.txt')).stdout;
    t.notMatch(left, PASSWORD, 'the password is gone from stratum1d.txt');
    t.notMatch(left, WIFI_PSK, 'the Wi-Fi passphrase is gone from stratum1d.txt');
    t.match(left, /^# password= applied at first boot/m, 'the file says what became of them');
    t.match(left, /^gnss_device=\/dev\/ttyUSB0/m, 'non-secret settings stay');
    const wpa = (await sudo('cat /etc/wpa_supplicant/wpa_supplicant-wlan0.conf')).stdout;
    t.match(wpa, /^country=DE$/m, 'Wi-Fi country');
    t.match(wpa, /^ {2}ssid=5465737420224e657422$/m, 'SSID (hex: quotes are safe)');
    t.match(wpa, /^ {2}psk=[0-9a-f]{64}$/m, 'the derived PSK');
    t.notMatch(wpa, WIFI_PSK, 'not the passphrase');
    t.match((await sh('cat /etc/default/stratum1d')).stdout, /^STRATUM1D_GNSS__DEVICE=\/dev\/ttyUSB0$/m, 'receiver port for the service');
    const rootNow = Number((await sh('lsblk -bno SIZE /dev/disk/by-label/RASPIROOT')).stdout.trim());
    t.ok(rootNow >= rootBytesBuilt + 500 * 1024 * 1024, `root partition grown to the disk (${rootBytesBuilt} → ${rootNow} bytes)`);
    t.match((await sh('df -B1 --output=size / | tail -n 1')).stdout.trim(), /^\d+$/, 'df answers');
    const fsBytes = Number((await sh('df -B1 --output=size / | tail -n 1')).stdout.trim());
    t.ok(fsBytes > rootBytesBuilt, `root filesystem grown online (${fsBytes} bytes)`);
    t.match((await sh('cat /proc/cmdline')).stdout, /root=LABEL=RASPIROOT/, 'root by label');
  });

  t.test('the image as built', async (t) => {
    const cmdline = await boot.read('cmdline.txt');
    t.match(cmdline, /root=LABEL=RASPIROOT/, 'cmdline.txt: root by label');
    t.notMatch(cmdline, /console=(ttyS|ttyAMA|serial)/, 'cmdline.txt: no serial console (the receiver owns the UART)');
    t.match(await boot.read('config.txt'), /^enable_uart=1/m, 'config.txt: UART on');
    const conf = (await sh('cat /etc/stratum1d/config.yaml')).stdout;
    t.match(conf, /kind: gpio/, 'PPS through the GPIO character device (Debian firmware)');
    t.match((await sh('systemctl is-enabled serial-getty@ttyAMA0.service serial-getty@ttyS1.service')).stdout, /masked\s+masked/, 'no login prompt on the UARTs');
  });

  t.test('stratum1d.service runs as its own user', async (t) => {
    t.equal((await sh('systemctl is-active stratum1d.service')).stdout.trim(), 'active');
    const pid = (await sh('systemctl show -P MainPID stratum1d.service')).stdout.trim();
    t.equal((await sh(`ps -o user= -p ${pid}`)).stdout.trim(), 'stratum1d', 'process owner');
  });

  t.test('the simulated receiver on /dev/ttyUSB0 gives a fix', async (t) => {
    const status = await until('a time-valid 3D fix in `stratum1d status --json`', 3 * 60_000, async () => {
      const r = await sh('stratum1d status --json');
      if (r.code !== 0) return undefined;
      const s = (JSON.parse(r.stdout) as { state: { gnss: { device: string; fix: { mode: number } | null; trust: { timeValid: boolean } } } }).state;
      return s.gnss.fix?.mode === 3 && s.gnss.trust.timeValid ? s : undefined;
    }).catch(async (err: Error) => {
      const last = await sh('stratum1d status; journalctl -u stratum1d -n 30 --no-pager');
      throw new Error(`${err.message}\n${last.stdout}${last.stderr}\nsimulate: ${feed.stderr}`);
    });
    t.equal(status.gnss.device, '/dev/ttyUSB0', 'from gnss_device= in stratum1d.txt');
  });

  t.test("chronyd's NMEA refclock receives samples", async (t) => {
    const line = await until('the NMEA refclock with reach > 0 in `chronyc -c sources`', 3 * 60_000, async () => {
      const r = await sh('chronyc -c sources');
      const nmea = r.stdout.split('\n').find((l) => l.split(',')[2] === 'NMEA');
      return nmea && nmea.split(',')[5] !== '0' ? nmea : undefined;
    }, 5_000).catch(async (err: Error) => {
      const last = await sh('chronyc -c sources; ls -l /run/stratum1d-chrony; journalctl -u chrony -n 20 --no-pager');
      throw new Error(`${err.message}\n${last.stdout}${last.stderr}`);
    });
    t.match(line, /^#,.,NMEA,/, `refclock line: ${line}`);
  });

  t.test('MCP over `ssh pi@vm stratum1d mcp`', async (t) => {
    const transport = new StdioClientTransport({
      command: 'ssh',
      args: [...sshArgs(key, port), 'pi@127.0.0.1', 'stratum1d', 'mcp'],
      stderr: 'pipe',
    });
    let bridgeStderr = '';
    transport.stderr!.on('data', (c: Buffer) => (bridgeStderr += c.toString()));
    const client = new Client({ name: 'image-boot-test', version: '0' });
    await client.connect(transport);
    t.teardown(() => client.close());
    const { tools } = await client.listTools();
    // pi is the appliance's operator (firstboot puts it in stratum1d-admin): every tool, the admin ones too.
    // ssh carries stderr apart from stdout: the bridge's first line may trail the protocol answers.
    for (let i = 0; i < 100 && !bridgeStderr.includes('serving on stdio'); i++) await new Promise((r) => setTimeout(r, 100));
    t.match(bridgeStderr, /as pi\(uid \d+\) \(admin\)/, `the bridge serves pi as admin (${bridgeStderr.trim() || 'no stderr'})`);
    for (const name of ['get_health', 'get_gnss_status', 'get_ntp_status', 'apply_timekeeper_config']) t.ok(tools.some((x) => x.name === name), `${name} listed`);
    const health = (await client.callTool({ name: 'get_health', arguments: {} })) as { isError?: boolean; content?: { text?: string }[] };
    t.notOk(health.isError, `get_health answers (${bridgeStderr.trim() || 'no stderr'})`);
    t.match(health.content?.[0]?.text ?? '', /\S/, 'with a report');
    t.comment(`get_health: ${(health.content?.[0]?.text ?? '').split('\n').slice(0, 3).join(' | ')}`);
  });
}
