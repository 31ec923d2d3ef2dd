// 我的培训班: the classes a trainee is in, with their own 学时, results, composite and what still
// blocks completion, in plain words.
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { StatGrid, Standing } from "~/components/ClassMembers.tsx";
import { CLASS_KIND_LABEL, memberView, myClasses } from "~/models/classes.server.ts";
import classesCss from "~/styles/classes.css?url";
import { requireUser } from "~/guards/auth.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: classesCss }];
export const meta: MetaFunction = () => [{ title: "我的培训班 · 网上党校" }];

export async function loader(args: LoaderFunctionArgs) {
  const me = await requireUser(args);
  const classes = await myClasses(args.context.db, me.id);
  return {
    classes: classes.map((c) => ({ ...c, kind: CLASS_KIND_LABEL[c.kind], row: memberView(c.row) })),
  };
}

export default function MyClasses() {
  const { classes } = useLoaderData<typeof loader>();
  return (
    <div className="stack classes">
      <h1>我的培训班</h1>
      {classes.length === 0 ? <p className="card empty">您还没有参加培训班。培训班由组织部统一报名。</p> : null}
      {classes.map((c) => {
        const m = c.row;
        return (
          <section key={c.id} className="card my-class">
            <div className="page-head">
              <h2>{c.name}</h2>
              <span className={`tag ${c.status === "已结业" ? "ok" : ""}`}>{c.status}</span>
            </div>
            <p className="muted sub">
              {c.kind} · 第 {c.term} 期 · {c.hostUnit} · {c.startDate} 至 {c.endDate}
            </p>
            <StatGrid
              items={[
                [`${m.hours}/${m.requiredHours}`, "学时"],
                [`${m.lessonsDone}/${m.lessonsTotal}`, "必修课时"],
                [m.composite, "综合成绩"],
                [m.band, "等级"],
              ]}
            />
            <ul className="facts">
              <li>考试：{m.exams.join("；") || "无"}</li>
              <li>作业：{m.assignments.join("；") || "无"}</li>
              <li>
                综合成绩 = 考试 {m.components.exam} × {c.rules.weights.exam}% + 作业 {m.components.assignment} × {c.rules.weights.assignment}% + 平时{" "}
                {m.components.usual} × {c.rules.weights.usual}%；及格线 {c.rules.passLine}
              </li>
              <li>
                课程：
                {c.courses.map((k, i) => (
                  <span key={k.slug}>
                    {i ? "、" : ""}
                    <Link to={`/courses/${k.slug}`}>{k.title}</Link>
                    {k.required ? "" : "（选修）"}
                  </span>
                ))}
              </li>
            </ul>
            <p className="standing">
              {m.certificate ? (
                <>
                  <span className="tag ok">已结业</span> 证书编号 {m.certificate.number} · <Link to="/my/certificates">我的证书</Link>
                </>
              ) : m.outcome === "not_completed" ? (
                <>
                  <span className="tag">未结业</span> 组织部已认定未达到结业条件{m.resultHidden || !m.blockers.length ? "" : `：${m.blockers.join("；")}`}
                </>
              ) : m.passed ? (
                <>
                  <span className="tag ok">已达到结业条件</span> <span className="muted">组织部确认结业后颁发证书</span>
                </>
              ) : (
                <>
                  <strong>尚未达到结业条件：</strong>
                  <Standing m={m} />
                </>
              )}
            </p>
          </section>
        );
      })}
    </div>
  );
}
