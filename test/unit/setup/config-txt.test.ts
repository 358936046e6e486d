import t from 'tap';
import { bootWants, ensureConfigTxt } from '../../../src/setup/config-txt.js';
import { removeSerialConsoles, withoutSerialConsolesSetting } from '../../../src/setup/cmdline.js';
import { rtcFromConfigTxt } from '../../../src/setup/detect.js';

const pios = (o: Partial<Parameters<typeof bootWants>[0]> = {}) => bootWants({ flavour: 'raspios', ppsGpio: 18, rtc: 'ds3231', disableBt: false, ...o });

t.test('appends under [all] when the file ends in a conditional section, and is idempotent', async (t) => {
  const text = 'dtparam=audio=on\n\n[cm4]\notg_mode=1\n';
  const e = ensureConfigTxt(text, pios());
  t.equal(e.text, 'dtparam=audio=on\n\n[cm4]\notg_mode=1\n\n[all]\n# stratum1d setup: GNSS serial port, PPS and RTC\nenable_uart=1\ndtoverlay=pps-gpio,gpiopin=18\ndtoverlay=i2c-rtc,ds3231\n');
  t.same(e.added, ['enable_uart=1', 'dtoverlay=pps-gpio,gpiopin=18', 'dtoverlay=i2c-rtc,ds3231']);
  const again = ensureConfigTxt(e.text, pios());
  t.equal(again.text, e.text, 'a second run changes nothing');
  t.same(again.added, []);
});

t.test('no [all] is added when the file already ends in the all-scope', async (t) => {
  const e = ensureConfigTxt('[pi4]\narm_boost=1\n[all]\ndtoverlay=vc4-kms-v3d\n', pios({ rtc: null }));
  t.equal(e.text, '[pi4]\narm_boost=1\n[all]\ndtoverlay=vc4-kms-v3d\n\n# stratum1d setup: GNSS serial port, PPS and RTC\nenable_uart=1\ndtoverlay=pps-gpio,gpiopin=18\n');
});

t.test('conflicting lines are disabled wherever they are; a line in force for all boards is kept', async (t) => {
  const text = ['enable_uart=1', 'dtoverlay=pps-gpio,gpiopin=4', '[pi4]', 'enable_uart=0', 'dtoverlay=i2c-rtc,ds3231', '[all]', 'dtoverlay=miniuart-bt', ''].join('\n');
  const e = ensureConfigTxt(text, pios({ disableBt: true }));
  t.equal(
    e.text,
    [
      'enable_uart=1',
      '#dtoverlay=pps-gpio,gpiopin=4  # disabled by stratum1d setup',
      '[pi4]',
      '#enable_uart=0  # disabled by stratum1d setup',
      '#dtoverlay=i2c-rtc,ds3231  # disabled by stratum1d setup',
      '[all]',
      '#dtoverlay=miniuart-bt  # disabled by stratum1d setup',
      '',
      '# stratum1d setup: GNSS serial port, PPS and RTC',
      'dtoverlay=pps-gpio,gpiopin=18',
      'dtoverlay=i2c-rtc,ds3231',
      'dtoverlay=disable-bt',
      '',
    ].join('\n'),
    'the [pi4]-only RTC overlay is moved to [all], where it applies to every board',
  );
  t.same(e.disabled, ['enable_uart=0', 'dtoverlay=pps-gpio,gpiopin=4', 'dtoverlay=i2c-rtc,ds3231', 'dtoverlay=miniuart-bt']);
  t.equal(ensureConfigTxt(e.text, pios({ disableBt: true })).text, e.text);
});

t.test('Debian flavour: no overlays, the I2C bus through dtparam; an existing combined dtparam satisfies it', async (t) => {
  const deb = bootWants({ flavour: 'debian', ppsGpio: 18, rtc: 'pcf8523', disableBt: true });
  t.same(deb.map((w) => w.line), ['enable_uart=1', 'dtparam=i2c_arm=on']);
  t.same(ensureConfigTxt('dtparam=i2c_arm=on,i2c_arm_baudrate=400000\nenable_uart=1\n', deb).added, []);
  const e = ensureConfigTxt('dtparam=i2c_arm=off\n', deb);
  t.same(e.disabled, ['dtparam=i2c_arm=off']);
  t.same(e.added, ['enable_uart=1', 'dtparam=i2c_arm=on']);
  t.match(ensureConfigTxt('', deb, { openAll: true }).text, /^\[all\]\n# stratum1d setup/, 'an appended fragment opens [all] itself');
});

t.test('the RTC chip named in config.txt is detected', async (t) => {
  t.equal(rtcFromConfigTxt('x=1\ndtoverlay=i2c-rtc,pcf8523\n'), 'pcf8523');
  t.equal(rtcFromConfigTxt('dtoverlay=i2c-rtc,ds3231,wakeup-source\n'), 'ds3231');
  t.equal(rtcFromConfigTxt('#dtoverlay=i2c-rtc,ds3231\n'), null);
});

t.test('cmdline.txt: serial consoles go wherever they are, everything else stays on one line', async (t) => {
  t.same(removeSerialConsoles('console=serial0,115200 console=tty1 root=PARTUUID=1-02 rootfstype=ext4 rootwait\n'), {
    text: 'console=tty1 root=PARTUUID=1-02 rootfstype=ext4 rootwait\n',
    removed: ['console=serial0,115200'],
  });
  t.equal(removeSerialConsoles('root=/dev/mmcblk0p2 console=ttyAMA0,115200 quiet console=tty1').text, 'root=/dev/mmcblk0p2 quiet console=tty1', 'in the middle; no newline added');
  t.same(removeSerialConsoles('console=tty0 console=ttyS1,115200 console=serial1 console=ttyS0 rw\n').removed, ['console=ttyS1,115200', 'console=serial1', 'console=ttyS0']);
  const none = 'console=tty1 root=LABEL=RASPIROOT rw\n';
  t.same(removeSerialConsoles(none), { text: none, removed: [] }, 'absent: untouched, byte for byte');
  t.equal(removeSerialConsoles('console=ttyAMA10,115200 console=tty1\n').text, 'console=ttyAMA10,115200 console=tty1\n', "Pi 5's debug UART is kept");
});

t.test("Debian's CONSOLES= setting loses its serial consoles; absent, it is added", async (t) => {
  t.same(withoutSerialConsolesSetting('# x\nCONSOLES="ttyS1,115200 tty0"\n'), { text: '# x\nCONSOLES="tty0"\n', removed: ['ttyS1,115200'] });
  t.equal(withoutSerialConsolesSetting('CONSOLES="auto"\n').text, 'CONSOLES="tty0"\n');
  t.equal(withoutSerialConsolesSetting('#CONSOLES="auto"\nROOTPART=LABEL=RASPIROOT\n').text, '#CONSOLES="auto"\nROOTPART=LABEL=RASPIROOT\n# stratum1d setup: no serial console (the GNSS receiver uses the UART)\nCONSOLES="tty0"\n');
  const done = 'CONSOLES="tty0"\n';
  t.equal(withoutSerialConsolesSetting(done).text, done);
});
