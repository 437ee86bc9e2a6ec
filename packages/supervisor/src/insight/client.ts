// The incident loop's part of the control API, typed: what `holdfast incidents`, `holdfast
// alerts report` and `holdfast drill alerts` call, and what services or the failover agent use
// to report signals. Same connection (socket, or URL with token) and errors as SupervisorClient.
import type { HistoryEntry, Incident, NotificationRecord, RuleReport, Signal, Silence, StoreHealth, StormReport } from '@holdfast/insight';
import { SupervisorClient } from '../api/client.ts';
import type { IncidentsStatus } from './incidents.ts';

export interface IncidentQuery {
  state?: 'open' | 'acknowledged' | 'resolved' | 'live' | 'all';
  program?: string;
  rule?: string;
  /** A duration back from now ("24h", "7d") or a date. */
  since?: string;
  limit?: number;
  drill?: boolean;
}

export interface LearnRequest {
  category?: string;
  owner?: string;
  runbook?: string;
  id?: string;
}

const query = (q: Record<string, string | number | boolean | undefined>) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined) p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
};

export class IncidentsClient extends SupervisorClient {
  async list(q: IncidentQuery = {}): Promise<Incident[]> {
    return (await this.call<{ incidents: Incident[] }>('GET', `/v1/incidents${query({ ...q })}`)).incidents;
  }

  show(id: number): Promise<{ incident: Incident; history: HistoryEntry[]; notifications: NotificationRecord[] }> {
    return this.call('GET', `/v1/incidents/${id}`);
  }

  async ack(id: number, by?: string): Promise<Incident> {
    return (await this.call<{ incident: Incident }>('POST', `/v1/incidents/${id}/ack`, by ? { by } : {})).incident;
  }

  resolve(
    id: number,
    o: { cause?: string; by?: string; learn?: boolean | LearnRequest } = {},
  ): Promise<{ incident: Incident; learned?: { entry: { id: string }; file: string } }> {
    return this.call('POST', `/v1/incidents/${id}/resolve`, o);
  }

  async invalid(id: number, reason: string, by?: string): Promise<Incident> {
    return (await this.call<{ incident: Incident }>('POST', `/v1/incidents/${id}/invalid`, { reason, ...(by ? { by } : {}) })).incident;
  }

  signals(list: Signal[]): Promise<{ accepted: number; results: { incident: number; outcome: string }[] }> {
    return this.call('POST', '/v1/signals', { signals: list });
  }

  report(since?: string): Promise<{ since: string; rules: RuleReport[]; store: StoreHealth }> {
    return this.call('GET', `/v1/alerts/report${query({ since })}`);
  }

  drill(o: { storm: number; programs?: number; faults?: number; spreadMs?: number }): Promise<StormReport> {
    return this.call('POST', '/v1/incidents/drill', o);
  }

  silence(s: {
    matchers: Record<string, unknown>;
    endsAt: string;
    startsAt?: string;
    comment?: string;
    createdBy?: string;
  }): Promise<Silence> {
    return this.call('POST', '/v1/incidents/silences', s);
  }

  async notifications(q: { incident?: number; status?: string; limit?: number } = {}): Promise<NotificationRecord[]> {
    return (await this.call<{ notifications: NotificationRecord[] }>('GET', `/v1/notifications${query(q)}`)).notifications;
  }

  incidentsStatus(): Promise<IncidentsStatus> {
    return this.call('GET', '/v1/incidents/status');
  }

  reloadKnowledge(): Promise<{ file: string; entries: number }> {
    return this.call('POST', '/v1/incidents/knowledge/reload', {});
  }
}
