import { allocNative, type NativeBlock, type NativePointer } from './libc.js';
import { parseControlMessages, type ControlMessages } from './control-messages.js';
import { decodeSockaddrUn } from './sockaddr-un.js';
import { MSG_CTRUNC, MSG_TRUNC } from './socket-constants.js';
import { cmsgSpace, hostIsLittleEndian, nativeAbi, readWord, writeWord, type NativeAbi } from './struct-layouts.js';

export interface FrameContents {
  /** A copy of the datagram, cut at the buffer size if it was longer. */
  data: Buffer;
  /** The datagram's real length (recvmsg called with MSG_TRUNC reports it). */
  length: number;
  truncated: boolean;
  controlTruncated: boolean;
  senderAddress: string | null;
  control: ControlMessages;
}

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

/**
 * One `struct msghdr` with its iovec, name, control and data buffers in a single block of
 * native memory, so the pointers inside stay valid while a recvmsg runs. Reused for every
 * datagram; `prepare()` restores the in/out length fields the kernel overwrites.
 */
export class RecvmsgFrame {
  private readonly block: NativeBlock;
  private readonly at: { iov: number; name: number; control: number; data: number };
  readonly controlBytes: number;

  constructor(
    readonly maxBytes: number,
    extraControlBytes = 128,
    private readonly abi: NativeAbi = nativeAbi,
  ) {
    // Room for our credentials plus a few passed descriptors we will close.
    this.controlBytes = align8(cmsgSpace(abi, abi.ucred.size) + extraControlBytes);
    const iov = align8(abi.msghdr.size);
    const name = iov + align8(abi.iovec.size);
    const control = name + align8(abi.sockaddrUn.size);
    const data = control + this.controlBytes;
    this.at = { iov, name, control, data };
    this.block = allocNative(data + Math.max(1, maxBytes));
    this.prepare();
  }

  get pointer(): NativePointer {
    return this.block.pointer;
  }

  prepare(): void {
    const { view, address } = this.block;
    const m = this.abi.msghdr.offset;
    const abi = this.abi;
    writeWord(view, m.msg_name, address + BigInt(this.at.name), abi);
    view.setUint32(m.msg_namelen, abi.sockaddrUn.size, hostIsLittleEndian);
    writeWord(view, m.msg_iov, address + BigInt(this.at.iov), abi);
    writeWord(view, m.msg_iovlen, 1, abi);
    writeWord(view, m.msg_control, address + BigInt(this.at.control), abi);
    writeWord(view, m.msg_controllen, this.controlBytes, abi);
    view.setInt32(m.msg_flags, 0, hostIsLittleEndian);
    writeWord(view, this.at.iov + abi.iovec.offset.iov_base, address + BigInt(this.at.data), abi);
    writeWord(view, this.at.iov + abi.iovec.offset.iov_len, this.maxBytes, abi);
  }

  /** Reads what recvmsg returned `length` for. */
  contents(length: number): FrameContents {
    const { view, bytes } = this.block;
    const m = this.abi.msghdr.offset;
    const little = hostIsLittleEndian;
    const flags = view.getInt32(m.msg_flags, little);
    const nameLength = view.getUint32(m.msg_namelen, little);
    const controlLength = readWord(view, m.msg_controllen, this.abi);
    const kept = Math.min(length, this.maxBytes);
    return {
      data: Buffer.from(bytes.subarray(this.at.data, this.at.data + kept)),
      length,
      truncated: (flags & MSG_TRUNC) !== 0 || length > this.maxBytes,
      controlTruncated: (flags & MSG_CTRUNC) !== 0,
      senderAddress: decodeSockaddrUn(bytes.subarray(this.at.name), nameLength, this.abi),
      control: parseControlMessages(view, this.at.control, Math.min(controlLength, this.controlBytes), this.abi),
    };
  }

  free(): void {
    this.block.free();
  }
}
