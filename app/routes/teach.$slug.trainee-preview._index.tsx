import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { CoursePage, PreviewBanner } from "~/components/CourseReader.tsx";
import { requireCoursePreviewer } from "~/guards/auth.server.ts";
import { previewCoursePage } from "~/models/course-preview.server.ts";
import learnCss from "~/styles/learn.css?url";
import proseCss from "~/styles/prose.css?url";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: learnCss },
  { rel: "stylesheet", href: proseCss },
];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `预览：${data?.course.title ?? "课程"} · 网上党校` }];

/** The course page of the draft as a trainee who has not started will see it (the editors only; others 404). */
export async function loader(args: LoaderFunctionArgs) {
  const { course } = await requireCoursePreviewer(args, args.params.slug);
  const page = await previewCoursePage(args.context.config, course);
  if (!page) throw new Response("找不到课程的源文件", { status: 404 });
  return page;
}

export default function CoursePreview() {
  const page = useLoaderData<typeof loader>();
  return (
    <div className="stack">
      <PreviewBanner slug={page.course.slug} errors={page.errors} />
      <CoursePage {...page} preview />
    </div>
  );
}
