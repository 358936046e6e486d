/** What `stratum1d setup` would change: computed first (so --dry-run and idempotency are free), applied second. */
export type SetupAction =
  | {
      kind: 'file';
      /** The path on the target system (what the operator sees), e.g. /boot/firmware/config.txt. */
      path: string;
      /** Where it is under --root on this machine. */
      hostPath: string;
      before: string | null; // null: the file does not exist yet
      after: string;
      /** Mode for a file we create; existing files keep theirs. null: leave it to the filesystem (FAT boot partition). */
      mode: number | null;
      why: string;
      /** The change takes effect at the next boot. */
      reboot: boolean;
    }
  | { kind: 'symlink'; path: string; hostPath: string; target: string; why: string };

export interface BootInfo {
  /** /boot/firmware (Raspberry Pi OS bookworm and later, Debian) or /boot (older releases). */
  bootDir: string;
  /** raspios: firmware overlays are installed (pps-gpio, i2c-rtc); debian: Debian's raspi-firmware, no overlays. */
  flavour: 'raspios' | 'debian';
  /** Debian's raspi-firmware regenerates config.txt and cmdline.txt from /etc/default files. */
  generated: boolean;
  /** /proc/device-tree/model, when readable. */
  model: string | null;
}

export class SetupError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}
