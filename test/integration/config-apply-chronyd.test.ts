import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { cliIo } from '../helpers/cli-io.js';
import { runConfigApply } from '../../src/cli/config-apply.js';

/**
 * `config apply` against a private chronyd installation: a temp main chrony.conf with a confdir,
 * a restart script that (re)starts `chronyd -x` (never touches the clock) on a private pidfile,
 * command socket and no NTP port. Never the system chrony.
 */
const dir = mkdtempSync(join(tmpdir(), 's1d-apply-')); // 0700: chronyd insists on it for its socket
const confd = join(dir, 'conf.d');
mkdirSync(confd);
const main = join(dir, 'chrony.conf');
const include = join(confd, 'stratum1d.conf');
const pidfile = join(dir, 'chronyd.pid');
const cmdsock = join(dir, 'chronyd.sock');
writeFileSync(main, [`driftfile ${dir}/drift`, `pidfile ${pidfile}`, `bindcmdaddress ${cmdsock}`, 'port 0', `confdir ${confd}`, ''].join('\n'));
const restart = join(dir, 'restart.sh');
writeFileSync(
  restart,
  `#!/bin/sh
# stop the private chronyd (by its own pidfile), then start it again; chronyd's foreground
# process exits non-zero when the daemon fails to initialise. A chronyd that died of a fatal
# error leaves its pidfile behind: only a pid that is still a chronyd is ours to stop.
if [ -f ${pidfile} ]; then
  pid=$(cat ${pidfile})
  [ "$(cat /proc/$pid/comm 2>/dev/null)" = chronyd ] && kill "$pid" 2>/dev/null
  i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
fi
exec chronyd -x -u root -f ${main}
`,
);
chmodSync(restart, 0o755);

function yaml(sockDir: string): string {
  const cfgFile = join(dir, `stratum1d-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(
    cfgFile,
    `timekeeper:
  kind: chrony
  chrony:
    includeFile: ${include}
    mainConfig: ${main}
    sockPath: ${sockDir}/nmea.sock
    ppsSockPath: ${sockDir}/pps.sock
    commandSocket: ${cmdsock}
    restartCommand: [${restart}]
    upTimeoutS: 5
    allow: [192.168.0.0/16]
  pps:
    kind: kernel
    device: /dev/pps-stratum1d-test-absent
paths:
  stateDir: ${dir}/state
`,
  );
  return cfgFile;
}

const io = cliIo;

const chronycSources = () => spawnSync('chronyc', ['-h', cmdsock, '-n', '-c', 'sources'], { encoding: 'utf8' });

// chronyd writes its driftfile (drift.tmp, then a rename) and unlinks its sockets as it exits:
// removing the directory before it is gone races those writes (ENOTEMPTY), so wait for it.
t.teardown(async () => {
  if (existsSync(pidfile)) {
    const pid = Number(readFileSync(pidfile, 'utf8').trim());
    if (pid > 0 && isChronyd(pid)) {
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 100 && isChronyd(pid); i++) await new Promise((r) => setTimeout(r, 100));
      if (isChronyd(pid)) process.kill(pid, 'SIGKILL');
    }
  }
  rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
});

/** Like the restart script: a pidfile left by a chronyd that died may name some other process by now. */
function isChronyd(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'chronyd';
  } catch {
    return false;
  }
}

t.test('first apply installs the include and chronyd comes up with our refclock', async (t) => {
  // An empty previous include so the private chronyd exists before the first apply.
  writeFileSync(include, '# placeholder\n');
  t.equal(spawnSync(restart).status, 0, 'private chronyd started');
  const x = io();
  const code = await runConfigApply(['--config', yaml(dir), '--offset', '0.12'], x);
  t.equal(code, 0, x.err());
  const installed = readFileSync(include, 'utf8');
  t.match(installed, new RegExp(`^refclock SOCK ${dir}/nmea\\.sock refid NMEA offset 0 delay 0\\.2$`, 'm'));
  t.match(installed, /delay after the second, 0\.12 s \(given with --offset\)/);
  t.notMatch(installed, /refclock PPS/, 'no refclock for a PPS device that does not exist');
  t.match(x.err(), /pps-stratum1d-test-absent does not exist: PPS refclock left out/);
  t.equal(readFileSync(`${include}.bak`, 'utf8'), '# placeholder\n');
  const src = chronycSources();
  t.equal(src.status, 0);
  t.match(src.stdout, /^#,.,NMEA,/m, 'chronyd runs the new config: the NMEA refclock is listed');
});

t.test('dry run prints the diff and changes nothing', async (t) => {
  const before = readFileSync(include, 'utf8');
  const x = io();
  t.equal(await runConfigApply(['--config', yaml(dir), '--offset', '0.2', '--dry-run'], x), 0, x.err());
  t.match(x.out(), /^-# NMEA time label from stratum1d\. Its delay after the second, 0\.12 s/m);
  t.match(x.out(), /^\+# NMEA time label from stratum1d\. Its delay after the second, 0\.2 s/m);
  t.equal(readFileSync(include, 'utf8'), before);
});

t.test('a candidate chronyd -p accepts but chronyd cannot start with is rolled back', async (t) => {
  const before = readFileSync(include, 'utf8');
  const x = io();
  // The SOCK refclock's directory does not exist: parses fine, fatal at start ("Could not open socket").
  const code = await runConfigApply(['--config', yaml(join(dir, 'no-such-dir')), '--offset', '0.12'], x);
  t.equal(code, 1, x.err());
  t.match(x.err(), /restart failed: .*exit status 1/);
  t.match(x.err(), /rolled back: chrony runs the previous configuration/);
  t.equal(readFileSync(include, 'utf8'), before, 'the previous include is back in place');
  const src = chronycSources();
  t.equal(src.status, 0, 'chronyd is running again');
  t.match(src.stdout, /^#,.,NMEA,/m);
});

t.test('a candidate chronyd -p rejects is never written', async (t) => {
  const before = readFileSync(include, 'utf8');
  const x = io();
  const cfgFile = yaml(dir);
  // hwtimestamp's interface is checked; an allow entry with garbage reaches chronyd -p.
  writeFileSync(cfgFile, readFileSync(cfgFile, 'utf8').replace('allow: [192.168.0.0/16]', 'allow: [not-a-network]'));
  t.equal(await runConfigApply(['--config', cfgFile], x), 65, x.err());
  t.match(x.err(), /Could not parse allow directive/);
  t.equal(readFileSync(include, 'utf8'), before);
});
