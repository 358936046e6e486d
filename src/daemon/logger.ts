/**
 * Structured logs on stderr. stdout is reserved for protocol output (the stdio MCP server,
 * `decode`), so nothing here ever writes to it. JSON lines under systemd (journald keeps the
 * fields), text on a terminal.
 */
import { fstatSync } from 'node:fs';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const RESERVED = new Set(['time', 'level', 'msg']);

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(bindings: Record<string, unknown>): Logger;
  setLevel(level: LogLevel): void;
}

export interface LoggerOptions {
  level: LogLevel;
  format: 'auto' | 'json' | 'text';
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Prefix each line with its syslog priority (`<3>`...`<7>`, sd-daemon(3)); default: when stderr is journald's stream. */
  priorityPrefix?: boolean;
}

/** sd-daemon(3) priorities: journald strips the prefix and files the line under it (journalctl -p). */
const PRIORITY: Record<LogLevel, string> = { debug: '<7>', info: '<6>', warn: '<4>', error: '<3>' };

/** systemd sets JOURNAL_STREAM=dev:ino of the stream it connected; only then is stderr the journal. */
export function stderrIsJournal(env: NodeJS.ProcessEnv = process.env): boolean {
  const js = env.JOURNAL_STREAM;
  if (!js) return false;
  try {
    const st = fstatSync(2);
    return js === `${st.dev}:${st.ino}`;
  } catch {
    return false;
  }
}

export function createLogger(opts: LoggerOptions): Logger {
  const stream = opts.stream ?? process.stderr;
  const json = opts.format === 'json' || (opts.format === 'auto' && !stream.isTTY);
  const shared = { rank: RANK[opts.level], prefix: opts.priorityPrefix ?? (opts.stream === undefined && stderrIsJournal()) };
  return make({}, shared, stream, json);
}

function make(
  bindings: Record<string, unknown>,
  shared: { rank: number; prefix: boolean },
  stream: NodeJS.WritableStream,
  json: boolean,
): Logger {
  const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (RANK[level] < shared.rank) return;
    const time = new Date().toISOString();
    const all: Record<string, unknown> = {};
    // A field may not overwrite the record's own time, level or message.
    for (const [k, v] of Object.entries({ ...bindings, ...fields })) all[RESERVED.has(k) ? `field.${k}` : k] = v;
    let line: string;
    if (json) {
      line = safeJson({ time, level, msg, ...all });
    } else {
      const extra = Object.entries(all)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : safeJson(v)}`)
        .join(' ');
      line = `${time} ${level.toUpperCase().padEnd(5)} ${msg}${extra ? ` ${extra}` : ''}`;
    }
    stream.write(`${shared.prefix ? PRIORITY[level] : ''}${line}\n`);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (b) => make({ ...bindings, ...b }, shared, stream, json),
    setLevel: (level) => {
      shared.rank = RANK[level];
    },
  };
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x) => (x instanceof Error ? { name: x.name, message: x.message } : typeof x === 'bigint' ? x.toString() : x));
  } catch {
    return '"<unserialisable>"';
  }
}
