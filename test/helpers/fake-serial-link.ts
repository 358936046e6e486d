import { EventEmitter } from 'node:events';
import type { LineSample, SerialLink, SerialLinkEvents } from '../../src/drivers/serial/serial-link.js';

/**
 * A receiver port that a test can plug, unplug and talk through, implementing the same
 * SerialLink interface as the serialport driver and the simulator.
 */
export class FakeSerialLink extends EventEmitter<SerialLinkEvents> implements SerialLink {
  present = true;
  isOpen = false;
  opens = 0;
  openAttempts: number[] = [];
  written: string[] = [];

  constructor(readonly path = '/dev/ttyFAKE0') {
    super();
  }

  async open(): Promise<void> {
    this.openAttempts.push(Date.now());
    if (!this.present) throw new Error(`Error: No such file or directory, cannot open ${this.path}`);
    this.isOpen = true;
    this.opens++;
  }

  async close(): Promise<void> {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.emit('close', null);
  }

  async write(data: string): Promise<void> {
    this.written.push(data);
  }

  send(line: string, receivedAt = Date.now()): void {
    if (this.isOpen) this.emit('line', { line, receivedAt } satisfies LineSample);
  }

  unplug(): void {
    this.present = false;
    if (this.isOpen) {
      this.isOpen = false;
      this.emit('close', new Error('Error: Input/output error, read'));
    }
  }

  plug(): void {
    this.present = true;
  }
}
