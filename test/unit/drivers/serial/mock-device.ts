import { SerialPortMock } from 'serialport';
import type {
  BindingInterface,
  BindingPortInterface,
  OpenOptions,
} from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };

type MockPort = Awaited<ReturnType<typeof SerialPortMock.binding.open>>;

/**
 * A serial device for SerialportLink tests: serialport's own mock binding (through
 * `SerialPortMock.binding`, the copy serialport itself uses), wrapped so that the test
 * can pull the plug. The mock alone cannot: closing it cancels reads, which serialport
 * treats as our own close. A real tty that vanishes fails the pending read with EIO or
 * ENXIO, which is what unplug() does.
 */
export class MockDevice {
  readonly binding: BindingInterface;
  private port: MockPort | null = null;
  private present = true;
  private failReads: ((err: Error) => void)[] = [];

  constructor(readonly path: string, options: { record?: boolean; maxReadSize?: number } = {}) {
    SerialPortMock.binding.createPort(path, { record: options.record ?? false, maxReadSize: options.maxReadSize ?? 1024 });
    this.binding = {
      list: () => SerialPortMock.binding.list(),
      open: async (opts: OpenOptions) => {
        if (!this.present) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${opts.path}'`), { code: 'ENOENT' });
        const port = await SerialPortMock.binding.open(opts);
        this.port = port;
        return this.wrap(port);
      },
    };
  }

  /** Bytes arriving from the receiver, as one read chunk. */
  emit(data: Buffer | string): void {
    if (!this.port?.isOpen) throw new Error('MockDevice.emit: port not open');
    this.port.emitData(data);
  }

  /** What the link wrote to the device (with `record: true`). */
  get recording(): Buffer {
    return this.port?.recording ?? Buffer.alloc(0);
  }

  unplug(): void {
    this.present = false;
    const err = Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
    for (const fail of this.failReads.splice(0)) fail(err);
  }

  replug(): void {
    this.present = true;
  }

  private wrap(port: MockPort): BindingPortInterface {
    const device = this;
    return {
      get openOptions() {
        return port.openOptions;
      },
      get isOpen() {
        return port.isOpen;
      },
      close: () => port.close(),
      read(buffer, offset, length) {
        let fail: (err: Error) => void = () => undefined;
        const gone = new Promise<never>((_, reject) => {
          fail = reject;
          if (!device.present) reject(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' }));
          else device.failReads.push(reject);
        });
        return Promise.race([port.read(buffer, offset, length), gone]).finally(() => {
          device.failReads = device.failReads.filter((f) => f !== fail);
        });
      },
      write: (buffer) => port.write(buffer),
      update: (options) => port.update(options),
      set: (options) => port.set(options),
      get: () => port.get(),
      getBaudRate: () => port.getBaudRate(),
      flush: () => port.flush(),
      drain: () => port.drain(),
    };
  }
}

/** Waits until `cond()` holds, polling the event loop; fails after `ms`. */
export async function until(cond: () => boolean, ms = 2000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}
