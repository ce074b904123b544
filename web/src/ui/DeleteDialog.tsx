// Delete asks for the cluster's name, typed: a misclick must not destroy a cluster.
// The native <dialog> gives the focus trap and Escape for free.
import { useEffect, useId, useRef, useState } from 'react';

export function DeleteDialog({ cluster, onCancel, onConfirm }: { cluster: string; onCancel: () => void; onConfirm: () => void }) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const [typed, setTyped] = useState('');
  const titleId = useId();
  const inputId = useId();
  const matches = typed.trim() === cluster;

  useEffect(() => {
    const dialog = dialogRef.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);

  return (
    <dialog
      ref={dialogRef}
      className="dialog"
      aria-labelledby={titleId}
      data-testid="delete-dialog"
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
    >
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          if (matches) onConfirm();
        }}
      >
        <h2 id={titleId}>Delete {cluster}?</h2>
        <p>This deletes the cluster and everything running on it. It cannot be undone.</p>
        <label htmlFor={inputId}>
          Type <strong className="mono">{cluster}</strong> to confirm
        </label>
        <input
          id={inputId}
          data-testid="delete-confirm-input"
          autoComplete="off"
          spellCheck={false}
          autoFocus
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
        />
        <div className="dialog-actions">
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className="danger" data-testid="delete-confirm-button" disabled={!matches}>
            Delete {cluster}
          </button>
        </div>
      </form>
    </dialog>
  );
}
