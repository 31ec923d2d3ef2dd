/** 答疑 per course for the 组织部: waiting, past the limit, answered and the median time to answer. */
type QuestionStatsData = {
  limitHours: number;
  overdue: number;
  courses: { slug: string; title: string; waiting: number; overdue: number; answered: number; median: string }[];
};

export function QuestionStats({ stats }: { stats: QuestionStatsData }) {
  return (
    <section className="card table-wrap" tabIndex={0} aria-label="答疑情况" data-testid="question-stats">
      <h2>答疑情况</h2>
      <p className={stats.overdue ? "alert warn" : "muted"}>
        {stats.overdue ? `${stats.overdue} 个问题超过 ${stats.limitHours} 小时未回复。` : `没有超过 ${stats.limitHours} 小时未回复的问题。`}
      </p>
      {stats.courses.length ? (
        <table>
          <thead>
            <tr>
              <th>课程</th>
              <th>待回复</th>
              <th>已超时</th>
              <th>已回复</th>
              <th>回复用时中位数</th>
            </tr>
          </thead>
          <tbody>
            {stats.courses.map((c) => (
              <tr key={c.slug}>
                <td>{c.title}</td>
                <td>{c.waiting}</td>
                <td>{c.overdue ? <strong className="field-error">{c.overdue}</strong> : 0}</td>
                <td>{c.answered}</td>
                <td>{c.median}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
