// A modal dialog on the native <dialog> with showModal(): the page behind is inert, Tab goes round inside,
// Escape closes it (unless `required`), focus starts on the element marked data-autofocus (else the
// first control) and goes back to the element that opened it.
import { useNavigation } from "@remix-run/react";
import { useEffect, useRef, useState, type ReactNode } from "react";

export function Dialog({
  open,
  onClose,
  label,
  labelledBy,
  required,
  className,
  children,
}: {
  open: boolean;
  /** Called when the dialog closes by itself (Escape); not called when `open` turns false. */
  onClose?: () => void;
  label?: string;
  labelledBy?: string;
  /** An answer is needed: Escape does not close it. */
  required?: boolean;
  className?: string;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    // A browser without <dialog> (iOS before 15.4, jsdom) shows it in place instead of as a modal.
    if (open && !d.hasAttribute("open")) {
      opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      if (typeof d.showModal === "function") d.showModal();
      else d.setAttribute("open", "");
      // The safe choice takes focus when the dialog marks one (e.g. 返回检查 rather than 确认交卷).
      d.querySelector<HTMLElement>("[data-autofocus]")?.focus();
    } else if (!open && d.hasAttribute("open")) {
      if (typeof d.close === "function") d.close();
      else d.removeAttribute("open");
    }
  }, [open]);
  return (
    <dialog
      ref={ref}
      className={`dialog card${className ? ` ${className}` : ""}`}
      aria-label={label}
      aria-labelledby={labelledBy}
      onKeyDown={(e) => {
        // Tab and Shift+Tab go round inside the dialog instead of out to the browser's own controls.
        if (e.key !== "Tab") return;
        const items = [
          ...e.currentTarget.querySelectorAll<HTMLElement>(
            "button:not([disabled]), a[href], input:not([disabled]), select, textarea, [tabindex]:not([tabindex='-1'])",
          ),
        ];
        const first = items[0];
        const last = items[items.length - 1];
        if (!first || !last) return;
        if (e.shiftKey && document.activeElement === first) {
          e.preventDefault();
          last.focus();
        } else if (!e.shiftKey && document.activeElement === last) {
          e.preventDefault();
          first.focus();
        }
      }}
      onCancel={(e) => {
        if (required) e.preventDefault();
      }}
      onClose={() => {
        if (open) onClose?.();
        opener.current?.focus();
        opener.current = null;
      }}
    >
      {open ? children : null}
    </dialog>
  );
}

/**
 * A submit button that asks first: with JavaScript it opens a dialog whose 确认 button submits the
 * enclosing form; without JavaScript it submits at once (the server's checks still apply).
 */
export function ConfirmSubmit({
  label,
  title,
  confirmLabel,
  className,
  disabled,
  children,
}: {
  label: string;
  title: string;
  confirmLabel: string;
  className?: string;
  disabled?: boolean;
  children: ReactNode;
}) {
  const [open, setOpen] = useState(false);
  const [hydrated, setHydrated] = useState(false);
  const navigation = useNavigation();
  useEffect(() => setHydrated(true), []);
  useEffect(() => {
    if (navigation.state !== "idle") setOpen(false);
  }, [navigation.state]);
  if (!hydrated)
    return (
      <button type="submit" className={className} disabled={disabled}>
        {label}
      </button>
    );
  return (
    <>
      <button type="button" className={className} disabled={disabled} onClick={() => setOpen(true)}>
        {label}
      </button>
      <Dialog open={open} onClose={() => setOpen(false)} label={title}>
        <h2>{title}</h2>
        {children}
        <div className="row-actions">
          <button type="submit" className="btn primary">
            {confirmLabel}
          </button>
          <button type="button" className="btn" data-autofocus onClick={() => setOpen(false)}>
            取消
          </button>
        </div>
      </Dialog>
    </>
  );
}
