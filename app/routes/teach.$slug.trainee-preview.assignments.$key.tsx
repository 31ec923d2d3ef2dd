import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { AssignmentBrief, PreviewBanner } from "~/components/CourseReader.tsx";
import { requireCoursePreviewer } from "~/guards/auth.server.ts";
import { previewAssignment } from "~/models/course-preview.server.ts";
import assignmentsCss from "~/styles/assignments.css?url";
import proseCss from "~/styles/prose.css?url";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: proseCss },
  { rel: "stylesheet", href: assignmentsCss },
];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `预览：${data?.assignment.title ?? "作业"} · 网上党校` }];

export async function loader(args: LoaderFunctionArgs) {
  const { course } = await requireCoursePreviewer(args, args.params.slug);
  const found = await previewAssignment(args.context.config, course, args.params.key ?? "");
  if (!found) throw new Response("草稿中没有这项作业（或它有校验错误）", { status: 404 });
  return found;
}

/** An assignment of the draft: its facts and 题目要求 as trainees see them; the writing form is left out. */
export default function AssignmentPreview() {
  const { errors, ...d } = useLoaderData<typeof loader>();
  return (
    <div className="stack assignment-page">
      <PreviewBanner slug={d.course.slug} errors={errors} />
      <AssignmentBrief base={`/teach/${d.course.slug}/trainee-preview`} {...d} />
      <p className="alert warn">预览：学员在此撰写正文、上传附件并提交；预览中不能提交。</p>
    </div>
  );
}
