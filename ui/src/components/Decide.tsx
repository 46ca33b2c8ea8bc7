/**
 * Approve or reject a pending approval, with a note; used by the inbox and the task page.
 * Approving is one click; rejecting ends the task, so it asks again (like Cancel).
 */
import { useState } from 'preact/hooks';
import { post } from '../api.js';
import type { Approval, Task } from '../types.js';
import { ActionButton, ActionError, NoteField, useAction } from './Actions.js';

export type Decided = { approval: Approval; task: Task };

export function DecideApproval({ approval, onDecided }: { approval: Approval; onDecided(result: Decided, decision: 'approved' | 'rejected'): void }) {
  const [note, setNote] = useState('');
  const [confirmReject, setConfirmReject] = useState(false);
  const action = useAction();
  const decide = (decision: 'approve' | 'reject'): void => {
    void action.run(decision === 'approve' ? 'Approve' : 'Reject task', async () => {
      const result = await post<Decided>(`/approvals/${approval.id}/${decision}`, note.trim() ? { note: note.trim() } : {});
      onDecided(result, decision === 'approve' ? 'approved' : 'rejected');
    });
  };
  return (
    <div class="decide">
      <NoteField id={`note-${approval.id}`} value={note} onInput={setNote} />
      <div class="buttons">
        <ActionButton label="Approve" busyLabel="Approving…" kind="primary" busy={action.busy} onClick={() => decide('approve')} />
        {confirmReject ? (
          <>
            <ActionButton label="Reject task" busyLabel="Rejecting…" kind="danger" busy={action.busy} onClick={() => decide('reject')} />
            <button type="button" class="btn" onClick={() => setConfirmReject(false)}>
              Keep it
            </button>
          </>
        ) : (
          <button type="button" class="btn danger" disabled={action.busy !== null} onClick={() => setConfirmReject(true)}>
            Reject
          </button>
        )}
      </div>
      {confirmReject ? (
        <p class="hint" role="status">
          Rejecting ends the task: it will not run. Press “Reject task” to confirm.
        </p>
      ) : null}
      <ActionError error={action.error} />
    </div>
  );
}
