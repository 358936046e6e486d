import type { ApplianceState } from './appliance-state.js';
import { ALARM_RULES } from './alarm-rules.js';
import {
  type Alarm,
  type AlarmInputs,
  type AlarmPolicy,
  type AlarmRule,
  type AlarmsState,
  type ClearedAlarm,
  initialAlarmsState,
  SEVERITY_RANK,
} from './alarm-types.js';

/**
 * Alarm evaluation as a pure function of (state, inputs, previous memory): no timers, no
 * clock. The caller re-evaluates on every state change and on a tick, because debouncing is
 * a matter of time passing as much as of state changing.
 *
 * Debouncing: a condition must hold for raiseAfterMs before it becomes an alarm (one bad
 * epoch or one failed status poll is not an alarm), and an alarm clears only after its
 * condition has been gone for clearAfterMs, so a flapping PPS line or antenna is one long
 * alarm rather than a storm of raise/clear records.
 */
export interface AlarmMemory {
  view: AlarmsState;
  /** Conditions seen but not yet raised: id -> first seen (ms). */
  pending: Record<string, number>;
  /** Active alarms whose condition is gone: id -> gone since (ms). */
  clearing: Record<string, number>;
}

export interface AlarmChange {
  kind: 'raised' | 'cleared' | 'updated';
  alarm: Alarm | ClearedAlarm;
}

export function initialAlarmMemory(): AlarmMemory {
  return { view: initialAlarmsState(), pending: {}, clearing: {} };
}

export function evaluateAlarms(
  state: ApplianceState,
  inputs: AlarmInputs,
  memory: AlarmMemory,
  policy: AlarmPolicy,
  rules: readonly AlarmRule[] = ALARM_RULES,
): { memory: AlarmMemory; changes: AlarmChange[] } {
  const now = inputs.now;
  const pending = { ...memory.pending };
  const clearing = { ...memory.clearing };
  const activeById = new Map(memory.view.active.map((a) => [a.id, a]));
  const changes: AlarmChange[] = [];
  const newlyCleared: ClearedAlarm[] = [];

  for (const rule of rules) {
    const cond = rule.check(state, inputs);
    const active = activeById.get(rule.id);
    const raiseAfter = rule.debounce === 'none' ? 0 : policy.raiseAfterMs;
    const clearAfter = rule.debounce === 'none' ? 0 : policy.clearAfterMs;
    if (cond) {
      delete clearing[rule.id];
      if (active) {
        if (active.message !== cond.message || active.severity !== cond.severity) {
          const updated = { ...active, message: cond.message, severity: cond.severity };
          activeById.set(rule.id, updated);
          changes.push({ kind: 'updated', alarm: updated });
        }
        continue;
      }
      const firstSeen = pending[rule.id] ?? now;
      if (now - firstSeen >= raiseAfter) {
        delete pending[rule.id];
        const alarm: Alarm = { id: rule.id, severity: cond.severity, since: Math.min(cond.since ?? firstSeen, firstSeen), message: cond.message };
        activeById.set(rule.id, alarm);
        changes.push({ kind: 'raised', alarm });
      } else {
        pending[rule.id] = firstSeen;
      }
    } else {
      delete pending[rule.id];
      if (!active) continue;
      const goneSince = clearing[rule.id] ?? now;
      if (now - goneSince >= clearAfter) {
        delete clearing[rule.id];
        activeById.delete(rule.id);
        const cleared: ClearedAlarm = { ...active, clearedAt: goneSince };
        newlyCleared.push(cleared);
        changes.push({ kind: 'cleared', alarm: cleared });
      } else {
        clearing[rule.id] = goneSince;
      }
    }
  }
  // An alarm whose rule is no longer in the list (a reconfigured rule set) clears at once.
  const known = new Set(rules.map((r) => r.id));
  for (const [id, alarm] of activeById) {
    if (known.has(id)) continue;
    activeById.delete(id);
    const cleared: ClearedAlarm = { ...alarm, clearedAt: now };
    newlyCleared.push(cleared);
    changes.push({ kind: 'cleared', alarm: cleared });
  }

  if (changes.length === 0) return { memory: { view: memory.view, pending, clearing }, changes };
  const raised = changes.filter((c) => c.kind === 'raised').length;
  const view: AlarmsState = {
    active: [...activeById.values()].sort(bySeverityThenAge),
    history: [...newlyCleared.sort((a, b) => b.clearedAt - a.clearedAt), ...memory.view.history].slice(0, policy.historySize),
    raised: memory.view.raised + raised,
    cleared: memory.view.cleared + newlyCleared.length,
  };
  return { memory: { view, pending, clearing }, changes };
}

function bySeverityThenAge(a: Alarm, b: Alarm): number {
  // Ids are lowercase ASCII with hyphens: code-point order is the same as localeCompare's, and
  // it never initialises ICU's collator (~2.5 MiB of RSS on a daemon that otherwise needs none).
  return SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || a.since - b.since || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
