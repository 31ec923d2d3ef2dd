// An account's run of failed password guesses, as its owner (signed in elsewhere) and admins see it,
// with the button that clears it (the route's action handles intent "unlock").
import { Form } from "@remix-run/react";
import { formatDateTime } from "~/utils/cst.ts";

type AccountLockView = { failures: number; lastFailureAt: number; lockedUntil: number; locked: boolean; waitUntil: number };

export function AccountLockNotice({ lock, owner }: { lock: AccountLockView; owner: boolean }) {
  const who = owner ? "您的账号" : "该账号";
  const state = lock.locked
    ? `已被锁定，${formatDateTime(lock.lockedUntil)} 自动解除`
    : lock.waitUntil
      ? `登录已被限速至 ${formatDateTime(lock.waitUntil)}`
      : "尚未锁定";
  return (
    <div className={`alert ${lock.locked ? "error" : "warn"} stack`} role="status">
      <p>
        {who}最近有 {lock.failures} 次连续的密码错误（最近一次 {formatDateTime(lock.lastFailureAt)}），{state}。
        {owner ? "如果不是您本人在尝试，请解除锁定后尽快修改密码。" : ""}
      </p>
      <Form method="post">
        <input type="hidden" name="intent" value="unlock" />
        <button type="submit" className="btn small">
          解除锁定
        </button>
      </Form>
    </div>
  );
}
