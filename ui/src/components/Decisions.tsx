/** The decision log of a task or run: what Gaffer decided, on what inputs, and why. */
import { preview } from '../lib/format.js';
import { href } from '../router.js';
import type { Decision } from '../types.js';
import { Json, Time } from './common.js';

export function decisionSummary(type: string, output: unknown): string {
  if (output && typeof output === 'object') {
    const o = output as Record<string, unknown>;
    switch (type) {
      case 'routing':
        if (typeof o.profile === 'string') return `→ ${o.profile}${o.profileVersion ? ` v${String(o.profileVersion)}` : ''}${o.rule ? ` (rule ${String(o.rule)})` : ''}`;
        break;
      case 'gate':
        if (typeof o.verdict === 'string') return `${o.verdict}${typeof o.score === 'number' ? `, score ${o.score}` : ''}`;
        break;
      case 'retry':
        if (typeof o.retry === 'boolean') return o.retry ? `retry as attempt ${String(o.nextAttempt ?? '?')}` : 'no retry';
        break;
      case 'escalation':
        if (typeof o.status === 'string') return `${o.status}${Array.isArray(o.options) ? ` · options ${o.options.map(String).join(', ')}` : ''}`;
        break;
      case 'refinement_cycle':
        if (typeof o.promptChars === 'number') return `next prompt ${o.promptChars} chars${o.diffIncluded === true ? ', with the previous diff' : ''}`;
        break;
      case 'fallback':
        if (typeof o.spec === 'string') return `→ ${o.spec}`;
        if (typeof o.fallbackSpec === 'string') return `→ ${o.fallbackSpec}`;
        break;
    }
  }
  return preview(output, 80);
}

export function DecisionList({ decisions }: { decisions: Decision[] }) {
  return (
    <ul class="decisions">
      {decisions.map((d) => (
        <li key={`${d.source}:${d.runId ?? d.taskId}:${d.seq}`}>
          <details>
            <summary>
              <span class="badge dt">{d.decisionType}</span> <span class="strong">{decisionSummary(d.decisionType, d.output)}</span>
              {d.reason ? <span class="muted"> — {d.reason}</span> : null}{' '}
              <span class="muted small">
                <Time iso={d.ts} />
                {d.confidence !== null ? ` · confidence ${d.confidence}` : ''}
              </span>
            </summary>
            <div class="detail-body">
              <p class="small">
                {d.source === 'run' && d.runId ? (
                  <>
                    In run <a href={`${href('runs', d.runId)}`}>{d.runId.slice(-12)}</a>, event #{d.seq}
                  </>
                ) : (
                  <>Task log entry #{d.seq}</>
                )}
              </p>
              <div class="two">
                <div>
                  <h4>Inputs</h4>
                  <Json value={d.inputs} />
                </div>
                <div>
                  <h4>Output</h4>
                  <Json value={d.output} />
                </div>
              </div>
            </div>
          </details>
        </li>
      ))}
    </ul>
  );
}
