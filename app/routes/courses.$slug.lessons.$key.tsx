import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { LessonPage } from "~/components/CourseReader.tsx";
import { useRef } from "react";
import { Dialog } from "~/components/Dialog.tsx";
import { LessonPlayer, type PlayerControls } from "~/components/LessonPlayer.tsx";
import { useHeartbeat } from "~/components/useHeartbeat.ts";
import { creditedLimit } from "~/utils/coverage.ts";
import { getLesson, whyCourseHidden } from "~/models/courses.server.ts";
import { getLessonProgress } from "~/models/progress.server.ts";
import learnCss from "~/styles/learn.css?url";
import proseCss from "~/styles/prose.css?url";
import { requireUser } from "~/guards/auth.server.ts";
import { courseMediaUrl, renderMarkdown } from "~/utils/markdown.server.ts";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: learnCss },
  { rel: "stylesheet", href: proseCss },
];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.lesson.title ?? "课时"} · 网上党校` }];

export async function loader(args: LoaderFunctionArgs) {
  const user = await requireUser(args);
  const { db } = args.context;
  const slug = args.params.slug ?? "";
  const found = await getLesson(db, slug, args.params.key ?? "", user);
  if (!found) {
    const why = await whyCourseHidden(db, slug, user);
    throw new Response(why?.message ?? "课时不存在", { status: why?.status ?? 404 });
  }
  const { course, lesson, prev, next } = found;
  const p = (await getLessonProgress(db, user.id, [lesson.id])).get(lesson.id);
  // A locked player resumes no further than credit reaches: play beyond it would never count.
  const locked = course.progress.lock_seek && !p?.completed;
  const position = p ? (locked ? Math.min(p.position, creditedLimit(p.furthest)) : p.position) : 0;
  const mediaBase = `/media/courses/${course.slug}/`;
  return {
    course: { slug: course.slug, title: course.title, rules: course.progress },
    lesson: {
      id: lesson.id,
      key: lesson.key,
      title: lesson.title,
      chapter: lesson.chapter,
      hours: lesson.hours,
      required: lesson.required,
      archived: lesson.archived,
      video: courseMediaUrl(mediaBase, lesson.video),
      captions: courseMediaUrl(mediaBase, lesson.captions),
      readMinutes: lesson.complete_read_minutes,
      watchPercent: lesson.complete_watch_percent,
      html: renderMarkdown(lesson.body_md, { mediaBase }),
    },
    progress: {
      completed: p?.completed ?? false,
      coverage: p?.coverage ?? 0,
      readSeconds: p?.readSeconds ?? 0,
      furthest: p?.furthest ?? 0,
      position,
    },
    prev,
    next,
  };
}

/**
 * One page per lesson: moving to another lesson inside the app mounts a new page (new player, new
 * heartbeat) instead of reusing this one, so the old lesson sends its last beat and no segment of its
 * video can be taken for the next lesson.
 */
export default function LessonRoute() {
  const data = useLoaderData<typeof loader>();
  return <Lesson key={data.lesson.id} {...data} />;
}

function Lesson({ course, lesson, progress, prev, next }: ReturnType<typeof useLoaderData<typeof loader>>) {
  const controls = useRef<PlayerControls | null>(null);
  const { state, takeOver, confirmPresence, beatNow } = useHeartbeat({
    lessonId: lesson.id,
    initial: { coverage: progress.coverage, readSeconds: progress.readSeconds, furthest: progress.furthest, completed: progress.completed },
    takeSegments: lesson.video ? () => controls.current?.take() ?? { segments: [], position: 0 } : undefined,
    // The server credited less than was played (a long network gap, a busy page): with seeking locked
    // nothing beyond its furthest point would ever count, so the player goes back there and says why.
    onAck: (reply, position) => {
      if (lesson.video && course.rules.lock_seek && !reply.completed && position > creditedLimit(reply.furthest) + 1)
        controls.current?.rewindTo(reply.furthest);
    },
  });
  const done = state.completed;
  const goal = lesson.video ? lesson.watchPercent : 100;
  const value = lesson.video ? state.coverage : Math.min(100, (state.readSeconds / (lesson.readMinutes * 60)) * 100);
  const hold = state.status === "busy" ? "另一页面正在计时，本页已暂停播放" : state.status === "check" ? "请先确认继续学习" : null;

  const base = `/courses/${course.slug}`;
  return (
    <LessonPage
      base={base}
      course={course}
      lesson={lesson}
      prev={prev}
      next={next}
      askLink={`${base}/questions?lesson=${encodeURIComponent(lesson.key)}`}
      player={
        lesson.video ? (
          <LessonPlayer
            src={lesson.video}
            captions={lesson.captions}
            resumeAt={progress.position}
            furthest={Math.max(progress.furthest, state.furthest)}
            lockSeek={course.rules.lock_seek && !done}
            lockRate={course.rules.lock_rate && !done}
            controlsRef={controls}
            hold={hold}
            onStop={() => void beatNow()}
          />
        ) : null
      }
    >
      <div className="progress-bar" role="status" aria-live="polite" data-testid="lesson-progress">
        {done ? (
          <strong className="ok-text">✓ 本课已完成，{lesson.hours} 学时已计入</strong>
        ) : (
          <>
            <span>
              {lesson.video
                ? `已观看 ${Math.round(state.coverage)}%（需 ${goal}%）`
                : `已阅读 ${Math.floor(state.readSeconds / 60)} 分 ${Math.round(state.readSeconds % 60)} 秒（需 ${lesson.readMinutes} 分钟）`}
            </span>
            <span className="meter" aria-hidden>
              <span style={{ width: `${Math.min(100, (value / goal) * 100)}%` }} />
            </span>
          </>
        )}
        {state.status === "offline" ? <span className="alert warn">网络中断，学习记录已暂存，恢复后自动补传。</span> : null}
        {state.status === "busy" ? (
          <span className="alert warn">
            {state.message}{" "}
            <button type="button" className="btn small" onClick={takeOver}>
              在此继续学习
            </button>
          </span>
        ) : null}
      </div>
      <Dialog open={state.status === "check"} label="继续学习" required className="presence-dialog">
        <p>您还在学习吗？确认后继续计时。</p>
        <button type="button" className="btn primary" onClick={() => void confirmPresence()}>
          继续学习
        </button>
      </Dialog>
    </LessonPage>
  );
}
