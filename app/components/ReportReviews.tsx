/** The 考察意见 and returns of a 思想汇报, oldest first (the trainee's page and the reader's). */
export function ReportReviews({ reviews }: { reviews: { id: number; kind: "opinion" | "return"; reviewer: string; reviewed_on: string; html: string }[] }) {
  return (
    <>
      {reviews.map((r) => (
        <div key={r.id} className="card">
          <p className="muted">
            {r.kind === "return" ? "退回修改" : "考察意见"} · {r.reviewer} · {r.reviewed_on}
          </p>
          <div className="prose" dangerouslySetInnerHTML={{ __html: r.html }} />
        </div>
      ))}
    </>
  );
}
