import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import t from 'tap';
import { validateChronyCandidate } from '../../../../../src/daemon/timekeeper/apply/chrony-validate.js';
import { runCommand } from '../../../../../src/daemon/timekeeper/apply/run-command.js';

/** Validation with the installed chronyd (`chronyd -p`), never starting it. */
const goldenDir = new URL('../render/golden/', import.meta.url);
const version = /version (\d+)\.(\d+)/.exec(spawnSync('chronyd', ['--version'], { encoding: 'utf8' }).stdout);
const hasLeapseclist = version !== null && (Number(version[1]) > 4 || (Number(version[1]) === 4 && Number(version[2]) >= 5));

function setup(testdir: typeof t.testdir, installed = 'bogus_directive_from_an_old_file 1\n') {
  const dir = testdir({ 'conf.d': { 'stratum1d.conf': installed, 'other.conf': 'maxupdateskew 100.0\n' } });
  const main = join(dir, 'chrony.conf');
  const include = join(dir, 'conf.d', 'stratum1d.conf');
  return { dir, main, include };
}

const validate = (main: string, include: string, candidate: string, daemonManagesRtc = false) =>
  validateChronyCandidate({ chronyd: 'chronyd', mainConfig: main, includeFile: include, candidate, daemonManagesRtc, run: runCommand });

t.test('every chrony golden file is accepted by the installed chronyd (leapseclist only from 4.5)', async (t) => {
  for (const name of readdirSync(goldenDir).filter((n) => n.startsWith('chrony-'))) {
    const { dir, main, include } = setup(t.testdir.bind(t));
    writeFileSync(main, `driftfile ${dir}/drift\nconfdir ${dir}/conf.d\n`);
    const v = await validate(main, include, readFileSync(new URL(name, goldenDir), 'utf8'));
    if (name.includes('leapseclist') && !hasLeapseclist) {
      t.notOk(v.ok, `${name} is refused by chrony < 4.5`);
      t.match(v.problems.join('\n'), /Invalid directive at line \d+ in file .*conf\.d\/stratum1d\.conf/, 'the message names the real include, not the temp copy');
    } else {
      t.same(v.problems, [], name);
      t.ok(v.ok, name);
    }
  }
});

t.test('the candidate shadows the installed file in a confdir, other fragments still load', async (t) => {
  const { dir, main, include } = setup(t.testdir.bind(t));
  writeFileSync(main, `driftfile ${dir}/drift\nconfdir ${dir}/conf.d\n`);
  const v = await validate(main, include, 'refclock SOCK /run/x.sock refid NMEA\n');
  t.ok(v.ok, 'the installed file (with a bad directive) is not what is checked');
});

t.test('a broken candidate fails, with chronyd\'s reason', async (t) => {
  const { dir, main, include } = setup(t.testdir.bind(t), '');
  writeFileSync(main, `driftfile ${dir}/drift\ninclude ${include}\n`);
  for (const [bad, why] of [
    ['refclokc SOCK /x refid NMEA\n', /Invalid directive/],
    ['allow not-a-subnet\n', /Could not parse allow directive/],
    ['makestep 1\n', /Missing arguments for makestep/],
  ] as const) {
    const v = await validate(main, include, bad);
    t.notOk(v.ok, bad.trim());
    t.match(v.problems.join('\n'), why);
  }
});

t.test('an include the main config never loads is refused', async (t) => {
  const { dir, main, include } = setup(t.testdir.bind(t), '');
  writeFileSync(main, `driftfile ${dir}/drift\n`);
  const v = await validate(main, include, 'lock_all\n');
  t.notOk(v.ok);
  t.match(v.problems[0], /does not load .*stratum1d\.conf: add `confdir/);
});

t.test('a refid already used elsewhere is refused; rtcsync in the main config is a warning when we own the RTC', async (t) => {
  const { dir, main, include } = setup(t.testdir.bind(t), '');
  writeFileSync(main, `driftfile ${dir}/drift\nrtcsync\nrefclock SHM 0 refid NMEA\nconfdir ${dir}/conf.d\n`);
  const v = await validate(main, include, 'refclock SOCK /run/x.sock refid NMEA\n', true);
  t.notOk(v.ok);
  t.match(v.problems.join('\n'), /refid NMEA is used by more than one refclock/);
  t.match(v.warnings.join('\n'), /rtcsync/);
});

t.test('no main config: the include is checked on its own, and said so', async (t) => {
  const { dir, include } = setup(t.testdir.bind(t), '');
  const v = await validate(join(dir, 'absent.conf'), include, 'lock_all\n');
  t.ok(v.ok);
  t.match(v.warnings[0], /cannot read .*absent\.conf/);
});

t.test('a missing chronyd binary makes validation unavailable, not passed', async (t) => {
  const { main, include } = setup(t.testdir.bind(t), '');
  const v = await validateChronyCandidate({ chronyd: '/nonexistent/chronyd', mainConfig: main, includeFile: include, candidate: 'lock_all\n', daemonManagesRtc: false, run: runCommand });
  t.notOk(v.ok);
  t.ok(v.unavailable);
});
