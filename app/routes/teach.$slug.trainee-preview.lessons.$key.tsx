import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { useRef } from "react";
import { LessonPage, PreviewBanner } from "~/components/CourseReader.tsx";
import { LessonPlayer, type PlayerControls } from "~/components/LessonPlayer.tsx";
import { requireCoursePreviewer } from "~/guards/auth.server.ts";
import { previewLesson } from "~/models/course-preview.server.ts";
import learnCss from "~/styles/learn.css?url";
import proseCss from "~/styles/prose.css?url";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: learnCss },
  { rel: "stylesheet", href: proseCss },
];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `预览：${data?.lesson.title ?? "课时"} · 网上党校` }];

export async function loader(args: LoaderFunctionArgs) {
  const { course } = await requireCoursePreviewer(args, args.params.slug);
  const found = await previewLesson(args.context.config, course, args.params.key ?? "");
  if (!found) throw new Response("草稿中没有这个课时（或它有校验错误）", { status: 404 });
  return found;
}

/** A lesson of the draft with the trainee's player and text; no heartbeat, so nothing is recorded. */
export default function LessonPreview() {
  const d = useLoaderData<typeof loader>();
  // A new page per lesson (a new player), as on the trainee's side.
  return <Lesson key={d.lesson.key} {...d} />;
}

function Lesson({ errors, rules, ...d }: ReturnType<typeof useLoaderData<typeof loader>>) {
  const controls = useRef<PlayerControls | null>(null);
  const base = `/teach/${d.course.slug}/trainee-preview`;
  const goal = d.lesson.video ? `观看至少 ${d.lesson.watchPercent}%` : `阅读至少 ${d.lesson.readMinutes} 分钟`;
  return (
    <div className="stack">
      <PreviewBanner slug={d.course.slug} errors={errors} />
      <LessonPage
        base={base}
        {...d}
        askLink={null}
        player={
          d.lesson.video ? (
            <LessonPlayer
              src={d.lesson.video}
              captions={d.lesson.captions}
              resumeAt={0}
              furthest={0}
              lockSeek={rules.lock_seek}
              lockRate={rules.lock_rate}
              controlsRef={controls}
              hold={null}
            />
          ) : null
        }
      >
        <p className="progress-bar" data-testid="lesson-progress">
          预览：不记录学习进度（学员须{goal}才算完成本课）。
        </p>
      </LessonPage>
    </div>
  );
}
