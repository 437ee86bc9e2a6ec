// The metrics store's part of the control API, typed: what `holdfast explain` calls. Same
// connection (socket, or URL with token) and errors as SupervisorClient.
import { SupervisorClient } from '../api/client.ts';
import type { ExplainResult, ScrapeStatus } from './daemon-scrape.ts';

export class ExplainClient extends SupervisorClient {
  /** The root-cause ranking over the last `since` ("10m", "90s"). */
  explain(since?: string): Promise<ExplainResult> {
    return this.call('GET', `/v1/explain${since ? `?since=${encodeURIComponent(since)}` : ''}`);
  }

  scrapeStatus(): Promise<ScrapeStatus> {
    return this.call('GET', '/v1/scrape');
  }
}
