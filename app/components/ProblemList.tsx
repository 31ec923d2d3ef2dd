/** An outcome message with the list of problems behind it (validation errors as file:line, refused zip entries…). */
export function ProblemList({ ok, message, problems = [] }: { ok: boolean; message: string; problems?: string[] }) {
  return (
    <div className={`alert ${ok ? "ok" : "error"}`} role={ok ? "status" : "alert"}>
      {message}
      {problems.length ? (
        <ul className="problems">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
