/**
 * Prometheus metrics at /metrics: HTTP request counts and latencies, events appended, and run
 * counts by status (read from the database at scrape time).
 */
import client from 'prom-client';
import type { Gaffer } from '../gaffer.js';

export interface ApiMetrics {
  registry: client.Registry;
  requests: client.Counter<'method' | 'route' | 'status'>;
  duration: client.Histogram<'method' | 'route'>;
  eventsAppended: client.Counter;
}

export function createMetrics(gaffer: Gaffer): ApiMetrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'gaffer_process_' });
  const requests = new client.Counter({
    name: 'gaffer_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new client.Histogram({
    name: 'gaffer_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const eventsAppended = new client.Counter({
    name: 'gaffer_events_appended_total',
    help: 'Events appended through the API',
    registers: [registry],
  });
  new client.Gauge({
    name: 'gaffer_runs',
    help: 'Runs by status',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const [status, n] of Object.entries(await gaffer.runs.countByStatus())) this.set({ status }, n);
    },
  });
  return { registry, requests, duration, eventsAppended };
}
