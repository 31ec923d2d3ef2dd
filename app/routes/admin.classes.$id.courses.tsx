// POST /admin/classes/:id/courses: which courses the class takes, required or elective (organization
// department).
import type { ActionFunctionArgs } from "@remix-run/node";
import { ClassRouteView } from "~/components/ClassPage.tsx";
import { classAction } from "~/guards/class-access.server.ts";
import { setClassCourses } from "~/models/classes.server.ts";
import { listCoursesForStaff } from "~/models/courses.server.ts";

export const action = (args: ActionFunctionArgs) =>
  classAction(args, "edit", async ({ me, cls, actor }) => {
    const form = await args.request.formData();
    const all = await listCoursesForStaff(args.context.db, me);
    const chosen = all.flatMap((c) => {
      const v = form.get(`course-${c.id}`);
      return v === "required" || v === "elective" ? [{ courseId: c.id, required: v === "required" }] : [];
    });
    await setClassCourses(args.context.db, cls.id, chosen, actor);
    return { ok: true as const, message: `已保存课程（${chosen.length} 门）` };
  });

export default ClassRouteView;
