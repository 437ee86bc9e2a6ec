// A notification as recorded: every one, sent or held back (by a silence, by a group's wait or
// interval, or because no route took it), so "who was told what, when" always has an answer;
// Alertmanager keeps no such history (prometheus/alertmanager#172).

export type NotifyAction = 'trigger' | 'acknowledge' | 'resolve';

export interface NotificationItem {
  incidentId: number;
  dedupKey: string;
  action: NotifyAction;
  /** When the change happened (the incident opened, was acknowledged, resolved). */
  changedAt: number;
  /** Arrival of the signal behind the change (signal → delivered is the notification latency). */
  signalAt: number;
}

export type NotificationStatus =
  | 'pending' // queued or being retried
  | 'sent' // the receiver accepted it (2xx)
  | 'failed' // given up: the receiver refused it (4xx), or retries ran out
  | 'held'; // not sent: see `reason`

export type HeldReason = 'silenced' | 'group_wait' | 'group_interval' | 'no_route';

export interface NotificationRecord {
  id: number;
  receiver: string;
  route: string;
  groupKey: string;
  status: NotificationStatus;
  /** Why it was held back; 'repeat' marks a repeat of still-firing incidents. */
  reason?: HeldReason | 'repeat';
  silenceId?: string;
  /** Held by a group's wait or interval: the notification that carried it in the end. */
  releasedIn?: number;
  items: NotificationItem[];
  attempts: number;
  nextAttemptAt?: number;
  lastError?: string;
  createdAt: number;
  sentAt?: number;
}
