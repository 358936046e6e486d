// The Debian architectures we package for, and what each means to npm, node-gyp, the cross
// toolchain and the prebuilt binaries that koffi and serialport ship.

export const TARGETS = {
  amd64: {
    npmCpu: 'x64',
    gypArch: 'x64',
    toolPrefix: '', // native gcc
    koffiDir: 'linux_x64',
    // node-gyp-build's file name tags: no armv tag on x64.
    serialportKeep: /^@serialport\+bindings-cpp\.glibc\.node$/,
    elfMachine: 'x86-64',
    fileMatch: /ELF 64-bit LSB .*x86-64/,
  },
  arm64: {
    npmCpu: 'arm64',
    gypArch: 'arm64',
    toolPrefix: 'aarch64-linux-gnu-',
    koffiDir: 'linux_arm64',
    // node-gyp-build sets armv=8 for arm64.
    serialportKeep: /^@serialport\+bindings-cpp\.armv8\.glibc\.node$/,
    elfMachine: 'AArch64',
    fileMatch: /ELF 64-bit LSB .*ARM aarch64/,
  },
  armhf: {
    npmCpu: 'arm',
    gypArch: 'arm',
    toolPrefix: 'arm-linux-gnueabihf-',
    koffiDir: 'linux_armhf',
    // node-gyp-build matches the armv tag against process.config.variables.arm_version: 7 for
    // Debian's armhf nodejs (ARMv7 baseline), 6 for Raspberry Pi OS's (ARMv6 userland running on
    // ARMv7+ cores). Both are linux-arm glibc builds; the musl one is not.
    serialportKeep: /^@serialport\+bindings-cpp\.armv[67]\.glibc\.node$/,
    elfMachine: 'ARM',
    fileMatch: /ELF 32-bit LSB .*ARM, EABI5/,
    // `file` does not always say it; the ELF header's flags do (a soft-float object would load
    // and then pass floats in the wrong registers).
    readelfFlags: /hard-float ABI/,
  },
};

export function parseArches(argv) {
  const arches = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    let v;
    if (a === '--arch') v = argv[++i];
    else if (a.startsWith('--arch=')) v = a.slice('--arch='.length);
    else continue;
    if (!v) throw new Error('--arch needs a value (amd64, arm64, armhf)');
    for (const x of v.split(',')) {
      if (!TARGETS[x]) throw new Error(`unknown --arch ${x} (known: ${Object.keys(TARGETS).join(', ')})`);
      if (!arches.includes(x)) arches.push(x);
    }
  }
  return arches.length ? arches : Object.keys(TARGETS);
}
