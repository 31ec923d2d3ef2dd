/** Shows a one-time password exactly once, after it was generated. */
export function OneTimePassword({ username, name, password }: { username: string; name: string; password: string }) {
  return (
    <div className="card otp" role="status">
      <p>
        {name}（{username}）的一次性密码：
      </p>
      <p className="otp-value" data-testid="one-time-password">
        {password}
      </p>
      <p className="muted">此密码只显示这一次，请当面或通过安全渠道交给本人。首次登录后必须修改。</p>
    </div>
  );
}
