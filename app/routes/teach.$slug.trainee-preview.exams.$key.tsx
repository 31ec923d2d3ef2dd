import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { ExamRules, PreviewBanner } from "~/components/CourseReader.tsx";
import { requireCoursePreviewer } from "~/guards/auth.server.ts";
import { previewExam } from "~/models/course-preview.server.ts";
import styles from "~/styles/exams.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: styles }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `预览：${data?.exam.title ?? "考试"} · 网上党校` }];

export async function loader(args: LoaderFunctionArgs) {
  const { course } = await requireCoursePreviewer(args, args.params.slug);
  const found = await previewExam(args.context.config, course, args.params.key ?? "");
  if (!found) throw new Response("草稿中没有这场考试（或它有校验错误）", { status: 404 });
  return found;
}

/** An exam of the draft: its figures, rules and instructions as trainees see them; no 开始考试. */
export default function ExamPreview() {
  const { errors, windowProblem, ...d } = useLoaderData<typeof loader>();
  return (
    <div className="stack exam-intro">
      <PreviewBanner slug={d.exam.courseSlug} errors={errors} />
      <ExamRules base={`/teach/${d.exam.courseSlug}/trainee-preview`} {...d} />
      <p className="alert warn">{windowProblem ? `${windowProblem}。` : ""}预览中不能开始考试：学员在此点击“开始考试”后计时。</p>
    </div>
  );
}
