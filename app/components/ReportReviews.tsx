type FileView = { id: number; name: string };

/** A 思想汇报's attachments or a 考察意见's, each a download (/report-files/:id); `removable` adds 删除 buttons to the form. */
export function ReportFiles({ files, removable }: { files: FileView[]; removable?: boolean }) {
  if (!files.length) return null;
  return (
    <ul className="plain">
      {files.map((f) => (
        <li key={f.id}>
          <a href={`/report-files/${f.id}`}>{f.name}</a>{" "}
          {removable ? (
            <button className="btn secondary small" name="intent" value={`remove:${f.id}`} type="submit" formNoValidate>
              删除
            </button>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

/** The 考察意见 and returns of a 思想汇报 with their attachments, oldest first (the trainee's page and the reader's). */
export function ReportReviews({
  reviews,
}: {
  reviews: { id: number; kind: "opinion" | "return"; reviewer: string; reviewed_on: string; html: string; files: FileView[] }[];
}) {
  return (
    <>
      {reviews.map((r) => (
        <div key={r.id} className="card">
          <p className="muted">
            {r.kind === "return" ? "退回修改" : "考察意见"} · {r.reviewer} · {r.reviewed_on}
          </p>
          <div className="prose" dangerouslySetInnerHTML={{ __html: r.html }} />
          <ReportFiles files={r.files} />
        </div>
      ))}
    </>
  );
}
